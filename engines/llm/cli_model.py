"""Command-line verbs for the GPT: ``models``, ``next``, ``generate``, ``attention``, ``train``.

:func:`add_model_verbs` adds them to an ``argparse`` sub-parser set; each verb stores its
handler as ``func`` (call ``args.func(args)``; it returns the exit code). Every verb takes
``--json`` for machine-readable output. Also runnable alone: ``python -m engines.llm.cli_model …``.

A model (``--model M``) is a folder path or the name of a folder under ``assets/llm/``
(shipped) or the user's models folder: ours (``config.json`` with ``architecture: gpt``)
or a Hugging Face GPT-2 folder. Its tokenizer lives in the same folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# re-exported: callers may import them from here too
from engines.llm.model_store import (
    ModelNotFound,
    list_models,
    load_model_tokenizer,
    open_model,
    resolve_model,
    use_threads,
)

__all__ = ["ModelNotFound", "add_model_verbs", "list_models", "load_model_tokenizer", "main", "open_model",
           "resolve_model", "use_threads"]

PRESET_NAMES = ("tiny", "small", "medium", "large")  # engines.llm.train.PRESETS (not imported: it is light here)


# --- verbs -----------------------------------------------------------------------------------------

def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def cmd_models(args: argparse.Namespace) -> int:
    models = list_models()
    if args.json:
        _print_json({"models": models})
        return 0
    if not models:
        print("No models yet. Train one with: python -m engines.llm train --corpus FILE --out DIR")
        return 0
    for m in models:
        params = f"{m['parameters']:,}" if m["parameters"] else "?"
        print(f"{m['name']:<24} {m['source']:<8} {m['kind']:<20} {m.get('stage', ''):<10} {params:>14} parameters  "
              f"{m['path']}")
    return 0


def cmd_next(args: argparse.Namespace) -> int:
    from engines.llm.generate import next_token_distribution

    runner, tokenizer, folder = open_model(args.model, args.backend, args.device, args.threads)
    result = next_token_distribution(runner, tokenizer, args.prompt, top=args.top, temperature=args.temperature)
    if args.json:
        _print_json({"model": str(folder), **result})
        return 0
    if result["notice"]:
        print(result["notice"], file=sys.stderr)
    for c in result["candidates"]:
        bar = "#" * int(round(c["prob"] * 40))
        print(f"{c['prob']:7.2%}  {c['id']:>6}  {c['text']!r:<16} {bar}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from engines.core.jobs import Frame, Log, run_job
    from engines.llm.generate import generate

    runner, tokenizer, folder = open_model(args.model, args.backend, args.device, args.threads)
    steps: list[dict[str, Any]] = []
    notices: list[str] = []

    def on_event(event) -> None:
        if isinstance(event, Log):
            notices.append(event.text)
            print(event.text, file=sys.stderr)
        elif isinstance(event, Frame):
            p = event.payload
            steps.append({
                "token": p["token"],
                "candidates": [{k: c[k] for k in ("id", "text", "prob")} for c in p["candidates"][: args.top]],
                "step_ms": round(p["step_ms"], 3),
            })
            if not args.json:
                sys.stdout.write(p["token"]["text"] if args.stream else "")
                sys.stdout.flush()

    job = generate(runner, tokenizer, args.prompt, max_new_tokens=args.max_new_tokens, temperature=args.temperature,
                   top_k=args.top_k, top_p=args.top_p, seed=args.seed, n_candidates=max(args.top, 1),
                   use_cache=not args.no_cache)
    text = run_job(job, on_event=on_event)
    continuation = tokenizer.decode([s["token"]["id"] for s in steps])
    step_ms = sorted(s["step_ms"] for s in steps[1:]) or [0.0]
    if args.json:
        _print_json({
            "model": str(folder), "backend": runner.backend, "prompt": args.prompt, "text": text,
            "continuation": continuation, "steps": steps, "notices": notices,
            "median_ms_per_token": step_ms[len(step_ms) // 2],
        })
        return 0
    if args.stream:
        print()
    else:
        print(text)
    print(f"[{runner.backend}: {len(steps)} tokens, median {step_ms[len(step_ms) // 2]:.2f} ms/token]", file=sys.stderr)
    return 0


def cmd_attention(args: argparse.Namespace) -> int:
    from engines.llm.generate import attention_map

    runner, tokenizer, folder = open_model(args.model, args.backend, args.device, args.threads)
    result = attention_map(runner, tokenizer, args.prompt)
    att = result["attention"]  # (layers, heads, queries, keys)
    if args.json:
        _print_json({
            "model": str(folder), "tokens": result["tokens"], "ids": result["ids"], "truncated": result["truncated"],
            "shape": {"layers": att.shape[0], "heads": att.shape[1], "queries": att.shape[2], "keys": att.shape[3]},
            "attention": [[[[round(float(w), 6) for w in row] for row in head] for head in layer] for layer in att],
        })
        return 0
    tokens = result["tokens"]
    print(f"{len(tokens)} tokens: {tokens}")
    print(f"Where the last token {tokens[-1]!r} looks (top 3 per layer/head):")
    for li, layer in enumerate(att):
        for hi, head in enumerate(layer):
            row = head[-1]
            top = row.argsort()[::-1][:3]
            looks = ", ".join(f"{tokens[k]!r} {row[k]:.2f}" for k in top)
            print(f"  layer {li} head {hi}: {looks}")
    return 0


def _read_corpus(spec: str) -> tuple[str, str]:
    try:
        from engines.llm.corpus import load_corpus
    except ImportError:
        load_corpus = None
    if load_corpus is not None:
        return load_corpus(spec)
    return Path(spec).read_text(encoding="utf-8"), spec


def _make_tokenizer(kind: str, text: str, vocab_size: int):
    if kind == "char":
        from engines.llm.char_tokenizer import CharTokenizer

        return CharTokenizer.from_text(text)
    from engines.llm import tokenizers

    if kind == "word":
        return tokenizers.WordTokenizer.train(text, max_vocab=vocab_size)
    if kind == "bpe":
        return tokenizers.BPETokenizer.train(text, vocab_size=vocab_size)
    raise ValueError(f"unknown tokenizer {kind!r}")


def _frames_as_logs(job):
    """Pass a job through, turning its sample frames into log lines the progress bar prints."""
    from engines.core.jobs import Frame, Log, map_events

    def as_log(event):
        if isinstance(event, Frame) and isinstance(event.payload, dict) and "sample" in event.payload:
            return Log(f"step {event.payload['step']} sample: {event.payload['sample']!r}")
        return event

    return map_events(job, as_log)  # a cancel closes it; the training job then saves its checkpoint


def cmd_train(args: argparse.Namespace) -> int:
    import numpy as np

    from engines.core.cli_progress import run_with_progress
    from engines.core.jobs import CancelToken, JobCancelled
    from engines.llm.train import TrainConfig, TrainingDiverged, read_train_state, train_gpt

    overrides = {"device": args.device}
    if args.steps:
        overrides["max_steps"] = args.steps
    if args.lr:
        overrides["lr"] = args.lr
    config = TrainConfig.preset_config(args.preset, **overrides)
    use_threads(args.threads)
    out = Path(args.out)
    has_checkpoint = read_train_state(out) is not None
    if has_checkpoint and not (args.resume or args.overwrite):
        print(f"error: {out} already holds a trained model; add --resume to go on training it "
              "or --overwrite to start again", file=sys.stderr)
        return 2
    resume = args.resume and has_checkpoint
    if resume:
        tokenizer = load_model_tokenizer(out)
        text, source = _read_corpus(args.corpus)
    else:
        text, source = _read_corpus(args.corpus)
        tokenizer = _make_tokenizer(args.tokenizer, text, args.vocab_size)
    ids = np.asarray(tokenizer.encode(text), dtype=np.int64)
    print(f"Training on {source}: {len(text):,} characters → {len(ids):,} tokens "
          f"({args.tokenizer if not resume else 'saved'} tokenizer, vocabulary {tokenizer.vocab_size})",
          file=sys.stderr)
    cancel = CancelToken()
    try:
        job = train_gpt(ids, config, out, tokenizer, resume=resume, cancel=cancel)
        result = run_with_progress(_frames_as_logs(job), cancel, quiet=args.quiet)
    except JobCancelled:
        state = read_train_state(out) or {}
        message = f"stopped; checkpoint saved at step {state.get('step', '?')} in {out} (resume with --resume)"
        if args.json:
            _print_json({"status": "cancelled", "folder": str(out), "step": state.get("step")})
        print(message, file=sys.stderr)
        return 130
    except TrainingDiverged as exc:
        if args.json:
            _print_json({"status": "diverged", "folder": str(out), "error": str(exc)})
        print(f"error: {exc}", file=sys.stderr)
        return 1
    summary = {
        "status": "done", "folder": str(result.folder), "steps": result.steps, "loss": result.loss,
        "val_loss": result.val_loss, "tokens_per_s": result.tokens_per_s, "parameters": result.parameters,
        "elapsed_s": result.elapsed_s,
    }
    if args.json:
        _print_json(summary)
    else:
        print(f"done: {result.steps} steps, loss {result.loss:.3f}, val loss {result.val_loss:.3f}, "
              f"{result.tokens_per_s:,.0f} tokens/s, {result.parameters:,} parameters → {result.folder}")
    return 0


# --- argparse --------------------------------------------------------------------------------------

def _friendly(handler):
    """Turn the errors a user can cause (unknown model, bad files) into one line and exit code 2."""
    import functools

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from engines.core.model_io import ModelFileError

        try:
            return handler(args)
        except (ModelNotFound, ModelFileError, OSError, ValueError) as exc:  # CorpusError etc. are ValueErrors
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return run


def _model_args(p: argparse.ArgumentParser, backend: bool = True) -> None:
    p.add_argument("--model", required=True, help="model folder or name (see the 'models' verb)")
    p.add_argument("--prompt", required=True, help="text the model reads")
    if backend:
        p.add_argument("--backend", choices=("torch", "onnx"), default="torch")
    else:
        p.set_defaults(backend="torch")
    p.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto (torch backend)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: half the cores)")
    p.add_argument("--json", action="store_true", help="print JSON")


def add_model_verbs(subparsers) -> None:
    """Add ``models``, ``next``, ``generate``, ``attention``, ``train`` to ``subparsers`` (from ``add_subparsers``)."""
    p = subparsers.add_parser("models", help="list the GPT models available (shipped, trained, imported)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_friendly(cmd_models))

    p = subparsers.add_parser("next", help="the most likely next tokens after a prompt")
    _model_args(p)
    p.add_argument("--top", type=int, default=10, help="how many candidates")
    p.add_argument("--temperature", type=float, default=1.0)
    p.set_defaults(func=_friendly(cmd_next))

    p = subparsers.add_parser("generate", help="continue a prompt token by token")
    _model_args(p)
    p.add_argument("--max-new-tokens", type=int, default=50)
    p.add_argument("--temperature", type=float, default=0.8, help="0 = always the most likely token")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--top", type=int, default=5, help="candidates reported per step (JSON)")
    p.add_argument("--no-cache", action="store_true", help="re-read the whole text every step (slower; no KV cache)")
    p.add_argument("--stream", action="store_true", help="print tokens as they come")
    p.set_defaults(func=_friendly(cmd_generate))

    p = subparsers.add_parser("attention", help="attention weights [layer][head][query][key] for a prompt")
    _model_args(p)
    p.set_defaults(func=_friendly(cmd_attention))

    p = subparsers.add_parser("train", help="train a GPT on a text file (Ctrl-C saves and stops)")
    p.add_argument("--corpus", required=True, help="a UTF-8 text file (or 'storyworld' / 'mobydick')")
    p.add_argument("--preset", default="tiny", choices=PRESET_NAMES)
    p.add_argument("--out", required=True, help="folder for the model and its checkpoints")
    p.add_argument("--tokenizer", choices=("char", "word", "bpe"), default="char")
    p.add_argument("--vocab-size", type=int, default=2000, help="for word/bpe tokenizers")
    p.add_argument("--steps", type=int, default=None, help="override the preset's number of steps")
    p.add_argument("--lr", type=float, default=None, help="override the preset's learning rate")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint in --out")
    p.add_argument("--overwrite", action="store_true", help="start afresh even if --out holds a model")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: half the cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=_friendly(cmd_train))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engines.llm.cli_model", description=__doc__.splitlines()[0])
    add_model_verbs(parser.add_subparsers(dest="verb", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
