"""The Playground's history scrubber: a bounded list of past snapshots and a slider to look back at them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

MAX_KEPT = 120  # snapshots hold small grids (~100 kB each): a few dozen MB at most


class SnapshotHistory:
    """Keeps every ``keep_every``-th epoch's snapshot; when full, drops every other one and keeps half as often,
    so the list always spans the whole run from epoch 0 with at most ``capacity`` entries."""

    def __init__(self, capacity: int = MAX_KEPT) -> None:
        self.capacity = max(int(capacity), 4)
        self.keep_every = 1
        self.snapshots: list[dict[str, Any]] = []

    def clear(self) -> None:
        self.snapshots.clear()
        self.keep_every = 1

    def add(self, snap: dict[str, Any]) -> bool:
        """Store ``snap`` if its epoch is on the current spacing (and newer than the last); True when stored."""
        epoch = int(snap["epoch"])
        if self.snapshots and epoch <= self.snapshots[-1]["epoch"]:
            if epoch == self.snapshots[-1]["epoch"]:
                self.snapshots[-1] = snap  # a fresh picture of the same epoch (e.g. after Pause)
                return True
            self.clear()  # went backwards: a new run
        if self.snapshots and epoch % self.keep_every and epoch - self.snapshots[-1]["epoch"] < self.keep_every:
            return False
        self.snapshots.append(snap)
        if len(self.snapshots) > self.capacity:
            self.snapshots = self.snapshots[::2]
            self.keep_every *= 2
        return True

    def epochs(self) -> list[int]:
        return [int(s["epoch"]) for s in self.snapshots]

    def __len__(self) -> int:
        return len(self.snapshots)


class HistoryBar(QWidget):
    """A slider over the stored snapshots plus a "Live" button; emits ``picked(index)`` (-1: back to live)."""

    picked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Pause, then drag to look back at the network at an earlier epoch")
        self.label = QLabel("History: live")
        self.label.setMinimumWidth(150)
        self.live_button = QPushButton("Live")
        self.live_button.setToolTip("Back to the newest state")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>History</b>"))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.live_button)
        self.slider.valueChanged.connect(self._on_slider)
        self.live_button.clicked.connect(lambda: self.picked.emit(-1))
        self._quiet = False

    def set_count(self, count: int, at_end: bool = True) -> None:
        """The number of stored snapshots; ``at_end`` moves the handle to the newest without emitting."""
        self._quiet = True
        self.slider.setRange(0, max(count - 1, 0))
        if at_end:
            self.slider.setValue(self.slider.maximum())
        self._quiet = False

    def _on_slider(self, value: int) -> None:
        if not self._quiet:
            self.picked.emit(value)
