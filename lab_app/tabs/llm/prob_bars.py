"""Horizontal probability bars with readable token labels; a click on a bar reports its token."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from lab_app.tabs.llm.common import visible

BAR_COLOR = QColor("#4c7cf0")
CHOSEN_COLOR = QColor("#f08c00")


class ProbabilityBars(QWidget):
    """Rows of ``label | bar | percent``, best first. ``set_items([(text, prob, id)], chosen_id)``.

    ``clicked(index)`` fires when a row is clicked (when ``clickable``). The chosen token's bar is orange.
    """

    clicked = Signal(int)

    def __init__(self, title: str = "", clickable: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.clickable = clickable
        self.items: list[tuple[str, float, int]] = []
        self.chosen_id: int | None = None
        self.placeholder = ""
        self.setMinimumSize(260, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        if clickable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_items(self, items: list[tuple[str, float, int]], chosen_id: int | None = None) -> None:
        self.items = list(items)
        self.chosen_id = chosen_id
        self.update()

    def set_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.items = []
        self.update()

    def heights(self) -> list[float]:
        return [p for _, p, _ in self.items]

    # -- geometry -----------------------------------------------------------------------------
    def _layout(self) -> tuple[float, float, float, float]:
        top = 28.0 if self.title else 6.0
        n = max(1, len(self.items))
        row = min(30.0, (self.height() - top - 6) / n)
        label_w = min(170.0, self.width() * 0.3)
        return top, row, label_w, self.width() - label_w - 70.0

    def row_at(self, y: float) -> int | None:
        top, row, _, _ = self._layout()
        i = int((y - top) // row) if y >= top else -1
        return i if 0 <= i < len(self.items) else None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt naming
        i = self.row_at(event.position().y())
        if self.clickable and i is not None:
            self.clicked.emit(i)
        super().mousePressEvent(event)

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_color = self.palette().color(QPalette.ColorRole.WindowText)
        p.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        p.setPen(text_color)
        bold = QFont(self.font())
        bold.setBold(True)
        if self.title:
            p.setFont(bold)
            p.drawText(QRectF(8, 4, self.width() - 16, 22), Qt.AlignmentFlag.AlignLeft, self.title)
            p.setFont(self.font())
        if not self.items:
            p.drawText(self.rect().adjusted(12, 30, -12, -12), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.placeholder)
            return
        top, row, label_w, bar_w = self._layout()
        peak = max(max(self.heights()), 1e-9)
        for i, (text, prob, token_id) in enumerate(self.items):
            y = top + i * row
            chosen = token_id == self.chosen_id
            p.setFont(bold if chosen else self.font())
            p.setPen(text_color)
            p.drawText(QRectF(6, y, label_w - 12, row), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       visible(text))
            width = max(1.0, bar_w * prob / peak)
            p.fillRect(QRectF(label_w, y + row * 0.15, width, row * 0.7), CHOSEN_COLOR if chosen else BAR_COLOR)
            p.drawText(QRectF(label_w + width + 6, y, 64, row), Qt.AlignmentFlag.AlignVCenter,
                       f"{prob * 100:.1f}%" if prob >= 0.001 else "<0.1%")
        p.end()
