"""A clickable 3×3 picture: the inputs of the vertical-line detector, one pixel per input."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from lab_app.tabs.neuralnet.neuron_diagram import FIRING

SIDE = 3


class PixelGrid(QWidget):
    """Click a pixel to switch it on or off. ``changed(list[float])`` gives the 9 pixels row by row.

    Each pixel also shows its weight (set with :meth:`set_weights`) in small print.
    """

    changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixels = [0.0] * (SIDE * SIDE)
        self._weights: list[float] = []
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip("Click a pixel to switch it on or off")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(150, 150)

    def pixels(self) -> list[float]:
        return list(self._pixels)

    def set_pixels(self, pixels: Sequence[float]) -> None:
        self._pixels = [float(p) for p in pixels]
        self.update()
        self.changed.emit(self.pixels())

    def set_weights(self, weights: Sequence[float]) -> None:
        self._weights = [float(w) for w in weights]
        self.update()

    def toggle(self, index: int) -> None:
        pixels = self.pixels()
        pixels[index] = 0.0 if pixels[index] else 1.0
        self.set_pixels(pixels)

    def _cell(self) -> float:
        return min(self.width(), self.height()) / SIDE

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        cell = self._cell()
        col, row = int(event.position().x() // cell), int(event.position().y() // cell)
        if 0 <= row < SIDE and 0 <= col < SIDE:
            self.toggle(row * SIDE + col)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cell = self._cell()
        text = self.palette().windowText().color()
        for i, value in enumerate(self._pixels):
            rect = QRectF((i % SIDE) * cell + 2, (i // SIDE) * cell + 2, cell - 4, cell - 4)
            painter.setPen(QPen(text, 1))
            painter.setBrush(FIRING if value else QColor("#343a40"))  # "on" is yellow, as in the diagram
            painter.drawRoundedRect(rect, 4, 4)
            if i < len(self._weights):
                painter.setPen(QColor("#212529") if value else QColor("#dee2e6"))
                painter.drawText(rect.adjusted(3, 2, -3, -2), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                                 f"{self._weights[i]:+.1f}")
        painter.end()
