"""The short plain-words text under each page's picture, with a button that hides it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QToolButton, QToolTip, QVBoxLayout, QWidget

from lab_app.glossary.linking import key_from_link, link_terms
from lab_app.glossary.open import open_glossary
from lab_app.glossary.terms import BY_KEY

PARAGRAPH = "<p style='margin-top:0px; margin-bottom:6px'>"
MAX_LINE_CHARS = 160  # on a wide window longer lines are hard to follow: the text keeps to the left instead
MIN_BODY_LINES = 2  # dragged smaller than this, the text would be gone: hide it with the button instead


class Explainer(QFrame):
    """A framed, word-wrapped paragraph (rich text allowed) titled "What you see".

    The page decides its height (see :class:`lab_app.tabs.page.LabPage`): by default exactly what the whole
    text needs at the current width (:meth:`needed_height`); the text scrolls only when the user drags it
    smaller. ``Hide`` folds it to its title line; ``hidden_changed(bool)`` says when.
    """

    hidden_changed = Signal(bool)

    def __init__(self, text: str = "", title: str = "What you see", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explainer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(f"<b>{title}</b>")
        self.toggle = QToolButton()
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip("Hide or show this text; drag the bar above it to give it more or less room")
        self.toggle.clicked.connect(lambda: self.set_folded(not self.folded))
        self.body = QLabel(text)
        self.body.setWordWrap(True)
        self.body.setOpenExternalLinks(False)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)  # links: mouse + keyboard
        self.body.linkHovered.connect(self._on_link_hovered)
        self.body.linkActivated.connect(self._on_link_activated)
        self._source = text
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.body.setMaximumWidth(self.body.fontMetrics().averageCharWidth() * MAX_LINE_CHARS)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.body)
        self.scroll.setMinimumHeight(0)
        title_row = QHBoxLayout()
        title_row.setContentsMargins(0, 0, 0, 0)
        title_row.addWidget(self.title)
        title_row.addStretch(1)
        title_row.addWidget(self.toggle)
        self._title_row = title_row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 8)
        layout.setSpacing(2)
        layout.addLayout(title_row)
        layout.addWidget(self.scroll, 1)
        self.folded = False
        self._show_fold_state()

    def set_text(self, text: str) -> None:
        # Qt's paragraphs keep a full line of space above and below; half of it reads as well and saves
        # about a line per paragraph on a 1280×800 screen.
        # Glossary words become links here, once for every page (hover: the one-liner; click: the entry).
        self._source = text.replace("<p>", PARAGRAPH)
        self.body.setText(link_terms(self._source))

    def text(self) -> str:
        """The text as the page set it (without the glossary links added here)."""
        return self._source

    def _on_link_hovered(self, link: str) -> None:
        term = BY_KEY.get(key_from_link(link) or "")
        if term is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), f"<b>{term.name}</b>: {term.one_liner}<br><i>Click for more</i>", self.body)

    def _on_link_activated(self, link: str) -> None:
        key = key_from_link(link)
        if key is not None:
            open_glossary(self, key)

    # -- sizes the page asks for ----------------------------------------------------------
    def _chrome_height(self) -> int:
        m = self.layout().contentsMargins()
        return 2 * self.frameWidth() + m.top() + m.bottom() + self._title_row.sizeHint().height()

    def folded_height(self) -> int:
        """Height of the title line alone (what shows when hidden)."""
        return self._chrome_height()

    def needed_height(self, width: int) -> int:
        """Height at which the whole text shows, without scrolling, when the frame is ``width`` px wide."""
        m = self.layout().contentsMargins()
        inner = min(max(50, width - 2 * self.frameWidth() - m.left() - m.right()), self.body.maximumWidth())
        return self._chrome_height() + self.layout().spacing() + self.body.heightForWidth(inner)

    def smallest_open_height(self) -> int:
        return self._chrome_height() + self.layout().spacing() + MIN_BODY_LINES * self.body.fontMetrics().lineSpacing()

    def text_fully_visible(self) -> bool:
        """True when the whole text is on screen: shown, not folded, and nothing left to scroll to."""
        return self.isVisible() and not self.folded and self.scroll.verticalScrollBar().maximum() == 0

    # -- hiding -------------------------------------------------------------------------------
    def set_folded(self, folded: bool) -> None:
        if folded == self.folded:
            return
        self.folded = folded
        self._show_fold_state()
        self.hidden_changed.emit(folded)

    def _show_fold_state(self) -> None:
        self.scroll.setVisible(not self.folded)
        self.toggle.setText("Show ▴" if self.folded else "Hide ▾")
        self.setMinimumHeight(self.folded_height() if self.folded else self.smallest_open_height())
        self.setMaximumHeight(self.folded_height() if self.folded else 16777215)
