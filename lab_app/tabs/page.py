"""The base class of every page: a header, controls on the left, the live picture, an explainer."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from lab_app.context import AppContext
from lab_app.tabs.spec import PageSpec
from lab_app.widgets.explainer import Explainer
from lab_app.widgets.plot_titles import fit_plot_titles


class LabPage(QWidget):
    """Subclasses fill ``self.controls`` (a vertical layout), call :meth:`set_picture` and
    :meth:`set_explainer`, and create job runners with ``self.ctx.new_runner``.

    ``shutdown()`` is called when the window closes; the default cancels this page's runners.
    """

    def __init__(self, ctx: AppContext, spec: PageSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.spec = ctx, spec
        self._runners = []
        header = QLabel(f"<h2 style='margin:0'>{spec.title}</h2>")
        subtitle = QLabel(spec.summary)
        subtitle.setWordWrap(True)

        controls_host = QWidget()
        self.controls = QVBoxLayout(controls_host)
        self.controls.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(controls_host)
        scroll.setMinimumWidth(220)
        self._controls_scroll = scroll

        self.picture_host = QWidget()
        self._picture_layout = QVBoxLayout(self.picture_host)
        self._picture_layout.setContentsMargins(0, 0, 0, 0)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(scroll)
        self.splitter.addWidget(self.picture_host)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([280, 780])

        # Controls and picture above, the explainer below, split by a bar the user can drag. Unless dragged
        # (remembered per page in the settings), the explainer is as tall as its whole text needs at the
        # current width, so it reads in full without scrolling; "Hide" folds it to its title line.
        self.explainer = Explainer()
        self.explainer.setVisible(False)
        self.explainer.hidden_changed.connect(self._on_explainer_hidden)
        self.body_splitter = _ResizeAwareSplitter(Qt.Orientation.Vertical, self._on_body_resized)
        self.body_splitter.setObjectName("explainerSplitter")
        self.body_splitter.addWidget(self.splitter)
        self.body_splitter.addWidget(self.explainer)
        self.body_splitter.setStretchFactor(0, 1)
        self.body_splitter.setStretchFactor(1, 0)
        self.body_splitter.setChildrenCollapsible(False)
        self.body_splitter.splitterMoved.connect(self._on_explainer_dragged)
        self.splitter.splitterMoved.connect(lambda *_: self._fit_titles_later())
        saved = self._saved_explainer_height()
        if saved == 0:
            self.explainer.set_folded(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 6)
        layout.setSpacing(4)
        title_row = QHBoxLayout()  # the summary beside the title: one line less above the picture
        title_row.setSpacing(16)
        title_row.addWidget(header, 0, Qt.AlignmentFlag.AlignBottom)
        title_row.addWidget(subtitle, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(title_row)
        layout.addWidget(self.body_splitter, 1)

    def set_picture(self, widget: QWidget) -> None:
        while self._picture_layout.count():
            old = self._picture_layout.takeAt(0).widget()
            if old is not None:
                old.setParent(None)
        self._picture_layout.addWidget(widget)

    def set_explainer(self, text: str) -> None:
        self.explainer.set_text(text)
        self.explainer.setVisible(bool(text))
        QTimer.singleShot(0, self, self._place_explainer)  # after the layout has settled on the new text

    # -- the explainer's share of the height ------------------------------------------------
    @property
    def page_id(self) -> str:
        """``tab-page`` (e.g. ``llm-train``): names this page in the settings."""
        parts = self.spec.factory.partition(":")[0].split(".")
        return f"{parts[2] if len(parts) > 2 else parts[-1]}-{self.spec.key}"

    def _saved_explainer_height(self) -> int | None:
        return self.ctx.settings.explainer_height(self.page_id)

    def explainer_target_height(self) -> int:
        """The height the explainer gets now: folded, dragged (remembered) or what its whole text needs."""
        if self.explainer.folded:
            return self.explainer.folded_height()
        saved = self._saved_explainer_height()
        if saved:
            return max(saved, self.explainer.smallest_open_height())
        return self.explainer.needed_height(self.body_splitter.width())

    def _on_body_resized(self) -> None:
        self._place_explainer()
        self._fit_titles_later()

    def _fit_titles_later(self, *_args) -> None:
        if not shiboken6.isValid(self):  # a job that outlived its page (the window was closed meanwhile)
            return
        QTimer.singleShot(0, self, lambda: fit_plot_titles(self.picture_host))  # once the layout has settled

    def _place_explainer(self) -> None:
        sizes = self.body_splitter.sizes()
        total = sum(sizes)
        if total <= 0 or not self.explainer.isVisibleTo(self):
            return
        top_min = max(MIN_PICTURE_HEIGHT, self.splitter.minimumSizeHint().height())
        want = min(self.explainer_target_height(), max(total - top_min, self.explainer.minimumHeight()))
        if sizes[1] != want:
            self.body_splitter.setSizes([total - want, want])

    def _on_explainer_dragged(self, _pos: int, _index: int) -> None:
        if not self.explainer.folded:
            self.ctx.settings.set_explainer_height(self.page_id, self.body_splitter.sizes()[1])

    def _on_explainer_hidden(self, folded: bool) -> None:
        # Hidden is remembered; shown again, it fits its text again (the way back from a drag too).
        self.ctx.settings.set_explainer_height(self.page_id, 0 if folded else None)
        self._place_explainer()

    def new_runner(self, name: str, **kwargs):
        runner = self.ctx.new_runner(name, **kwargs)
        # A bound method, not a lambda: Qt drops the connection when the page is deleted before the job ends.
        runner.finished.connect(self._fit_titles_later)  # results change titles and axis widths
        self._runners.append(runner)
        return runner

    def shutdown(self) -> None:
        for runner in self._runners:
            runner.cancel()


MIN_PICTURE_HEIGHT = 260  # the explainer never squeezes controls and picture below this (it scrolls instead)


class _ResizeAwareSplitter(QSplitter):
    """A splitter that calls ``on_resize`` after each resize (a new width changes the text's height)."""

    def __init__(self, orientation, on_resize, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self._on_resize = on_resize

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._on_resize()
