"""How fast can one CPU thread possibly make a token? The time to read the weights once.

Generating one token with a KV cache multiplies the new position's vector by every weight
matrix of the model once: each weight is read from memory once and used for one multiply-add.
For GPT-2 124M in fp32 that is ~500 MB per token — far more than any CPU cache — so the
speed of memory, not of arithmetic, sets the pace. This module times the bare minimum: one
matrix–vector product over a matrix holding as many fp32 numbers as the model has weights
(NumPy's BLAS held to one thread by threadpoolctl where installed, and torch; median of ``runs``).
No runner that keeps fp32 weights can make a token faster than this on the same machine; only
fewer bytes per weight (int8) can.

Run on its own::

    python benchmarks/memory_floor.py --params 124439808
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

WIDTH = 768  # rows of this many floats: the shape of GPT-2's weight matrices seen from one token


def _median_ms(fn, runs: int) -> float:
    fn()  # warm-up: page the matrix in
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(samples)


def weight_read_floor(params: int, runs: int = 7, width: int = WIDTH) -> dict[str, float]:
    """Milliseconds for one thread to multiply a vector by ``params`` fp32 weights (NumPy, torch)."""
    import torch

    torch.set_num_threads(1)
    rows = max(1, params // width)
    weights = np.ones((rows, width), dtype=np.float32)  # touched, so every page is really in memory
    vector = np.ones(width, dtype=np.float32)
    result = {"params": float(rows * width), "megabytes": rows * width * 4 / 1e6, "numpy_ms": float("nan")}
    try:  # NumPy's BLAS uses every core unless told: one thread, like the runners (threadpoolctl comes with [bench])
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=1):
            result["numpy_ms"] = _median_ms(lambda: weights @ vector, runs)
    tw, tv = torch.from_numpy(weights), torch.from_numpy(vector)
    result["torch_ms"] = _median_ms(lambda: tw @ tv, runs)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=int, default=124_439_808, help="fp32 weights to read (GPT-2 124M)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    floor = weight_read_floor(args.params, args.runs)
    print(f"one thread reads {floor['megabytes']:.0f} MB of fp32 weights once: NumPy {floor['numpy_ms']:.1f} ms, "
          f"torch {floor['torch_ms']:.1f} ms (median of {args.runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
