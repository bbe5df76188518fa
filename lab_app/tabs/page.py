"""The base class of every page: a header, controls on the left, the live picture, an explainer."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from lab_app.context import AppContext
from lab_app.tabs.spec import PageSpec
from lab_app.widgets.explainer import Explainer


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
        self.splitter.setSizes([260, 800])

        self.explainer = Explainer()
        self.explainer.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(header)
        layout.addWidget(subtitle)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.explainer)

    def set_picture(self, widget: QWidget) -> None:
        while self._picture_layout.count():
            old = self._picture_layout.takeAt(0).widget()
            if old is not None:
                old.setParent(None)
        self._picture_layout.addWidget(widget)

    def set_explainer(self, text: str) -> None:
        self.explainer.set_text(text)
        self.explainer.setVisible(bool(text))

    def new_runner(self, name: str, **kwargs):
        runner = self.ctx.new_runner(name, **kwargs)
        self._runners.append(runner)
        return runner

    def shutdown(self) -> None:
        for runner in self._runners:
            runner.cancel()
