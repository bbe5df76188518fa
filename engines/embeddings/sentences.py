"""Sentences as vectors: two encoders behind one interface, a similarity matrix, and semantic search.

An encoder has ``name``, ``dims`` and ``encode(texts) → (N, dims)`` float32 rows of length 1
(a row of zeros when it can read nothing in a sentence), so the cosine of two sentences is a dot product.

* ``average``: the mean of the GloVe vectors of the sentence's words. Word order and "not" barely
  change it: "dog bites man" and "man bites dog" get the very same vector.
* ``minilm``: all-MiniLM-L6-v2 (:mod:`engines.embeddings.minilm`), a 6-layer transformer trained on
  a billion sentence pairs to put sentences with the same meaning close together.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engines.core.jobs import CancelToken, Job, Log, Progress

ENCODERS = ("minilm", "average")
MAX_SEARCH_FILE_BYTES = 5 * 1024**2
MAX_SEARCH_LINES = 20_000
SAMPLE_TEXT_ASSET = "embeddings/sample_sentences.txt"
_WORD = re.compile(r"[a-z0-9]+|'[a-z]+")  # GloVe splits "lion's" into "lion" + "'s"


class SearchFileError(ValueError):
    """A file that cannot be searched (missing, binary, empty, too large); the message says which."""


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Scale each row to length 1 (rows of zeros stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class AverageEncoder:
    """The mean of a sentence's word vectors (words the vectors do not know are skipped)."""

    def __init__(self, store=None) -> None:
        if store is None:
            from engines.embeddings.glove import load_glove

            store = load_glove()
        self.store = store
        self.dims = store.dims
        self.name = f"average of {store.name}"

    def words(self, text: str) -> tuple[list[str], list[str]]:
        """``(known, unknown)`` words of ``text`` as the vectors spell them (lower case)."""
        found = _WORD.findall(text.lower())
        return [w for w in found if w in self.store], [w for w in found if w not in self.store]

    def encode(self, texts: list[str], batch_size: int = 0) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for i, text in enumerate(texts):
            known, _ = self.words(text)
            if known:
                out[i] = np.mean([self.store[w] for w in known], axis=0)
        return normalise_rows(out)


def get_encoder(name: str, variant: str = "int8", backend: str = "onnx"):
    """``minilm`` (``variant`` int8|fp32, ``backend`` onnx|torch) or ``average`` (GloVe). Cached."""
    if name == "minilm":
        from engines.embeddings.minilm import load_minilm

        return load_minilm(variant, backend)
    if name == "average":
        return _average()
    raise ValueError(f"unknown encoder {name!r}; choose one of {', '.join(ENCODERS)}")


_average_cache: list[AverageEncoder] = []


def _average() -> AverageEncoder:
    if not _average_cache:
        _average_cache.append(AverageEncoder())
    return _average_cache[0]


def similarity_matrix(vectors: np.ndarray) -> np.ndarray:
    """(N, d) unit rows → (N, N) cosines."""
    return np.clip(vectors @ vectors.T, -1.0, 1.0)


def pca_coords(vectors: np.ndarray, k: int = 3) -> np.ndarray:
    """(N, d) → (N, k): the k directions in which these vectors spread out most (zero columns when N ≤ k)."""
    centred = vectors - vectors.mean(axis=0)
    if len(vectors) < 2 or not np.any(centred):
        return np.zeros((len(vectors), k), dtype=np.float32)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:k].T  # (N, ≤k)
    return np.pad(coords, ((0, 0), (0, k - coords.shape[1]))).astype(np.float32)


@dataclass
class EncodedSentences:
    encoder: str
    texts: list[str]
    vectors: np.ndarray  # (N, d) unit rows
    similarity: np.ndarray  # (N, N)
    coords: np.ndarray  # (N, 3) PCA of the vectors
    seconds: float  # encoding only (not loading)
    unknown_words: dict[int, list[str]] = field(default_factory=dict)  # average encoder: skipped words


def encode_job(name: str, texts: list[str], cancel: CancelToken | None = None,
               variant: str = "int8") -> Job[EncodedSentences]:
    """Load encoder ``name`` (once; slow the first time) and encode ``texts``: vectors, cosines, 3D map."""
    yield Log(f"loading the {name} encoder")
    encoder = get_encoder(name, variant)
    if cancel is not None:
        cancel.raise_if_cancelled()
    start = time.perf_counter()
    vectors = encoder.encode(list(texts)) if texts else np.zeros((0, encoder.dims), dtype=np.float32)
    seconds = time.perf_counter() - start
    unknown = {}
    if isinstance(encoder, AverageEncoder):
        unknown = {i: encoder.words(t)[1] for i, t in enumerate(texts) if encoder.words(t)[1]}
    return EncodedSentences(encoder.name, list(texts), vectors, similarity_matrix(vectors), pca_coords(vectors),
                            seconds, unknown)


# -- semantic search --------------------------------------------------------------------------

@dataclass(frozen=True)
class SearchHit:
    line_no: int  # 1-based line number in the file
    text: str
    score: float  # cosine with the query


@dataclass
class SearchResult:
    query: str
    encoder: str
    hits: list[SearchHit]
    lines_searched: int
    seconds: float
    source: str = ""
    notes: list[str] = field(default_factory=list)


def read_search_lines(path: str | Path, max_bytes: int = MAX_SEARCH_FILE_BYTES,
                      max_lines: int = MAX_SEARCH_LINES) -> list[tuple[int, str]]:
    """The non-blank lines of a UTF-8 text file as ``(line_no, text)``.

    Raises :class:`SearchFileError` for a missing, binary, empty or too large file.
    """
    from engines.llm.corpus import CorpusError, read_text_corpus

    path = Path(path)
    try:
        text = read_text_corpus(path, min_chars=1, max_bytes=max_bytes)
    except CorpusError as exc:
        raise SearchFileError(str(exc)) from None
    lines = [(i, line.strip()) for i, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise SearchFileError(f"{path.name} is empty: there are no lines to search")
    if len(lines) > max_lines:
        raise SearchFileError(f"{path.name} has {len(lines):,} lines; semantic search takes up to {max_lines:,} "
                              "(split it or pick a part)")
    return lines


def sample_text_path() -> Path:
    """The shipped sample text (143 short sentences on many topics), verified against the manifest."""
    from engines.core.assets import AssetRegistry

    return AssetRegistry().path(SAMPLE_TEXT_ASSET)


def search_job(encoder, query: str, lines: list[tuple[int, str]], top: int = 5,
               cancel: CancelToken | None = None, batch_size: int = 32, source: str = "") -> Job[SearchResult]:
    """Rank ``lines`` (``(line_no, text)``) by cosine with ``query``; yields Progress per batch."""
    if not query.strip():
        raise ValueError("type a query to search for")
    start = time.perf_counter()
    q = encoder.encode([query])[0]  # (d,)
    scores = np.empty(len(lines), dtype=np.float32)
    total = len(lines)
    yield Progress(0, total, message=f"encoding {total:,} lines")
    for lo in range(0, total, batch_size):
        if cancel is not None:
            cancel.raise_if_cancelled()
        chunk = [text for _, text in lines[lo:lo + batch_size]]
        scores[lo:lo + len(chunk)] = encoder.encode(chunk, batch_size=batch_size) @ q
        done = lo + len(chunk)
        yield Progress(done, total, {"lines_per_s": done / max(time.perf_counter() - start, 1e-9)})
    best = np.argsort(-scores, kind="stable")[:top]
    hits = [SearchHit(lines[i][0], lines[i][1], float(scores[i])) for i in best]
    notes = []
    if not np.any(q):
        notes.append("the encoder knows none of the query's words, so every score is 0")
    return SearchResult(query, encoder.name, hits, total, time.perf_counter() - start, source, notes)


def search_file_job(name: str, query: str, path: str | Path | None = None, top: int = 5,
                    cancel: CancelToken | None = None, variant: str = "int8") -> Job[SearchResult]:
    """Semantic search of a text file (default: the shipped sample) with encoder ``name``; see :func:`search_job`."""
    path = Path(path) if path else sample_text_path()
    lines = read_search_lines(path)
    yield Log(f"loading the {name} encoder")
    encoder = get_encoder(name, variant)
    return (yield from search_job(encoder, query, lines, top, cancel, source=str(path)))
