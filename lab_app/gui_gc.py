"""Python's cycle collector runs on the GUI thread only, once job threads exist.

The collector runs in whichever thread happens to allocate when its threshold trips. On a job thread it may free a
cycle holding a Qt widget (a closed page, an old dialog): Shiboken lets go of the GIL to run the C++ destructor,
~QObject takes one of Qt's connection locks and then wants the GIL back for a Python override check, while the GUI
thread holds the GIL and waits for that same lock: the window hangs for good (caught in CI: a job thread freeing a
QMenu inside ~QWidget, the GUI thread in QLabel(text) → connectImpl). So automatic collection is turned off and a
timer on the GUI thread collects instead:

- every tick (500 ms), the oldest generation whose count passed Python's own threshold, as the automatic collector
  would have done at its next allocation;
- a young collection at least every few seconds when anything new is waiting, because a tick only sees the count at
  that moment: garbage made while a job's allocations pushed the count up and back down would otherwise wait;
- a full collection (~0.1 s with every page open) at most once a minute: Python itself skips most full collections
  on a large heap (it waits until a quarter of the old objects are new), which a timer cannot see.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QCoreApplication, QTimer

INTERVAL_MS = 500
YOUNG_AT_LEAST_EVERY_S = 5.0
FULL_AT_MOST_EVERY_S = 60.0

_timer: QTimer | None = None


class GuiThreadCollector:
    """What the timer does each tick; the clock can be replaced in tests."""

    def __init__(self, thresholds: tuple[int, int, int], clock=time.monotonic) -> None:
        self.thresholds = thresholds
        self.clock = clock
        self.last_any = self.last_full = clock()

    def tick(self) -> int | None:
        """Collect the generation that is due, if any; return it (None when nothing ran)."""
        now = self.clock()
        counts = gc.get_count()
        generation = None
        if counts[2] > self.thresholds[2] and now - self.last_full >= FULL_AT_MOST_EVERY_S:
            generation = 2
        elif counts[1] > self.thresholds[1]:
            generation = 1
        elif counts[0] > self.thresholds[0] or (counts[0] > 0 and now - self.last_any >= YOUNG_AT_LEAST_EVERY_S):
            generation = 0
        if generation is None:
            return None
        gc.collect(generation)
        self.last_any = now
        if generation == 2:
            self.last_full = now
        return generation


_collector: GuiThreadCollector | None = None  # held here: a signal keeps only a weak reference to a bound method


def collect_on_gui_thread() -> None:
    """Once per process (needs the QApplication): automatic collection off, a GUI-thread timer collects instead."""
    global _timer, _collector
    app = QCoreApplication.instance()
    if _timer is not None or app is None:
        return
    _collector = GuiThreadCollector(gc.get_threshold())
    gc.disable()
    _timer = QTimer(app)
    _timer.setInterval(INTERVAL_MS)
    _timer.timeout.connect(_collector.tick)
    _timer.start()
