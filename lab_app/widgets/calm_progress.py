"""A progress bar that repaints at most a few times a second, however fast progress arrives.

Qt's ``QProgressBar.setValue`` repaints the bar at once (synchronously) whenever a pixel or its
percentage changes. Jobs report progress up to 30 times a second, and once a 3D view has been shown
every repaint makes Qt compose the whole window again through OpenGL — on a machine drawing GL in
software that took 8–19 ms per call, most of the time the window had. Nobody reads a bar 30 times a
second: this one shows a new value at once if the last one was shown long enough ago, else keeps it
and shows the newest when the interval is up. Reaching the maximum, or a new range, shows at once.
"At once" means with the window's next ordinary repaint, never a repaint of its own.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressBar, QWidget

INTERVAL_S = 0.2  # at most five repaints a second


class CalmProgressBar(QProgressBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown_at = 0.0
        self._waiting: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_waiting)

    def setValue(self, value: int) -> None:  # noqa: N802 - Qt API
        now = time.monotonic()
        if now - self._shown_at >= INTERVAL_S or value >= self.maximum() or value <= self.minimum():
            self._show(value, now)
            return
        self._waiting = value
        if not self._timer.isActive():
            self._timer.start(max(1, int((INTERVAL_S - (now - self._shown_at)) * 1000)))

    def setRange(self, minimum: int, maximum: int) -> None:  # noqa: N802 - Qt API
        if (minimum, maximum) == (self.minimum(), self.maximum()):
            return
        self._timer.stop()
        self._waiting = None
        super().setRange(minimum, maximum)

    def _show(self, value: int, now: float) -> None:
        self._timer.stop()
        self._waiting = None
        self._shown_at = now
        self.setUpdatesEnabled(False)  # no repaint at once: it would compose the whole window on its own
        super().setValue(value)
        self.setUpdatesEnabled(True)  # ...an ordinary update instead, painted with the rest of the window

    def _show_waiting(self) -> None:
        if self._waiting is not None:
            self._show(self._waiting, time.monotonic())
