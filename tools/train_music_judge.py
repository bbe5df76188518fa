"""Train the music style judge that can hear blends (engines.diffusion.music_judge_blend), check it, ship it.

    python tools/train_music_judge.py --steps 1500 --threads 1          # the shipped judge
    python tools/train_music_judge.py --steps 20 --n-train 64 --n-check 1 --out /tmp/judge-smoke

Real synthesised clips only: --n-train clips (seed 0) are mixed two at a time for training; 200 clips of
seed 1 test single-style accuracy; 200 clips of seed 2 and 400 audio sums of them fit the temperature.
Then the judge's own validation, before it judges anything generated: true 50/50 and 75/25 audio sums of
held-out clips for every pair of styles. Writes <out>/diffusion/music/judge/ and records it in the manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--n-train", type=int, default=1200, help="real clips that are mixed for training")
    p.add_argument("--n-check", type=int, default=8, help="held-out clip pairs per style pair in the blend table")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--noise-max", type=float, default=0.0, help="train with pixel noise of a random level up to this")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="", help="root folder (default: the project's assets/)")
    p.add_argument("--no-record", action="store_true", help="do not touch manifest.json")
    args = p.parse_args(argv)

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from engines.core.assets import record_asset
    from engines.core.cli_progress import run_with_progress
    from engines.core.model_io import atomic_write_json
    from engines.core.paths import assets_dir
    from engines.diffusion.audio import clip_to_image
    from engines.diffusion.music_judge import save_judge
    from engines.diffusion.music_judge_blend import (audio_blend_set, blend_table, rendered_audio_job,
                                                     train_blend_judge_job)

    command = "python tools/train_music_judge.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    root = Path(args.out) if args.out else assets_dir()
    folder = root / "diffusion" / "music" / "judge"
    t_all = time.monotonic()
    print(f"== rendering real clips: {args.n_train} to mix, 200 to test, 200 to calibrate", flush=True)
    clips, labels = run_with_progress(rendered_audio_job(args.n_train, args.seed))
    test_clips, test_labels = run_with_progress(rendered_audio_job(200, args.seed + 1))
    cal_clips, cal_labels = run_with_progress(rendered_audio_job(200, args.seed + 2))
    test_pics = np.stack([clip_to_image(x) for x in test_clips])
    cal_pics = np.stack([clip_to_image(x) for x in cal_clips])
    mix_pics, mix_soft = audio_blend_set(cal_clips, cal_labels, 400, args.seed + 3)
    cal_soft = np.concatenate([np.eye(len(np.unique(labels)), dtype=np.float32)[cal_labels], mix_soft])
    calib = (np.concatenate([cal_pics, mix_pics]), cal_soft)

    print(f"== training: {args.steps} steps of {args.batch} mixes, {args.threads} thread(s)", flush=True)
    judge, metrics = run_with_progress(train_blend_judge_job(clips, labels, calib, (test_pics, test_labels),
                                                             args.steps, args.batch, args.seed, args.noise_max))
    print("== validation: true audio sums of held-out clips (every pair of styles)", flush=True)
    metrics["blend_table"] = blend_table(judge, args.n_check)
    metrics["blend_table_mean_abs_error"] = round(_table_error(metrics["blend_table"]), 4)
    wall = time.monotonic() - t_all
    save_judge(folder, judge, metrics)
    if not args.no_record:
        headline = {k: metrics[k] for k in ("test_accuracy", "test_accuracy_with_noise_0.25", "temperature",
                                            "blend_table_mean_abs_error", "train_steps")}
        for file in ("config.json", "model.safetensors"):
            record_asset(f"diffusion/music/judge/{file}", root=root, made_by=command, wall_time_s=round(wall, 1),
                         provenance="procedural music clips (engines.diffusion.music.make_dataset, seeds "
                                    f"{args.seed}..{args.seed + 2}), real renders only, mixed two at a time",
                         licence="MIT (this project; generated data)", metrics=headline,
                         notes=f"{args.steps} steps of {args.batch} on the CPU, {args.threads} thread(s); "
                               f"{metrics['training']}")
    atomic_write_json(Path(os.environ.get("TMPDIR", "/tmp")) / "music_judge_report.json", metrics)
    print(json.dumps(metrics, indent=1), flush=True)
    return 0


def _table_error(table: dict) -> float:
    """Mean |judged share − true weight| over every pair, weight and the two styles of the pair."""
    errs = []
    for pair, row in table.items():
        a, b = pair.split("+")
        for key, probs in row.items():
            wa, wb = (int(v) / 100 for v in key.split("/"))
            errs += [abs(probs[f"p_{a}"] - wa), abs(probs[f"p_{b}"] - wb)]
    return sum(errs) / len(errs)


if __name__ == "__main__":
    sys.exit(main())
