"""Train the shipped diffusion models (faces, digits), export ONNX, score them, record them.

    python tools/train_diffusion.py --device cuda --minutes 8        # the shipped models (one GPU)
    python tools/train_diffusion.py --device cpu --minutes 0.5 --out /tmp/diff-smoke   # smoke run
    python tools/train_diffusion.py --models faces --encoder minilm --init-from-shipped ...  # faces-minilm

Writes ``<out>/diffusion/<name>/`` with config.json, model.safetensors, model.onnx,
encoder.onnx and the judge used for scoring (judge/), plus metrics.json, and records each
file in ``<out>/manifest.json`` (``<out>`` defaults to assets/) with the exact command,
wall time, data provenance, licence and metrics. ``--minutes`` is the budget for
everything (training gets ~80 % of it, split faces 70 / digits 30).
Fixed seeds throughout; the face data is generated once as one tensor on the device.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("AI_LAB_DATA_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "ai-lab-train-data"))

SHIPPED_FILES = ("config.json", "model.safetensors", "model.onnx", "encoder.onnx",
                 "judge/config.json", "judge/model.safetensors")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", choices=("auto", "cuda", "cpu"))
    parser.add_argument("--minutes", type=float, default=8.0, help="total budget for both models")
    parser.add_argument("--models", default="faces,digits")
    parser.add_argument("--out", default="", help="root folder (default: the project's assets/)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--n-faces", type=int, default=None)
    parser.add_argument("--eval-n", type=int, default=None, help="prompts per evaluation split")
    parser.add_argument("--eval-steps", type=int, default=None)
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument("--no-record", action="store_true", help="do not touch manifest.json")
    parser.add_argument("--init-from-shipped", action="store_true",
                        help="fine-tune: start from the shipped model's weights (assets/diffusion/<name>) and reuse "
                             "its judge instead of training a new one")
    parser.add_argument("--warmup-steps", type=int, default=200, help="steps of linearly rising learning rate")
    parser.add_argument("--encoder", default="glove", choices=("glove", "minilm"),
                        help="the clue: GloVe word vectors (folder <name>) or MiniLM phrase vectors (<name>-minilm)")
    parser.add_argument("--min-snr", type=float, default=0.0, metavar="GAMMA",
                        help="weight each noise level's loss by min(SNR, GAMMA)/SNR (e.g. 5); 0 = plain loss")
    args = parser.parse_args(argv)

    import torch

    from engines.core.assets import record_asset
    from engines.core.cli_progress import run_with_progress
    from engines.core.device import resolve_device
    from engines.core.model_io import atomic_write_json
    from engines.core.paths import assets_dir
    from engines.diffusion.attributes import evaluate_job, load_judge, save_judge, train_judge_job
    from engines.diffusion.onnx_export import export_model_folder, onnx_parity
    from engines.diffusion.pipeline import load_diffusion_model
    from engines.diffusion.train import CHECKPOINT_DIR, TrainConfig, train_job

    command = "python tools/train_diffusion.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    info = resolve_device(args.device)
    gpu = info.kind == "cuda"
    torch.set_num_threads(args.threads)
    if gpu:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    root = Path(args.out) if args.out else assets_dir()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    share = {"faces": 0.7, "digits": 0.3}
    total_share = sum(share[m] for m in models)
    train_minutes = args.minutes * 0.8
    # on a GPU this small network is launch-bound: a big batch costs little more per step
    batch = args.batch_size or (512 if gpu else 32)
    lr = args.lr or (1e-3 if gpu else 6e-4)
    eval_n = args.eval_n or (64 if gpu else 4)
    eval_steps = args.eval_steps or (50 if gpu else 10)
    print(f"device: {info.name}; budget {args.minutes} min; models {models}; batch {batch}; lr {lr}", flush=True)
    summary = {}
    for name in models:
        t0 = time.monotonic()
        out_name = name + ("-minilm" if args.encoder == "minilm" else "")
        folder = root / "diffusion" / out_name
        config = TrainConfig(dataset=name, word_source=args.encoder, out=str(folder), seed=args.seed, data_seed=args.seed,
                             minutes=train_minutes * share[name] / total_share, max_steps=10**9, batch_size=batch, lr=lr,
                             n_images=args.n_faces or (30000 if gpu else 1500), device=args.device,
                             sample_every_s=0, checkpoint_every_s=120, progress_every=50 if gpu else 5,
                             threads=args.threads, min_snr_gamma=args.min_snr, warmup_steps=args.warmup_steps,
                             init_from=str(assets_dir() / "diffusion" / name) if args.init_from_shipped else "")
        shipped_judge = assets_dir() / "diffusion" / name / "judge"
        if args.init_from_shipped and folder.resolve() in ((assets_dir() / "diffusion" / n).resolve()
                                                           for n in (name, out_name)):
            parser.error("--init-from-shipped needs --out elsewhere (the shipped model is read while training)")
        print(f"== {name}: training for {config.minutes:.2f} min", flush=True)
        result = run_with_progress(train_job(config))
        shutil.rmtree(folder / CHECKPOINT_DIR, ignore_errors=True)  # resume state is not shipped
        export_model_folder(folder)
        parity = onnx_parity(folder)
        print(f"   ONNX parity: {parity}", flush=True)
        judge_device = info.torch_device if gpu else "cpu"
        judge_epochs = (30 if name == "digits" else 8) if gpu else 1
        if args.init_from_shipped:  # the same judge as the shipped model's score, so the numbers compare
            judge, _, judge_metrics = load_judge(shipped_judge)
        else:
            judge, judge_metrics = run_with_progress(train_judge_job(name, n_images=16000 if gpu else 1500,
                                                                     epochs=judge_epochs, seed=args.seed,
                                                                     device=judge_device))
        save_judge(folder / "judge", judge, name, judge_metrics)
        model = load_diffusion_model(folder, "torch", "cuda" if gpu else "cpu", args.threads)
        report = run_with_progress(evaluate_job(model, judge=judge, n_prompts=eval_n, steps=eval_steps,
                                                guidance=3.0, seed=args.seed, batch=128 if gpu else 8,
                                                device=judge_device))
        report["judge"] = judge_metrics
        wall = time.monotonic() - t0
        metrics = {"train_steps": result.steps, "final_loss": round(result.loss, 5),
                   "train_time_s": round(result.wall_time_s, 1), "onnx_parity": parity,
                   "device": info.name, **{k: v for k, v in report.items() if k not in ("model",)}}
        atomic_write_json(folder / "metrics.json", metrics)
        summary[out_name] = metrics
        if not args.no_record:
            cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            data = cfg.get("data", {})
            provenance = data.get("provenance", "")
            if cfg.get("word_source") == "glove":
                provenance += "; caption word vectors from GloVe 6B 50d (embeddings/glove-6b-50d-50k.safetensors, PDDL 1.0)"
            if cfg.get("word_source") == "minilm":
                provenance += ("; caption phrase vectors from all-MiniLM-L6-v2 int8 (embeddings/minilm/model-int8.onnx, "
                               "Apache-2.0)")
            for file in SHIPPED_FILES + ("metrics.json",):
                record_asset(f"diffusion/{out_name}/{file}", root=root, made_by=command, wall_time_s=round(wall, 1),
                             provenance=provenance, licence=data.get("licence", "MIT (this project)"),
                             metrics={k: metrics[k] for k in _headline(name) if k in metrics},
                             notes=f"seed {args.seed}; {result.steps} steps on {info.name}; "
                                   f"held-out pairs: {data.get('holdout_pairs', 'none')}")
        print(json.dumps({out_name: {k: metrics[k] for k in _headline(name) if k in metrics}}, indent=1), flush=True)
    print(json.dumps(summary, indent=1, default=str))
    return 0


def _headline(name: str) -> tuple[str, ...]:
    if name == "digits":
        return ("train_steps", "final_loss", "digit_accuracy", "judge", "onnx_parity")
    return ("train_steps", "final_loss", "heldout_mean_accuracy", "heldout_pair_accuracy", "seen_mean_accuracy",
            "synonym_mean_accuracy", "judge", "onnx_parity")


if __name__ == "__main__":
    sys.exit(main())
