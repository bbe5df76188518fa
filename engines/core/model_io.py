"""Safe model files: safetensors weights + a JSON config, written atomically, checked on load.

A model folder holds ``model.safetensors`` and ``config.json``; the config names its
``architecture`` so a file of one kind is never loaded as another. No pickle: files
that would need it are refused with an explanation.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"
MAX_MODEL_BYTES = 2 * 1024**3
MAX_CONFIG_BYTES = 1024**2
MAX_HEADER_BYTES = 100 * 1024**2  # the safetensors format's own limit
PICKLE_SUFFIXES = {".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle"}

_REASONS = {
    "missing": "is missing",
    "corrupt": "is corrupt",
    "truncated": "is truncated (cut short, perhaps by an interrupted download or save)",
    "wrong_architecture": "is for a different kind of model",
    "too_large": "is too large",
    "unsafe": "is not safe to open",
    "invalid_config": "has an invalid configuration",
}


class ModelFileError(Exception):
    """A model file that cannot be used. ``kind`` is one of the keys of ``_REASONS``."""

    def __init__(self, kind: str, path: str | Path, detail: str = "") -> None:
        self.kind = kind
        self.path = Path(path)
        self.detail = detail
        text = f"{self.path.name} {_REASONS.get(kind, kind)}"
        super().__init__(f"{text}: {detail}" if detail else text)


# --- atomic writes -------------------------------------------------------------------------

@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    If the body raises (or the process dies), ``path`` keeps its previous content. The new
    file gets the permissions of the file it replaces, or the usual ones (0666 less the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            # os.open applies the umask, unlike tempfile.mkstemp (always 0600)
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


# --- checks --------------------------------------------------------------------------------

def check_size(path: Path, max_bytes: int) -> int:
    """Return the size of ``path``; raise ``ModelFileError`` if missing or over ``max_bytes``."""
    if not path.is_file():
        raise ModelFileError("missing", path, "the file does not exist")
    size = path.stat().st_size
    if size > max_bytes:
        raise ModelFileError("too_large", path, f"{size / 1e6:.1f} MB, the limit is {max_bytes / 1e6:.0f} MB")
    return size


def refuse_pickle(path: Path) -> None:
    """Raise ``ModelFileError('unsafe')`` for checkpoint formats that can run code when opened."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    looks_pickled = head[:1] == b"\x80" or head[:2] == b"PK"  # raw pickle or torch's zip container
    if path.suffix.lower() in PICKLE_SUFFIXES or looks_pickled:
        raise ModelFileError(
            "unsafe",
            path,
            "PyTorch/pickle checkpoints can run arbitrary code when opened; "
            "convert it to .safetensors (safetensors.torch.save_file) and open that instead",
        )


def read_safetensors_header(path: Path, max_bytes: int = MAX_MODEL_BYTES) -> dict[str, Any]:
    """Parse and validate the header of a safetensors file without reading the tensors.

    Raises ``ModelFileError`` with kind ``truncated`` when the file is shorter than its
    header promises, ``corrupt`` when the header is not valid.
    """
    size = check_size(path, max_bytes)
    if size < 8:
        raise ModelFileError("truncated", path, f"only {size} bytes")
    with open(path, "rb") as fh:
        (header_len,) = struct.unpack("<Q", fh.read(8))
        if header_len > MAX_HEADER_BYTES:
            raise ModelFileError("corrupt", path, "the header length is absurd; this is not a safetensors file")
        if 8 + header_len > size:
            raise ModelFileError("truncated", path, f"the header needs {header_len} bytes, the file has {size - 8}")
        raw = fh.read(header_len)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError("corrupt", path, "the header is not valid JSON; this is not a safetensors file") from exc
    if not isinstance(header, dict):
        raise ModelFileError("corrupt", path, "the header is not a JSON object")
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            start, stop = info["data_offsets"]
        except (TypeError, KeyError, ValueError) as exc:
            raise ModelFileError("corrupt", path, f"tensor {name!r} has no valid data offsets") from exc
        end = max(end, int(stop))
    if 8 + header_len + end > size:
        missing = 8 + header_len + end - size
        raise ModelFileError("truncated", path, f"{missing} bytes of tensor data are missing")
    return header


# --- save / load -----------------------------------------------------------------------------

def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(value)
    if hasattr(value, "detach"):  # a torch tensor; torch stays an optional import here
        return np.ascontiguousarray(value.detach().cpu().numpy())
    return np.ascontiguousarray(np.asarray(value))


def save_tensors(path: str | Path, tensors: Mapping[str, Any], metadata: Mapping[str, str] | None = None) -> None:
    """Write ``tensors`` (NumPy arrays or torch tensors) as one safetensors file, atomically."""
    from safetensors.numpy import save

    arrays = {name: _to_numpy(value) for name, value in tensors.items()}
    atomic_write_bytes(path, save(arrays, metadata=dict(metadata) if metadata else None))


def load_tensors(path: str | Path, max_bytes: int = MAX_MODEL_BYTES) -> dict[str, np.ndarray]:
    """Read a safetensors file into NumPy arrays after checking it (see ``read_safetensors_header``)."""
    from safetensors.numpy import load_file

    path = Path(path)
    if path.suffix.lower() != ".safetensors":
        if path.is_file():
            refuse_pickle(path)
    read_safetensors_header(path, max_bytes)
    try:
        return load_file(str(path))
    except Exception as exc:  # SafetensorError and friends
        raise ModelFileError("corrupt", path, str(exc)) from exc


def save_model(
    folder: str | Path, tensors: Mapping[str, Any], config: Mapping[str, Any], architecture: str
) -> Path:
    """Write ``folder/model.safetensors`` and ``folder/config.json`` (config gains ``architecture``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_tensors(folder / WEIGHTS_NAME, tensors, metadata={"architecture": architecture})
    atomic_write_json(folder / CONFIG_NAME, {**dict(config), "architecture": architecture})
    return folder


def load_config(folder: str | Path, architecture: str | None = None) -> dict[str, Any]:
    """Read ``folder/config.json``; check it names ``architecture`` when one is given."""
    path = Path(folder) / CONFIG_NAME
    check_size(path, MAX_CONFIG_BYTES)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError("corrupt", path, f"not valid JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise ModelFileError("invalid_config", path, "expected a JSON object")
    if architecture is not None and config.get("architecture") != architecture:
        found = config.get("architecture", "nothing")
        raise ModelFileError("wrong_architecture", path, f"expected {architecture!r}, found {found!r}")
    return config


def load_model(
    folder: str | Path, architecture: str, max_bytes: int = MAX_MODEL_BYTES
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Load ``(config, tensors)`` from a model folder written by :func:`save_model`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFileError("missing", folder, "no such model folder")
    config = load_config(folder, architecture)
    return config, load_tensors(folder / WEIGHTS_NAME, max_bytes)
