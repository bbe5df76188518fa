"""LLM speed: ms per generated token for our GPT runners and Hugging Face transformers, same weights.

One GPT-2-shaped model with random weights (default 4 layers, 4 heads, width 128,
vocabulary 2048, 1024 positions) is built with ``transformers.GPT2LMHeadModel``, saved as a
Hugging Face folder and loaded into our GPT through ``engines.llm.hf_gpt2`` (so every
runner holds the very same weights), then exported to ONNX. For each context length
(16/128/512 by default) each runner first reads a prompt of that many tokens, then
generates ``--new-tokens`` tokens greedily one by one; the time of those steps divided by
their number is one measurement, and the table shows the median of ``--runs``.

Runners: ``torch`` without KV cache (re-reads the whole text each step), ``torch`` with
cache, ``onnx`` with cache (onnxruntime), ``hf`` (transformers, with its cache). Ours
also return every layer's attention each step (the app shows it); transformers does not.
All on one CPU thread. Targets (issue 3): onnx at least 2x faster per token than hf.

``--model NAME`` measures one of our model folders (e.g. a shipped story-world GPT),
``--gpt2 FOLDER`` a real GPT-2 folder instead (e.g. GPT-2 124M downloaded with
``engines.llm.hf_gpt2.download_gpt2``). ``--train-steps`` also prints training
throughput (tokens/s) of the train presets. Results go to ``benchmarks/results/llm.json``.

Run::

    python benchmarks/llm.py [--contexts 16 128 512] [--runs 5] [--new-tokens 16] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "llm.json"
sys.path.insert(0, str(REPO))

COLUMNS = ("torch_nocache", "torch_cache", "onnx_cache", "hf_cache")


def build_models(args, tmp: Path):
    import torch
    import transformers

    from engines.llm.hf_gpt2 import load_hf_gpt2
    from engines.llm.onnx_runner import OnnxGPTRunner, export_onnx
    from engines.llm.runners import TorchGPTRunner

    if args.model:  # one of ours (e.g. a shipped model): hand the same weights to transformers
        from engines.llm.model_store import resolve_model
        from engines.llm.gpt import load_gpt
        from engines.llm.hf_gpt2 import save_as_hf_gpt2

        folder = save_as_hf_gpt2(load_gpt(resolve_model(args.model)), tmp / "hf")
        hf = transformers.GPT2LMHeadModel.from_pretrained(folder).eval()
    elif args.gpt2:
        folder = Path(args.gpt2)
        hf = transformers.GPT2LMHeadModel.from_pretrained(folder).eval()
    else:
        cfg = transformers.GPT2Config(
            n_layer=args.layers, n_head=args.heads, n_embd=args.width, vocab_size=args.vocab, n_positions=1024,
            bos_token_id=0, eos_token_id=0,
        )
        torch.manual_seed(0)
        hf = transformers.GPT2LMHeadModel(cfg).eval()
        folder = tmp / "hf"
        hf.save_pretrained(folder, safe_serialization=True)
    ours = load_hf_gpt2(folder)
    onnx_path = export_onnx(ours, tmp / "gpt.onnx")
    return hf, TorchGPTRunner(ours), OnnxGPTRunner(onnx_path, threads=1, trusted=True)


def time_runner(runner, context: np.ndarray, new_tokens: int, use_cache: bool) -> tuple[float, list[int]]:
    """Seconds per generated token after a prompt of ``context`` (1, C), greedy; and the tokens made."""
    ids = context
    logits, past, _ = runner.forward(ids)
    made = []
    start = time.perf_counter()
    for _ in range(new_tokens):
        token = int(np.argmax(logits[0, -1]))
        made.append(token)
        if use_cache:
            logits, past, _ = runner.forward(np.array([[token]], dtype=np.int64), past)
        else:
            ids = np.concatenate([ids, [[token]]], axis=1)
            logits, _, _ = runner.forward(ids)
    return (time.perf_counter() - start) / new_tokens, made


def _cache_keyword(model) -> str:
    """transformers >= 5.2x calls the KV cache argument ``cache``; older releases ``past_key_values``."""
    import inspect

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def time_hf(model, context: np.ndarray, new_tokens: int) -> tuple[float, list[int]]:
    import torch

    keyword = _cache_keyword(model)
    with torch.inference_mode():
        out = model(input_ids=torch.from_numpy(context), use_cache=True)
        past, logits = (out["cache"] if "cache" in out else out.past_key_values), out.logits
        made = []
        start = time.perf_counter()
        for _ in range(new_tokens):
            token = int(torch.argmax(logits[0, -1]))
            made.append(token)
            out = model(input_ids=torch.tensor([[token]]), use_cache=True, **{keyword: past})
            past, logits = (out["cache"] if "cache" in out else out.past_key_values), out.logits
        return (time.perf_counter() - start) / new_tokens, made


def measure(args) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="ai-lab-llm-bench-") as tmp:
        hf, torch_runner, onnx_runner = build_models(args, Path(tmp))
        vocab = torch_runner.config.vocab_size
        rows = []
        for context_len in args.contexts:
            if context_len + args.new_tokens > torch_runner.config.block_size:
                print(f"context {context_len} skipped: the model's window is {torch_runner.config.block_size} tokens",
                      file=sys.stderr)
                continue
            context = np.random.default_rng(context_len).integers(0, vocab, size=(1, context_len))
            samples: dict[str, list[float]] = {c: [] for c in COLUMNS}
            texts: dict[str, list[int]] = {}
            for run in range(args.runs + 1):  # the first run warms up and is not counted
                measured = {
                    "torch_nocache": time_runner(torch_runner, context, args.new_tokens, use_cache=False),
                    "torch_cache": time_runner(torch_runner, context, args.new_tokens, use_cache=True),
                    "onnx_cache": time_runner(onnx_runner, context, args.new_tokens, use_cache=True),
                    "hf_cache": time_hf(hf, context, args.new_tokens),
                }
                for name, (seconds, made) in measured.items():
                    if run:
                        samples[name].append(seconds * 1000.0)
                    texts[name] = made
            row = {"context": context_len, **{c: statistics.median(samples[c]) for c in COLUMNS}}
            row["same_tokens"] = len({tuple(t) for t in texts.values()}) == 1
            rows.append(row)
        cfg = torch_runner.config
        model = {
            "layers": cfg.n_layer, "heads": cfg.n_head, "width": cfg.n_embd, "vocab": cfg.vocab_size,
            "parameters": torch_runner.model.num_parameters(), "source": args.model or args.gpt2 or "random GPT-2-shaped weights",
        }
    return {"model": model, "rows": rows}


def measure_training(steps: int) -> list[dict[str, Any]]:
    import torch

    from engines.core.jobs import run_job
    from engines.llm.train import PRESETS, TrainConfig, train_gpt

    torch.set_num_threads(1)
    text_ids = np.random.default_rng(0).integers(0, 96, size=200_000)
    out = []
    for name in ("tiny", "small"):
        config = TrainConfig.preset_config(name, max_steps=steps, eval_interval=10**9, sample_interval=0,
                                           checkpoint_interval=10**9, warmup_steps=0)
        with tempfile.TemporaryDirectory() as tmp:
            result = run_job(train_gpt(text_ids, config, tmp, vocab_size=96))
        out.append({"preset": name, "tokens_per_s": result.tokens_per_s, "parameters": result.parameters,
                    **{k: PRESETS[name][k] for k in ("n_layer", "n_embd", "block_size", "batch_size")}})
    return out


def print_table(result: dict[str, Any]) -> None:
    m = result["model"]
    print(f"\nms per generated token (median), 1 CPU thread — {m['source']}: "
          f"{m['layers']} layers, {m['heads']} heads, width {m['width']}, vocab {m['vocab']}, "
          f"{m['parameters']:,} params")
    head = f"{'context':>8} {'torch no cache':>15} {'torch cache':>12} {'onnx cache':>11} {'hf cache':>9}" \
           f" {'nocache/cache':>14} {'hf/onnx':>8} {'hf/torch':>9} {'same text':>10}"
    print(head)
    print("-" * len(head))
    for r in result["rows"]:
        print(f"{r['context']:>8} {r['torch_nocache']:>15.3f} {r['torch_cache']:>12.3f} {r['onnx_cache']:>11.3f}"
              f" {r['hf_cache']:>9.3f} {r['torch_nocache'] / r['torch_cache']:>13.1f}x"
              f" {r['hf_cache'] / r['onnx_cache']:>7.1f}x {r['hf_cache'] / r['torch_cache']:>8.1f}x"
              f" {'yes' if r['same_tokens'] else 'NO':>10}")
    for t in result.get("training", []):
        print(f"training, preset {t['preset']} ({t['parameters']:,} params, batch {t['batch_size']}x{t['block_size']}):"
              f" {t['tokens_per_s']:,.0f} tokens/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", type=int, nargs="+", default=[16, 128, 512])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--vocab", type=int, default=2048)
    parser.add_argument("--gpt2", default=None, help="a Hugging Face GPT-2 folder to measure instead")
    parser.add_argument("--model", default=None, help="one of our GPT folders (path or name) to measure instead")
    parser.add_argument("--train-steps", type=int, default=0, help="also measure training tokens/s over N steps")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    result = measure(args)
    if args.train_steps:
        result["training"] = measure_training(args.train_steps)
    import onnxruntime
    import torch
    import transformers

    result["environment"] = {
        "python": platform.python_version(), "machine": platform.machine(), "processor": platform.processor(),
        "torch": torch.__version__, "onnxruntime": onnxruntime.__version__, "transformers": transformers.__version__,
        "runs": args.runs, "new_tokens": args.new_tokens, "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
