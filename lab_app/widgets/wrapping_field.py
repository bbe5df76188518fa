"""Text fields that wrap a long sentence (a caption, a prompt) onto more lines instead of hiding part of it."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMenu, QSizePolicy, QTextEdit, QToolButton, QWidget


class WrappingField(QTextEdit):
    """Plain text on one logical line (Enter does not break it: it emits ``returnPressed``), shown on as many
    screen lines as it needs, up to ``max_lines``; then it scrolls. Offers ``text()`` and ``setText()`` like a
    ``QLineEdit``, so a caption or prompt field in a narrow column shows the whole sentence."""

    returnPressed = Signal()

    def __init__(self, text: str = "", max_lines: int = 4, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_lines = max_lines
        self.setAcceptRichText(False)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(3)
        self.document().documentLayout().documentSizeChanged.connect(lambda _size: self._fit_height())
        self.setText(text)
        self._fit_height()

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 - QLineEdit's name
        self.setPlainText(" ".join(text.splitlines()))

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.returnPressed.emit()
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 - Qt API
        if source.hasText():
            self.insertPlainText(" ".join(source.text().splitlines()))

    def text_height(self) -> int:
        """Pixels the whole text needs at the current width."""
        return int(self.document().size().height() + 0.999)

    def _fit_height(self) -> None:
        line = self.fontMetrics().lineSpacing()
        margin = 2 * int(self.document().documentMargin())
        shown = min(max(self.text_height(), line + margin), self.max_lines * line + margin)
        self.setFixedHeight(shown + 2 * self.frameWidth())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_height()


class WrappingChoice(QWidget):
    """A :class:`WrappingField` with a ▾ button that offers ready-made texts: an editable combo box whose
    whole text shows. Offers the combo box calls pages use: ``clear``, ``addItems``, ``currentText``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = WrappingField()
        self.menu = QMenu(self)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip("Pick a ready-made one (or type your own)")
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setMenu(self.menu)
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")  # ▾ says it already
        self._items: list[str] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)

    def clear(self) -> None:
        self._items = []
        self.menu.clear()
        self.field.setText("")

    def addItems(self, texts) -> None:  # noqa: N802 - QComboBox's name
        first = not self._items
        for text in texts:
            self._items.append(text)
            self.menu.addAction(text, lambda t=text: self.field.setText(t))
        if first and self._items:
            self.field.setText(self._items[0])

    def count(self) -> int:
        return len(self._items)

    def itemText(self, index: int) -> str:  # noqa: N802 - QComboBox's name
        return self._items[index]

    def currentText(self) -> str:  # noqa: N802 - QComboBox's name
        return self.field.text()

    def setCurrentText(self, text: str) -> None:  # noqa: N802 - QComboBox's name
        self.field.setText(text)

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt API
        self.field.setToolTip(text)
