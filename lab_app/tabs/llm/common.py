"""What the LLM pages share: a model picker, a cache of opened models, story-world helpers, debouncing.

Opening a model imports torch and reads weights, so it only ever happens inside a job
(:func:`open_cached` is called on a runner's worker thread, never on the GUI thread).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QWidget

DEFAULT_MODEL = "story-gpt"
STORY_CHARS = 300_000  # the story-world slice the tokenizer and n-gram pages learn from (≈0.5 s to write)

_cache_lock = threading.Lock()
_opened: dict[tuple, tuple[Any, Any, Path]] = {}


def call_job(fn: Callable[..., Any], *args: Any, **kwargs: Any):
    """A job (generator) that runs ``fn(*args, **kwargs)`` once and returns its result."""
    return fn(*args, **kwargs)
    yield  # unreachable: the yield makes this function a generator (a job)


def open_cached(name: str, backend: str = "torch", device: str = "cpu", threads: int | None = None):
    """``(runner, tokenizer, folder)`` for a model, opened once per (folder, weights, backend, device).

    Keyed on the weights file's modification time, so a model retrained under the same name is reopened.
    Call this from a job, never on the GUI thread.
    """
    from engines.llm.model_store import open_model, resolve_backend, resolve_model

    folder = resolve_model(name)
    weights = folder / "model.safetensors"
    stamp = weights.stat().st_mtime_ns if weights.is_file() else 0
    backend = resolve_backend(folder, backend, device)  # "onnx" → the precision chosen for this model
    key = (str(folder.resolve()), stamp, backend, device)
    with _cache_lock:
        hit = _opened.get(key)
    if hit is not None:
        return hit
    opened = open_model(str(folder), backend, device, threads)
    with _cache_lock:
        _opened[key] = opened
    return opened


def device_for(ctx) -> str:
    """The torch device string the app resolved ('cpu' until the device is known)."""
    return ctx.device.torch_device if ctx.device is not None else "cpu"


@lru_cache(maxsize=2)
def story_world_text(chars: int = STORY_CHARS) -> str:
    from engines.llm.storyworld import generate_story_world

    return generate_story_world(0, chars)


def human_count(n: float) -> str:
    """12_300 → '12.3 thousand', 2.5e9 → '2.5 billion'; astronomically large → '6.25 × 10¹⁸'."""
    n = float(n)
    if n >= 1e15:
        mantissa, exponent = f"{n:.2e}".split("e")
        return f"{float(mantissa):g} × 10{str(int(exponent)).translate(SUPERSCRIPTS)}"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if n >= size:
            return f"{n / size:.3g} {word}"
    return f"{n:.0f}"


SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def visible(token: str) -> str:
    """A token as a label: spaces as '·', line breaks as '↵', so whitespace tokens can be seen."""
    return token.replace("\n", "↵").replace(" ", "·") or "∅"


class Debouncer:
    """Calls ``fn`` once, ``ms`` after the last :meth:`poke` (typing stays smooth)."""

    def __init__(self, parent: QWidget, ms: int, fn: Callable[[], None]) -> None:
        self.timer = QTimer(parent)
        self.timer.setSingleShot(True)
        self.timer.setInterval(ms)
        self.timer.timeout.connect(fn)

    def poke(self, *_args: Any) -> None:
        self.timer.start()


class ModelPicker(QComboBox):
    """Every GPT that writes text (:func:`engines.llm.model_store.list_models`); story-gpt first when present.

    Call :meth:`refresh` (pages do it in ``showEvent``) to pick up models trained meanwhile.
    ``model_changed(name)`` fires when the choice changes.
    """

    model_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models: list[dict[str, Any]] = []
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)
        self.currentIndexChanged.connect(self._changed)
        self.refresh()

    def refresh(self) -> None:
        from engines.llm.model_store import list_models

        current = self.current_name()
        models = list_models(generators_only=True)
        if [m["path"] for m in models] == [m["path"] for m in self.models]:
            return
        self.models = models
        self.blockSignals(True)
        self.clear()
        for m in models:
            params = f", {human_count(m['parameters'])} parameters" if m.get("parameters") else ""
            self.addItem(m["name"], m["name"])
            self.setItemData(self.count() - 1, f"{m['source']} model{params}\n{m['path']}", 3)  # 3 = ToolTipRole
        names = [m["name"] for m in models]
        pick = current if current in names else (DEFAULT_MODEL if DEFAULT_MODEL in names else (names[0] if names else None))
        if pick is not None:
            self.setCurrentIndex(names.index(pick))
        self.blockSignals(False)
        if self.current_name() != current:
            self._changed()

    def current_name(self) -> str | None:
        return self.currentData()

    def current_info(self) -> dict[str, Any] | None:
        name = self.current_name()
        return next((m for m in self.models if m["name"] == name), None)

    def select(self, name: str) -> None:
        self.refresh()
        index = self.findData(name)
        if index >= 0:
            self.setCurrentIndex(index)

    def _changed(self, *_args: Any) -> None:
        name = self.current_name()
        if name:
            self.model_changed.emit(name)


NO_MODEL_TEXT = ("No model yet. Train one on the page “Train on your own text” "
                 "(the shipped story-gpt appears here once it is installed).")
