"""LLM speed: ms per generated token, transformers vs our ONNX export in fp32 and int8, same weights.

By default the script builds a GPT-2 124M folder with random weights (``GPT2Config``
defaults: 12 layers, 12 heads, width 768, vocabulary 50,257) with
``transformers.GPT2LMHeadModel``, loads it into our GPT through ``engines.llm.hf_gpt2``,
exports it to ONNX and makes the int8 copy (:mod:`engines.llm.gpt2_int8`), so every runner
holds the very same weights. For each context length (16/128/512) each runner reads a
prompt of that many tokens, then generates ``--new-tokens`` tokens greedily one by one with
its KV cache; the time of those steps divided by their number is one measurement; the
table shows the median of ``--runs``.

Runners (``--runners``): ``hf`` (transformers fp32), ``onnx`` (ours, fp32), ``int8`` (ours, int8
weights), optionally ``onnx_std`` (ours, fp32, standard ONNX operators only: no fused LayerNorm/GELU),
``torch`` and ``torch_nocache`` (our torch model). Ours also return where the
newest position looked, in every layer and head, each step (the Generate page shows it). One CPU thread. Targets (issue 20): int8 ≥ 2.5×
and fp32 ONNX ≥ 1.5× faster per token than transformers, int8 ≤ 15 ms at context 16.
Also reported: peak resident memory of a fresh process generating with each (``--no-memory``
skips it), and int8 against fp32 on the shipped Moby-Dick text: top-1 agreement, mean KL and
perplexity (a random folder has no tokenizer: UTF-8 bytes serve as ids; perplexity means nothing).

``--gpt2 FOLDER`` measures a real GPT-2 folder instead; ``--layers/--heads/--width/--vocab``
shrink the random model; ``--model NAME`` one of our GPT folders; ``--train-steps`` also
prints training throughput of the train presets. Results: ``benchmarks/results/llm.json``.

Run::

    python benchmarks/llm.py [--gpt2 FOLDER] [--contexts 16 128 512] [--runs 5] [--new-tokens 16] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
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
sys.path.insert(0, str(HERE))

from memory_floor import weight_read_floor  # noqa: E402  (benchmarks/ is not a package)

RUNNERS = ("hf", "onnx", "int8", "onnx_std", "torch", "torch_nocache")
LABELS = {"hf": "transformers", "onnx": "ONNX fp32", "int8": "ONNX int8", "onnx_std": "fp32 std ops",
          "torch": "our torch", "torch_nocache": "torch no cache"}


def build_folder(args, tmp: Path) -> Path:
    """The GPT-2 folder to measure: ``--gpt2``, one of ours converted, or random weights built here."""
    if args.gpt2:
        return Path(args.gpt2)
    folder = tmp / "gpt2"
    if args.model:  # one of ours (e.g. a shipped model): hand the same weights to transformers
        from engines.llm.gpt import load_gpt
        from engines.llm.hf_gpt2 import save_as_hf_gpt2
        from engines.llm.model_store import resolve_model

        return save_as_hf_gpt2(load_gpt(resolve_model(args.model)), folder)
    import torch
    import transformers

    cfg = transformers.GPT2Config(n_layer=args.layers, n_head=args.heads, n_embd=args.width, vocab_size=args.vocab,
                                  n_positions=1024, bos_token_id=0, eos_token_id=0)
    torch.manual_seed(0)
    transformers.GPT2LMHeadModel(cfg).save_pretrained(folder, safe_serialization=True)
    return folder


def open_runner(kind: str, folder: Path, exports: dict[str, Path]):
    if kind in ("onnx", "int8", "onnx_std"):  # no torch in this process for ONNX (its memory is measured alone)
        from engines.llm.onnx_runner import OnnxGPTRunner

        return OnnxGPTRunner(exports[{"onnx": "fp32", "int8": "int8", "onnx_std": "std"}[kind]], threads=1, trusted=True)
    import torch

    torch.set_num_threads(1)
    if kind == "hf":
        import transformers

        return transformers.GPT2LMHeadModel.from_pretrained(folder).eval()
    from engines.llm.hf_gpt2 import load_hf_gpt2
    from engines.llm.runners import TorchGPTRunner

    return TorchGPTRunner(load_hf_gpt2(folder))


def time_runner(runner, context: np.ndarray, new_tokens: int, use_cache: bool = True) -> tuple[float, list[int]]:
    """Seconds per generated token after a prompt of ``context`` (1, C), greedy; and the tokens made."""
    ids = context
    logits, past, _ = runner.forward(ids, with_attention=1)  # as generate() does: the prompt's last row
    made = []
    start = time.perf_counter()
    for _ in range(new_tokens):
        token = int(np.argmax(logits[0, -1]))
        made.append(token)
        if use_cache:
            logits, past, _ = runner.forward(np.array([[token]], dtype=np.int64), past)
        else:
            ids = np.concatenate([ids, [[token]]], axis=1)
            logits, _, _ = runner.forward(ids, with_attention=1)
    return (time.perf_counter() - start) / new_tokens, made


def time_hf(model, context: np.ndarray, new_tokens: int) -> tuple[float, list[int]]:
    import inspect

    import torch

    # transformers >= 5.2x calls the KV cache argument ``cache``; older releases ``past_key_values``
    keyword = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
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


def time_one(kind: str, runner, context: np.ndarray, new_tokens: int) -> tuple[float, list[int]]:
    return time_hf(runner, context, new_tokens) if kind == "hf" else \
        time_runner(runner, context, new_tokens, use_cache=kind != "torch_nocache")


def peak_memory_mb(kind: str, folder: Path, exports: dict[str, Path], context: int, new_tokens: int) -> float:
    """Peak resident memory (MB) of a fresh process that opens ``kind`` and generates after ``context`` tokens."""
    code = (f"import sys, numpy as np; sys.path.insert(0, {str(HERE)!r}); sys.path.insert(0, {str(REPO)!r})\n"
            f"import llm; from pathlib import Path\n"
            f"exports = {{k: Path(v) for k, v in {json.dumps({k: str(v) for k, v in exports.items()})}.items()}}\n"
            f"r = llm.open_runner({kind!r}, Path({str(folder)!r}), exports)\n"
            f"llm.time_one({kind!r}, r, np.zeros((1, {context}), dtype=np.int64), {new_tokens})\n"
            f"print(llm.peak_rss_kib())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1]) / 1024.0


def peak_rss_kib() -> int:
    """This process's peak resident memory in KiB: VmHWM (reset by exec, unlike ru_maxrss, which a child started
    from a big parent inherits), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def int8_quality(folder: Path, exports: dict[str, Path], tokens: int) -> dict[str, Any]:
    from engines.llm.gpt2_int8 import quality, sample_ids
    from engines.llm.onnx_runner import OnnxGPTRunner

    fp32 = OnnxGPTRunner(exports["fp32"], threads=1, trusted=True)
    int8 = OnnxGPTRunner(exports["int8"], threads=1, trusted=True)
    ids, how = sample_ids(folder, tokens, fp32.config.block_size)
    return {**quality(fp32, int8, ids), "tokens_from": how}


def measure(args) -> dict[str, Any]:
    import torch

    from engines.core.jobs import run_job
    from engines.llm.gpt2_int8 import prepare_job

    torch.set_num_threads(1)
    result: dict[str, Any] = {"runners": list(args.runners)}
    with tempfile.TemporaryDirectory(prefix="ai-lab-llm-bench-") as tmp:
        os.environ["AI_LAB_DATA_DIR"] = str(Path(tmp) / "data")  # the exports go there, not in the user's folder
        folder = build_folder(args, Path(tmp))
        start = time.perf_counter()
        prepared = run_job(prepare_job(folder))
        result["export_seconds"] = round(time.perf_counter() - start, 1)  # 0 when the exports already existed
        exports = {"fp32": prepared["fp32"], "int8": prepared["int8"]}
        if "onnx_std" in args.runners:  # the same graph in standard ONNX operators only (no fused LayerNorm/GELU)
            from engines.core.model_io import load_config
            from engines.llm.onnx_graph import export_onnx
            from engines.llm.runners import _load_torch_model

            model = _load_torch_model(folder, load_config(folder))
            exports["std"] = export_onnx(model, Path(tmp) / "standard-ops.onnx", fused=False)
        runners = {kind: open_runner(kind, folder, exports) for kind in args.runners}
        cfg = runners.get("onnx", open_runner("onnx", folder, exports)).config
        rows = []
        for context_len in args.contexts:
            if context_len + args.new_tokens > cfg.block_size:
                print(f"context {context_len} skipped: the window is {cfg.block_size} tokens", file=sys.stderr)
                continue
            context = np.random.default_rng(context_len).integers(0, cfg.vocab_size, size=(1, context_len))
            samples: dict[str, list[float]] = {k: [] for k in args.runners}
            texts: dict[str, list[int]] = {}
            for run in range(args.runs + 1):  # the first run warms up and is not counted
                for kind, runner in runners.items():
                    seconds, made = time_one(kind, runner, context, args.new_tokens)
                    if run:
                        samples[kind].append(seconds * 1000.0)
                    texts[kind] = made
            row: dict[str, Any] = {"context": context_len, **{k: statistics.median(v) for k, v in samples.items()}}
            row["fp32_same_tokens"] = len({tuple(t) for k, t in texts.items() if k != "int8"}) == 1
            rows.append(row)
            print(f"context {context_len}: " + ", ".join(f"{k} {row[k]:.1f} ms" for k in args.runners), file=sys.stderr)
        result["rows"] = rows
        read_per_token = 12 * cfg.n_layer * cfg.n_embd ** 2 + cfg.vocab_size * cfg.n_embd  # blocks + output layer
        result["floor"] = weight_read_floor(read_per_token)  # same machine, same run: the fastest fp32 can be
        result["quality"] = int8_quality(folder, exports, args.quality_tokens)
        result["sizes_mb"] = {k: round(Path(p).stat().st_size / 1e6, 1) for k, p in exports.items()}
        if not args.no_memory:
            longest = max(r["context"] for r in rows)
            result["peak_rss_mb"] = {k: round(peak_memory_mb(k, folder, exports, longest, args.new_tokens), 1)
                                     for k in ("hf", "onnx", "int8")}
        result["model"] = {"layers": cfg.n_layer, "heads": cfg.n_head, "width": cfg.n_embd, "vocab": cfg.vocab_size,
                           "source": args.model or args.gpt2 or "random weights (GPT2Config)"}
    return result


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
            train = run_job(train_gpt(text_ids, config, tmp, vocab_size=96))
        out.append({"preset": name, "tokens_per_s": train.tokens_per_s, "parameters": train.parameters,
                    **{k: PRESETS[name][k] for k in ("n_layer", "n_embd", "block_size", "batch_size")}})
    return out


def print_table(result: dict[str, Any]) -> None:
    m, kinds = result["model"], result["runners"]
    print(f"\nms per generated token (median), 1 CPU thread, KV cache — {m['source']}: {m['layers']} layers, "
          f"{m['heads']} heads, width {m['width']}, vocab {m['vocab']}")
    ratios = [k for k in kinds if k != "hf"] if "hf" in kinds else []
    head = f"{'context':>8}" + "".join(f" {LABELS[k]:>15}" for k in kinds) + \
        "".join(f" {'hf/' + k:>11}" for k in ratios) + f" {'same text (fp32)':>17}"
    print(head)
    print("-" * len(head))
    for r in result["rows"]:
        print(f"{r['context']:>8}" + "".join(f" {r[k]:>15.2f}" for k in kinds)
              + "".join(f" {r['hf'] / r[k]:>10.2f}x" for k in ratios)
              + f" {'yes' if r['fp32_same_tokens'] else 'NO':>17}")
    if "floor" in result and "hf" in kinds and result["rows"]:
        f, first = result["floor"], result["rows"][0]
        print(f"floor: one thread reads the {f['megabytes']:.0f} MB of fp32 weights a token needs in "
              f"{f['numpy_ms']:.1f} ms (NumPy) / {f['torch_ms']:.1f} ms (torch), nothing else done; "
              f"1.5x transformers at context {first['context']} needs <= {first['hf'] / 1.5:.1f} ms")
    q = result["quality"]
    print(f"int8 vs fp32 on {q['tokens']} Moby-Dick tokens ({q['tokens_from']}): top-1 agreement "
          f"{q['top1_agreement']:.1%}, mean KL {q['mean_kl']:.5f} nats, perplexity fp32 {q['perplexity_fp32']:.2f} "
          f"vs int8 {q['perplexity_int8']:.2f}")
    print("file sizes (MB): " + ", ".join(f"{k} {v}" for k, v in result["sizes_mb"].items()))
    if "peak_rss_mb" in result:
        print("peak resident memory of a process generating (MB): "
              + ", ".join(f"{LABELS[k]} {v:,.0f}" for k, v in result["peak_rss_mb"].items()))
    for t in result.get("training", []):
        print(f"training, preset {t['preset']} ({t['parameters']:,} params, batch {t['batch_size']}x{t['block_size']}):"
              f" {t['tokens_per_s']:,.0f} tokens/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", type=int, nargs="+", default=[16, 128, 512])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--runners", nargs="+", choices=RUNNERS, default=["hf", "onnx", "int8"])
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--width", type=int, default=768)
    parser.add_argument("--vocab", type=int, default=50257)
    parser.add_argument("--quality-tokens", type=int, default=512, help="Moby-Dick tokens for the int8 check")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    parser.add_argument("--gpt2", default=None, help="a Hugging Face GPT-2 folder to measure instead")
    parser.add_argument("--model", default=None, help="one of our GPT folders (path or name) to measure instead")
    parser.add_argument("--train-steps", type=int, default=0, help="also measure training tokens/s over N steps")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    result = measure(args)
    if args.train_steps:
        result["training"] = measure_training(args.train_steps)
    import onnxruntime, torch, transformers  # noqa: E401

    result["environment"] = {
        "python": platform.python_version(), "machine": platform.machine(), "processor": platform.processor(),
        "torch": torch.__version__, "onnxruntime": onnxruntime.__version__, "transformers": transformers.__version__,
        "runs": args.runs, "new_tokens": args.new_tokens, "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
