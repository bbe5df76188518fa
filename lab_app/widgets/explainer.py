"""The short plain-words text under each page's picture."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

MAX_HEIGHT = 110  # the picture matters most: a longer text scrolls instead of squeezing it


class Explainer(QFrame):
    """A framed, word-wrapped paragraph (rich text allowed) titled "What you see"; scrolls when long."""

    def __init__(self, text: str = "", title: str = "What you see", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explainer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(f"<b>{title}</b>")
        self.body = QLabel(text)
        self.body.setWordWrap(True)
        self.body.setOpenExternalLinks(False)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        scroll.setMaximumHeight(MAX_HEIGHT)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.addWidget(self.title)
        layout.addWidget(scroll)

    def set_text(self, text: str) -> None:
        self.body.setText(text)
