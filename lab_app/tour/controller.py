"""Runs the guided tour over the main window: each stop opens its page, sets it up, rings the control and says
what to notice. The window stays usable the whole time; Leave (or Esc on the card) ends the tour.
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtWidgets import QWidget

from lab_app.tabs import TABS
from lab_app.tabs.spec import PLANNED_PAGE
from lab_app.tour.overlay import Highlight, TourCard
from lab_app.tour.stops import STOPS, TourStop

log = logging.getLogger(__name__)


def page_index(tab_key: str, page_key: str) -> int | None:
    """Index of page ``page_key`` in tab ``tab_key`` (None when the tab has no such page)."""
    tab = next((t for t in TABS if t.key == tab_key), None)
    if tab is None:
        return None
    return next((i for i, p in enumerate(tab.pages) if p.key == page_key), None)


def find_target(page: QWidget, stop: TourStop) -> tuple[QWidget, bool]:
    """The control of ``stop`` on ``page`` and True, or the page itself and False when it has no such control.

    By objectName first; else the page's attribute ``stop.attr``, which then gets that objectName (unless the
    name is :attr:`TourStop.named_elsewhere`: then the attribute's widget is returned with False).
    """
    found = page.findChild(QWidget, stop.target)
    if found is not None:
        return found, True
    widget = getattr(page, stop.attr, None) if stop.attr else None
    if isinstance(widget, QWidget) and stop.named_elsewhere:
        return widget, False  # near the right spot; its own name is the page's to give
    if isinstance(widget, QWidget):
        if not widget.objectName():
            widget.setObjectName(stop.target)
        return widget, True
    return page, False


def apply_setup(page: QWidget, stop: TourStop) -> None:
    """Do the stop's setup actions; one that no longer fits the page is logged and skipped."""
    for action in stop.setup:
        kind, attr, *args = action
        widget = getattr(page, attr, None)
        try:
            if kind == "text":
                (widget.setPlainText if hasattr(widget, "setPlainText") else widget.setText)(args[0])
            elif kind == "value":
                (widget.set_value if hasattr(widget, "set_value") else widget.setValue)(args[0])
            elif kind == "click":
                if widget.isEnabled():
                    widget.click()
            else:
                raise ValueError(f"unknown tour action {kind!r}")
        except (AttributeError, TypeError, ValueError):
            log.warning("tour stop %r: setup %r does not fit the page", stop.title, action, exc_info=True)


class TourController(QObject):
    """``window`` is the main window (``select``, ``lab_tabs``). ``dont_show_changed(bool)`` reports the checkbox."""

    stop_changed = Signal(int)
    finished = Signal()
    dont_show_changed = Signal(bool)

    def __init__(self, window, stops: tuple[TourStop, ...] = STOPS, dont_show: bool = False) -> None:
        super().__init__(window)
        self.window, self.stops = window, stops
        self.index = -1
        self.target: QWidget | None = None
        self.exact = False
        self.highlight = Highlight(window)
        self.card = TourCard(window)
        self.card.dont_show.setChecked(dont_show)
        self.card.dont_show.toggled.connect(self.dont_show_changed)
        self.card.back_button.clicked.connect(self.back)
        self.card.next_button.clicked.connect(self.next)
        self.card.leave_button.clicked.connect(self.leave)
        self.highlight.moved.connect(self._ring_moved)

    @property
    def active(self) -> bool:
        return self.index >= 0

    def start(self, index: int = 0) -> None:
        self.go(index)
        self.card.next_button.setFocus()

    def next(self) -> None:
        if self.index + 1 >= len(self.stops):
            self.leave()
        else:
            self.go(self.index + 1)

    def back(self) -> None:
        if self.index > 0:
            self.go(self.index - 1)

    def go(self, index: int) -> None:
        self.index = max(0, min(index, len(self.stops) - 1))
        stop = self.stops[self.index]
        page, coming = self._open_page(stop)
        text = stop.text
        if page is None:
            self.target, self.exact = None, False
        else:
            self.target, self.exact = find_target(page, stop)
            apply_setup(page, stop)
        if coming:
            text += "<br><i>This page is coming: it is still being built.</i>"
        elif self.target is page:
            text += "<br><i>The control for this step is coming; look at the page as it is now.</i>"
        self.highlight.point_at(self.target)
        self.card.show_stop(self.index + 1, len(self.stops), html.escape(stop.title, quote=False), text)
        self.card.place(self.highlight.ring)
        self.stop_changed.emit(self.index)

    def _open_page(self, stop: TourStop) -> tuple[QWidget | None, bool]:
        """Switch to the stop's tab and page; (the built page or None, whether the page is still coming)."""
        index = page_index(stop.tab, stop.page)
        if index is None:
            self.window.select(stop.tab)
            return None, True
        tab = self.window.select(stop.tab, index, build_now=True)
        holder = tab.pages[index]
        return holder.page, holder.spec.factory == PLANNED_PAGE or holder.page is None

    def _ring_moved(self, ring: QRect) -> None:
        if self.active:
            self.card.place(ring)

    def leave(self) -> None:
        if not self.active:
            return
        self.index = -1
        self.highlight.stop()
        self.card.hide()
        self.card.deleteLater()
        self.finished.emit()
