"""Numbers written in the squares of a heatmap, all drawn by one plot item in one paint.

Cell (row r, column c) spans x from c to c + 1 and y from r to r + 1, as an ImageItem placed at
(0, 0) with one pixel per cell. The numbers keep their size on screen, centred in their cells;
when a cell gets too small they shrink (down to 7 pt), then are left out and the colours still tell.

Written as pyqtgraph TextItems (one per cell), a 10 × 10 confusion matrix re-placed 100 items on
every resize, each recomputing its transform (with an SVD fallback when the view got tiny): about
0.6 s of the window's time per resize at 400 × 300. This item only repaints.

Use :func:`new_cell_numbers` (pyqtgraph is imported on first use, see lab_app.plotting).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF

_class: Any = None
MIN_POINT_SIZE = 7  # smaller than this is not worth drawing: the colours tell then


def new_cell_numbers(point_size: int = 9) -> Any:
    """A CellNumbers item (a pyqtgraph GraphicsObject): ``set_cells(texts, colours)``, then add it to a plot."""
    global _class
    if _class is None:
        _class = _make_class()
    return _class(point_size)


def _make_class() -> type:
    from lab_app.plotting import pg

    class CellNumbers(pg().GraphicsObject):
        def __init__(self, point_size: int) -> None:
            super().__init__()
            self.font = QFont()
            self.font.setPointSize(point_size)
            self.texts: list[list[str]] = []
            self.colours: list[list[QColor]] = []

        def set_point_size(self, point_size: int) -> None:
            self.font.setPointSize(point_size)
            self.update()

        def set_cells(self, texts: list[list[str]], colours: list[list[str]]) -> None:
            """``texts[r][c]`` written in colour ``colours[r][c]`` (any QColor name, e.g. "#ffffff")."""
            self.prepareGeometryChange()
            self.texts = [list(row) for row in texts]
            self.colours = [[QColor(c) for c in row] for row in colours]
            self.update()

        def shown_texts(self) -> list[str]:
            """The non-empty numbers, row by row (what a reader of the picture gets)."""
            return [t for row in self.texts for t in row if t]

        def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
            columns = max((len(row) for row in self.texts), default=0)
            return QRectF(0, 0, columns, len(self.texts))

        def font_that_fits(self, transform) -> QFont | None:
            """The font the numbers are drawn in at the view's current scale (``transform``: cell → screen): the
            chosen size, or smaller down to MIN_POINT_SIZE when a cell is too narrow; None when even that is too big."""
            cell = transform.mapRect(QRectF(0, 0, 1, 1))
            font = QFont(self.font)
            for size in range(self.font.pointSize(), MIN_POINT_SIZE - 1, -1):
                font.setPointSize(size)
                metrics = QFontMetricsF(font)
                widest = max((metrics.horizontalAdvance(t) for row in self.texts for t in row), default=0.0)
                if widest <= 0.95 * cell.width() and metrics.height() <= cell.height():
                    return font
            return None

        def fits(self, transform) -> bool:
            return self.font_that_fits(transform) is not None

        def paint(self, painter, *_args) -> None:
            if not self.texts:
                return
            transform = painter.transform()
            font = self.font_that_fits(transform)
            if font is None:
                return
            cell = transform.mapRect(QRectF(0, 0, 1, 1))
            painter.save()
            painter.resetTransform()  # draw in screen pixels, so the text is never flipped or stretched
            painter.setFont(font)
            for r, row in enumerate(self.texts):
                for c, text in enumerate(row):
                    if not text:
                        continue
                    centre = transform.map(QPointF(c + 0.5, r + 0.5))
                    painter.setPen(self.colours[r][c])
                    painter.drawText(QRectF(centre.x() - cell.width() / 2, centre.y() - cell.height() / 2,
                                            cell.width(), cell.height()), Qt.AlignmentFlag.AlignCenter, text)
            painter.restore()

    return CellNumbers
