"""How good is a sentence encoder? Two measurements, used by the tools script, benchmarks and tests.

* :func:`sts_spearman`: on sentence pairs scored 0–5 by a person (``assets/embeddings/sts_pairs.tsv``,
  written for this project), does the encoder's cosine put the pairs in the same order?
  Spearman's rank correlation: 1 = the same order, 0 = no relation.
* :func:`agreement`: how close two copies of one encoder are (e.g. int8 vs fp32), as the cosine of
  each sentence's two vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

STS_ASSET = "embeddings/sts_pairs.tsv"


@dataclass(frozen=True)
class ScoredPair:
    score: float  # 0 (unrelated) … 5 (same meaning)
    a: str
    b: str


def load_sts_pairs(path: str | Path | None = None) -> list[ScoredPair]:
    """``score<TAB>sentence a<TAB>sentence b`` lines (``#`` starts a comment). Default: the shipped set."""
    if path is None:
        from engines.core.assets import AssetRegistry

        path = AssetRegistry().path(STS_ASSET)
    pairs = []
    for line_no, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{Path(path).name}, line {line_no}: expected score, sentence, sentence (tabs)")
        pairs.append(ScoredPair(float(parts[0]), parts[1].strip(), parts[2].strip()))
    return pairs


def ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks; tied values share the mean of their ranks."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    sorted_vals = values[order]
    out = np.empty(len(values))
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        out[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x, y) -> float:
    """Spearman's rank correlation of two equally long sequences."""
    rx, ry = ranks(np.asarray(x)), ranks(np.asarray(y))
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denom = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / denom) if denom else 0.0


def pair_cosines(encoder, pairs: list[ScoredPair]) -> np.ndarray:
    a = encoder.encode([p.a for p in pairs])
    b = encoder.encode([p.b for p in pairs])
    return np.sum(a * b, axis=1)  # rows are unit vectors (or zero)


def sts_spearman(encoder, pairs: list[ScoredPair] | None = None) -> float:
    pairs = pairs if pairs is not None else load_sts_pairs()
    return spearman(pair_cosines(encoder, pairs), [p.score for p in pairs])


def varied_sentences(n: int = 200) -> list[str]:
    """``n`` different sentences from the shipped sample text and pair set (many topics and lengths)."""
    from engines.embeddings.sentences import read_search_lines, sample_text_path

    seen: dict[str, None] = {}
    for _, text in read_search_lines(sample_text_path()):
        seen.setdefault(text)
    for pair in load_sts_pairs():
        seen.setdefault(pair.a)
        seen.setdefault(pair.b)
    sentences = list(seen)
    if len(sentences) < n:
        raise ValueError(f"only {len(sentences)} different sentences are shipped, {n} asked for")
    return sentences[:n]


def agreement(encoder_a, encoder_b, sentences: list[str]) -> dict[str, float]:
    """Cosine between the two encoders' vectors of each sentence: min, mean, and the largest element gap."""
    a, b = encoder_a.encode(sentences), encoder_b.encode(sentences)
    cos = np.sum(a * b, axis=1)
    return {"sentences": len(sentences), "cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
            "max_abs_diff": float(np.abs(a - b).max())}
