"""Train the same GPT at four sizes on the same story-world text and ship the results for "Why now: scale".

    nice -n 10 python tools/train_scale.py                       # all sizes → assets/llm/scale/runs.json
    python tools/train_scale.py --resummarize                    # refit the laws in runs.json (no training)
    python tools/train_scale.py --sizes XS --steps 100 --out /tmp/scale-smoke   # quick check

Every size: the recipe in engines.llm.scale.RECIPE (same seed, same text, same token budget), 1 CPU thread.
Writes runs.json (loss curves, final validation loss, parameters, FLOPs ≈ 6·N·D, the look-back skill table
and a wider skill score on 160 prompt variants from engines.llm.teaching_eval) and records it in
assets/manifest.json with the wall time. No checkpoints are shipped: the table holds the models' real outputs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engines.core.jobs import Log, Progress, run_job  # noqa: E402


def _variant_score(folder: Path, text: str) -> dict:
    from engines.llm.teaching_eval import flagship_scores

    scores = flagship_scores(folder, text, "torch")
    return {k: scores[k] for k in ("overall", "families", "unseen")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="XS,S,M,L", help="comma-separated size names")
    parser.add_argument("--steps", type=int, default=None, help="override the recipe's steps (smoke tests)")
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "llm" / "scale")
    parser.add_argument("--resummarize", action="store_true",
                        help="only recompute the fitted laws in an existing runs.json (no training) and record it")
    args = parser.parse_args(argv)
    if args.resummarize:
        return _resummarize(args.out)
    import torch

    torch.set_num_threads(1)
    from engines.llm.scale import RECIPE, SIZES, scale_corpus, summarize, train_size

    corpus = scale_corpus()
    runs = []
    started_all = time.perf_counter()
    for name in args.sizes.split(","):
        def on_event(event, name=name):
            if isinstance(event, Progress) and event.step % 100 == 0:
                print(f"{name}: step {event.step}/{event.total} " +
                      " ".join(f"{k}={v:.4g}" for k, v in event.metrics.items()), flush=True)
            elif isinstance(event, Log):
                print(event.text, flush=True)

        with tempfile.TemporaryDirectory() as tmp:
            run = run_job(train_size(name, tmp, args.steps, corpus=corpus), on_event=on_event)
            run["variants"] = _variant_score(Path(tmp), corpus[3])
        runs.append(run)
        print(json.dumps({k: run[k] for k in ("size", "parameters", "val_loss", "wall_time_s")}), flush=True)
    wall = round(time.perf_counter() - started_all, 1)
    recipe = {**RECIPE, **({"max_steps": args.steps} if args.steps else {})}
    data = {"recipe": recipe, "sizes": [s.__dict__ for s in SIZES], "corpus_chars": corpus[3].__len__(),
            "corpus_tokens": int(len(corpus[0])), "vocab_size": int(corpus[1].vocab_size), "runs": runs,
            "wall_time_s": wall, "threads": 1}
    data["summary"] = summarize(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    _write_and_record(args.out, data)
    return 0


def _write_and_record(out: Path, data: dict) -> None:
    from engines.core.model_io import atomic_write_json

    atomic_write_json(out / "runs.json", data)
    print(json.dumps(data["summary"], indent=2))
    if out.resolve() == (ROOT / "assets" / "llm" / "scale").resolve():
        from engines.core.assets import record_asset

        runs, fit = data["runs"], data["summary"]["loss_vs_parameters"]
        record_asset("llm/scale/runs.json", made_by="nice -n 10 python tools/train_scale.py",
                     wall_time_s=data["wall_time_s"],
                     provenance="four GPT sizes trained here on engines.llm.storyworld.generate_story_world(seed=0, "
                                f"target_chars={data['corpus_chars']}), same seed and token budget; 1 CPU thread",
                     licence="MIT (this project)",
                     metrics={"val_loss": {r["size"]: r["val_loss"] for r in runs},
                              "parameters": {r["size"]: r["parameters"] for r in runs},
                              "wall_time_s": {r["size"]: r["wall_time_s"] for r in runs},
                              "fit_vs_parameters": {k: round(v, 4) for k, v in fit.items()},
                              "skill_right_of_6": data["summary"]["skill_right"],
                              "look_back_mean_prob_160_variants": {r["size"]: r["variants"]["overall"]["mean_prob"]
                                                                   for r in runs}})


def _resummarize(out: Path) -> int:
    from engines.llm.scale import summarize

    data = json.loads((out / "runs.json").read_text(encoding="utf-8"))
    data["summary"] = summarize(data["runs"])
    _write_and_record(out, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
