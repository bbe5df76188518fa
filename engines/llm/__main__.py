"""``python -m engines.llm tokens|ngram|storyworld …``: the LLM tab without a window.

Examples::

    python -m engines.llm tokens --text "My dog's name is Ben." --tokenizer word --json
    python -m engines.llm tokens --text "Call me Ishmael." --tokenizer bpe --corpus mobydick --vocab-size 4000
    python -m engines.llm ngram --corpus storyworld --context "ben likes to play" --top 5
    python -m engines.llm ngram --corpus mobydick --context "the white" --json
    python -m engines.llm storyworld --out story.txt --seed 0 --chars 3000000

Each verb is one ``_add_<verb>(subparsers)`` function (its options) plus one ``_<verb>(args)``
function (the work); :func:`build_parser` calls every function listed in ``VERBS``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


DEFAULT_CORPUS_CHARS = 3_000_000


def _corpus(args: argparse.Namespace) -> tuple[str, str]:
    from engines.llm.corpus import load_corpus

    return load_corpus(args.corpus, storyworld_chars=args.chars, seed=args.seed)


def _add_corpus_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", default="storyworld", help="storyworld, mobydick or a UTF-8 text file")
    p.add_argument("--chars", type=int, default=DEFAULT_CORPUS_CHARS, help="size of a generated story world")
    p.add_argument("--seed", type=int, default=0, help="seed of a generated story world")


# --- tokens ------------------------------------------------------------------------------------

def tokenizer_from_args(args: argparse.Namespace) -> tuple[Any, str]:
    """``--tokenizer-dir`` (a saved or Hugging Face tokenizer), else one trained on ``--corpus``."""
    from engines.llm.tokenizers import BPETokenizer, WordTokenizer, load_tokenizer

    if args.tokenizer_dir:
        return load_tokenizer(args.tokenizer_dir), str(args.tokenizer_dir)
    text, description = _corpus(args)
    if args.tokenizer == "word":
        return WordTokenizer.train(text, max_vocab=args.vocab_size or 5000), description
    return BPETokenizer.train(text, vocab_size=args.vocab_size or 2000), description


def _tokens(args: argparse.Namespace) -> int:
    tokenizer, source = tokenizer_from_args(args)
    if args.save:
        tokenizer.save(args.save)
    spans = tokenizer.spans(args.text)
    ids = [s[2] for s in spans]
    strings = tokenizer.token_strings(ids)
    tokens = [{"id": i, "token": t, "text": args.text[s:e], "start": s, "end": e, "unknown": u}
              for (s, e, i, u), t in zip(spans, strings)]
    report = {"tokenizer": tokenizer.kind, "vocab_size": tokenizer.vocab_size, "trained_on": source,
              "text": args.text, "n_tokens": len(tokens), "n_unknown": sum(t["unknown"] for t in tokens),
              "ids": ids, "tokens": tokens, "decoded": tokenizer.decode(ids)}
    if args.save:
        report["saved"] = args.save
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"{tokenizer.kind} tokenizer, {tokenizer.vocab_size} tokens, from {source}")
    for t in tokens:
        mark = "  <- unknown word" if t["unknown"] else ""
        print(f"{t['id']:>7}  {t['token']!r:<20} {t['start']}:{t['end']}{mark}")
    print(f"{len(tokens)} tokens ({report['n_unknown']} unknown); decoded: {report['decoded']!r}")
    return 0


def _add_tokens(sub: Any) -> None:
    p = sub.add_parser("tokens", help="split text into tokens and show their numbers")
    p.add_argument("--text", required=True)
    p.add_argument("--tokenizer", choices=("word", "bpe"), default="word")
    p.add_argument("--vocab-size", type=int, default=None, help="word: 5000, bpe: 2000 by default")
    p.add_argument("--tokenizer-dir", help="use the tokenizer saved in this folder (ours or a Hugging Face one)")
    p.add_argument("--save", help="save the trained tokenizer to this folder")
    _add_corpus_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_tokens)


# --- ngram -------------------------------------------------------------------------------------

def _ngram(args: argparse.Namespace) -> int:
    from engines.llm.ngrams import NGramModel, explosion_table

    start = time.perf_counter()
    text, description = _corpus(args)
    model = NGramModel.from_text(text)
    seconds = time.perf_counter() - start
    table = model.next_word_table(args.context, top=args.top)
    report: dict[str, Any] = {"corpus": description, "words": model.n_words, "vocab_size": model.vocab_size,
                              "build_seconds": round(seconds, 3), **table.to_dict(),
                              "filled_cells": {str(k): model.filled_cells(k) for k in range(model.max_context + 1)},
                              "dense": [{**row, "cells": str(row["cells"]), "bytes": str(row["bytes"])}
                                        for row in explosion_table(model.vocab_size)]}
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"{description}: {model.n_words} words, {model.vocab_size} distinct ({seconds:.2f} s to count)")
    print(table.message)
    for word, prob, count in table.rows:
        print(f"  {word!r:<16} {prob:6.1%}  {'#' * max(1, round(prob * 40)) if prob else ''}  ({count})")
    for row in report["dense"][1:]:
        filled = report["filled_cells"].get(str(row["context_words"]))
        print(f"  {row['context_words']} words of context: a dense table needs {int(row['cells']):.3g} cells "
              f"({row['memory']}); this corpus fills {filled}")
    return 0


def _add_ngram(sub: Any) -> None:
    p = sub.add_parser("ngram", help="the next-word table after a context (1 to 3 words)")
    p.add_argument("--context", required=True, help='e.g. "how are"')
    p.add_argument("--top", type=int, default=10)
    _add_corpus_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_ngram)


# --- storyworld --------------------------------------------------------------------------------

def _storyworld(args: argparse.Namespace) -> int:
    from engines.llm.storyworld import write_story_world

    start = time.perf_counter()
    path = write_story_world(args.out, seed=args.seed, target_chars=args.chars)
    seconds = time.perf_counter() - start
    size = Path(path).stat().st_size
    report = {"path": str(path), "seed": args.seed, "target_chars": args.chars, "bytes": size,
              "seconds": round(seconds, 3)}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"wrote {path}: {size} bytes of story world (seed {args.seed}) in {seconds:.2f} s")
    return 0


def _add_storyworld(sub: Any) -> None:
    p = sub.add_parser("storyworld", help="write the procedural story-world corpus to a text file")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--chars", type=int, default=DEFAULT_CORPUS_CHARS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_storyworld)


def _get_gpt2(args: argparse.Namespace) -> int:
    """download-gpt2 and import-gpt2: the same jobs as the "Get GPT-2" dialog (staged, checked, then exported)."""
    from engines.core.cli_progress import run_with_progress
    from engines.llm.gpt2_install import GPT2FolderError, download_job, import_job
    from engines.llm.hf_gpt2 import DownloadError

    job = download_job(args.name, args.out, export=not args.no_export) if args.verb == "download-gpt2" \
        else import_job(args.folder, export=not args.no_export)
    try:
        folder = run_with_progress(job, quiet=args.json)
    except (DownloadError, GPT2FolderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from engines.llm.gpt2_int8 import chosen_precision, export_paths, read_report

    report = {"folder": str(folder), "precision": chosen_precision(folder), "int8_check": read_report(export_paths(folder)[1])}
    print(json.dumps(report) if args.json else f"added {folder.name} in {folder}; ONNX precision {report['precision']}")
    return 0


def _add_download_gpt2(sub: Any) -> None:
    p = sub.add_parser("download-gpt2", help="download a GPT-2 family model from the Hugging Face hub (needs internet)")
    p.add_argument("--name", default="gpt2", help="gpt2 (124M), distilgpt2, gpt2-medium, …")
    p.add_argument("--out", default=None, help="model folder (default: <your models folder>/<name>)")
    p.add_argument("--no-export", action="store_true", help="skip the ONNX fp32/int8 copies (made on first use)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_get_gpt2)
    p = sub.add_parser("import-gpt2", help="check a GPT-2 folder on disk and copy it into your models folder")
    p.add_argument("folder", help="a folder with config.json, model.safetensors and tokenizer.json")
    p.add_argument("--no-export", action="store_true", help="skip the ONNX fp32/int8 copies (made on first use)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_get_gpt2)


# Add a verb: write _add_<verb>(sub) and _<verb>(args), then list the adder here.
VERBS: list[Callable[[Any], None]] = [_add_tokens, _add_ngram, _add_storyworld, _add_download_gpt2]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engines.llm", description="AI Lab: how a language model works")
    sub = parser.add_subparsers(dest="verb", required=True)
    for add in VERBS:
        add(sub)
    from engines.llm.cli_model import add_model_verbs  # models, next, generate, attention, train

    add_model_verbs(sub)
    __import__("engines.llm.cli_assistant").llm.cli_assistant.add_assistant_verbs(sub)  # ask, reward, rank, …
    __import__("engines.llm.cli_scale").llm.cli_scale.add_scale_verb(sub)  # scale: the four sizes, or one again
    return parser


def main(argv: list[str] | None = None) -> int:
    from engines.core.cli_progress import run_cli

    return run_cli(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
