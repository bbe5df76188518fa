"""Plot titles that fit their plot: a title too wide for a narrow plot is set a point or two smaller."""

from __future__ import annotations

import re
import sys

from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QWidget

SMALLEST_PT = 8
AIR = 6  # px left free beside the title


def _points(size) -> float | None:
    text = str(size or "").strip().lower()
    try:
        return float(text[:-2]) if text.endswith("pt") else None
    except ValueError:
        return None


def _fitting_points(text: str, font: QFont, chosen: float, room: float) -> float:
    lines = [re.sub(r"<[^>]+>", "", line) for line in re.split(r"<br\s*/?>", text, flags=re.IGNORECASE)]
    size = chosen
    while size > SMALLEST_PT:
        font.setPointSizeF(size)
        if max(QFontMetricsF(font).horizontalAdvance(line) for line in lines) <= room:
            break
        size -= 1
    return size


def fit_plot_titles(root: QWidget) -> None:
    """Shrink (or grow back up to the size the page chose) every pyqtgraph plot title under ``root`` so that
    it fits the width of its plot. Does nothing when pyqtgraph was never imported."""
    pg = sys.modules.get("pyqtgraph")
    if pg is None:
        return
    for view in root.findChildren(pg.PlotWidget):
        item = view.getPlotItem()
        label = item.titleLabel
        if not label.isVisible() or not label.text:
            continue
        chosen = getattr(label, "_chosen_pt", None)
        if chosen is None:
            chosen = label._chosen_pt = _points(label.opts.get("size")) or 11.0
        axes = sum(item.getAxis(side).width() for side in ("left", "right") if item.getAxis(side).isVisible())
        room = view.viewport().width() - axes - 2 * AIR  # the title is centred over the plot, between the axes
        size = _fitting_points(label.text, QFont(label.item.font()), chosen, room)
        if _points(label.opts.get("size")) != size:
            label.setText(label.text, size=f"{size:g}pt")
            # A smaller title lowers the plot's minimum width, but the view only refits its plot on a resize.
            item.setGeometry(view.range)
