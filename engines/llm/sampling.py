"""Turning logits into the next token: temperature, top-k, top-p (nucleus), seed.

NumPy only (no torch), so generation through ONNX Runtime needs no torch either. The
random source is a seeded ``numpy.random.Generator``: the same seed, logits and settings
always give the same choice. Temperature 0 means greedy (argmax): no randomness at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Candidate:
    """One possible next token: its id, its probability after temperature/top-k/top-p
    (``prob``; for greedy decoding this is the plain softmax) and its plain softmax probability (``raw_prob``)."""

    id: int
    prob: float
    raw_prob: float


@dataclass(frozen=True)
class SampleResult:
    """The chosen token id, the most likely candidates (best first) and the size of the kept set."""

    token_id: int
    candidates: list[Candidate] = field(default_factory=list)
    kept: int = 0


def make_rng(seed: int | None) -> np.random.Generator:
    """A seeded random source (None → fresh entropy)."""
    return np.random.default_rng(seed)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities (float64) from a 1-D array of logits."""
    z = np.asarray(logits, dtype=np.float64) / max(float(temperature), 1e-8)
    z = z - np.max(z)
    e = np.exp(z)
    return e / e.sum()


def filter_probs(probs: np.ndarray, top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    """Zero every token outside the top ``top_k`` and outside the nucleus of mass ``top_p``; renormalise.

    The nucleus is the smallest set of most likely tokens whose probabilities add up to at
    least ``top_p`` (the most likely token is always kept). Ties keep the lower id first.
    """
    probs = np.asarray(probs, dtype=np.float64)
    order = np.argsort(-probs, kind="stable")  # most likely first
    keep = np.ones(len(order), dtype=bool)
    if top_k is not None and top_k > 0:
        keep[min(int(top_k), len(order)):] = False
    if top_p is not None and 0.0 < top_p < 1.0:
        sorted_probs = probs[order]
        mass_before = np.cumsum(sorted_probs) - sorted_probs  # probability of the tokens ranked above
        keep &= mass_before < top_p
    keep[0] = True
    out = np.zeros_like(probs)
    out[order[keep]] = probs[order[keep]]
    return out / out.sum()


def next_token_probs(
    logits,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    rng: np.random.Generator | None = None,
    n_candidates: int = 10,
) -> SampleResult:
    """Choose the next token from 1-D ``logits`` (vocab,) (NumPy or torch, last position only).

    ``temperature`` 0 → greedy argmax (bit-for-bit deterministic, ``rng`` unused);
    otherwise the logits are divided by ``temperature``, filtered by ``top_k``/``top_p`` and
    one token is drawn with ``rng`` (a seeded generator from :func:`make_rng`).
    Returns the chosen id and the ``n_candidates`` most likely tokens with probabilities.
    """
    if hasattr(logits, "detach"):
        logits = logits.detach().cpu().numpy()
    logits = np.asarray(logits, dtype=np.float32).reshape(-1)
    if temperature < 0:
        raise ValueError("temperature must be 0 or more")
    raw = softmax(logits)
    if temperature == 0:
        token = int(np.argmax(logits))  # first maximum: deterministic
        probs = raw
        kept = 1
    else:
        probs = filter_probs(softmax(logits, temperature), top_k, top_p)
        kept = int(np.count_nonzero(probs))
        rng = rng if rng is not None else make_rng(None)
        cumulative = np.cumsum(probs)
        token = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
        token = min(token, len(probs) - 1)
        if probs[token] == 0.0:  # only rounding at the very end of the cumulative sum gets here
            token = int(np.flatnonzero(probs)[-1])
    top = np.argsort(-probs, kind="stable")[: max(1, n_candidates)]
    candidates = [Candidate(int(i), float(probs[i]), float(raw[i])) for i in top if probs[i] > 0 or temperature == 0]
    return SampleResult(token, candidates, kept)
