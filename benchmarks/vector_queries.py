"""How fast the vector store answers: median milliseconds per query over 400k (or 50k) words.

Compares our NumPy store with gensim's KeyedVectors on the same vectors when gensim is installed.

    python benchmarks/vector_queries.py [--repeats 30] [--vocab full|shipped] [--json]

Target: a query over 400,000 words well under 50 ms. Results go to ``benchmarks/results/vector_queries.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engines.embeddings.glove import full_glove_available, load_full_glove, load_shipped_glove  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "vector_queries.json"
TARGET_MS = 50.0


def median_ms(fn, repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--vocab", choices=("full", "shipped"), default="full" if full_glove_available() else "shipped")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (1 = a fair laptop-like figure)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(args.threads)
    except ImportError:
        limiter = None
    t0 = time.perf_counter()
    store = load_full_glove() if args.vocab == "full" else load_shipped_glove()
    load_s = time.perf_counter() - t0
    queries = {
        "most_similar('frog', topn=10)": lambda s: s.most_similar("frog", topn=10),
        "analogy king−man+woman (3CosAdd)": lambda s: s.analogy("king", "man", "woman"),
        "analogy king−man+woman (3CosMul)": lambda s: s.analogy("king", "man", "woman", method="mul"),
        "similarity('cat', 'dog')": lambda s: s.similarity("cat", "dog"),
        "doesnt_match(4 words)": lambda s: s.doesnt_match(["breakfast", "cereal", "dinner", "lunch"]),
        "analogy with rank of 'queen'": lambda s: s.analogy("king", "man", "woman", expected="queen"),
    }
    gensim_calls = {
        "most_similar('frog', topn=10)": lambda kv: kv.most_similar("frog", topn=10),
        "analogy king−man+woman (3CosAdd)": lambda kv: kv.most_similar(positive=["king", "woman"],
                                                                       negative=["man"]),
        "analogy king−man+woman (3CosMul)": lambda kv: kv.most_similar_cosmul(positive=["king", "woman"],
                                                                             negative=["man"]),
        "similarity('cat', 'dog')": lambda kv: kv.similarity("cat", "dog"),
        "doesnt_match(4 words)": lambda kv: kv.doesnt_match(["breakfast", "cereal", "dinner", "lunch"]),
    }
    kv = None
    try:
        from gensim.models import KeyedVectors

        kv = KeyedVectors(vector_size=store.dims)
        kv.add_vectors(store.words, store.vectors)
        kv.fill_norms()
    except ImportError:
        pass
    rows = []
    for name, call in queries.items():
        ours = median_ms(lambda: call(store), args.repeats)
        theirs = median_ms(lambda: gensim_calls[name](kv), args.repeats) if kv is not None and name in gensim_calls \
            else None
        rows.append({"query": name, "ours_ms": round(ours, 3),
                     "gensim_ms": None if theirs is None else round(theirs, 3)})
    report = {"vectors": store.name, "words": len(store), "dims": store.dims, "load_s": round(load_s, 3),
              "repeats": args.repeats, "blas_threads": args.threads if limiter else "default",
              "target_ms": TARGET_MS, "rows": rows,
              "target_met": all(r["ours_ms"] < TARGET_MS for r in rows)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{store.name}: {len(store):,} words × {store.dims}, loaded in {load_s:.2f} s; "
          f"median of {args.repeats}, BLAS threads {report['blas_threads']}")
    print(f"{'query':<36}{'ours ms':>10}{'gensim ms':>12}")
    for r in rows:
        g = "—" if r["gensim_ms"] is None else f"{r['gensim_ms']:.2f}"
        print(f"{r['query']:<36}{r['ours_ms']:>10.2f}{g:>12}")
    print(f"target < {TARGET_MS:g} ms per query: {'met' if report['target_met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
