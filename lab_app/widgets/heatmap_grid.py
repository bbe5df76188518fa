"""A grid of small heatmaps (rows × columns of square matrices), e.g. every attention head of every layer.

``grid.set_maps(maps)`` takes an array (rows, columns, N, N); each thumbnail is scaled to its
own maximum (as the big heatmap is), so a head that spreads its attention thinly still shows
its pattern. Clicking a thumbnail emits ``picked(row, column)``; :meth:`select` outlines one.
The thumbnails are square and as large as the widget allows; the grid stays centred.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SELECTED = QColor("#f08c00")
MARGIN = 30  # room for the row and column labels


def viridis_table() -> np.ndarray:
    """256 RGB rows of the viridis colour map (the big heatmap's), as uint8."""
    from lab_app.plotting import pg

    return np.asarray(pg().colormap.get("viridis").getLookupTable(nPts=256, alpha=False), dtype=np.uint8)[:, :3]


class HeatmapGrid(QWidget):
    picked = Signal(int, int)

    def __init__(self, row_name: str = "layer", column_name: str = "head", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row_name, self.column_name = row_name, column_name
        self.row_label, self.column_label = row_name[0].upper(), column_name[0].upper()  # L0 … , H0 …
        self.images: list[list[QImage]] = []
        self.selected: tuple[int, int] | None = None
        self._table = viridis_table()
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMouseTracking(True)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.images), len(self.images[0]) if self.images else 0)

    def set_maps(self, maps: np.ndarray) -> None:
        maps = np.asarray(maps, dtype=np.float32)
        peak = np.maximum(maps.max(axis=(2, 3), keepdims=True), 1e-6)
        index = np.clip(maps / peak * 255.0, 0, 255).astype(np.uint8)
        rgb = np.ascontiguousarray(self._table[index])  # (rows, cols, N, N, 3)
        self._pixels = rgb  # QImage does not copy: keep the bytes alive
        n = rgb.shape[2]
        self.images = [[QImage(rgb[r, c].data, n, n, 3 * n, QImage.Format.Format_RGB888)
                        for c in range(rgb.shape[1])] for r in range(rgb.shape[0])]
        self.update()

    def select(self, row: int, column: int | None) -> None:
        """Outline one thumbnail (``column`` None: the whole row, e.g. a layer's average)."""
        self.selected = None if row < 0 else (row, -1 if column is None else column)
        self.update()

    def cell_rect(self, row: int, column: int) -> QRectF:
        rows, cols = self.shape
        size = self._cell()
        left = MARGIN + (self.width() - MARGIN - cols * size) / 2
        return QRectF(left + column * size, MARGIN + row * size, size, size)

    def _cell(self) -> float:
        rows, cols = self.shape
        if not rows or not cols:
            return 0.0
        return max(4.0, min((self.width() - MARGIN - 4) / cols, (self.height() - MARGIN - 4) / rows))

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        rows, cols = self.shape
        size = self._cell()
        if not size:
            return None
        origin = self.cell_rect(0, 0)
        r, c = int((y - origin.top()) // size), int((x - origin.left()) // size)
        return (r, c) if 0 <= r < rows and 0 <= c < cols and x >= origin.left() and y >= origin.top() else None

    def mousePressEvent(self, event) -> None:  # noqa: N802
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is not None:
            self.select(*cell)
            self.picked.emit(*cell)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        cell = self.cell_at(event.position().x(), event.position().y())
        self.setToolTip("" if cell is None else
                        f"{self.row_name} {cell[0]}, {self.column_name} {cell[1]}: click to open it")

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        rows, cols = self.shape
        if not rows:
            p.end()
            return
        size = self._cell()
        gap = 1.0 if size >= 8 else 0.0
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, min(9.0, size * 0.45)))
        p.setFont(small)
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        step_r = max(1, int(np.ceil(12 / size)))  # labels every few rows when the cells are tiny
        for r in range(rows):
            rect = self.cell_rect(r, 0)
            if r % step_r == 0:
                p.drawText(QRectF(rect.left() - MARGIN, rect.top(), MARGIN - 3, size),
                           Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{self.row_label}{r}")
        for c in range(cols):
            rect = self.cell_rect(0, c)
            if c % step_r == 0:
                p.drawText(QRectF(rect.left(), 2, size, MARGIN - 4), Qt.AlignmentFlag.AlignCenter,
                           f"{self.column_label}{c}")
        frame = QColor(self.palette().color(QPalette.ColorRole.WindowText))
        frame.setAlphaF(0.35)  # a thin frame keeps dark thumbnails apart on a dark theme too
        p.setPen(QPen(frame, 1.0))
        for r, row in enumerate(self.images):
            for c, image in enumerate(row):
                cell = self.cell_rect(r, c).adjusted(gap, gap, -gap, -gap)
                p.drawImage(cell, image)
                if gap:
                    p.drawRect(cell)
        if self.selected is not None:
            r, c = self.selected
            if 0 <= r < rows:
                rect = self.cell_rect(r, 0).united(self.cell_rect(r, cols - 1)) if c < 0 else self.cell_rect(r, c)
                p.setPen(QPen(SELECTED, 2.5))
                p.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        p.end()
