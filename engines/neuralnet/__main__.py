"""``python -m engines.neuralnet neuron|perceptron|playground|digits|autoencoder …``: the Neural Net tab without a window.

Examples::

    python -m engines.neuralnet neuron --inputs 1,0,1 --weights 0.5,0.5,0.5 --threshold 1 --json
    python -m engines.neuralnet neuron --preset and --inputs 1,1
    python -m engines.neuralnet perceptron --gate xor
    python -m engines.neuralnet playground --dataset spiral --layers 8,8,4 --epochs 300 --json
    python -m engines.neuralnet digits --model cnn --epochs 10 --json
    python -m engines.neuralnet autoencoder --bottleneck 2 --epochs 40 --json
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engines.core.cli_progress import run_with_progress
from engines.core.jobs import CancelToken


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


def _ints(text: str) -> tuple[int, ...]:
    if text.strip() in ("", "0", "none"):
        return ()
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got {text!r}") from None


def _names(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def _neuron(args: argparse.Namespace) -> int:
    from engines.neuralnet.neuron import Neuron, gate_neuron, vertical_line_detector

    if args.preset == "vertical-line":
        neuron = vertical_line_detector()
    elif args.preset:
        neuron = gate_neuron(args.preset, len(args.inputs))
    else:
        if args.weights is None:
            raise ValueError("give --weights (or a --preset)")
        neuron = Neuron(args.weights, args.threshold, args.activation)
    if args.preset:
        neuron.activation = args.activation
    trace = neuron.trace(args.inputs)
    report = {"name": neuron.name, "weights": neuron.weights, "threshold": neuron.threshold,
              "activation": neuron.activation, "inputs": list(trace.inputs), "products": list(trace.products),
              "weighted_sum": trace.weighted_sum, "net_input": trace.net_input, "output": trace.output,
              "fires": trace.fires}
    if args.json:
        print(json.dumps(report))
    else:
        terms = " + ".join(f"{w:g}×{x:g}" for w, x in zip(neuron.weights, trace.inputs))
        print(f"weighted sum  {terms} = {trace.weighted_sum:g}")
        print(f"threshold     {neuron.threshold:g}")
        print(f"output        {neuron.activation}({trace.weighted_sum:g} − {neuron.threshold:g}) = {trace.output:.4g}")
        print(f"fires         {'yes' if trace.fires else 'no'}")
    return 0


def _perceptron(args: argparse.Namespace) -> int:
    from engines.neuralnet.perceptron import PerceptronConfig, learn_perceptron

    config = PerceptronConfig(gate=args.gate, n_inputs=args.n_inputs, learning_rate=args.lr,
                              max_epochs=args.max_epochs)
    cancel = CancelToken()
    result = run_with_progress(learn_perceptron(config, cancel), cancel, quiet=args.json or args.quiet)
    report = {"gate": args.gate, "n_inputs": args.n_inputs, "converged": result.converged, "epochs": result.epochs,
              "weights": result.weights, "threshold": result.threshold, "errors_per_epoch": result.errors_per_epoch,
              "repeated_at_epoch": result.repeated_at_epoch, "message": result.message}
    if args.json:
        print(json.dumps(report))
    else:
        print(result.message)
        print(f"weights {', '.join(f'{w:.3g}' for w in result.weights)}   threshold {result.threshold:.3g}")
    return 0 if result.converged else 1


def _playground(args: argparse.Namespace) -> int:
    from engines.neuralnet.datasets import load_csv
    from engines.neuralnet.export import export_onnx, save_playground_model
    from engines.neuralnet.playground import PlaygroundConfig, train_playground

    config = PlaygroundConfig(
        dataset=args.dataset, n_points=args.points, noise=args.noise, n_classes=args.classes,
        test_fraction=args.test_fraction, features=args.features, hidden_layers=args.layers,
        activation=args.activation, learning_rate=args.lr, batch_size=args.batch_size,
        regularization=args.regularization, regularization_rate=args.reg_rate, seed=args.seed,
        epochs=args.epochs, frame_every=args.frame_every,
    )
    data = load_csv(args.csv) if args.csv else None
    cancel = CancelToken()
    result = run_with_progress(train_playground(config, cancel, data=data), cancel, quiet=args.json or args.quiet)
    pg = result.playground
    report: dict[str, Any] = {"dataset": args.csv or args.dataset, "task": pg.task,
                              "layer_sizes": pg.model.layer_sizes, "seed": args.seed, **result.to_dict()}
    if args.save:
        save_playground_model(args.save, pg.model, {"dataset": report["dataset"], "epochs": pg.epoch,
                                                    "train_loss": result.train_loss, "test_loss": result.test_loss})
        report["saved"] = args.save
    if args.onnx:
        report["onnx"] = str(export_onnx(pg.model, args.onnx))
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['dataset']}: {pg.model.layer_sizes} network, {result.epochs} epochs")
        print(f"train loss {result.train_loss:.4f}   test loss {result.test_loss:.4f}")
        if result.test_accuracy is not None:
            print(f"train accuracy {result.train_accuracy:.1%}   test accuracy {result.test_accuracy:.1%}")
        print(f"{result.epochs_per_second:.0f} epochs/s ({result.seconds:.2f} s, with a frame every "
              f"{config.frame_every} epochs)")
    return 0


def _digits(args: argparse.Namespace) -> int:
    from engines.neuralnet.digits import DigitsConfig, save_classifier, train_digits

    config = DigitsConfig(model=args.model, epochs=args.epochs, seed=args.seed, frame_every=args.epochs)
    cancel = CancelToken()
    result = run_with_progress(train_digits(config, cancel), cancel, quiet=args.json or args.quiet)
    report: dict[str, Any] = {"seed": args.seed, **result.to_dict()}
    if args.save:
        save_classifier(args.save, result.classifier, {"epochs": result.epochs, "seed": args.seed,
                                                       "test_accuracy": result.test_accuracy})
        report["saved"] = args.save
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{args.model} on the 8×8 digits, {result.epochs} epochs, seed {args.seed} ({result.seconds:.2f} s)")
        print(f"train accuracy {result.train_accuracy:.1%}   test accuracy {result.test_accuracy:.1%} "
              f"({int(result.confusion.trace())}/{int(result.confusion.sum())} test digits right)")
    return 0


def _autoencoder(args: argparse.Namespace) -> int:
    from engines.neuralnet.autoencoder import AutoencoderConfig, train_autoencoder

    config = AutoencoderConfig(bottleneck=args.bottleneck, epochs=args.epochs, seed=args.seed,
                               frame_every=args.epochs)
    cancel = CancelToken()
    result = run_with_progress(train_autoencoder(config, cancel), cancel, quiet=args.json or args.quiet)
    report = {"seed": args.seed, **result.to_dict()}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"64 pixels → {args.bottleneck} numbers → 64 pixels ({result.compression_ratio:.1f}× smaller), "
              f"{result.epochs} epochs ({result.seconds:.2f} s)")
        print(f"reconstruction error (mean squared, pixels 0..1): train {result.train_mse:.4f}   "
              f"test {result.test_mse:.4f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from engines.neuralnet.datasets import DATASETS
    from engines.neuralnet.mlp import HIDDEN_ACTIVATIONS, REGULARIZATIONS
    from engines.neuralnet.neuron import ACTIVATIONS

    parser = argparse.ArgumentParser(prog="python -m engines.neuralnet", description="AI Lab: neurons and networks")
    sub = parser.add_subparsers(dest="verb", required=True)

    p = sub.add_parser("neuron", help="one neuron: weighted sum, threshold, output")
    p.add_argument("--inputs", type=_floats, required=True, help="e.g. 1,0,1")
    p.add_argument("--weights", type=_floats, help="e.g. 0.5,0.5,0.5")
    p.add_argument("--threshold", type=float, default=0.0)
    p.add_argument("--activation", choices=ACTIVATIONS, default="step")
    p.add_argument("--preset", choices=("and", "or", "nand", "vertical-line"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_neuron)

    p = sub.add_parser("perceptron", help="the perceptron learning rule on a logic gate")
    p.add_argument("--gate", choices=("and", "or", "xor", "nand", "nor"), default="and")
    p.add_argument("--n-inputs", type=int, choices=(2, 3), default=2)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--max-epochs", type=int, default=50)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_perceptron)

    p = sub.add_parser("playground", help="train a small network on a 2-D dataset")
    p.add_argument("--dataset", choices=DATASETS, default="circle")
    p.add_argument("--csv", help="train on points from a CSV file of x,y,label instead")
    p.add_argument("--points", type=int, default=500)
    p.add_argument("--noise", type=float, default=0.0)
    p.add_argument("--classes", type=int, default=2)
    p.add_argument("--test-fraction", type=float, default=0.5)
    p.add_argument("--features", type=_names, default=("x1", "x2"), help="from x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2")
    p.add_argument("--layers", type=_ints, default=(4, 2), help="hidden layer sizes, e.g. 4,2 (0 for none)")
    p.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, default="tanh")
    p.add_argument("--lr", type=float, default=0.03)
    p.add_argument("--batch-size", type=int, default=10)
    p.add_argument("--regularization", choices=REGULARIZATIONS, default="none")
    p.add_argument("--reg-rate", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--frame-every", type=int, default=10, help="build a picture every N epochs (as the GUI would)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", help="folder to save the trained network to (safetensors + config.json)")
    p.add_argument("--onnx", help="file to export the trained network to as ONNX")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_playground)

    p = sub.add_parser("digits", help="train a classifier on the real 8×8 handwritten digits")
    p.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", help="folder to save the trained classifier to (safetensors + config.json)")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_digits)

    p = sub.add_parser("autoencoder", help="compress the digits through a K-number bottleneck and back")
    p.add_argument("--bottleneck", type=int, default=2, help="numbers in the middle (1..16)")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_autoencoder)
    return parser


def main(argv: list[str] | None = None) -> int:
    from engines.core.cli_progress import run_cli

    return run_cli(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
