"""What the Diffusion pages share that is about showing things: the model chooser (a combo box over
:func:`engines.diffusion.model_store.list_models`), the guidance control's default and tooltip, picture
conversions for :class:`~lab_app.widgets.pixel_view.PixelView`, and a pause gate for stepping a running
sampler. Models are listed, opened and cached in :mod:`engines.diffusion.model_store`."""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QComboBox, QWidget

from engines.diffusion.model_store import ModelEntry, get_model, list_models, sampling_backend

DEFAULT_GUIDANCE = 3.0


# -- the model chooser ---------------------------------------------------------------------------

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


def backend_for(ctx) -> tuple[str, str]:
    """(backend, device) for sampling with the app's current choice (see ``model_store.sampling_backend``)."""
    return sampling_backend(getattr(ctx, "backend", "onnx"), getattr(ctx, "device", None))


def with_model(ctx, name: str, make_job):
    """Job: open the model ``name`` (cached, on the app's backend), then run ``make_job(model)``."""
    backend, device = backend_for(ctx)
    return (yield from make_job(get_model(name, backend, device, ctx.current.threads)))


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
    """One image (C, H, W) in −1..1 → uint8 (H, W, C) for showing (the engine's image_grid of one picture)."""
    from engines.diffusion.sample import image_grid

    return image_grid(np.asarray(image, np.float32)[None], 1, pad=0)


def noise_to_display(noise: np.ndarray) -> np.ndarray:
    """Predicted noise (C, H, W), roughly N(0, 1) → uint8 (H, W, 3): ±2.5 spread over the full range."""
    return to_display(np.clip(np.asarray(noise, np.float32) / 2.5, -1, 1))


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


# -- guidance --------------------------------------------------------------------------------------

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

    def pace(self, job, cancel):
        """``job`` with a stop at this gate before each step (a step's Progress follows its Frame at once)."""
        from engines.core.jobs import Frame

        try:
            while True:
                self.wait(cancel)
                event = next(job)
                yield event
                if isinstance(event, Frame):
                    yield next(job)
        except StopIteration as stop:
            return stop.value
        finally:
            job.close()

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
