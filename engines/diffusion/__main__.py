"""``python -m engines.diffusion sample|noise|encode|train|evaluate|export|branch|music|spectrogram|evaluate-music …``: the Diffusion tab without a window.

Examples::

    python -m engines.diffusion sample --model faces --prompt "a smiling face wearing a red hat" \\
        --seed 3 --steps 50 --guidance 3 --out face.png
    python -m engines.diffusion sample --encoder minilm --prompt "a face wearing a crimson hat" --out crimson.png
    python -m engines.diffusion branch --prompt "a smiling face" --at 10 --new-prompt "a frowning face" --out tree.png
    python -m engines.diffusion noise --image face.png --t 400 --out noisy.png
    python -m engines.diffusion encode --model digits --prompt "the digit seven" --json
    python -m engines.diffusion train --dataset digits --minutes 5 --out my-digits
    python -m engines.diffusion evaluate --model digits --json
    python -m engines.diffusion export --model my-digits
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engines.core.cli_progress import run_with_progress


def _print(args: argparse.Namespace, report: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print("\n".join(lines))


def _guidance(args: argparse.Namespace, model) -> float:
    """--guidance when given, else the scale tools/tune_guidance.py chose for this model, else 3."""
    if args.guidance is not None:
        return float(args.guidance)
    return float(model.config.get("recommended_guidance", 3.0))


def _sampling(args: argparse.Namespace) -> dict:
    """--spacing/--clip/--sigma-max as SampleSettings fields (auto/None: the model's recommendation)."""
    return {"spacing": args.spacing, "clip": args.clip, "sigma_max": args.sigma_max, "clip_sigma": args.clip_sigma}


def _sampling_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spacing", choices=("auto", "leading", "trailing", "karras"), default="auto",
                   help="which timesteps to visit (auto: the model's recommended_sampling, else trailing)")
    p.add_argument("--clip", action=argparse.BooleanOptionalAction, default=None,
                   help="clip the clean-image guess to -1..1 at every step (default: the model's recommendation)")
    p.add_argument("--sigma-max", type=float, default=None, help="karras: the noise level to start from")
    p.add_argument("--clip-sigma", type=float, default=None,
                   help="with --clip: clip only at steps whose noise level σ is below this (0 = every step)")


def _model_name(args: argparse.Namespace) -> str:
    """--model, or with --encoder the faces model that reads captions with that clue."""
    if getattr(args, "encoder", None):
        from engines.diffusion.model_store import CLUES

        if args.model not in ("faces", *CLUES.values()):
            raise SystemExit("--encoder picks one of the faces models; leave out --model (or use --model faces)")
        return CLUES[args.encoder]
    return args.model


def _sample(args: argparse.Namespace) -> int:
    import numpy as np

    from engines.diffusion.pipeline import load_diffusion_model
    from engines.diffusion.png import write_png
    from engines.diffusion.sample import SampleSettings, image_grid, resolve_sampling, sample_job

    model = load_diffusion_model(_model_name(args), args.backend, args.device, args.threads)
    args.guidance = _guidance(args, model)
    prompts = tuple([args.prompt] * args.batch)
    settings = SampleSettings(prompts, seed=args.seed, steps=args.steps, guidance=args.guidance,
                              sampler=args.sampler, eta=args.eta, **_sampling(args))
    used = resolve_sampling(settings, model.config)
    images = run_with_progress(sample_job(model, settings), quiet=args.json)
    grid = image_grid(images, pad=0 if args.batch == 1 else 1)
    if args.scale > 1:
        grid = np.repeat(np.repeat(grid, args.scale, axis=0), args.scale, axis=1)
    meta = {"prompt": args.prompt, "seed": str(args.seed), "steps": str(args.steps), "guidance": str(args.guidance),
            "sampler": args.sampler, "eta": str(args.eta), "spacing": used["spacing"],
            "clip": str(used["clip_sample"]).lower(), "sigma_max": f"{used['sigma_max']:g}",
            "clip_sigma": ("never" if not used["clip_sample"] else "every step" if used["clip_sigma"] is None
                           else f"below {used['clip_sigma']:g}"),
            "model": _model_name(args), "backend": model.runner.backend,
            "Software": "AI Lab engines.diffusion"}
    write_png(args.out, grid if grid.shape[2] != 1 else grid[:, :, 0], meta)
    enc = model.encode([args.prompt])
    report = {**meta, "out": str(args.out), "words_used": enc.words[0], "words_ignored": enc.unknown[0],
              "new_words": [list(w) for w in enc.new_words[0]], "shape": list(grid.shape)}
    _print(args, report, [f"wrote {args.out} ({grid.shape[1]}×{grid.shape[0]})",
                          f"words used: {' '.join(enc.words[0]) or '(none)'}"
                          + (f"; ignored: {' '.join(enc.unknown[0])}" if enc.unknown[0] else "")
                          + (f"; new to this model, read as the nearest training word: "
                             f"{_new_words_text(enc.new_words[0])}" if enc.new_words[0] else "")])
    return 0


def _noise(args: argparse.Namespace) -> int:
    import numpy as np

    from engines.diffusion.png import read_png, write_png
    from engines.diffusion.schedule import NoiseSchedule, q_sample

    image, _ = read_png(args.image)
    schedule = NoiseSchedule.make(args.schedule, 1000)
    if not 0 <= args.t < schedule.num_timesteps:
        raise ValueError(f"--t must be between 0 and {schedule.num_timesteps - 1}")
    rgb = image[:, :, :3] if image.shape[2] >= 3 else image[:, :, :1]
    x0 = rgb.astype(np.float32).transpose(2, 0, 1)[None] / 127.5 - 1.0
    noise = np.random.default_rng(args.seed).standard_normal(x0.shape).astype(np.float32)
    xt = q_sample(schedule, x0, args.t, noise)
    out = np.clip(np.round((xt[0].transpose(1, 2, 0) + 1) * 127.5), 0, 255).astype(np.uint8)
    signal, noise_share = float(schedule.signal_share(args.t)), float(schedule.noise_share(args.t))
    write_png(args.out, out if out.shape[2] != 1 else out[:, :, 0],
              {"t": str(args.t), "schedule": args.schedule, "seed": str(args.seed), "source": str(args.image)})
    report = {"out": str(args.out), "t": args.t, "schedule": args.schedule, "signal_share": signal,
              "noise_share": noise_share, "alpha_bar": float(schedule.alphas_cumprod[args.t])}
    _print(args, report, [f"wrote {args.out}: t={args.t}, {signal:.3f}·image + {noise_share:.3f}·noise"])
    return 0


def _new_words_text(new_words: list[tuple[str, str, float]]) -> str:
    """"crimson → purple (0.76)": each word new to the model and the training word its vector lies nearest."""
    return ", ".join(f"{w} → {near} ({cos:.2f})" for w, near, cos in new_words)


def _encode(args: argparse.Namespace) -> int:
    from engines.diffusion.pipeline import load_diffusion_model

    model = load_diffusion_model(_model_name(args), args.backend, args.device, args.threads)
    enc = model.encode([args.prompt])
    n = int(enc.mask[0].sum())
    report = {"prompt": args.prompt, "words_used": enc.words[0], "words_ignored": enc.unknown[0],
              "new_words": [list(w) for w in enc.new_words[0]], "word_source": model.config.get("word_source"),
              "pooled": [round(float(v), 4) for v in enc.pooled[0]],
              "tokens": [[round(float(v), 4) for v in row] for row in enc.tokens[0, :n]]}
    _print(args, report, [f"words: {' '.join(enc.words[0])}  (ignored: {' '.join(enc.unknown[0]) or 'none'})",
                          *([f"new to this model (nearest training word by word vector): "
                             f"{_new_words_text(enc.new_words[0])}"] if enc.new_words[0] else []),
                          "pooled caption vector: " + " ".join(f"{v:+.2f}" for v in enc.pooled[0][:16]) + " …"])
    return 0


def _train(args: argparse.Namespace) -> int:
    from engines.diffusion.train import TrainConfig, train_job

    config = TrainConfig(dataset=args.dataset, out=args.out or "", minutes=args.minutes, max_steps=args.steps,
                         batch_size=args.batch_size, lr=args.lr, device=args.device, resume=args.resume,
                         seed=args.seed, n_images=args.n_images, sample_every_s=0, threads=args.threads)
    result = run_with_progress(train_job(config), quiet=args.json)
    report = {"folder": str(result.folder), "steps": result.steps, "loss": result.loss,
              "wall_time_s": round(result.wall_time_s, 1)}
    if args.onnx:
        from engines.diffusion.onnx_export import export_model_folder

        export_model_folder(result.folder)
        report["onnx"] = True
    _print(args, report, [f"saved {result.folder}: {result.steps} steps, loss {result.loss:.4f}"])
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from engines.diffusion.attributes import evaluate_job
    from engines.diffusion.pipeline import load_diffusion_model

    model = load_diffusion_model(_model_name(args), args.backend, args.device, args.threads)
    args.guidance = _guidance(args, model)
    device = "cuda" if args.device == "cuda" else "cpu"
    overrides = {k: v for k, v in (("spacing", args.spacing), ("clip_sample", args.clip), ("sigma_max", args.sigma_max),
                                   ("clip_sigma", args.clip_sigma)) if v is not None and v != "auto"}
    report = run_with_progress(evaluate_job(model, n_prompts=args.n, steps=args.steps, guidance=args.guidance,
                                            seed=args.seed, batch=args.batch, device=device,
                                            sampling=overrides or None), quiet=args.json)
    lines = [f"{k}: {v}" for k, v in report.items() if not isinstance(v, (dict, list))]
    for prompt, d in report.get("synonym_details", {}).items():
        drawn = ", ".join(f"{v} {share:.2f}" for v, share in sorted(d["drawn"].items(), key=lambda kv: -kv[1]))
        read = d.get("read_as")
        space = "MiniLM's phrase space" if report.get("word_source") == "minilm" else "the word vectors"
        why = f"; '{read['word']}' lies nearest '{read['nearest']}' in {space}" if read else ""
        lines.append(f"synonym '{prompt}': wanted {d['wanted']}, drew {drawn}{why}")
    _print(args, report, lines)
    return 0


def _export(args: argparse.Namespace) -> int:
    from engines.diffusion.onnx_export import export_model_folder, onnx_parity
    from engines.diffusion.pipeline import resolve_model_path

    folder = resolve_model_path(args.model)
    paths = export_model_folder(folder)
    parity = onnx_parity(folder)
    _print(args, {"files": [str(p) for p in paths], **parity},
           [f"wrote {', '.join(str(p) for p in paths)}", f"parity: {parity}"])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engines.diffusion", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, model: bool = True) -> None:
        if model:
            p.add_argument("--model", default="faces", help="faces, digits or a model folder")
            p.add_argument("--backend", choices=("torch", "onnx"), default="torch")
            p.add_argument("--encoder", choices=("glove", "minilm"), default=None,
                           help="faces: the clue that reads the caption (GloVe words or MiniLM phrases)")
        p.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda", "mps"))
        p.add_argument("--threads", type=int, default=1)
        p.add_argument("--json", action="store_true", help="print a JSON report")

    p = sub.add_parser("sample", help="generate an image from a caption")
    common(p)
    p.add_argument("--prompt", default="")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--guidance", type=float, default=None,
                   help="how hard the caption pushes (default: the model's recommended_guidance, else 3)")
    p.add_argument("--sampler", choices=("ddim", "ddpm"), default="ddim")
    p.add_argument("--eta", type=float, default=0.0, help="DDIM randomness (0 = deterministic)")
    _sampling_arguments(p)
    p.add_argument("--batch", type=int, default=1, help="images in a grid, same prompt, one seed")
    p.add_argument("--scale", type=int, default=1, help="enlarge the PNG by this whole factor")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_sample)

    p = sub.add_parser("noise", help="add noise to a PNG up to timestep t (the forward process)")
    common(p, model=False)
    p.add_argument("--image", required=True)
    p.add_argument("--t", type=int, required=True, help="0 (clean) … 999 (pure noise)")
    p.add_argument("--schedule", choices=("cosine", "linear"), default="cosine")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_noise)

    p = sub.add_parser("encode", help="show a caption as the numbers the UNet reads")
    common(p)
    p.add_argument("--prompt", required=True)
    p.set_defaults(func=_encode)

    p = sub.add_parser("train", help="train a captioned diffusion model")
    common(p, model=False)
    p.add_argument("--dataset", default="digits", help="faces, digits or a folder of PNG files")
    p.add_argument("--out", default="")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--n-images", type=int, default=20000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--onnx", action="store_true", help="also export model.onnx + encoder.onnx")
    p.set_defaults(func=_train)

    p = sub.add_parser("evaluate", help="score samples with the attribute/digit judge")
    common(p)
    p.add_argument("--n", type=int, default=64, help="prompts per split")
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--guidance", type=float, default=None,
                   help="default: the model's recommended_guidance, else 3")
    _sampling_arguments(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=64)
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("export", help="write model.onnx + encoder.onnx and check parity")
    common(p, model=False)
    p.add_argument("--model", required=True)
    p.set_defaults(func=_export)

    from engines.diffusion.music_cli import add_commands

    add_commands(sub, common, _print)  # music, spectrogram, evaluate-music
    from engines.diffusion.branch_cli import add_branch_command

    add_branch_command(sub, common, _print, _model_name)
    return parser


def main(argv: list[str] | None = None) -> int:
    from engines.core.cli_progress import run_cli

    return run_cli(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
