"""A log axis whose numbers do not run into each other. pyqtgraph writes 1, 0.9, 0.8, 0.7, 0.6 on a log axis
whatever the room, so on a short plot they overlapped. :func:`spaced_log_axis` keeps all of pyqtgraph's grid lines
but writes a number only at the round values that leave room for a label up to the next one: powers of ten first,
then 5, 2 and 3 times them, then the rest (:func:`spaced_log_ticks`).
"""

from __future__ import annotations

import math

from PySide6.QtGui import QFontMetricsF

from lab_app.plotting import pg

PRIORITY = (1, 5, 2, 3, 4, 6, 7, 8, 9)  # which multiples of a power of ten get a number first
_axis_class = None


def spaced_log_ticks(low: float, high: float, pixels: float, gap) -> list[float]:
    """The log10 values to write between ``low`` and ``high`` (log10 of the axis ends, ``pixels`` long), each at
    least ``gap(value)`` pixels from every other (``gap`` a number, or a function of the log10 value)."""
    low, high = sorted((low, high))
    if pixels <= 0 or high - low <= 0:
        return []
    per_unit = pixels / (high - low)
    need = gap if callable(gap) else (lambda _v: gap)
    chosen: list[float] = []
    for multiple in PRIORITY:
        for power in range(math.floor(low), math.ceil(high) + 1):
            v = power + math.log10(multiple)
            if low <= v <= high and all(abs(v - c) * per_unit >= max(need(v), need(c)) for c in chosen):
                chosen.append(v)
    return sorted(chosen)


def spaced_log_axis(orientation: str):
    """A pyqtgraph AxisItem for a log axis that writes only the numbers with room (for ``axisItems=``)."""
    global _axis_class
    if _axis_class is None:
        class SpacedLogAxis(pg().AxisItem):
            def _gap(self, value: float) -> float:
                metrics = QFontMetricsF(self.style["tickFont"] or self.font())
                if self.orientation in ("left", "right"):
                    return 1.25 * metrics.height()  # a little air between two lines of numbers
                text = pg().AxisItem.logTickStrings(self, [value], 1.0, 1.0)[0]
                return metrics.horizontalAdvance(text) + 2 * metrics.height()

            def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803 - pyqtgraph API
                ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
                written = spaced_log_ticks(minVal, maxVal, size, self._gap)
                rest = sorted(v for _, values in ticks for v in values
                              if not any(abs(v - w) < 1e-9 for w in written))
                return [(1.0, written), (None, rest)]  # the rest keep their grid lines, without numbers

            def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
                if spacing is None:  # the level without numbers
                    return [None] * len(values)
                return super().logTickStrings(values, scale, spacing)

        _axis_class = SpacedLogAxis
    return _axis_class(orientation)
