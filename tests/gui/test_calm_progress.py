"""The progress bar repaints a few times a second however fast a job reports, and ends on the newest value."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject

from lab_app.widgets.calm_progress import INTERVAL_S, CalmProgressBar


class PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def test_fast_progress_repaints_a_few_times_a_second_and_ends_on_the_newest_value(qtbot):
    bar = CalmProgressBar()
    qtbot.addWidget(bar)
    bar.resize(180, 24)
    bar.show()
    qtbot.waitExposed(bar)
    bar.setRange(0, 1000)
    counter = PaintCounter()
    bar.installEventFilter(counter)
    start = time.monotonic()
    for step in range(1, 600):  # a job reporting every ~2 ms for ~1.2 s: each value changes the bar's percentage
        bar.setValue(step)
        qtbot.wait(2)
    seconds = time.monotonic() - start
    assert counter.paints <= seconds / INTERVAL_S + 3, (counter.paints, seconds)
    qtbot.waitUntil(lambda: bar.value() == 599, timeout=1000)  # the newest value is shown once the interval is up
    bar.setValue(1000)
    assert bar.value() == 1000  # the end shows at once


def test_job_bar_uses_the_calm_bar(window):
    assert isinstance(window.job_bar.bar, CalmProgressBar)
