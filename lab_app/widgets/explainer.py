"""The short plain-words text under each page's picture."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class Explainer(QFrame):
    """A framed, word-wrapped paragraph (rich text allowed) titled "What you see"."""

    def __init__(self, text: str = "", title: str = "What you see", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explainer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(f"<b>{title}</b>")
        self.body = QLabel(text)
        self.body.setWordWrap(True)
        self.body.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.body)

    def set_text(self, text: str) -> None:
        self.body.setText(text)
