"""Read and write word vectors in the formats people have: GloVe text, word2vec text and binary,
a NumPy array with a vocabulary list, and this project's safetensors file.

* GloVe text: ``word v1 v2 … vd`` per line, no header.
* word2vec text: a first line ``count dims``, then lines like GloVe's.
* word2vec binary: the same header line, then per word ``word<space>`` + ``dims`` little-endian float32.
* NumPy: an ``.npy`` matrix (n, d) and a vocabulary file (one word per line) beside it.
* safetensors: a ``vectors`` tensor with the vocabulary as JSON in the metadata (``vocab``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from engines.core.model_io import (CONFIG_NAME, WEIGHTS_NAME, atomic_path, atomic_write_text, load_tensors,
                                   read_safetensors_header, save_tensors)
from engines.embeddings.vectors import WordVectors

MAX_VECTOR_FILE_BYTES = 4 * 1024**3


class VectorFileError(ValueError):
    """A vector file that cannot be read; the message says why and where."""


def _parse_text_lines(lines, path: Path, limit: int | None, skip_header: bool) -> WordVectors:
    words: list[str] = []
    rows: list[np.ndarray] = []
    dims = None
    for line_no, line in enumerate(lines, start=1):
        if skip_header and line_no == 1:
            continue
        parts = line.rstrip("\n\r").split(" ")
        if len(parts) < 2 or not parts[0]:
            if line.strip():
                raise VectorFileError(f"{path.name}, line {line_no}: expected a word followed by numbers")
            continue
        try:
            row = np.asarray(parts[1:], dtype=np.float32)
        except ValueError:
            raise VectorFileError(f"{path.name}, line {line_no}: {parts[0]!r} is not followed by numbers") from None
        if dims is None:
            dims = row.shape[0]
        elif row.shape[0] != dims:
            raise VectorFileError(f"{path.name}, line {line_no}: {row.shape[0]} numbers, earlier lines had {dims}")
        words.append(parts[0])
        rows.append(row)
        if limit is not None and len(words) >= limit:
            break
    if not words:
        raise VectorFileError(f"{path.name} holds no vectors")
    return WordVectors(words, np.stack(rows), name=path.name)


def load_glove_text(path: str | Path, limit: int | None = None) -> WordVectors:
    """GloVe's text format (``word v1 … vd`` per line). ``limit`` keeps the first rows only."""
    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as fh:
        return _parse_text_lines(fh, path, limit, skip_header=False)


def _read_header(path: Path, first: str) -> tuple[int, int]:
    try:
        count, dims = (int(v) for v in first.split())
    except ValueError:
        raise VectorFileError(f"{path.name}: the first line should be '<count> <dims>' (word2vec format), "
                              f"found {first[:40]!r}; is it a GloVe file?") from None
    return count, dims


def load_word2vec_text(path: str | Path, limit: int | None = None) -> WordVectors:
    """word2vec's text format: a ``count dims`` line, then ``word v1 … vd`` lines."""
    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as fh:
        count, dims = _read_header(path, fh.readline())
        store = _parse_text_lines(fh, path, limit, skip_header=False)
    if store.dims != dims:
        raise VectorFileError(f"{path.name}: the header says {dims} numbers per word, the rows have {store.dims}")
    return store


def load_word2vec_binary(path: str | Path, limit: int | None = None) -> WordVectors:
    """word2vec's binary format (as written by the original C tool and gensim ``binary=True``)."""
    path = Path(path)
    with open(path, "rb") as fh:
        count, dims = _read_header(path, fh.readline().decode("utf-8", errors="replace"))
        if limit is not None:
            count = min(count, limit)
        words: list[str] = []
        matrix = np.empty((count, dims), dtype=np.float32)
        row_bytes = 4 * dims
        for i in range(count):
            word = bytearray()
            while True:
                ch = fh.read(1)
                if not ch:
                    raise VectorFileError(f"{path.name} ends early: {i} of {count} words read")
                if ch == b" ":
                    break
                if ch != b"\n":  # some writers put a newline after each vector
                    word += ch
            data = fh.read(row_bytes)
            if len(data) != row_bytes:
                raise VectorFileError(f"{path.name} ends early inside the vector of word {i + 1}")
            matrix[i] = np.frombuffer(data, dtype="<f4")
            words.append(word.decode("utf-8", errors="replace"))
    return WordVectors(words, matrix, name=path.name)


def from_numpy(matrix: np.ndarray, vocab: list[str], name: str = "") -> WordVectors:
    """A store from an (n, d) array and n words."""
    return WordVectors(vocab, np.asarray(matrix), name=name)


def load_numpy(path: str | Path, vocab_path: str | Path | None = None) -> WordVectors:
    """An ``.npy`` matrix plus a vocabulary (one word per line; default: same name with ``.vocab.txt`` or ``.txt``)."""
    path = Path(path)
    if vocab_path is None:
        candidates = [path.with_suffix(".vocab.txt"), path.with_suffix(".txt"), path.parent / "vocab.txt"]
        vocab_path = next((c for c in candidates if c.is_file()), None)
        if vocab_path is None:
            raise VectorFileError(f"{path.name}: no vocabulary file found beside it (tried "
                                  + ", ".join(c.name for c in candidates) + ")")
    matrix = np.load(path, allow_pickle=False)  # never unpickle a user's file
    vocab = Path(vocab_path).read_text(encoding="utf-8").splitlines()
    if len(vocab) != matrix.shape[0]:
        raise VectorFileError(f"{path.name} has {matrix.shape[0]} rows but the vocabulary has {len(vocab)} words")
    return from_numpy(matrix, vocab, name=path.name)


def load_safetensors(path: str | Path) -> WordVectors:
    """This project's format: tensor ``vectors`` (n, d), any float dtype; ``vocab`` JSON list in the metadata."""
    path = Path(path)
    header = read_safetensors_header(path, MAX_VECTOR_FILE_BYTES)
    meta = header.get("__metadata__") or {}
    if "vocab" not in meta:
        raise VectorFileError(f"{path.name} has no vocabulary in its metadata; it is not a word-vector file")
    vocab = json.loads(meta["vocab"])
    tensors = load_tensors(path, MAX_VECTOR_FILE_BYTES)
    if "vectors" not in tensors:
        raise VectorFileError(f"{path.name} has no 'vectors' tensor")
    return WordVectors(vocab, tensors["vectors"].astype(np.float32), name=meta.get("name", path.name))


# -- writers (for round trips, exports and tests) ------------------------------------------------

def _format_row(row: np.ndarray) -> str:
    return " ".join(f"{v:.6g}" for v in row)


def save_glove_text(store: WordVectors, path: str | Path) -> None:
    lines = [f"{w} {_format_row(v)}" for w, v in zip(store.words, store.vectors)]
    atomic_write_text(path, "\n".join(lines) + "\n")


def save_word2vec_text(store: WordVectors, path: str | Path) -> None:
    lines = [f"{len(store)} {store.dims}"] + [f"{w} {_format_row(v)}" for w, v in zip(store.words, store.vectors)]
    atomic_write_text(path, "\n".join(lines) + "\n")


def save_word2vec_binary(store: WordVectors, path: str | Path) -> None:
    buf = io.BytesIO()
    buf.write(f"{len(store)} {store.dims}\n".encode())
    for word, row in zip(store.words, store.vectors):
        buf.write(word.encode("utf-8") + b" " + row.astype("<f4").tobytes() + b"\n")
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.getvalue())


def save_numpy(store: WordVectors, path: str | Path) -> Path:
    """Write ``path`` (.npy) and ``path.vocab.txt``; return the vocabulary path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, store.vectors)
    vocab_path = path.with_suffix(".vocab.txt")
    atomic_write_text(vocab_path, "\n".join(store.words) + "\n")
    return vocab_path


def save_safetensors(store: WordVectors, path: str | Path, dtype: str = "float32",
                     extra_metadata: dict[str, str] | None = None) -> None:
    meta = {"vocab": json.dumps(store.words, ensure_ascii=False), "name": store.name or Path(path).stem,
            **(extra_metadata or {})}
    save_tensors(path, {"vectors": store.vectors.astype(dtype)}, metadata=meta)


# -- one door for every format --------------------------------------------------------------------

def detect_format(path: str | Path) -> str:
    """``glove``, ``word2vec``, ``word2vec-binary``, ``numpy``, ``safetensors`` or ``folder``."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        return "safetensors"
    if suffix == ".npy":
        return "numpy"
    with open(path, "rb") as fh:
        first = fh.readline(200)
        rest = fh.read(4096)
    parts = first.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        try:
            rest.decode("utf-8")
            text_like = b"\x00" not in rest
        except UnicodeDecodeError:
            text_like = False
        return "word2vec" if text_like else "word2vec-binary"
    return "glove"


def load_vectors(path: str | Path, limit: int | None = None) -> WordVectors:
    """Open any supported vector file (format from its name and first bytes).

    A folder written by ``train-vectors`` (``model.safetensors`` + ``config.json``) works too.
    """
    path = Path(path)
    if not path.exists():
        raise VectorFileError(f"{path} does not exist")
    kind = detect_format(path)
    if kind == "folder":
        weights = path / WEIGHTS_NAME
        if not weights.is_file() or not (path / CONFIG_NAME).is_file():
            raise VectorFileError(f"{path} is a folder without {WEIGHTS_NAME} and {CONFIG_NAME}")
        store = load_safetensors(weights)
    elif kind == "safetensors":
        store = load_safetensors(path)
    elif kind == "numpy":
        store = load_numpy(path)
    elif kind == "word2vec":
        store = load_word2vec_text(path, limit)
    elif kind == "word2vec-binary":
        store = load_word2vec_binary(path, limit)
    else:
        store = load_glove_text(path, limit)
    return store.head(limit) if limit is not None and len(store) > limit else store
