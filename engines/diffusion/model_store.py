"""Which diffusion models there are and opening one: the shipped ones and the user's trained ones.

:func:`list_models` lists them as :class:`ModelEntry` (a folder that cannot be used is listed with
the reason); :func:`get_model` opens one once per process and keeps it (a folder trained again is
opened again); :func:`sampling_backend` picks ONNX Runtime or PyTorch; :func:`default_prompts` gives
a model's starting captions. No Qt here: the Diffusion pages and the CLI share it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODEL_CHOICES = (("faces", "Faces (GloVe word clue)"), ("digits", "Digits (grey)"),
                 ("faces-minilm", "Faces (MiniLM sentence clue)"))
CLUES = {"glove": "faces", "minilm": "faces-minilm"}  # the faces model for each clue
OPTIONAL = {"faces-minilm"}  # listed only when its folder is there


@dataclass
class ModelEntry:
    """One choice in the model chooser. ``key`` is what :func:`get_model` loads: a shipped name or a folder."""

    key: str
    label: str
    config: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # why this model cannot be used (shown instead of running)
    folder: Path | None = None
    user: bool = False

    @property
    def recommended_guidance(self) -> float | None:
        value = self.config.get("recommended_guidance")
        try:
            return None if value is None or isinstance(value, bool) else float(value)
        except (TypeError, ValueError):
            return None

    @property
    def image_shape(self) -> tuple[int, int, int]:
        unet = self.config.get("unet") or {}
        try:
            return int(unet.get("in_channels", 3)), int(unet.get("image_size", 32)), int(unet.get("image_size", 32))
        except (TypeError, ValueError):
            return 3, 32, 32

    @property
    def base(self) -> str:
        """"digits", "faces" or "" (what the model was trained on, for default captions)."""
        if not self.user:
            return "faces" if self.key.startswith("faces") else self.key
        name = self.config.get("name") or ""
        dataset = (self.config.get("training") or {}).get("dataset", "") if isinstance(self.config.get("training"), dict) else ""
        return next((k for k in ("digits", "faces") if k in (name, dataset) or name.startswith(k)), "")


def _read_config(folder: Path) -> dict[str, Any]:
    from engines.core.model_io import load_config
    from engines.diffusion.pipeline import ARCHITECTURE

    config = load_config(folder, ARCHITECTURE)
    unet = config.get("unet")
    if not isinstance(unet, dict) or "image_size" not in unet or "schedule" not in config:
        raise ValueError("config.json lacks the network's settings (unet, schedule)")
    return config


def shipped_models() -> list[ModelEntry]:
    from engines.core.paths import assets_dir

    out = []
    for key, label in MODEL_CHOICES:
        folder = assets_dir() / "diffusion" / key
        if key in OPTIONAL and not (folder / "config.json").is_file():
            continue
        entry = ModelEntry(key, label, folder=folder)
        try:
            entry.config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # not built yet: loading says so in words (or finds the user's trained copy)
        out.append(entry)
    return out


def user_models() -> list[ModelEntry]:
    """The user's trained models: every folder under ``<user data>/models/diffusion/`` with a model in it.

    A folder that cannot be used is still listed, with ``error`` saying why (so the user sees it)."""
    try:
        from engines.core.paths import user_models_dir

        root = user_models_dir() / "diffusion"
        folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    except (ImportError, OSError):
        return []
    out = []
    for folder in folders:
        if not ((folder / "config.json").exists() or (folder / "model.safetensors").exists()):
            continue  # an empty folder, or a training run that has only a checkpoint so far
        entry = ModelEntry(str(folder), f"Mine: {folder.name}", folder=folder, user=True)
        try:
            entry.config = _read_config(folder)
            if not (folder / "model.safetensors").is_file():
                raise FileNotFoundError("model.safetensors is missing (the training may not have finished)")
        except Exception as exc:  # noqa: BLE001 - any broken folder becomes a message, never a crash
            entry.error = f"The model folder “{folder.name}” can't be used: {exc}"
            entry.label = f"Mine: {folder.name} (unreadable)"
        out.append(entry)
    return out


def list_models() -> list[ModelEntry]:
    return shipped_models() + user_models()


_models: dict[tuple[str, str, str, int], object] = {}
_models_lock = threading.Lock()


def sampling_backend(preferred: str = "onnx", device: Any = None) -> tuple[str, str]:
    """(backend, device) to sample with: ONNX Runtime on the CPU (fastest for these small models),
    PyTorch when the user prefers it and ``device`` (a :class:`engines.core.device.DeviceInfo`) is a GPU."""
    if preferred == "torch" and device is not None and getattr(device, "kind", "cpu") != "cpu":
        return "torch", device.torch_device
    return "onnx", "cpu"


def get_model(name: str, backend: str = "onnx", device: str = "cpu", threads: int = 1):
    """Load a model (a shipped name or a model folder) once; call from a worker thread.

    Models without ONNX files (the ones the user trained) run with PyTorch on the CPU instead. A folder
    that was trained again is loaded again (the cache key includes the weights' modification time)."""
    from engines.diffusion.pipeline import UNET_ONNX, load_diffusion_model, resolve_model_path

    folder = resolve_model_path(name)
    if backend == "onnx" and not (folder / UNET_ONNX).is_file():
        backend, device = "torch", "cpu"
    try:
        stamp = (folder / "model.safetensors").stat().st_mtime_ns
    except OSError:
        stamp = 0
    key = (name, backend, device, stamp)
    with _models_lock:
        if key not in _models:
            for old in [k for k in _models if k[:3] == key[:3]]:  # its weights before it was trained again
                del _models[old]
            _models[key] = load_diffusion_model(name, backend, device, threads)
        return _models[key]


def default_prompts(name: str, config: dict[str, Any] | None = None) -> list[str]:
    """Starting captions for a model (at least two): the shipped model's, or those a trained model saved."""
    saved = [p for p in (config or {}).get("default_prompts", []) if isinstance(p, str)]
    if name not in ("digits", "faces") and saved:
        return (saved * 2)[: max(2, len(saved))]
    if name == "digits":
        from engines.diffusion.digits_data import NUMBER_WORDS

        return [f"the digit {w}" for w in NUMBER_WORDS]
    return ["a smiling round face with pale skin, brown hair and blue eyes, on a blue background",
            "a frowning square face with dark skin, black hair and green eyes, wearing a red hat",
            "a face with blonde hair and an open mouth, wearing glasses, on a pink background",
            "a grinning face wearing a green hat"]


def model_metrics(name: str) -> dict[str, Any]:
    """A shipped model's scores (its ``metrics.json``), or {} when it has none."""
    from engines.core.paths import assets_dir

    try:
        data = json.loads((assets_dir() / "diffusion" / name / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
