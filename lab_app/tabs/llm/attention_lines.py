"""The "lines" view of attention: tokens in two columns, lines from one token to those it looks at.

Rows never get shorter than ``MIN_ROW`` pixels: on a long prompt the widget grows taller and
the page shows it in a scroll area.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from lab_app.tabs.llm.common import visible

LINE_COLOR = QColor(76, 124, 240)
SELECTED = QColor("#f08c00")
TOP = 30.0  # room for the two column titles
MIN_ROW = 17.0  # pixels per token row at least: a line of text stays readable


class AttentionLines(QWidget):
    """``set_data(tokens, weights (T, T), selected)``; click a token on the left to select it (``selected(i)``)."""

    selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tokens: list[str] = []
        self.weights = np.zeros((0, 0), dtype=np.float32)
        self.query = 0
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, tokens: list[str], weights: np.ndarray, query: int) -> None:
        self.tokens, self.weights, self.query = list(tokens), np.asarray(weights), int(query)
        # never squeeze a row below MIN_ROW: a long prompt makes the view taller (it sits in a scroll area)
        self.setMinimumHeight(int(TOP + MIN_ROW * len(self.tokens) + 6))
        self.update()

    def _rows(self) -> tuple[float, float]:
        row = max(MIN_ROW, min(26.0, (self.height() - TOP - 6) / max(1, len(self.tokens))))
        return TOP, row

    def row_centre(self, i: int) -> float:
        top, row = self._rows()
        return top + (i + 0.5) * row

    def mousePressEvent(self, event) -> None:  # noqa: N802
        top, row = self._rows()
        i = int((event.position().y() - top) // row)
        if 0 <= i < len(self.tokens) and event.position().x() < self.width() / 2:
            self.selected.emit(i)

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        text = self.palette().color(QPalette.ColorRole.WindowText)
        p.setPen(text)
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        w = self.width()
        p.drawText(QRectF(8, 4, w / 2 - 16, 20), Qt.AlignmentFlag.AlignLeft, "this token…")
        p.drawText(QRectF(w / 2, 4, w / 2 - 8, 20), Qt.AlignmentFlag.AlignRight, "…looks at these")
        if not self.tokens:
            return
        top, row = self._rows()
        col = min(150.0, w * 0.3)
        x_left, x_right = 8 + col, w - 8 - col
        weights = self.weights[self.query] if self.query < len(self.weights) else np.zeros(len(self.tokens))
        for k, weight in enumerate(weights[: len(self.tokens)]):
            if weight < 0.01:
                continue
            colour = QColor(LINE_COLOR)
            colour.setAlphaF(float(min(1.0, 0.25 + weight)))
            p.setPen(QPen(colour, max(1.0, 18.0 * float(weight)), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(QPointF(x_left + 4, top + (self.query + 0.5) * row), QPointF(x_right - 4, top + (k + 0.5) * row))
        for i, token in enumerate(self.tokens):
            y = top + i * row
            is_query = i == self.query
            p.setFont(bold if is_query else self.font())
            p.setPen(SELECTED if is_query else text)
            p.drawText(QRectF(8, y, col - 8, row), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       visible(token))
            share = float(weights[i]) if i < len(weights) else 0.0
            p.setFont(bold if share >= 0.2 else self.font())
            p.setPen(text)
            label = f"{visible(token)}  {share * 100:.0f}%" if share >= 0.01 else visible(token)
            p.drawText(QRectF(x_right + 8, y, col, row), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                       label)
        p.end()
