"""Train the shipped music model (spectrogram diffusion) on the CPU, export ONNX, score it, record it.

    python tools/train_music.py --minutes 25 --threads 1              # the shipped model
    python tools/train_music.py --minutes 0.5 --n-clips 64 --out /tmp/music-smoke --eval-n 1 --eval-steps 5

Steps: synthesise the clips (cached in --cache), train the style judge on real clips and test it on
clips from unseen seeds, train the captioned UNet for --minutes of wall time (4×32×32 folded
spectrograms), export ONNX, check parity, evaluate with the judge (ONNX Runtime, one thread) and
record every shipped file in <out>/manifest.json with the exact command, times and metrics.
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=25.0, help="wall-clock budget of the diffusion training")
    p.add_argument("--n-clips", type=int, default=2000)
    p.add_argument("--judge-clips", type=int, default=800, help="real clips the judge trains on")
    p.add_argument("--judge-test-clips", type=int, default=200)
    p.add_argument("--out", default="", help="root folder (default: the project's assets/)")
    p.add_argument("--cache", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "music_cache"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=8e-4)
    p.add_argument("--channels", default="24,48,96")
    p.add_argument("--min-snr", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--eval-n", type=int, default=8, help="held-out prompts per style (and per mix)")
    p.add_argument("--eval-steps", type=int, default=50)
    p.add_argument("--guidance", type=float, default=6.0, help="recommended guidance (the evaluation uses it)")
    p.add_argument("--spacing", choices=("leading", "trailing", "karras"), default="karras",
                   help="recommended step spacing written to config.json (the evaluation uses it)")
    p.add_argument("--clip", action=argparse.BooleanOptionalAction, default=False,
                   help="recommend clipping the clean-picture guess to -1..1 at every step")
    p.add_argument("--clip-sigma", type=float, default=0.0,
                   help="with --clip: clip only at steps whose noise level sigma is below this (0 = every step)")
    p.add_argument("--evaluate-only", action="store_true",
                   help="no training: set the recommendations on the trained folder, evaluate again, re-record")
    p.add_argument("--no-record", action="store_true", help="do not touch manifest.json")
    p.add_argument("--init-from-shipped", action="store_true",
                   help="fine-tune the shipped model with the tempo clue (engines.diffusion.music_tempo) for "
                        "--minutes into --work, export and evaluate it there (the shipped files stay as they are)")
    p.add_argument("--work", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "music-finetune"),
                   help="root folder of the fine-tuned model (its diffusion/music/)")
    p.add_argument("--init-folder", default="", help="with --init-from-shipped: start from this model folder "
                                                     "instead (e.g. an earlier fine-tune's, to carry on)")
    p.add_argument("--tempo-lr", type=float, default=2e-3, help="fine-tuning: learning rate of the tempo network")
    p.add_argument("--mix-prob", type=float, default=0.0, help="fine-tuning: share of each batch that is a caption "
                                                              "mix (a real blend of two styles; music_finetune)")
    p.add_argument("--tempo-clue", action=argparse.BooleanOptionalAction, default=True,
                   help="fine-tuning: add (or keep training) the tempo clue")
    p.add_argument("--ship-from", default="", help="copy a fine-tuned --work root's model into --out (default: "
                                                  "assets/) and record it in the manifest with its command")
    args = p.parse_args(argv)
    if args.evaluate_only:
        return evaluate_only(args, argv)
    if args.init_from_shipped or args.ship_from:
        from train_music_finetune import finetune, ship  # tools/ is on sys.path when this script runs

        return ship(args, argv) if args.ship_from else finetune(args, argv)

    import torch

    torch.set_num_threads(args.threads)
    from engines.core.assets import record_asset
    from engines.core.cli_progress import run_with_progress
    from engines.core.model_io import atomic_write_json
    from engines.core.paths import assets_dir
    from engines.diffusion.music_data import rendered_pictures_job, style_labels, train_data
    from engines.diffusion.music_eval import evaluate_job
    from engines.diffusion.music_judge import save_judge, train_judge_job
    from engines.diffusion.music_model import MODEL_NAME, SHIPPED_FILES, load_music_model
    from engines.diffusion.onnx_export import export_model_folder, onnx_parity
    from engines.diffusion.train import CHECKPOINT_DIR, TrainConfig, train_job

    command = "python tools/train_music.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    root = Path(args.out) if args.out else assets_dir()
    folder = root / "diffusion" / MODEL_NAME
    t_all = time.monotonic()
    print(f"== clips: {args.n_clips} for training, {args.judge_test_clips} for testing the judge", flush=True)
    songs, pics = run_with_progress(rendered_pictures_job(args.n_clips, args.seed, args.cache))
    test_songs, test_pics = run_with_progress(rendered_pictures_job(args.judge_test_clips, args.seed + 1, args.cache))
    render_s = time.monotonic() - t_all

    print("== style judge (real clips only)", flush=True)
    nj = min(args.judge_clips, len(songs))
    judge, judge_metrics = run_with_progress(train_judge_job(pics[:nj], style_labels(songs[:nj]), test_pics,
                                                             style_labels(test_songs), epochs=6, seed=args.seed))
    print(json.dumps(judge_metrics), flush=True)

    print(f"== diffusion: {args.minutes} min on the CPU, {args.threads} thread(s)", flush=True)
    data = train_data(songs, pics, seed=args.seed)
    channels = tuple(int(c) for c in args.channels.split(","))
    config = TrainConfig(dataset=MODEL_NAME, out=str(folder), seed=args.seed, data_seed=args.seed, image_size=32,
                         minutes=args.minutes, max_steps=10**9, batch_size=args.batch_size, lr=args.lr,
                         warmup_steps=100, ema_decay=0.995, channels=channels, device="cpu", sample_every_s=0,
                         checkpoint_every_s=300, progress_every=10, threads=args.threads, min_snr_gamma=args.min_snr)
    result = run_with_progress(train_job(config, data=data))
    shutil.rmtree(folder / CHECKPOINT_DIR, ignore_errors=True)  # resume state is not shipped
    cfg_path = folder / "config.json"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg["representation"] = {"sample_rate": 16000, "n_fft": 1024, "hop": 512, "n_mels": 64, "frames": 64,
                             "fold": 2, "db_range": [-50, 40], "inversion": "fast Griffin-Lim, 100 iterations"}
    cfg["recommended_guidance"] = args.guidance
    cfg["recommended_sampling"] = _sampling(args)
    atomic_write_json(cfg_path, cfg)
    save_judge(folder / "judge", judge, judge_metrics)
    export_model_folder(folder)
    parity = onnx_parity(folder)
    print(f"   ONNX parity: {parity}", flush=True)

    print("== evaluation (ONNX Runtime, 1 thread)", flush=True)
    model = load_music_model(folder, "onnx", "cpu", 1)
    report = run_with_progress(evaluate_job(model, judge, n_per_style=args.eval_n, n_mix=args.eval_n,
                                            steps=args.eval_steps, guidance=args.guidance, seed=args.seed))
    metrics = {"train_steps": result.steps, "final_loss": round(result.loss, 5), "train_time_s": round(result.wall_time_s, 1),
               "render_time_s": round(render_s, 1), "onnx_parity": parity, "device": "cpu",
               "threads": args.threads, "judge": judge_metrics, **report}
    atomic_write_json(folder / "metrics.json", metrics)
    wall = time.monotonic() - t_all
    if not args.no_record:
        headline = {k: metrics[k] for k in ("train_steps", "final_loss", "train_time_s", "style_accuracy",
                                            "mix_pairs_balanced", "tempo_median_abs_error_bpm",
                                            "seconds_per_clip_50_steps", "real_time_factor") if k in metrics}
        headline["judge_test_accuracy"] = judge_metrics["test_accuracy"]
        for file in SHIPPED_FILES + ("metrics.json",):
            record_asset(f"diffusion/{MODEL_NAME}/{file}", root=root, made_by=command, wall_time_s=round(wall, 1),
                         provenance=cfg["data"]["provenance"] + "; caption word vectors from GloVe 6B 50d "
                         "(embeddings/glove-6b-50d-50k.safetensors, PDDL 1.0) where they know the word",
                         licence="MIT (this project; generated data)", metrics=headline,
                         notes=f"seed {args.seed}; {result.steps} steps on the CPU with {args.threads} thread(s) "
                               f"in {result.wall_time_s / 60:.1f} min; batch {args.batch_size}; channels {channels}")
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("confusion",)}, indent=1, default=str), flush=True)
    return 0


def _sampling(args: argparse.Namespace) -> dict:
    """The recommended_sampling written to config.json (read by engines.diffusion.sample.model_sampling)."""
    rec = {"spacing": args.spacing, "clip_sample": bool(args.clip)}
    if args.clip and args.clip_sigma > 0:
        rec["clip_sigma"] = args.clip_sigma
    return rec


def evaluate_only(args: argparse.Namespace, argv: list[str] | None) -> int:
    """Write the recommended sampling into the trained folder's config.json, evaluate again (ONNX, one thread),
    merge the numbers into metrics.json and re-record the changed files (the training command is kept)."""
    import torch

    torch.set_num_threads(args.threads)
    from engines.core.assets import record_asset
    from engines.core.cli_progress import run_with_progress
    from engines.core.model_io import atomic_write_json
    from engines.core.paths import assets_dir
    from engines.diffusion.music_eval import evaluate_job
    from engines.diffusion.music_judge import load_judge
    from engines.diffusion.music_model import MODEL_NAME, load_music_model

    command = "python tools/train_music.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    root = Path(args.out) if args.out else assets_dir()
    folder = root / "diffusion" / MODEL_NAME
    t0 = time.monotonic()
    cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    cfg["recommended_guidance"] = args.guidance
    cfg["recommended_sampling"] = _sampling(args)
    atomic_write_json(folder / "config.json", cfg)
    judge, judge_config = load_judge(folder / "judge")
    model = load_music_model(folder, "onnx", "cpu", 1)
    report = run_with_progress(evaluate_job(model, judge, n_per_style=args.eval_n, n_mix=args.eval_n,
                                            steps=args.eval_steps, guidance=args.guidance, seed=args.seed))
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    metrics.update(report)
    metrics["judge"] = judge_config.get("metrics", metrics.get("judge"))  # the judge that scored it
    metrics["sampling"] = {**_sampling(args), "guidance": args.guidance}
    atomic_write_json(folder / "metrics.json", metrics)
    if not args.no_record:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        for file in ("config.json", "metrics.json"):
            name = f"diffusion/{MODEL_NAME}/{file}"
            old = manifest["assets"].get(name, {})
            headline = {**old.get("metrics", {}), **{k: metrics[k] for k in (
                "style_accuracy", "mix_pairs_balanced", "tempo_median_abs_error_bpm", "seconds_per_clip_50_steps",
                "real_time_factor") if k in metrics}}
            record_asset(name, root=root, made_by=old.get("made_by", "") + f"; then {command}",
                         wall_time_s=round(old.get("wall_time_s", 0) + time.monotonic() - t0, 1),
                         provenance=old.get("provenance", ""), licence=old.get("licence", "MIT (this project)"),
                         metrics=headline, notes=old.get("notes", "") + f"; sampling {metrics['sampling']}")
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("confusion",)}, indent=1, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
