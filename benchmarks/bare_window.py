"""Baseline for ``startup.py``: the least a PySide6 app can do to put a window on screen.

Opens a 1280x800 QMainWindow holding a QLabel, prints ``AI_LAB_FIRST_PAINT <unix time>``
when the window gets its first Paint event, then quits. Same output format as
``python -m lab_app --exit-after-paint``, so both are timed the same way.

Run: ``python benchmarks/bare_window.py`` (``QT_QPA_PLATFORM=offscreen`` without a display).
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


class FirstPaintProbe(QObject):
    """Prints the time of the watched widget's first Paint event, then quits the app."""

    def __init__(self, started: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._started = started

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            print(f"AI_LAB_FIRST_PAINT {time.time():.6f} main_started {self._started:.6f}", flush=True)
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False


def main() -> int:
    started = time.time()
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("bare PySide6 window")
    window.setCentralWidget(QLabel("Hello from a bare PySide6 window"))
    window.resize(1280, 800)
    probe = FirstPaintProbe(started, window)
    window.installEventFilter(probe)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
