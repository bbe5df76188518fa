"""A note laid over a picture until its first result arrives, so no page opens on empty axes.

``note = Placeholder(plot_widget, "Press Train: the loss curve appears here")`` covers the
picture (title, axes and all) with the theme's plot background and a centred sentence;
``note.clear()`` uncovers it when the first result is drawn, ``note.show_text(...)`` brings it back.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QSplitter, QWidget


class Placeholder(QLabel):
    """An opaque, centred, word-wrapped note that follows the size of the widget it covers."""

    def __init__(self, target: QWidget, text: str) -> None:
        if isinstance(target, QSplitter):
            raise TypeError("cover one of the splitter's panes: Qt makes every child of a QSplitter a pane")
        super().__init__(target)
        self.setObjectName("placeholder")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setMargin(16)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._target = target
        target.installEventFilter(self)
        self.show_text(text)

    def show_text(self, text: str) -> None:
        """Cover the picture again with ``text`` (a sentence that says what to press or what loads)."""
        self.setText(text)
        self.setGeometry(self._target.rect())
        self.raise_()
        self.show()

    def clear(self) -> None:
        """Uncover the picture: its first result is drawn."""
        self.hide()

    def is_showing(self) -> bool:
        return not self.isHidden()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if obj is self._target and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._target.rect())
        return False
