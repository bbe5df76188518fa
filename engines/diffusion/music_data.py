"""Training data for the music model: rendered clip pictures, folded for the UNet, with captions.

The 64×64 spectrogram is **folded** into 4 layers of 32×32 (each 2×2 block of pixels becomes one
pixel with 4 channels) before the UNet sees it, so the network does a quarter of the work per
picture and can be trained on a CPU; :func:`unfold` puts the picture back together exactly.
Rendering takes ~0.1–0.2 s a clip, so rendered sets are cached (keyed by the synthesiser's source).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job
from engines.diffusion.music import STYLES, caption_for, caption_vocabulary, random_song

FOLD = 2


def fold(pictures: np.ndarray) -> np.ndarray:
    """(B, 64, 64) → (B, 4, 32, 32): each 2×2 block becomes 4 channels."""
    p = np.asarray(pictures, np.float32)
    B, H, W = p.shape
    return p.reshape(B, H // FOLD, FOLD, W // FOLD, FOLD).transpose(0, 2, 4, 1, 3).reshape(B, FOLD * FOLD, H // FOLD,
                                                                                            W // FOLD)


def unfold(x: np.ndarray) -> np.ndarray:
    """(B, 4, 32, 32) → (B, 64, 64), the inverse of :func:`fold`."""
    x = np.asarray(x, np.float32)
    B, C, h, w = x.shape
    return x.reshape(B, FOLD, FOLD, h, w).transpose(0, 3, 1, 4, 2).reshape(B, h * FOLD, w * FOLD)


def _source_hash() -> str:
    from engines.diffusion import audio, music, music_styles

    digest = hashlib.sha256()
    for module in (audio, music, music_styles):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:12]


def rendered_pictures_job(n: int, seed: int, cache_dir: str | Path | None = None,
                          cancel: CancelToken | None = None) -> Job[tuple[list, np.ndarray]]:
    """(songs, pictures (n, 64, 64)) of ``make_dataset(n, seed)``, from the cache when it is there."""
    from engines.core.model_io import atomic_path
    from engines.diffusion.music import make_dataset
    from engines.diffusion.music_judge import rendered_set_job

    cache = Path(cache_dir) / f"music-{seed}-{n}-{_source_hash()}.npy" if cache_dir else None
    if cache is not None and cache.is_file():
        return make_dataset(n, seed), np.load(cache)
    songs, pics = yield from rendered_set_job(n, seed, cancel)
    if cache is not None:
        with atomic_path(cache) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, pics)
    return songs, pics


def style_labels(songs: list) -> np.ndarray:
    return np.array([STYLES.index(s.style) for s in songs], np.int64)


def caption_variants(songs: list, variants: int = 4, drop: float = 0.35, seed: int = 0) -> list[list[str]]:
    """``variants`` lists of captions, one per song: the full caption, then versions with details left out."""
    rng = np.random.default_rng(seed + 5)
    return [[caption_for(s) for s in songs]] + [[caption_for(s, rng, drop) for s in songs]
                                                 for _ in range(max(0, variants - 1))]


def train_data(songs: list, pictures: np.ndarray, variants: int = 4, drop: float = 0.35, seed: int = 0,
               max_words: int = 32) -> Any:
    """An :class:`engines.diffusion.train_data.TrainData` for ``train_job``: folded pictures and caption variants
    (the full caption, then versions with details left out, so short prompts work too)."""
    from engines.diffusion.train_data import TrainData, _ids

    vocab = caption_vocabulary()
    caps = caption_variants(songs, variants, drop, seed)
    ids = np.stack([_ids(c, vocab, max_words) for c in caps], axis=1)  # (N, K, L)
    grid = [caption_for(random_song(10_000 + i, STYLES[i % len(STYLES)])) for i in range(8)]
    info = {"provenance": f"procedural music clips, engines.diffusion.music.make_dataset({len(songs)}, seed=...) "
                          "rendered at 16 kHz, 64 mel bands × 64 frames (2.016 s), folded 2×2 into 4×32×32",
            "licence": "MIT (this project; generated data)", "representation": "mel64x64-fold2"}
    return TrainData(fold(pictures), ids, vocab, grid, info)
