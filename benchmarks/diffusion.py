"""Seconds per 32×32 image at 50 DDIM steps with guidance, torch vs ONNX Runtime, CPU (and GPU).

    python benchmarks/diffusion.py                      # the shipped faces model if trained, else a random one
    python benchmarks/diffusion.py --model digits --threads 2 --quality
    python benchmarks/diffusion.py --model faces-minilm --threads 1   # the MiniLM clue, and diffusers alongside

Batch 1 and 16; one guided step runs the network on a batch of 2B (caption + "no clue"). Our time includes
encoding the caption (for the MiniLM clue: MiniLM itself, its phrase cache emptied before every run).
The same run times diffusers (benchmarks/diffusion_peer.py) unless ``--no-peer``.
``--quality`` adds the judge's scores from the model's metrics.json (written by
tools/train_diffusion.py) or, with ``--evaluate``, measures them now. Writes
benchmarks/results/diffusion.json. Target on a 2-core CPU: ≤ 1 s per image at batch 1 via ONNX Runtime.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("AI_LAB_DATA_DIR", str(Path(tempfile.gettempdir()) / "ai-lab-bench-data"))


def _random_model_folder(clue: str = "learned") -> Path:
    """An untrained model with the shipped architecture (speed does not depend on the weights)."""
    import numpy as np

    from engines.diffusion.captions import WordVectors
    from engines.diffusion.faces import caption_vocabulary
    from engines.diffusion.onnx_export import export_onnx
    from engines.diffusion.pipeline import build_modules, save_diffusion_model
    from engines.diffusion.train import TrainConfig
    from engines.diffusion.train_data import TrainData
    from engines.diffusion.train_setup import model_config

    vocab = caption_vocabulary()
    words = WordVectors(tuple(vocab), np.random.default_rng(0).normal(0, 0.5, (len(vocab), 50)).astype(np.float32),
                        "learned")
    if clue == "minilm":
        from engines.diffusion.minilm_clue import minilm_table

        words = minilm_table(["a face", "grey hair", "wearing a red hat"])
    data = TrainData(np.zeros((1, 3, 32, 32), np.float32), np.zeros((1, 1, 32), np.int64), vocab, ["a face"])
    config = model_config(TrainConfig(dataset="faces", word_source=clue), 3, words, data)
    unet, encoder = build_modules(config)
    folder = Path(tempfile.mkdtemp(prefix="diffusion-bench-"))
    save_diffusion_model(folder, unet, encoder, words, config)
    export_onnx(folder, unet, encoder)
    return folder


def time_sampling(model, batch: int, steps: int, repeats: int) -> float:
    from engines.core.jobs import run_job
    from engines.diffusion.sample import SampleSettings, sample_job

    prompt = model.config.get("default_prompts", ["a face"])[0] if model.config.get("default_prompts") else "a face"
    settings = SampleSettings(tuple([prompt] * batch), seed=0, steps=steps, guidance=3.0)
    run_job(sample_job(model, SampleSettings(settings.prompts, steps=2)))  # warm up
    best = float("inf")
    for _ in range(repeats):
        from engines.diffusion import minilm_clue

        minilm_clue._cache.clear()  # the MiniLM clue encodes the caption again: its time counts
        t0 = time.perf_counter()
        run_job(sample_job(model, settings))
        best = min(best, time.perf_counter() - t0)
    return best / batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="faces", help="faces, digits or a model folder")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument("--batches", default="1,16")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quality", action="store_true", help="include the model's judged quality numbers")
    parser.add_argument("--evaluate", action="store_true", help="measure quality now (slow on a CPU)")
    parser.add_argument("--no-peer", action="store_true", help="skip timing diffusers")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import torch

    from engines.core.model_io import ModelFileError
    from engines.diffusion.pipeline import load_diffusion_model, resolve_model_path

    torch.set_num_threads(args.threads)
    try:
        folder = resolve_model_path(args.model)
        trained = True
    except ModelFileError:
        folder, trained = _random_model_folder("minilm" if "minilm" in str(args.model) else "learned"), False
    if not (folder / "model.onnx").is_file():
        from engines.diffusion.onnx_export import export_model_folder

        export_model_folder(folder)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        for backend in ("torch", "onnx"):
            try:
                model = load_diffusion_model(folder, backend, device, args.threads)
            except Exception as exc:  # e.g. no CUDA provider in this onnxruntime build
                rows.append({"device": device, "backend": backend, "error": str(exc)})
                continue
            if backend == "onnx" and device == "cuda":
                providers = model.runner.unet.get_providers()
                if "CUDAExecutionProvider" not in providers:
                    rows.append({"device": device, "backend": backend, "error": "no CUDA provider in onnxruntime"})
                    continue
            for batch in (int(b) for b in args.batches.split(",")):
                s = time_sampling(model, batch, args.steps, args.repeats if batch == 1 else 1)
                rows.append({"device": device, "backend": backend, "batch": batch, "s_per_image": round(s, 4)})
    batches = [int(b) for b in args.batches.split(",")]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from diffusion_peer import peer_rows

    peers = [] if args.no_peer else peer_rows(batches, args.steps, args.repeats)
    ours = load_diffusion_model(folder, "torch", "cpu", args.threads)
    report = {"model": str(args.model), "trained": trained, "steps": args.steps, "guidance": 3.0, "sampler": "ddim",
              "parameters": sum(p.numel() for p in ours.runner.unet.parameters()),
              "clue": ours.config.get("word_source"), "peers": peers,
              "threads": args.threads, "cpu_count": os.cpu_count(), "machine": platform.processor() or platform.machine(),
              "torch": torch.__version__, "rows": rows}
    try:
        import onnxruntime

        report["onnxruntime"] = onnxruntime.__version__
    except ImportError:
        pass
    if args.quality or args.evaluate:
        metrics_path = folder / "metrics.json"
        if args.evaluate or not metrics_path.is_file():
            from engines.core.jobs import run_job
            from engines.diffusion.attributes import evaluate_job

            model = load_diffusion_model(folder, "torch", devices[-1], args.threads)
            guidance = float(model.config.get("recommended_guidance", 3.0))  # and its recommended step plan
            report["quality"] = run_job(evaluate_job(model, n_prompts=16, steps=args.steps, guidance=guidance,
                                                     device=devices[-1]))
        else:
            report["quality"] = json.loads(metrics_path.read_text(encoding="utf-8"))
    out = ROOT / "benchmarks" / "results" / "diffusion.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(f"model {args.model} ({'trained' if trained else 'untrained, same architecture'}), "
          f"{args.steps} DDIM steps, guidance 3, {args.threads} CPU threads")
    print(f"{'device':<6} {'backend':<8} {'batch':>5} {'s/image':>9}")
    for r in rows:
        if "error" in r:
            print(f"{r['device']:<6} {r['backend']:<8} {'':>5} {r['error']}")
        else:
            print(f"{r['device']:<6} {r['backend']:<8} {r['batch']:>5} {r['s_per_image']:>9.3f}")
    print(f"ours: {report['parameters']:,} parameters, clue {report['clue']} (its encoding included)")
    for r in peers:
        if "error" in r:
            print(r["error"])
            continue
        mine = next((o for o in rows if o.get("batch") == r["batch"] and o.get("backend") == "onnx"
                     and o.get("device") == "cpu"), None)
        ratio = f", ours (ONNX) {r['s_per_image'] / mine['s_per_image']:.1f}× faster" if mine else ""
        print(f"{r['peer']} ({r['plan']}, {r['parameters']:,} parameters) batch {r['batch']}: "
              f"{r['s_per_image']:.3f} s/image{ratio}")
    quality = report.get("quality")
    if quality:
        for key in ("digit_accuracy", "heldout_mean_accuracy", "heldout_pair_accuracy", "seen_mean_accuracy",
                    "synonym_mean_accuracy"):
            if key in quality:
                print(f"{key}: {quality[key]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
