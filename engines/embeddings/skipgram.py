"""Skip-gram with negative sampling (Mikolov et al. 2013), in PyTorch, as a job.

Each step takes a batch of (centre word, context word) pairs from the corpus, pushes the
centre's vector towards its real context words and away from a few random "negative"
words. Every ``frame_every`` steps the job yields a :class:`Frame` with the watched words
projected to 3D (PCA, then Procrustes-aligned to the previous frame so points drift),
the loss so far and the nearest neighbours of a few watched words.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, JobCancelled, Log, Progress
from engines.core.model_io import atomic_write_json
from engines.embeddings.corpus import Corpus
from engines.embeddings.projection import pca_projection, procrustes_align
from engines.embeddings.vectors import WordVectors, unit_rows

ARCHITECTURE = "skipgram-word-vectors"


@dataclass
class SkipGramConfig:
    dims: int = 16
    window: int = 2
    negatives: int = 5
    steps: int = 3000
    batch_size: int = 512
    lr: float = 0.01
    min_count: int = 3
    max_vocab: int = 5000
    subsample: float = 1e-3  # frequent words ("the") are skipped more often, as in word2vec
    frame_every: int = 200
    seed: int = 0
    neighbours_of: int = 6  # how many watched words get a neighbour list in each frame


@dataclass
class SkipGramResult:
    vectors: WordVectors
    losses: list[tuple[int, float]]
    config: SkipGramConfig
    seconds: float
    corpus_name: str
    steps_done: int
    watch: tuple[str, ...] = field(default_factory=tuple)


def build_vocab(tokens: list[str], min_count: int, max_vocab: int) -> tuple[list[str], np.ndarray]:
    """Words seen at least ``min_count`` times (most frequent first, at most ``max_vocab``) and their counts."""
    counts = Counter(tokens)
    kept = [(w, c) for w, c in counts.most_common(max_vocab) if c >= min_count]
    return [w for w, _ in kept], np.array([c for _, c in kept], dtype=np.int64)


class PairSampler:
    """Draws (centre, context) index pairs: centres weighted by the subsampling rule, context within a
    random window of 1…``window`` words either side (nearer words are picked more often, as in word2vec)."""

    def __init__(self, ids: np.ndarray, counts: np.ndarray, window: int, subsample: float, rng: np.random.Generator):
        self.ids, self.window, self.rng = ids, window, rng
        freq = counts / counts.sum()
        keep = np.minimum(1.0, np.sqrt(subsample / freq) + subsample / freq) if subsample > 0 else np.ones_like(freq)
        weights = keep[ids]
        # cumulative sums once, then searchsorted per draw: much faster than rng.choice(p=…) every step
        self.centre_cdf = np.cumsum(weights / weights.sum())
        noise = counts.astype(np.float64) ** 0.75
        self.noise_cdf = np.cumsum(noise / noise.sum())

    def pairs(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.ids)
        pos = np.minimum(np.searchsorted(self.centre_cdf, self.rng.random(batch * 2)), n - 1)
        reach = self.rng.integers(1, self.window + 1, size=pos.shape)
        offset = self.rng.integers(1, reach + 1) * self.rng.choice((-1, 1), size=pos.shape)
        ctx = pos + offset
        ok = (ctx >= 0) & (ctx < n)
        pos, ctx = pos[ok][:batch], ctx[ok][:batch]
        return self.ids[pos], self.ids[ctx]

    def negatives(self, shape: tuple[int, ...]) -> np.ndarray:
        draws = np.searchsorted(self.noise_cdf, self.rng.random(shape))
        return np.minimum(draws, len(self.noise_cdf) - 1)


def _neighbours(unit: np.ndarray, words: list[str], query_rows: list[int], topn: int = 5) -> dict[str, list]:
    out = {}
    for row in query_rows:
        scores = unit @ unit[row]
        scores[row] = -np.inf
        best = np.argsort(-scores)[:topn]
        out[words[row]] = [(words[i], round(float(scores[i]), 3)) for i in best]
    return out


def train_skipgram(corpus: Corpus, config: SkipGramConfig | None = None,
                   cancel: CancelToken | None = None,
                   stop: Callable[[], bool] | None = None) -> Job[SkipGramResult]:
    """Train word vectors on ``corpus``; yields Progress (loss), Log and Frame events; returns the result.

    Frame payload: ``{"step", "loss", "words" (n,), "coords" (n, 3), "groups" (n,) or None,
    "losses" [(step, loss)], "neighbours" {word: [(word, cosine)]}, "vocab_size", "corpus"}``.
    When ``stop()`` turns true (a Stop button), or the cancel token is set between steps, the run ends early
    and still returns what it learned so far.
    """
    import torch  # lazy: the window should not wait for torch

    config = config or SkipGramConfig()
    cancel = cancel or CancelToken()
    start = time.perf_counter()
    if corpus.note:
        yield Log(corpus.note, "warning")
    vocab, counts = build_vocab(corpus.tokens, config.min_count, config.max_vocab)
    if len(vocab) < 4:
        raise ValueError(f"the corpus has only {len(vocab)} words seen {config.min_count}+ times; give it more text")
    index = {w: i for i, w in enumerate(vocab)}
    ids = np.array([index[t] for t in corpus.tokens if t in index], dtype=np.int64)
    watch = [w for w in corpus.watch if w in index] or vocab[:20]
    watch_rows = [index[w] for w in watch]
    groups = [corpus.groups.get(w, "other") for w in watch] if corpus.groups else None
    yield Log(f"{corpus.name}: {len(corpus.tokens):,} words, vocabulary {len(vocab):,}, watching {len(watch)}")

    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    sampler = PairSampler(ids, counts, config.window, config.subsample, rng)
    v, d = len(vocab), config.dims
    centre = torch.nn.Embedding(v, d)
    context = torch.nn.Embedding(v, d)
    torch.nn.init.uniform_(centre.weight, -0.5 / d, 0.5 / d)
    torch.nn.init.zeros_(context.weight)
    opt = torch.optim.Adam(list(centre.parameters()) + list(context.parameters()), lr=config.lr)
    logsig = torch.nn.functional.logsigmoid

    losses: list[tuple[int, float]] = []
    previous: np.ndarray | None = None
    running, seen, step = 0.0, 0, 0

    def snapshot() -> dict[str, Any]:
        nonlocal previous
        unit = unit_rows(centre.weight.detach().numpy())
        coords = pca_projection(unit[watch_rows])(unit[watch_rows])
        if previous is not None and previous.shape == coords.shape:
            coords = procrustes_align(previous, coords)
        previous = coords
        return {"step": step, "loss": losses[-1][1] if losses else float("nan"), "words": list(watch),
                "coords": coords, "groups": groups, "losses": list(losses), "vocab_size": v, "corpus": corpus.name,
                "neighbours": _neighbours(unit, vocab, watch_rows[:config.neighbours_of])}

    yield Frame(snapshot(), step=0)
    try:
        for step in range(1, config.steps + 1):
            cancel.raise_if_cancelled()
            if stop is not None and stop():
                yield Log(f"stopped after {step - 1} steps")
                step -= 1
                break
            c_ids, x_ids = sampler.pairs(config.batch_size)
            neg = sampler.negatives((len(c_ids), config.negatives))
            c_vec = centre(torch.from_numpy(c_ids))  # (B, d)
            pos_vec = context(torch.from_numpy(x_ids))  # (B, d)
            neg_vec = context(torch.from_numpy(neg))  # (B, K, d)
            pos_score = (c_vec * pos_vec).sum(-1)
            neg_score = torch.bmm(neg_vec, c_vec.unsqueeze(-1)).squeeze(-1)  # (B, K)
            loss = -(logsig(pos_score) + logsig(-neg_score).sum(-1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += float(loss.detach())
            seen += 1
            if step % config.frame_every == 0 or step == config.steps:
                losses.append((step, running / seen))
                running, seen = 0.0, 0
                yield Progress(step, config.steps, {"loss": losses[-1][1]})
                yield Frame(snapshot(), step=step)
    except JobCancelled:  # stopping early is normal: keep what was learned so far
        yield Log(f"stopped after {step - 1} steps")
        step -= 1
    if seen and step > 0 and (not losses or losses[-1][0] != step):  # stopped between frames: show where it got
        losses.append((step, running / seen))
        yield Frame(snapshot(), step=step)
    vectors = WordVectors(vocab, centre.weight.detach().numpy().copy(), name=f"skip-gram on {corpus.name}")
    return SkipGramResult(vectors, losses, config, time.perf_counter() - start, corpus.name, step, tuple(watch))


def save_skipgram(result: SkipGramResult, folder: str | Path) -> Path:
    """Write ``folder/model.safetensors`` (vectors + vocabulary) and ``folder/config.json``; loadable by
    :func:`engines.embeddings.loaders.load_vectors`."""
    from engines.embeddings.loaders import save_safetensors

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_safetensors(result.vectors, folder / "model.safetensors", extra_metadata={"architecture": ARCHITECTURE})
    atomic_write_json(folder / "config.json", {
        "architecture": ARCHITECTURE, **asdict(result.config), "corpus": result.corpus_name,
        "steps_done": result.steps_done, "final_loss": result.losses[-1][1] if result.losses else None,
        "vocab_size": len(result.vectors), "seconds": round(result.seconds, 2)})
    return folder
