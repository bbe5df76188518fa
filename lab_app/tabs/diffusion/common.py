"""Pieces the Diffusion pages share: a pixel-exact picture widget, array conversions, the model
chooser (shipped + the user's trained models), a model cache, and a pause gate for stepping a
running sampler one step at a time."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

MODEL_CHOICES = (("faces", "Faces (colour)"), ("digits", "Digits (grey)"))
DEFAULT_GUIDANCE = 3.0


# -- the model chooser ---------------------------------------------------------------------------

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
            return self.key
        name = self.config.get("name") or ""
        dataset = (self.config.get("training") or {}).get("dataset", "") if isinstance(self.config.get("training"), dict) else ""
        return next((k for k in ("digits", "faces") if k in (name, dataset)), "")


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


class _ModelEvents(QObject):
    changed = Signal()  # a training job wrote (or may have written) a model folder


_events: _ModelEvents | None = None


def model_events() -> _ModelEvents:
    """The app-wide "the list of diffusion models changed" signal (the Train page emits it)."""
    global _events
    if _events is None:
        _events = _ModelEvents()
    return _events


class ModelChooser(QComboBox):
    """The model chooser every sampling page shows: the shipped models, then the user's trained ones.

    Item data is the :class:`ModelEntry` key. :meth:`refresh` re-reads the folders (pages call it when
    shown; it also runs when a training job ends); ``currentIndexChanged`` fires only when the choice changes.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[ModelEntry] = []
        narrow(self)
        self.refresh()
        model_events().changed.connect(self.refresh)

    def refresh(self) -> None:
        entries = list_models()
        signature = [(e.key, e.label, e.error) for e in entries]
        if signature == [(e.key, e.label, e.error) for e in self.entries]:
            self.entries = entries  # configs may have been rewritten (e.g. a new recommended guidance)
            return
        current = self.currentData()
        self.entries = entries
        self.blockSignals(True)
        self.clear()
        for e in entries:
            self.addItem(e.label, e.key)
            tip = e.error or (f"Your trained model in {e.folder}" if e.user else "A model that ships with AI Lab")
            self.setItemData(self.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        keys = [e.key for e in entries]
        self.setCurrentIndex(keys.index(current) if current in keys else 0)
        self.blockSignals(False)
        if self.currentData() != current:
            self.currentIndexChanged.emit(self.currentIndex())

    def current_entry(self) -> ModelEntry:
        key = self.currentData()
        return next((e for e in self.entries if e.key == key), ModelEntry(str(key), str(key)))

    def select(self, key: str) -> bool:
        self.refresh()
        index = self.findData(key)
        if index >= 0:
            self.setCurrentIndex(index)
        return index >= 0


def model_combo() -> ModelChooser:
    """The model chooser every sampling page shows (item data: the model's key)."""
    return ModelChooser()


def show_stop_reasons(runner, show, cancelled_text: str = "Cancelled.") -> None:
    """Put a cancelled or failed job's reason on the page's status line through ``show(text)``."""
    runner.cancelled.connect(lambda: show(cancelled_text))
    runner.failed.connect(lambda failure: show(f"Failed: {failure.message}"))


def narrow(combo):
    """Let a combo box shrink to the controls column instead of widening it to its longest item."""
    from PySide6.QtWidgets import QComboBox

    combo.setMinimumContentsLength(8)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    return combo


# -- arrays --------------------------------------------------------------------------------------

def to_display(image: np.ndarray) -> np.ndarray:
    """One image (C, H, W) in −1..1 → uint8 (H, W, 3) for showing (grey images are repeated)."""
    arr = np.asarray(image, np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    rgb = np.clip(np.round((arr + 1.0) * 127.5), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    if rgb.shape[2] == 1:
        rgb = np.repeat(rgb, 3, axis=2)
    return np.ascontiguousarray(rgb[:, :, :3])


def noise_to_display(noise: np.ndarray) -> np.ndarray:
    """Predicted noise (C, H, W), roughly N(0, 1) → uint8 (H, W, 3): ±2.5 spread over the full range."""
    return to_display(np.clip(np.asarray(noise, np.float32) / 2.5, -1, 1))


def tile_row(images: list[np.ndarray], pad: int = 1, fill: int = 150) -> np.ndarray:
    """uint8 (H, W, 3) images side by side with ``pad`` pixel gaps."""
    if not images:
        return np.full((1, 1, 3), fill, np.uint8)
    h = max(im.shape[0] for im in images)
    out = np.full((h, sum(im.shape[1] for im in images) + pad * (len(images) - 1), 3), fill, np.uint8)
    x = 0
    for im in images:
        out[: im.shape[0], x: x + im.shape[1]] = im
        x += im.shape[1] + pad
    return out


def tile_grid(images: list[np.ndarray], columns: int, pad: int = 1, fill: int = 150) -> np.ndarray:
    rows = [tile_row(images[i: i + columns], pad, fill) for i in range(0, len(images), columns)]
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=fill) for r in rows]
    return tile_column(rows, pad, fill)


def tile_column(images: list[np.ndarray], pad: int = 1, fill: int = 150) -> np.ndarray:
    return tile_row([im.transpose(1, 0, 2) for im in images], pad, fill).transpose(1, 0, 2).copy()


def qimage_to_array(image: QImage, size: int = 32) -> np.ndarray:
    """A picture the user opened → (3, size, size) float32 in −1..1 (centre-cropped to a square)."""
    if image.isNull():
        raise ValueError("that file could not be read as a picture")
    side = min(image.width(), image.height())
    square = image.copy((image.width() - side) // 2, (image.height() - side) // 2, side, side)
    small = square.scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio,
                          Qt.TransformationMode.SmoothTransformation).convertToFormat(QImage.Format.Format_RGB888)
    stride = small.bytesPerLine()
    raw = np.frombuffer(small.constBits(), np.uint8, count=stride * size).reshape(size, stride)
    rgb = raw[:, : size * 3].reshape(size, size, 3)
    return (rgb.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0).copy()


# -- the picture widget ----------------------------------------------------------------------------

class PixelView(QWidget):
    """Shows a small uint8 (H, W, 3) image enlarged with nearest-neighbour scaling, a caption above."""

    def __init__(self, title: str = "", min_side: int = 64, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.placeholder = ""  # a hint drawn in the empty box until there is a picture
        self.align_top = False  # True: the picture sits right under its title instead of centred
        self.image: np.ndarray | None = None
        self._qimage: QImage | None = None
        self.setMinimumSize(min_side, min_side + 18)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(160, 180)

    def set_title(self, title: str) -> None:
        self.title = title
        self.update()

    def set_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.update()

    def set_image(self, image: np.ndarray | None) -> None:
        if image is None:
            self.image, self._qimage = None, None
        else:
            arr = np.ascontiguousarray(image, np.uint8)
            if arr.ndim == 2:
                arr = np.repeat(arr[:, :, None], 3, axis=2)
            self.image = np.ascontiguousarray(arr[:, :, :3])
            h, w = self.image.shape[:2]
            self._qimage = QImage(self.image.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        text_h = 18 if self.title else 0
        if self.title:
            painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            painter.drawText(QRectF(0, 0, self.width(), text_h), Qt.AlignmentFlag.AlignCenter, self.title)
        area = QRectF(0, text_h, self.width(), self.height() - text_h)
        if self._qimage is None:
            painter.setPen(QColor("#999"))
            painter.drawRect(area.adjusted(2, 2, -2, -2))
            if self.placeholder:
                painter.drawText(area.adjusted(8, 8, -8, -8),
                                 int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap), self.placeholder)
            return
        w, h = self._qimage.width(), self._qimage.height()
        scale = min(area.width() / w, area.height() / h)
        if scale >= 2 and int(scale) / scale > 0.85:
            scale = int(scale)  # whole multiples keep every pixel the same size when little room is lost
        tw, th = w * scale, h * scale
        top = area.y() if self.align_top else area.y() + (area.height() - th) / 2
        target = QRectF(area.x() + (area.width() - tw) / 2, top, tw, th)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._qimage)


# -- models ----------------------------------------------------------------------------------------

_models: dict[tuple[str, str, str, int], object] = {}
_models_lock = threading.Lock()


def backend_for(ctx) -> tuple[str, str]:
    """(backend, device) to sample with: ONNX Runtime on the CPU (fastest for these small models),
    PyTorch when the user chose it and a GPU is present."""
    device = getattr(ctx, "device", None)
    if getattr(ctx, "backend", "onnx") == "torch" and device is not None and device.kind != "cpu":
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
            _models[key] = load_diffusion_model(name, backend, device, threads)
        return _models[key]


def guidance_tooltip(recommended: float | None) -> str:
    """The guidance control's tooltip, naming the model's own recommended scale when it has one."""
    base = "How hard the caption pushes: 0 ignores it, 1 uses it plainly, more exaggerates it."
    if recommended is None:
        return f"{base}\nThis model has no recommended guidance; {DEFAULT_GUIDANCE:g} is the usual start."
    return f"{base}\nThis model's recommended guidance: {recommended:g} (picked when you chose the model)."


def apply_recommended_guidance(entry, set_value, *widgets) -> float | None:
    """A model was picked: ``set_value`` its recommended guidance (else the default) and put the matching
    tooltip on ``widgets``. Returns the recommendation (None when the model has none)."""
    recommended = entry.recommended_guidance
    set_value(DEFAULT_GUIDANCE if recommended is None else recommended)
    tip = guidance_tooltip(recommended)
    for widget in widgets:
        widget.setToolTip(tip)
    return recommended


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


# -- pausing -----------------------------------------------------------------------------------

class PauseGate:
    """Lets the GUI pause a job between steps, or let exactly one step through while paused."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.paused = False
        self._steps = 0

    def set_paused(self, paused: bool) -> None:
        with self._lock:
            self.paused, self._steps = paused, 0

    def step_once(self) -> None:
        with self._lock:
            self._steps += 1

    def wait(self, cancel) -> None:
        """Block (checking ``cancel``) while paused and no single step has been granted."""
        while True:
            cancel.raise_if_cancelled()
            with self._lock:
                if not self.paused:
                    return
                if self._steps > 0:
                    self._steps -= 1
                    return
            time.sleep(0.02)
