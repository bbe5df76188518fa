"""item2vec (Barkan & Koenigstein 2016): skip-gram with negative sampling where the "sentences" are playlists.

Two songs in the same playlist are a positive pair (order does not matter, unlike words in a sentence);
random songs drawn by play count^0.75 are the negatives. After training, songs played together point the
same way. A listener is the average of their songs' unit vectors; recommendations are the songs nearest to
that average which they have not played; similar listeners are the nearest listener averages.

:func:`evaluate` hides part of each held-out playlist and asks: is a hidden song among the top 10?
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, JobCancelled, Log, Progress
from engines.embeddings.listening_world import ListeningWorld
from engines.embeddings.projection import pca_projection, procrustes_align
from engines.embeddings.vectors import unit_rows

SONG_VECTORS_ASSET = "embeddings/songs-item2vec.safetensors"


@dataclass
class Item2VecConfig:
    dims: int = 32
    negatives: int = 5
    steps: int = 1500
    batch_size: int = 512
    lr: float = 0.02
    frame_every: int = 100
    seed: int = 0


@dataclass
class Item2VecResult:
    vectors: np.ndarray  # (songs, dims), unit rows
    losses: list[tuple[int, float]]
    steps_done: int
    seconds: float
    config: Item2VecConfig = field(default_factory=Item2VecConfig)


def split_playlists(world: ListeningWorld, test_share: float = 0.1, seed: int = 0) -> tuple[list[int], list[int]]:
    """Playlist indices for training and for the held-out test."""
    order = np.random.default_rng(seed).permutation(len(world.playlists))
    n_test = max(1, int(len(order) * test_share))
    return sorted(order[n_test:].tolist()), sorted(order[:n_test].tolist())


def train_item2vec(world: ListeningWorld, playlists: list[int] | None = None, config: Item2VecConfig | None = None,
                   cancel: CancelToken | None = None) -> Job[Item2VecResult]:
    """Learn song vectors from ``playlists`` (indices into ``world.playlists``; default all).

    Frames carry ``{"step", "coords" (songs, 3) PCA of the unit vectors (aligned to the last frame), "losses"}``.
    Cancelling ends early and still returns what was learned.
    """
    import torch

    config = config or Item2VecConfig()
    start = time.perf_counter()
    chosen = [world.playlists[i] for i in (playlists if playlists is not None else range(len(world.playlists)))]
    chosen = [p for p in chosen if len(p) >= 2]
    if not chosen:
        raise ValueError("no playlist with two or more songs to learn from")
    n = len(world.tracks)
    flat = np.concatenate([np.asarray(p, dtype=np.int64) for p in chosen])  # every play
    owner = np.repeat(np.arange(len(chosen)), [len(p) for p in chosen])  # play → playlist
    starts = np.cumsum([0] + [len(p) for p in chosen])[:-1]
    lengths = np.array([len(p) for p in chosen])
    counts = np.bincount(flat, minlength=n).astype(np.float64)
    noise_cdf = np.cumsum(counts**0.75 / (counts**0.75).sum())
    yield Log(f"{world.name}: {n} songs, {len(chosen):,} playlists, {len(flat):,} plays")

    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    centre, context = torch.nn.Embedding(n, config.dims), torch.nn.Embedding(n, config.dims)
    torch.nn.init.uniform_(centre.weight, -0.5 / config.dims, 0.5 / config.dims)
    torch.nn.init.zeros_(context.weight)
    opt = torch.optim.Adam(list(centre.parameters()) + list(context.parameters()), lr=config.lr)
    logsig = torch.nn.functional.logsigmoid
    losses: list[tuple[int, float]] = []
    previous = None
    running, seen, step = 0.0, 0, 0

    def frame() -> Frame:
        nonlocal previous
        unit = unit_rows(centre.weight.detach().numpy())
        coords = pca_projection(unit)(unit)
        if previous is not None:
            coords = procrustes_align(previous, coords)
        previous = coords
        return Frame({"step": step, "coords": coords, "losses": list(losses)}, step=step)

    yield frame()
    try:
        for step in range(1, config.steps + 1):
            cancel is not None and cancel.raise_if_cancelled()
            i = rng.integers(0, len(flat), config.batch_size)  # a play …
            p = owner[i]
            j = starts[p] + (i - starts[p] + rng.integers(1, lengths[p])) % lengths[p]  # … and another of its list
            neg = np.minimum(np.searchsorted(noise_cdf, rng.random((config.batch_size, config.negatives))), n - 1)
            c_vec = centre(torch.from_numpy(flat[i]))  # (B, d)
            pos = (c_vec * context(torch.from_numpy(flat[j]))).sum(-1)  # (B,)
            negs = torch.bmm(context(torch.from_numpy(neg)), c_vec.unsqueeze(-1)).squeeze(-1)  # (B, K)
            loss = -(logsig(pos) + logsig(-negs).sum(-1)).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            running, seen = running + float(loss.detach()), seen + 1
            if step % config.frame_every == 0 or step == config.steps:
                losses.append((step, running / seen))
                running, seen = 0.0, 0
                yield Progress(step, config.steps, {"loss": losses[-1][1]})
                yield frame()
    except JobCancelled:
        step -= 1
        yield Log(f"stopped after {step} steps")
    vectors = unit_rows(centre.weight.detach().numpy().copy())
    return Item2VecResult(vectors, losses, step, time.perf_counter() - start, config)


def taste_of(vectors: np.ndarray, songs: list[int]) -> np.ndarray:
    """A listener: the average of their songs' unit vectors, (d,)."""
    return vectors[songs].mean(axis=0)


def recommend_songs(vectors: np.ndarray, songs: list[int], top: int = 10) -> list[tuple[int, float]]:
    """``(song, cosine)`` of the ``top`` songs nearest to the average of ``songs``, leaving those out."""
    taste = taste_of(vectors, songs)
    scores = vectors @ (taste / (np.linalg.norm(taste) or 1.0))
    scores[list(songs)] = -np.inf
    best = np.argsort(-scores, kind="stable")[:top]
    return [(int(i), float(scores[i])) for i in best]


def listener_vectors(world: ListeningWorld, vectors: np.ndarray) -> np.ndarray:
    """(listeners, d): each listener's average over all the songs in their playlists, unit length."""
    out = np.zeros((world.listeners, vectors.shape[1]), dtype=np.float32)
    for owner in range(world.listeners):
        songs = sorted({s for p, o in zip(world.playlists, world.owners) if o == owner for s in p})
        if songs:
            out[owner] = taste_of(vectors, songs)
    return unit_rows(out)


def evaluate(world: ListeningWorld, vectors: np.ndarray, test: list[int], k: int = 10, hide: float = 0.2,
             seed: int = 0, train: list[int] | None = None) -> dict[str, dict[str, float]]:
    """Hide ``hide`` of each test playlist (at least one song); rank songs by the average of the rest.

    Returns hit-rate@k (share of playlists with a hidden song in the top k) and recall@k (share of hidden
    songs found) for the learned vectors, for "most played in training" and for random picks.
    """
    rng = np.random.default_rng(seed)
    train = train if train is not None else [i for i in range(len(world.playlists)) if i not in set(test)]
    plays = np.bincount(np.concatenate([world.playlists[i] for i in train]), minlength=len(world.tracks))
    scores = {"learned": [], "popularity": [], "random": []}
    for index in test:
        playlist = list(world.playlists[index])
        if len(playlist) < 3:
            continue
        shuffled = rng.permutation(playlist).tolist()
        n_hide = max(1, int(round(len(playlist) * hide)))
        hidden, kept = set(shuffled[:n_hide]), shuffled[n_hide:]
        candidates = np.setdiff1d(np.arange(len(world.tracks)), kept)
        picks = {
            "learned": [s for s, _ in recommend_songs(vectors, kept, top=k)],
            "popularity": candidates[np.argsort(-plays[candidates], kind="stable")][:k].tolist(),
            "random": rng.choice(candidates, size=min(k, len(candidates)), replace=False).tolist(),
        }
        for name, top in picks.items():
            found = len(hidden & set(top))
            scores[name].append((found > 0, found / len(hidden)))
    return {name: {f"hit_rate@{k}": float(np.mean([h for h, _ in rows])) if rows else 0.0,
                   f"recall@{k}": float(np.mean([r for _, r in rows])) if rows else 0.0,
                   "playlists": len(rows)} for name, rows in scores.items()}


@dataclass
class SongModel:
    """Song vectors learned from a world's training playlists, with the held-out scores."""

    world: ListeningWorld
    vectors: np.ndarray
    listeners: np.ndarray  # (listeners, d) unit rows
    metrics: dict[str, dict[str, float]]
    losses: list[tuple[int, float]]
    seconds: float


def train_and_evaluate(world: ListeningWorld, config: Item2VecConfig | None = None,
                       cancel: CancelToken | None = None, test_share: float = 0.1) -> Job[SongModel]:
    """Hold out ``test_share`` of the playlists, learn vectors on the rest (live frames), score the held-out ones."""
    train, test = split_playlists(world, test_share, seed=(config or Item2VecConfig()).seed)
    result = yield from train_item2vec(world, train, config, cancel)
    yield Log("scoring the held-out playlists")
    metrics = evaluate(world, result.vectors, test, train=train)
    return SongModel(world, result.vectors, listener_vectors(world, result.vectors), metrics, result.losses,
                     result.seconds)


def songs_training_job(playlists_csv: str | None = None, steps: int = 1500, seed: int = 0,
                       cancel: CancelToken | None = None) -> Job[SongModel]:
    """Build the generated world (or read a user's CSV), then :func:`train_and_evaluate`; for the GUI and CLI."""
    from engines.embeddings.listening_world import generate_world, read_playlists_csv

    yield Log("reading your playlists" if playlists_csv else "generating the listening world")
    world = read_playlists_csv(playlists_csv) if playlists_csv else generate_world(seed)
    for note in world.notes:
        yield Log(f"skipped {note}", "warning")
    return (yield from train_and_evaluate(world, Item2VecConfig(steps=steps, seed=seed), cancel))


def nearest_liked(vectors: np.ndarray, liked: list[int], song: int) -> tuple[int, float]:
    """The liked song whose vector is nearest to ``song`` (the "because you like …" of a recommendation)."""
    scores = vectors[liked] @ vectors[song]
    best = int(np.argmax(scores))
    return liked[best], float(scores[best])


def similar_listeners(model: SongModel, songs: list[int], top: int = 5) -> list[tuple[int, float, list[str]]]:
    """``(listener, cosine, their two most played genres)`` of the listeners nearest to the average of ``songs``."""
    taste = taste_of(model.vectors, songs)
    scores = model.listeners @ (taste / (np.linalg.norm(taste) or 1.0))
    out = []
    for listener in np.argsort(-scores, kind="stable")[:top]:
        genres = [model.world.tracks[s].genre for p, o in zip(model.world.playlists, model.world.owners)
                  if o == listener for s in p]
        common = [g for g, _ in sorted(((g, genres.count(g)) for g in set(genres)), key=lambda x: -x[1])[:2]]
        out.append((int(listener), float(scores[listener]), common))
    return out


def load_shipped_songs(cancel: CancelToken | None = None) -> Job[SongModel]:
    """The shipped song vectors (tools/train_song_vectors.py) on their generated world, with the held-out scores
    recorded in the manifest. Raises ValueError when this machine generates a different world (then train)."""
    from engines.core.assets import AssetRegistry
    from engines.core.model_io import read_safetensors_header
    from engines.embeddings.listening_world import generate_world
    from engines.embeddings.loaders import load_safetensors

    registry = AssetRegistry()
    path = registry.path(SONG_VECTORS_ASSET)
    meta = read_safetensors_header(path).get("__metadata__", {})
    yield Log("generating the listening world")
    world = generate_world(int(meta.get("world_seed", 0)))
    store = load_safetensors(path)
    if store.words != [t.title for t in world.tracks]:
        raise ValueError("the shipped song vectors belong to another listening world; press Train")
    info = registry.info(SONG_VECTORS_ASSET)
    metrics = {k: v for k, v in info.metrics.items() if isinstance(v, dict)}
    vectors = unit_rows(store.vectors.astype(np.float32))
    return SongModel(world, vectors, listener_vectors(world, vectors), metrics, [], 0.0)
