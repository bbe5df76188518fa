"""One safe path for adding a GPT-2 to the user's models: download or copy, check, install, export.

A download (:func:`download_job`) or a copied folder (:func:`import_job`) first lands in a
staging folder, ``<user models>/.downloads/<name>-<random>`` (one level down, with no
``config.json`` of its own, so :func:`engines.llm.model_store.list_models` never lists it).
It is checked (:func:`check_gpt2_folder`) and moved into place in one rename only once
complete: a half-finished model is never listed. The installed model then gets its ONNX
exports, fp32 and int8 (:func:`engines.llm.gpt2_int8.prepare_job`), once, with progress.

A :class:`Gate` decides atomically between "install" (worker) and "the user gave up" (a
window, or Ctrl-C): ``huggingface_hub`` cannot be interrupted mid-file, so a download a user
cancelled finishes in the background, is then thrown away, and never becomes a model.
The dialog (``lab_app/tabs/llm/gpt2_download.py``) and ``python -m engines.llm download-gpt2``
both run these jobs.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from engines.core.jobs import CancelToken, JobCancelled, Log

STAGING = ".downloads"  # inside the user models folder; list_models looks one level down only
# What a GPT-2 folder needs (and what is copied from one): the rest (pytorch_model.bin, TF/Flax weights) is skipped.
REQUIRED = ("config.json", "model.safetensors", "tokenizer.json")
COPIED = REQUIRED + ("generation_config.json", "tokenizer_config.json", "vocab.json", "merges.txt",
                     "special_tokens_map.json")

_active_lock = threading.Lock()
_active: set[Path] = set()  # staging folders this process is still writing (never cleaned up meanwhile)


class GPT2FolderError(ValueError):
    """A folder that is not a usable GPT-2 model; the message says why in plain words."""


class Gate:
    """Decides atomically between "install the finished model" (worker) and "the user gave up" (GUI)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.closed = False

    def close(self) -> None:
        with self.lock:
            self.closed = True


def models_dir() -> Path:
    from engines.core.paths import user_models_dir

    return user_models_dir()


def target_for(name: str) -> Path:
    return models_dir() / name.replace("/", "--")


def check_gpt2_folder(folder: str | Path) -> dict[str, Any]:
    """Check that ``folder`` holds a GPT-2 this app can run, without loading the weights (no torch needed).

    Reads config.json (must be ``model_type: gpt2`` in a supported variant), the safetensors
    header (the embedding must match the config) and tokenizer.json. Returns
    ``{"parameters", "layers", "vocab_size", "tokenizer_vocab"}``; raises :class:`GPT2FolderError`.
    """
    from engines.core.model_io import ModelFileError, load_config, read_safetensors_header
    from engines.llm.hf_gpt2 import gpt_config_from_hf
    from engines.llm.model_store import describe_model, load_model_tokenizer

    folder = Path(folder)
    if not folder.is_dir():
        raise GPT2FolderError(f"{folder} is not a folder.")
    if not (folder / "config.json").is_file():
        raise GPT2FolderError(f"“{folder.name}” has no config.json, so it is not a Hugging Face model folder. "
                              f"A GPT-2 folder holds {', '.join(REQUIRED)}.")
    try:
        config = gpt_config_from_hf(load_config(folder), folder / "config.json")
    except ModelFileError as exc:
        raise GPT2FolderError(f"“{folder.name}” is not a GPT-2 model this app can run: {exc}") from exc
    weights = folder / "model.safetensors"
    if not weights.is_file():
        if (folder / "pytorch_model.bin").is_file():
            raise GPT2FolderError(f"“{folder.name}” has only pytorch_model.bin. This app reads model.safetensors only, "
                                  f"because PyTorch .bin files can run code when opened.")
        raise GPT2FolderError(f"“{folder.name}” has no model.safetensors (the weights).")
    try:
        header = read_safetensors_header(weights)
    except ModelFileError as exc:
        raise GPT2FolderError(f"The weights in “{folder.name}” cannot be used: {exc}") from exc
    tensors = {name.removeprefix("transformer."): info for name, info in header.items() if name != "__metadata__"}
    embedding = tensors.get("wte.weight", {}).get("shape")
    if embedding != [config.vocab_size, config.n_embd]:
        raise GPT2FolderError(f"The weights in “{folder.name}” do not match its config.json (token embedding "
                              f"{embedding}, expected {[config.vocab_size, config.n_embd]}).")
    if not any(name.startswith(f"h.{config.n_layer - 1}.") for name in tensors):
        raise GPT2FolderError(f"The weights in “{folder.name}” have fewer than the {config.n_layer} layers "
                              f"its config.json promises.")
    if not (folder / "tokenizer.json").is_file():
        older = " (it has the older vocab.json + merges.txt; this app reads tokenizer.json)" \
            if (folder / "vocab.json").is_file() else ""
        raise GPT2FolderError(f"“{folder.name}” has no tokenizer.json{older}.")
    try:
        tokenizer = load_model_tokenizer(folder)
        tokenizer_vocab = int(tokenizer.vocab_size)
    except Exception as exc:  # noqa: BLE001 - any reason a tokenizer cannot be read is reported the same way
        raise GPT2FolderError(f"The tokenizer.json in “{folder.name}” cannot be read: {exc}") from exc
    if tokenizer_vocab > config.vocab_size:
        raise GPT2FolderError(f"The tokenizer in “{folder.name}” has {tokenizer_vocab} tokens but the model only "
                              f"{config.vocab_size}: they do not belong together.")
    info = describe_model(folder, "user") or {}
    return {"parameters": info.get("parameters"), "layers": config.n_layer, "vocab_size": config.vocab_size,
            "tokenizer_vocab": tokenizer_vocab}


# --- staging and installing (worker thread) -----------------------------------------------------

def _new_staging(name: str) -> Path:
    root = models_dir() / STAGING
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{name.replace('/', '--')}-{secrets.token_hex(4)}"
    path.mkdir()
    with _active_lock:
        _active.add(path)
    return path


def _discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    with _active_lock:
        _active.discard(path)


def clean_stale_staging(max_age_s: float = 3600.0) -> None:
    """Remove staging folders left by a crashed or killed run (not ones this process is writing)."""
    root = models_dir() / STAGING
    if not root.is_dir():
        return
    with _active_lock:
        active = set(_active)
    for path in root.iterdir():
        try:
            old = time.time() - path.stat().st_mtime > max_age_s
        except OSError:
            continue
        if path not in active and old:
            shutil.rmtree(path, ignore_errors=True)


def _install(staging: Path, target: Path, cancel: CancelToken, gate: Gate, replace: bool) -> Path:
    """Move the complete ``staging`` folder to ``target`` in one rename, unless the user gave up meanwhile."""
    from engines.llm.model_store import describe_model

    shutil.rmtree(staging / ".cache", ignore_errors=True)  # huggingface_hub's bookkeeping, not part of the model
    old = None
    with gate.lock:
        if gate.closed or cancel.cancelled:
            raise JobCancelled()
        if target.exists():
            info = describe_model(target, "user")
            if not replace or info is None or not info["kind"].startswith("gpt2"):
                raise GPT2FolderError(f"A folder called “{target.name}” already exists in {target.parent} and is not "
                                      f"a GPT-2 download; move or rename it, then try again.")
            old = staging.parent / f"{staging.name}-replaced"
            os.replace(target, old)
        os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def _exports(target: Path, cancel: CancelToken, export: bool):
    """After install: the fp32 and int8 ONNX exports (needs torch; skipped without it or when not asked)."""
    from engines.core.device import torch_available

    if not export or not torch_available():
        return
    from engines.llm.gpt2_int8 import prepare_job

    yield Log(f"Preparing {target.name} for fast runs: ONNX fp32 and int8 copies, once")
    yield from prepare_job(target, cancel)


def download_job(name: str, target: Path | None = None, cancel: CancelToken | None = None, gate: Gate | None = None,
                 export: bool = True):
    """A job: download ``name`` into a staging folder, check it, move it to ``target``, export it; returns ``target``."""
    from engines.llm.hf_gpt2 import download_gpt2

    cancel, gate = cancel or CancelToken(), gate or Gate()
    target = Path(target) if target is not None else target_for(name)
    staging = _new_staging(name)
    try:
        yield Log(f"Downloading {name} from Hugging Face into {staging}")
        download_gpt2(name, staging)  # blocks until done; cannot be interrupted
        check_gpt2_folder(staging)
        _install(staging, target, cancel, gate, replace=True)
    finally:
        _discard(staging)
    yield from _exports(target, cancel, export)
    return target


def _name_for(source: Path) -> str:
    """A folder name for an opened model; a Hugging Face cache snapshot (…/models--gpt2/snapshots/<hash>) → gpt2."""
    name = source.name
    if re.fullmatch(r"[0-9a-f]{40}", name) and source.parent.name == "snapshots":
        name = source.parent.parent.name.removeprefix("models--")
    name = re.sub(r"[^\w.\-]+", "-", name).strip(".-") or "gpt2"
    return name


def free_target(name: str) -> Path:
    root = models_dir()
    candidate, n = root / name, 2
    while candidate.exists():
        candidate, n = root / f"{name}-{n}", n + 1
    return candidate


def import_job(source: Path, cancel: CancelToken | None = None, gate: Gate | None = None, export: bool = True):
    """A job: check the GPT-2 folder ``source``, copy it into the user models folder, export it; returns the folder."""
    cancel, gate = cancel or CancelToken(), gate or Gate()
    source = Path(source)
    yield Log(f"Checking {source}")
    check_gpt2_folder(source)
    if source.resolve().parent == models_dir().resolve():
        target = source  # already one of the user's models
    else:
        target = free_target(_name_for(source))
        staging = _new_staging(target.name)
        try:
            for file_name in COPIED:
                cancel.raise_if_cancelled()
                if (source / file_name).is_file():
                    yield Log(f"Copying {file_name}")
                    shutil.copy2(source / file_name, staging / file_name)
            _install(staging, target, cancel, gate, replace=False)
        finally:
            _discard(staging)
    yield from _exports(target, cancel, export)
    return target


def installed_gpt2() -> dict[str, Any] | None:
    """The GPT-2 model a page shows when it needs one: ``gpt2``, else ``distilgpt2``, else any GPT-2 folder."""
    from engines.llm.model_store import list_models

    found = [m for m in list_models() if str(m.get("kind", "")).startswith("gpt2")]
    for name in ("gpt2", "distilgpt2"):
        for m in found:
            if m["name"] == name:
                return m
    return found[0] if found else None
