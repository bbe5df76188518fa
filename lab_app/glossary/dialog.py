"""The glossary window: a search field, the list of terms, the chosen term's meaning and a button to its page.

Keyboard alone: typing filters, Up/Down in the search field move through the list, Enter on a term opens its
page, Esc closes. The window is not modal, so the lab stays usable beside it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QTextBrowser, QVBoxLayout, QWidget)

from lab_app.glossary.linking import key_from_link
from lab_app.glossary.terms import BY_KEY, Term, search

KEY_ROLE = Qt.ItemDataRole.UserRole


class GlossaryDialog(QDialog):
    """``open_page(tab_key, page_key)`` is called by "Show me" (None: the button is hidden)."""

    def __init__(self, parent: QWidget | None = None,
                 open_page: Callable[[str, str], None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("glossaryDialog")
        self.setWindowTitle("Glossary: AI words in plain language")
        self.setModal(False)
        self._open_page = open_page
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("glossarySearch")
        self.search_edit.setPlaceholderText("Search a word, e.g. token, attention, loss…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search the glossary")
        self.search_edit.setToolTip("Type to filter the terms; Up/Down choose one; Enter opens the page that shows it")
        self.search_edit.textChanged.connect(self._refill)
        self.search_edit.installEventFilter(self)
        self.term_list = QListWidget()
        self.term_list.setObjectName("glossaryTerms")
        self.term_list.setAccessibleName("Glossary terms")
        self.term_list.setToolTip("The terms that match the search")
        self.term_list.currentItemChanged.connect(lambda *_: self._show_current())
        self.term_list.itemActivated.connect(lambda *_: self.show_page())
        self.term_list.setMinimumWidth(self.fontMetrics().averageCharWidth() * 24)
        self.detail = QTextBrowser()
        self.detail.setObjectName("glossaryDetail")
        self.detail.setAccessibleName("Meaning of the chosen term")
        self.detail.setToolTip("The chosen term in plain words; linked words open their own entry")
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._on_anchor)
        self.page_button = QPushButton("Show me in the lab")
        self.page_button.setObjectName("glossaryShowPage")
        self.page_button.setAccessibleName("Show me in the lab")
        self.page_button.setToolTip("Open the page where you can try this (Enter)")
        self.page_button.clicked.connect(self.show_page)
        self.page_button.setVisible(open_page is not None)
        self.count_label = QLabel()
        close = QPushButton("Close")
        close.setAccessibleName("Close the glossary")
        close.setToolTip("Close the glossary (Esc)")
        close.clicked.connect(self.close)
        self.close_button = close

        right = QVBoxLayout()
        right.addWidget(self.detail, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.page_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        right.addLayout(buttons)
        body = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.term_list, 1)
        left.addWidget(self.count_label)
        body.addLayout(left, 1)
        body.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addLayout(body, 1)
        em = self.fontMetrics().averageCharWidth()
        self.resize(em * 100, self.fontMetrics().lineSpacing() * 24)  # follows the font size
        self._refill()

    # -- filling -------------------------------------------------------------------------------
    def _refill(self) -> None:
        current = self.current_key()
        self.term_list.clear()
        found = search(self.search_edit.text())
        for term in found:
            item = QListWidgetItem(term.name)
            item.setData(KEY_ROLE, term.key)
            item.setToolTip(term.one_liner)
            self.term_list.addItem(item)
        self.count_label.setText(f"{len(found)} of {len(BY_KEY)} terms")
        keys = [t.key for t in found]
        self.term_list.setCurrentRow(keys.index(current) if current in keys else (0 if found else -1))
        self._show_current()

    def current_key(self) -> str | None:
        item = self.term_list.currentItem()
        return item.data(KEY_ROLE) if item is not None else None

    def _show_current(self) -> None:
        term = BY_KEY.get(self.current_key() or "")
        self.page_button.setEnabled(term is not None and term.page is not None)
        self.detail.setHtml(_term_html(term) if term is not None else "<p>No term matches. Try a shorter word.</p>")

    # -- actions -------------------------------------------------------------------------------
    def show_term(self, key: str | None = None, query: str = "") -> None:
        """Show the window with ``key`` chosen (the search emptied) or the list filtered by ``query``."""
        if key is not None and key in BY_KEY:
            self.search_edit.setText("")
            keys = [self.term_list.item(i).data(KEY_ROLE) for i in range(self.term_list.count())]
            self.term_list.setCurrentRow(keys.index(key))
        else:
            self.search_edit.setText(query)
        self.show()
        self.raise_()
        self.activateWindow()
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _on_anchor(self, url) -> None:
        key = key_from_link(url.toString())
        if key is not None:
            self.show_term(key)

    def show_page(self) -> None:
        term = BY_KEY.get(self.current_key() or "")
        if term is not None and term.page is not None and self._open_page is not None:
            self._open_page(*term.page)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        # Up/Down/Enter in the search field act on the list, so the mouse is never needed.
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                row = self.term_list.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.term_list.setCurrentRow(max(0, min(row, self.term_list.count() - 1)))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.show_page()
                return True
        return super().eventFilter(watched, event)


def _term_html(term: Term) -> str:
    from lab_app.glossary.linking import link_terms

    where = ""
    if term.page is not None:
        from lab_app.tabs import TABS

        tab = next(t for t in TABS if t.key == term.page[0])
        page = next((p for p in tab.pages if p.key == term.page[1]), None)
        if page is not None:
            where = f"<p><i>See it on: {html.escape(tab.title)} → {html.escape(page.title)}</i></p>"
    # Other glossary words in the paragraph link to their own entries (never to this one).
    linked = link_terms(f"<span>{html.escape(term.paragraph)}</span>")
    paragraph = re.sub(rf'<a href="glossary:{term.key}">(.*?)</a>', r"\1", linked)
    return (f"<h2>{html.escape(term.name)}</h2><p><b>{html.escape(term.one_liner)}</b></p>"
            f"<p>{paragraph}</p>{where}")
