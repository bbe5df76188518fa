"""tools/train_music.py --init-from-shipped and --ship-from: fine-tune the shipped music model with the tempo
clue, export and evaluate it in a work folder, then (a separate, deliberate step) ship it.

    python tools/train_music.py --init-from-shipped --minutes 30 --lr 3e-4 --work /tmp/music-ft --no-record
    python tools/train_music.py --ship-from /tmp/music-ft        # copy into assets/ and record the manifest
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

HEADLINE = ("train_steps", "final_loss", "train_time_s", "style_accuracy", "mix_pairs_balanced",
            "tempo_median_abs_error_bpm", "tempo_within_10pct", "seconds_per_clip_50_steps", "real_time_factor")


def _command(argv: list[str] | None) -> str:
    return "python tools/train_music.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))


def finetune(args: argparse.Namespace, argv: list[str] | None) -> int:
    import torch

    torch.set_num_threads(args.threads)
    from engines.core.cli_progress import run_with_progress
    from engines.core.model_io import atomic_write_json
    from engines.core.paths import assets_dir
    from engines.diffusion.music_data import rendered_pictures_job
    from engines.diffusion.music_eval import evaluate_job
    from engines.diffusion.music_finetune import finetune_job
    from engines.diffusion.music_judge import load_judge
    from engines.diffusion.music_model import MODEL_NAME, load_music_model
    from engines.diffusion.onnx_export import export_model_folder, onnx_parity

    t_all = time.monotonic()
    shipped = (Path(args.out) if args.out else assets_dir()) / "diffusion" / MODEL_NAME
    source = Path(args.init_folder) if args.init_folder else shipped
    work = Path(args.work) / "diffusion" / MODEL_NAME
    before = json.loads((shipped / "metrics.json").read_text(encoding="utf-8"))
    print(f"== clips: {args.n_clips} (the shipped model's training set)", flush=True)
    songs, pics = run_with_progress(rendered_pictures_job(args.n_clips, args.seed, args.cache))
    print(f"== fine-tuning {source} (tempo clue {args.tempo_clue}, caption mixes {args.mix_prob:.0%}): "
          f"{args.minutes} min, {args.threads} thread(s)", flush=True)
    result = run_with_progress(finetune_job(source, work, songs, pics, args.minutes, batch_size=args.batch_size,
                                            lr=args.lr, tempo_lr=args.tempo_lr, seed=args.seed,
                                            min_snr=args.min_snr, threads=args.threads, mix_prob=args.mix_prob,
                                            tempo=args.tempo_clue))
    shutil.copytree(shipped / "judge", work / "judge", dirs_exist_ok=True)
    earlier: dict = {}  # carrying on from an earlier fine-tune: keep its command and time in the record
    if source != shipped and (source / "metrics.json").is_file():  # read now: it may have been evaluating meanwhile
        ft = json.loads((source / "metrics.json").read_text(encoding="utf-8")).get("finetune", {})
        earlier = {"command": ft.get("command", "") + "; then ", "wall": float(ft.get("wall_time_s_all", 0.0))}
    cfg = json.loads((work / "config.json").read_text(encoding="utf-8"))
    cfg["recommended_guidance"] = args.guidance
    cfg["recommended_sampling"] = {"spacing": args.spacing, "clip_sample": bool(args.clip),
                                   **({"clip_sigma": args.clip_sigma} if args.clip and args.clip_sigma > 0 else {})}
    atomic_write_json(work / "config.json", cfg)
    export_model_folder(work)
    parity = onnx_parity(work)
    print(f"   ONNX parity: {parity}", flush=True)
    print("== evaluation (ONNX Runtime, 1 thread; held-out seeds)", flush=True)
    judge, judge_config = load_judge(work / "judge")
    model = load_music_model(work, "onnx", "cpu", 1)
    report = run_with_progress(evaluate_job(model, judge, n_per_style=args.eval_n, n_mix=args.eval_n,
                                            steps=args.eval_steps, guidance=args.guidance, seed=args.seed))
    metrics = {**{k: before[k] for k in ("judge", "render_time_s", "device", "threads") if k in before},
               "train_steps": cfg["trained_steps"], "final_loss": round(result["loss"], 5),
               "train_time_s": cfg["train_time_s"],
               "finetune": {**cfg["finetune"], "command": earlier.get("command", "") + _command(argv),
                            "runs": len(cfg["finetune_runs"]),
                            "wall_time_s_all": round(earlier.get("wall", 0.0) + time.monotonic() - t_all, 1)},
               "onnx_parity": parity, "sampling": {**cfg["recommended_sampling"], "guidance": args.guidance},
               **report, "before_finetune": {k: before.get(k) for k in HEADLINE + ("mixes",) if k in before}}
    metrics["judge"] = judge_config.get("metrics", metrics.get("judge"))  # the judge that scored it
    atomic_write_json(work / "metrics.json", metrics)
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("confusion", "before_finetune")}, indent=1,
                     default=str), flush=True)
    return 0


def _what(ft: dict) -> str:
    parts = (["the tempo clue"] if ft.get("tempo_clue", True) else []) + (
        [f"{ft['mix_prob']:.0%} caption mixes"] if ft.get("mix_prob") else [])
    return " and ".join(parts) or "plain"


def ship(args: argparse.Namespace, argv: list[str] | None) -> int:
    """Copy the fine-tuned model files into the assets folder and record them with the fine-tuning command."""
    from engines.core.assets import record_asset
    from engines.core.paths import assets_dir
    from engines.diffusion.music_model import MODEL_NAME, SHIPPED_FILES

    root = Path(args.out) if args.out else assets_dir()
    work = Path(args.ship_from) / "diffusion" / MODEL_NAME
    dest = root / "diffusion" / MODEL_NAME
    metrics = json.loads((work / "metrics.json").read_text(encoding="utf-8"))
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    old = manifest["assets"].get(f"diffusion/{MODEL_NAME}/model.safetensors", {})
    for file in SHIPPED_FILES + ("metrics.json",):
        (dest / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(work / file, dest / file)
    ft = metrics["finetune"]
    headline = {k: metrics[k] for k in HEADLINE if k in metrics}
    headline["judge_test_accuracy"] = metrics.get("judge", {}).get("test_accuracy")
    for file in SHIPPED_FILES + ("metrics.json",):
        record_asset(f"diffusion/{MODEL_NAME}/{file}", root=root,
                     made_by=f"{old.get('made_by', '')}; then {ft['command']}; then {_command(argv)}",
                     wall_time_s=round(float(old.get("wall_time_s", 0)) + ft["wall_time_s_all"], 1),
                     provenance=old.get("provenance", ""), licence=old.get("licence", "MIT (this project)"),
                     metrics=headline,
                     notes=f"{old.get('notes', '')}; then fine-tuned ({_what(ft)}): seed {ft['seed']}, "
                           f"{ft['steps']} steps in {ft['wall_time_s'] / 60:.1f} min on {ft['threads']} CPU thread(s), "
                           f"lr {ft['lr']} (tempo {ft['tempo_lr']}), batch {ft['batch_size']}; evaluated on "
                           f"held-out seeds (engines.diffusion.music_eval.HELDOUT_SEED_BASE)")
    print(f"shipped {work} → {dest}", flush=True)
    return 0
