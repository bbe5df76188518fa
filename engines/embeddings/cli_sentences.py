"""The sentence verbs of ``python -m engines.embeddings``: embed, similarity, search.

    python -m engines.embeddings embed --encoder minilm "the tiger hunts in this forest"
    python -m engines.embeddings similarity --encoder average "dog bites man" "man bites dog" --json
    python -m engines.embeddings search --encoder minilm "a big cat in the woods"          # the shipped sample
    python -m engines.embeddings search --encoder minilm --file notes.txt "when is the exam" --top 3
"""

from __future__ import annotations

import argparse
import json


def _encoder(args):
    from engines.embeddings.sentences import get_encoder

    return get_encoder(args.encoder, args.precision, args.backend)


def _print(args, report: dict, lines: list[str]) -> None:
    print(json.dumps(report, ensure_ascii=False) if args.json else "\n".join(lines))


def _embed(args) -> int:
    encoder = _encoder(args)
    vectors = encoder.encode(args.sentences)
    report = {"encoder": encoder.name, "dims": int(vectors.shape[1]),
              "vectors": [{"sentence": s, "vector": [round(float(x), 6) for x in v]}
                          for s, v in zip(args.sentences, vectors)]}
    lines = [f"{encoder.name}: {vectors.shape[1]} numbers per sentence"]
    lines += [f"{s[:40]:<42}[{', '.join(f'{x:+.3f}' for x in v[:6])}, …]" for s, v in zip(args.sentences, vectors)]
    _print(args, report, lines)
    return 0


def _similarity(args) -> int:
    from engines.embeddings.sentences import similarity_matrix

    if len(args.sentences) < 2:
        raise ValueError("give at least two sentences to compare")
    encoder = _encoder(args)
    sim = similarity_matrix(encoder.encode(args.sentences))
    report = {"encoder": encoder.name, "sentences": args.sentences,
              "matrix": [[round(float(x), 4) for x in row] for row in sim]}
    labels = [f"S{i + 1}" for i in range(len(args.sentences))]
    lines = [f"cosine similarity ({encoder.name})", "      " + "".join(f"{lab:>7}" for lab in labels)]
    lines += [f"{lab:<6}" + "".join(f"{x:7.3f}" for x in row) for lab, row in zip(labels, sim)]
    lines += [f"{lab}: {s}" for lab, s in zip(labels, args.sentences)]
    _print(args, report, lines)
    return 0


def _search(args) -> int:
    from engines.core.cli_progress import run_with_progress
    from engines.core.jobs import CancelToken
    from engines.embeddings.sentences import read_search_lines, sample_text_path, search_job

    path = args.file or sample_text_path()
    lines = read_search_lines(path)
    encoder = _encoder(args)
    cancel = CancelToken()
    result = run_with_progress(search_job(encoder, args.query, lines, top=args.top, cancel=cancel,
                                          source=str(path)), cancel, quiet=args.json)
    report = {"query": result.query, "encoder": result.encoder, "file": str(path),
              "lines_searched": result.lines_searched, "seconds": round(result.seconds, 3), "notes": result.notes,
              "hits": [{"line": h.line_no, "score": round(h.score, 4), "text": h.text} for h in result.hits]}
    out = [f"{result.lines_searched:,} lines of {path} ranked by meaning ({result.encoder}, {result.seconds:.1f} s)"]
    out += [f"{h.score:6.3f}  line {h.line_no:>5}: {h.text}" for h in result.hits] + result.notes
    _print(args, report, out)
    return 0


def add_sentence_commands(sub) -> None:
    """Add ``embed``, ``similarity`` and ``search`` to an argparse subparsers object."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--encoder", choices=("minilm", "average"), default="minilm",
                       help="minilm: the transformer (all-MiniLM-L6-v2); average: mean of GloVe word vectors")
        p.add_argument("--precision", choices=("int8", "fp32"), default="int8",
                       help="MiniLM copy: int8 (shipped) or fp32 (tools/build_sentence_encoder.py)")
        p.add_argument("--backend", choices=("onnx", "torch"), default="onnx", help="MiniLM runner (torch: fp32)")
        p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("embed", help="sentences → vectors")
    p.add_argument("sentences", nargs="+")
    common(p)
    p.set_defaults(func=_embed)

    p = sub.add_parser("similarity", help="cosine similarity matrix of sentences")
    p.add_argument("sentences", nargs="+")
    common(p)
    p.set_defaults(func=_similarity)

    p = sub.add_parser("search", help="rank the lines of a text file by meaning (default: the shipped sample)")
    p.add_argument("query")
    p.add_argument("--file", help="a UTF-8 text file, one passage per line (up to 5 MB, 20,000 lines)")
    p.add_argument("--top", type=int, default=5)
    common(p)
    p.set_defaults(func=_search)
