"""Python's cycle collector runs on the GUI thread only, once job threads exist.

The collector runs in whichever thread happens to allocate when its threshold trips. On a job thread it may free a
cycle holding a Qt widget (a closed page, an old dialog): Shiboken lets go of the GIL to run the C++ destructor,
~QObject takes one of Qt's connection locks and then wants the GIL back for a Python override check, while the GUI
thread holds the GIL and waits for that same lock: the window hangs for good (caught in CI: a job thread freeing a
QMenu inside ~QWidget, the GUI thread in QLabel(text) → connectImpl). So automatic collection is turned off and a
timer on the GUI thread collects instead, by the same thresholds, so memory is handed back as before.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QTimer

INTERVAL_MS = 500

_timer: QTimer | None = None


def collect_on_gui_thread() -> None:
    """Once per process (needs the QApplication): automatic collection off, a GUI-thread timer collects instead."""
    global _timer
    app = QCoreApplication.instance()
    if _timer is not None or app is None:
        return
    thresholds = gc.get_threshold()
    gc.disable()

    def collect() -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return

    _timer = QTimer(app)
    _timer.setInterval(INTERVAL_MS)
    _timer.timeout.connect(collect)
    _timer.start()
