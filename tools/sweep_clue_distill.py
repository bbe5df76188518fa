"""Compare clue-distillation settings on the validation words, without drawing a picture.

    python tools/sweep_clue_distill.py --teacher-rev 92b851c '{"base": {}, "noise0.03": {"input_noise": 0.03}}'

Each named setting (keyword arguments of :class:`engines.diffusion.clue_distill.DistillConfig`) distils the
faces-minilm clue on the *train* three quarters of the synonym vocabulary, starting from (and imitating) the
clue at ``--teacher-rev`` (92b851c: the one trained together with the shipped UNet, before any distillation),
then is scored by :func:`engines.diffusion.clue_readout.readout_accuracy` on paraphrases made of the other
quarter (``--per-phrase`` each per canonical detail: 441 prompts at 16). One JSON line per setting.
The held-out synonym prompts are never read. ~4 min per setting on a quiet CPU thread (12 when shared).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("AI_LAB_DATA_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "ai-lab-train-data"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("settings", help='JSON: {"name": {DistillConfig field: value, ...}, ...}')
    parser.add_argument("--model", default="faces-minilm")
    parser.add_argument("--teacher-rev", default="92b851c")
    parser.add_argument("--per-phrase", type=int, default=16)
    parser.add_argument("--out", default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "clue-sweep"))
    args = parser.parse_args(argv)

    from engines.core.device import set_cpu_threads
    from engines.core.jobs import collect
    from engines.diffusion.clue_distill import DistillConfig, distill_job, make_pairs, pair_arrays
    from engines.diffusion.clue_readout import readout_accuracy, readout_probes
    from engines.diffusion.pipeline import load_torch_modules
    from tools.distill_clue import _files_at_rev

    set_cpu_threads(1)
    _, _, teacher, _ = load_torch_modules(_files_at_rev(args.teacher_rev, args.model, Path(args.out) / "teacher"))
    teacher.eval()
    probes = readout_probes("val", args.per_phrase)
    arrays: dict[tuple, tuple] = {}
    for name, fields in json.loads(args.settings).items():
        started = time.monotonic()
        cfg = DistillConfig(**fields)
        key = (cfg.n_pairs, cfg.n_val_pairs, cfg.seed, cfg.p_canonical, cfg.p_phrase, cfg.p_merge)
        if key not in arrays:
            max_words = teacher.config.max_words
            arrays[key] = (pair_arrays(make_pairs(cfg.n_pairs, cfg.seed, "train", cfg), max_words),
                           pair_arrays(make_pairs(cfg.n_val_pairs, cfg.seed + 1, "val", cfg), max_words))
        _, result = collect(distill_job(teacher, *arrays[key], cfg))
        print(json.dumps({"name": name, "config": fields, "readout": readout_accuracy(result["encoder"], teacher, probes),
                          "val_token_loss": round(result["loss_end"], 5),
                          "seconds": round(time.monotonic() - started)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
