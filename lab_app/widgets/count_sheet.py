"""A spreadsheet of counts: context rows × next-word columns, with row numbers, that zooms out to pixels.

``sheet = CountSheet(fetch)``; ``fetch(rows, columns)`` returns a
:class:`engines.llm.ngram_sheet.SheetWindow` of that size (or None). The sheet asks again whenever its
size or zoom changes, so it always shows as many real cells as fit. Zoomed in, each cell shows its
count; zoomed out, cells shrink to dots (blue where the text filled them). The bar on the right is
the whole table, top to bottom, with the shown rows marked: it turns into a sliver as rows explode.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

# (cell width, cell height) per zoom level: 0 = readable words and counts … last = one dot per cell
CELL_SIZES = ((64, 22), (40, 16), (22, 11), (12, 7), (6, 4), (3, 3), (2, 2))
FILLED = QColor("#2e86de")
FOCUS = QColor("#f08c00")
MAP_WIDTH = 26


def _context_text(context: tuple[str, ...]) -> str:
    return " ".join(context)


class CountSheet(QWidget):
    """Paints a :class:`SheetWindow`; ``zoom`` (0 … ``len(CELL_SIZES) − 1``) sets the cell size."""

    window_changed = Signal()

    def __init__(self, fetch: Callable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self.zoom = 0
        self.window = None  # the SheetWindow shown
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # -- geometry -----------------------------------------------------------------------------
    def cell_size(self) -> tuple[int, int]:
        return CELL_SIZES[self.zoom]

    def _readable(self) -> bool:
        return self.cell_size()[1] >= 16

    def _margins(self) -> tuple[int, int]:
        """(row-header width, column-header height) in pixels."""
        if self._readable():
            return 180, 24  # row number and the context, whole for 3 short words
        return 8, 8

    def fitting(self) -> tuple[int, int]:
        """How many rows and columns fit at the current zoom."""
        cw, ch = self.cell_size()
        left, top = self._margins()
        cols = max(1, (self.width() - left - MAP_WIDTH - 8) // cw)
        rows = max(1, (self.height() - top - 4) // ch)
        return rows, cols

    def set_zoom(self, zoom: int) -> None:
        self.zoom = max(0, min(len(CELL_SIZES) - 1, int(zoom)))
        self.refresh()

    def refresh(self) -> None:
        """Ask for the window that fits now and repaint."""
        self.window = self._fetch(*self.fitting())
        self.window_changed.emit()
        self.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().resizeEvent(event)
        self.refresh()

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        palette = self.palette()
        base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
        p.fillRect(self.rect(), base)
        w = self.window
        if w is None:
            p.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Counting the story world…")
            return
        cw, ch = self.cell_size()
        left, top = self._margins()
        rows, cols = w.counts.shape
        grid = QColor(text)
        grid.setAlpha(40)
        peak = max(1, int(w.counts.max()))
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, self.font().pointSizeF() * (0.9 if cw >= 60 else 0.75)))
        bold = QFont(small)
        bold.setBold(True)
        readable = self._readable()
        if readable:
            self._paint_headers(p, w, left, top, cw, ch, small, bold, text)
        right, bottom = left + cols * cw, top + rows * ch
        if cw >= 6:  # the grid lines of a spreadsheet; at dot size they would hide the dots
            p.setPen(grid)
            for i in range(rows + 1):
                p.drawLine(left, top + i * ch, right, top + i * ch)
            for j in range(cols + 1):
                p.drawLine(left + j * cw, top, left + j * cw, bottom)
        for i, j in zip(*w.counts.nonzero()):  # only the filled cells: almost none, as the text explains
            count = int(w.counts[i, j])
            cell = QRectF(left + j * cw + 1, top + i * ch + 1, max(1, cw - 1), max(1, ch - 1))
            colour = QColor(FILLED)
            colour.setAlphaF(0.45 + 0.55 * (count / peak) ** 0.5)  # even a count of 1 stays visible as a dot
            p.fillRect(cell, colour)
            if readable:
                p.setFont(bold if i == w.focus else small)
                p.setPen(text)
                p.drawText(cell.adjusted(0, 0, -3, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           f"{count:,}")
        if w.focus is not None:
            p.setPen(QPen(FOCUS, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(1, top + w.focus * ch, left + cols * cw - 1, ch))
        self._paint_map(p, w, left + cols * cw + 8, top, text)
        self._paint_rest(p, w, QRectF(left, top, cols * cw, rows * ch), base, text)
        p.end()

    def _paint_headers(self, p, w, left, top, cw, ch, small, bold, text) -> None:
        muted = QColor(text)
        muted.setAlpha(150)
        p.setFont(small)
        p.setPen(muted)
        p.drawText(QRectF(2, 0, left - 4, top), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   "row · context ↓  next →")
        p.setPen(text)
        for j, word in enumerate(w.columns[: w.counts.shape[1]]):
            p.drawText(QRectF(left + j * cw, 0, cw - 2, top),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter,
                       p.fontMetrics().elidedText(word, Qt.TextElideMode.ElideRight, cw - 2))
        for i, context in enumerate(w.row_contexts):
            y = top + i * ch
            p.setFont(bold if i == w.focus else small)
            p.setPen(muted)
            number = f"{w.first_row + i + 1:,}"
            p.drawText(QRectF(2, y, 62, ch), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, number)
            p.setPen(FOCUS if i == w.focus else text)
            label = p.fontMetrics().elidedText(_context_text(context), Qt.TextElideMode.ElideLeft, left - 70)
            p.drawText(QRectF(66, y, left - 70, ch), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       label)

    def _paint_rest(self, p, w, grid: QRectF, base: QColor, text: QColor) -> None:
        """How much of the table is off screen, in a box over the grid's bottom-right corner."""
        above, below = w.first_row, w.total_rows - w.first_row - w.counts.shape[0]
        if above + below == 0:
            return
        parts = ([f"{above:,} rows above"] if above else []) + ([f"{below:,} rows below"] if below else [])
        message = " · ".join(parts)
        metrics = p.fontMetrics()
        box = QRectF(0, 0, metrics.horizontalAdvance(message) + 16, metrics.height() + 8)
        box.moveBottomRight(grid.bottomRight() - QPointF(6, 6))
        back = QColor(base)
        back.setAlpha(225)
        p.setFont(self.font())
        p.fillRect(box, back)
        p.setPen(QPen(FOCUS, 1))
        p.drawRect(box)
        p.setPen(text)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, message)

    def _paint_map(self, p, w, x, top, text) -> None:
        """The whole table as one bar; the shown rows as a mark (at least 2 px, so a sliver stays visible)."""
        height = self.height() - top - 4
        frame = QColor(text)
        frame.setAlpha(90)
        p.setPen(frame)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(x, top, MAP_WIDTH - 6, height))
        shown = w.counts.shape[0] / w.total_rows
        y = top + height * w.first_row / w.total_rows
        p.fillRect(QRectF(x + 1, y, MAP_WIDTH - 7, max(2.0, height * shown)), FOCUS)

    # -- what the tests and the page read -----------------------------------------------------
    def shown_fraction(self) -> float:
        """The share of the whole table's rows that is on screen."""
        w = self.window
        return 0.0 if w is None else w.counts.shape[0] / w.total_rows
