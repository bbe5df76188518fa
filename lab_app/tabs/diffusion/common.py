"""Pieces the Diffusion pages share: a pixel-exact picture widget, array conversions, a model cache,
and a pause gate for stepping a running sampler one step at a time."""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

MODEL_CHOICES = (("faces", "Faces (colour)"), ("digits", "Digits (grey)"))


def model_combo() -> QComboBox:
    """The shipped-model chooser every sampling page shows (item data: the model's key)."""
    box = QComboBox()
    for key, label in MODEL_CHOICES:
        box.addItem(label, key)
    return box


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
        self.image: np.ndarray | None = None
        self._qimage: QImage | None = None
        self.setMinimumSize(min_side, min_side + 18)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(160, 180)

    def set_title(self, title: str) -> None:
        self.title = title
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
            return
        w, h = self._qimage.width(), self._qimage.height()
        scale = min(area.width() / w, area.height() / h)
        if scale >= 2 and int(scale) / scale > 0.85:
            scale = int(scale)  # whole multiples keep every pixel the same size when little room is lost
        tw, th = w * scale, h * scale
        target = QRectF(area.x() + (area.width() - tw) / 2, area.y() + (area.height() - th) / 2, tw, th)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._qimage)


# -- models ----------------------------------------------------------------------------------------

_models: dict[tuple[str, str, str], object] = {}
_models_lock = threading.Lock()


def backend_for(ctx) -> tuple[str, str]:
    """(backend, device) to sample with: ONNX Runtime on the CPU (fastest for these small models),
    PyTorch when the user chose it and a GPU is present."""
    device = getattr(ctx, "device", None)
    if getattr(ctx, "backend", "onnx") == "torch" and device is not None and device.kind != "cpu":
        return "torch", device.torch_device
    return "onnx", "cpu"


def get_model(name: str, backend: str = "onnx", device: str = "cpu", threads: int = 1):
    """Load a shipped model once per (name, backend, device); call from a worker thread."""
    from engines.diffusion.pipeline import load_diffusion_model

    key = (name, backend, device)
    with _models_lock:
        if key not in _models:
            _models[key] = load_diffusion_model(name, backend, device, threads)
        return _models[key]


def default_prompts(name: str) -> list[str]:
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
