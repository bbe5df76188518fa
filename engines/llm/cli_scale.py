"""``python -m engines.llm scale``: the shipped scale runs and their fitted law, or one size trained again.

    python -m engines.llm scale --json                 # the four shipped runs: loss, parameters, FLOPs, fit, skill
    python -m engines.llm scale --train XS --json      # train size XS again with the same recipe (about a minute)
"""

from __future__ import annotations

import argparse
import json


def add_scale_verb(sub) -> None:
    p = sub.add_parser("scale", help="the same GPT at four sizes: loss vs parameters and compute, and a skill")
    p.add_argument("--train", metavar="SIZE", help="train this size again (XS, S, M or L) instead of reading runs")
    p.add_argument("--steps", type=int, default=None, help="fewer steps than the recipe (a quick check)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for training (the shipped runs used 1)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_scale)


def _scale(args: argparse.Namespace) -> int:
    from engines.llm import scale

    if args.train:
        import torch

        from engines.core.cli_progress import run_with_progress

        torch.set_num_threads(max(1, args.threads))

        run = run_with_progress(scale.train_size(args.train, max_steps=args.steps), quiet=args.json)
        report = {k: run[k] for k in ("size", "parameters", "tokens", "flops", "val_loss", "wall_time_s", "skill")}
    else:
        runs = scale.load_runs()
        report = {"runs": [{k: r[k] for k in ("size", "parameters", "tokens", "flops", "val_loss", "wall_time_s")}
                           for r in runs], "summary": scale.summarize(runs)}
    if args.json:
        print(json.dumps(report))
        return 0
    rows = [report] if args.train else report["runs"]
    for r in rows:
        print(f"{r['size']:>3}: {r['parameters']:>9,} parameters  {r['flops']:.3g} FLOPs  val loss {r['val_loss']:.4f}"
              f"  ({r['wall_time_s']:.0f} s)")
    if not args.train and report["summary"].get("loss_vs_parameters"):
        fit = report["summary"]["loss_vs_parameters"]
        print(f"fit: loss ≈ {fit['floor']:.3f} + {fit['a']:.3g} · N^−{fit['alpha']:.3f}  (R² {fit['r2']:.3f})")
    return 0
