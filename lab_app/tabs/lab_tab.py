"""A tab: a list of its pages on the left, the chosen page on the right (built on first view)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QStackedWidget, QVBoxLayout, QWidget

from lab_app.context import AppContext
from lab_app.tabs.spec import PageSpec, TabSpec

log = logging.getLogger(__name__)


class LazyPage(QWidget):
    """Holds a page's place in the stack and builds the page when first asked to."""

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.spec = ctx, spec
        self.page: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel(f"Loading {spec.title}…")
        self._layout.addWidget(self._placeholder)

    def ensure_built(self) -> QWidget | None:
        if self.page is not None:
            return self.page
        try:
            page = self.spec.load_class()(self.ctx, self.spec)
        except Exception as exc:  # a broken page must not take the app down
            log.exception("building page %s failed", self.spec.key)
            self._placeholder.setText(f"This page could not be opened: {exc}")
            self.ctx.errors.report(f"Opening “{self.spec.title}” failed", str(exc), _format_tb())
            return None
        self._placeholder.setParent(None)
        self._layout.addWidget(page)
        self.page = page
        from lab_app.widgets.accessibility import name_controls

        name_controls(page)  # accessible names and tooltips from what the page shows (labels, captions)
        return page


def _format_tb() -> str:
    import traceback

    return traceback.format_exc()


class LabTab(QWidget):
    page_changed = Signal(int)

    def __init__(self, ctx: AppContext, spec: TabSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.spec = ctx, spec
        self.page_list = QListWidget()
        self.page_list.setObjectName("pageList")
        self.page_list.setFixedWidth(240)
        self.page_list.setSpacing(3)
        # By property name, not Qt.ScrollBarPolicy: the first use of PySide6's Qt namespace costs ~15 ms
        # and nothing else before the first paint needs it. Long titles elide on the right (the default).
        self.page_list.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.page_list.setToolTip("Experiments in this tab (Alt+Up / Alt+Down to move)")
        self.stack = QStackedWidget()
        self._builds_held = False
        self._held: list[LazyPage] = []
        self.pages: list[LazyPage] = []
        for i, page_spec in enumerate(spec.pages):
            item = QListWidgetItem(f"{i + 1}. {page_spec.title}")
            item.setToolTip(page_spec.summary)
            self.page_list.addItem(item)
            holder = LazyPage(ctx, page_spec)
            self.pages.append(holder)
            self.stack.addWidget(holder)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.page_list)
        layout.addWidget(self.stack, 1)
        self.page_list.currentRowChanged.connect(self._on_row_changed)

    def current_index(self) -> int:
        return self.stack.currentIndex()

    def set_page(self, index: int, build_now: bool = False) -> None:
        index = max(0, min(index, len(self.pages) - 1))
        self.page_list.setCurrentRow(index)
        self.stack.setCurrentIndex(index)
        if build_now:
            self.pages[index].ensure_built()

    def step_page(self, delta: int) -> None:
        self.set_page((self.current_index() + delta) % len(self.pages))

    def build_current_later(self) -> None:
        """Build the visible page after the current paint (keeps first paint fast)."""
        holder = self.pages[self.current_index()]
        if self._builds_held:
            self._held.append(holder)
        else:
            QTimer.singleShot(0, holder.ensure_built)

    def hold_builds(self) -> None:
        """Until :meth:`release_builds`, pages this tab shows are built only then (explicit builds still run).

        The main window holds them until its first paint, so it appears before the first page's imports.
        """
        self._builds_held = True

    def release_builds(self) -> None:
        self._builds_held = False
        held, self._held = self._held, []
        for holder in dict.fromkeys(held):
            QTimer.singleShot(0, holder.ensure_built)

    def _on_row_changed(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        if self.isVisible():
            self.build_current_later()
        self.page_changed.emit(row)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.build_current_later()

    def shutdown(self) -> None:
        for holder in self.pages:
            if holder.page is not None and hasattr(holder.page, "shutdown"):
                holder.page.shutdown()
