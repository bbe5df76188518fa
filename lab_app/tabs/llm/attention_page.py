"""Page "Attention": where each token looks, per layer and head, as a heatmap and as lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QFrame, QHBoxLayout, QLabel, QPlainTextEdit,
                               QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from lab_app.errors import warn_could_not_save
from lab_app.tabs.llm.attention_lines import AttentionLines
from lab_app.tabs.llm.common import NO_MODEL_TEXT, Debouncer, ModelPicker, call_job, device_for, open_cached, visible
from lab_app.plotting import pg, themed
from lab_app.tabs.page import LabPage
from lab_app.widgets.heatmap_grid import HeatmapGrid
from lab_app.widgets.placeholder import Placeholder

BEN_FETCH = "my dog's name is ben. ben likes to play"
AVERAGE = -1
MAX_TICKS = 40  # token labels on a heatmap axis at most
TICK_PX = 34  # width one bottom-axis token label needs

EXPLAINER = """
<p>Inside the model a token is no longer one number: its number has been swapped for a long list of learned
numbers (its vector). The model then repeats the same step several times in a row; each repeat is a <b>layer</b>.
Inside each layer, every token asks “which tokens so far, myself included, matter for me?” and takes a
weighted blend of their lists; the weights in each row add up to 100%. That is <b>attention</b>. To ask, each
token turns its list into three new lists: a <b>query</b> (what am I looking for?), a <b>key</b> (what do I contain?)
and a <b>value</b> (what do I pass on?). A token's query is compared with the key of every token so far; good
matches get large weights, and the blend is made of those tokens' values.</p>
<p>Each layer has several <b>heads</b>: copies of this step, side by side, that learn to ask different questions. In the heatmap each row is a token asking (its query) and each column
a token it may look at (its key); bright means a large weight, and the diagonal is a token looking at itself.
The upper-right triangle stays dark (zero) because a GPT may only look
backwards: it is trained to guess the next word, so peeking ahead would be cheating. In the lines view, pick
a token on the left; line width shows how much it looks at each token on the right (a long prompt scrolls).
The small squares on the left are every head of every layer at once (rows: layers, columns: heads), each a tiny
heatmap like the big one: patterns jump out, such as heads that always look one token back; click one to open it. Try the Ben/fetch
example: to guess “fetch” rather than “soccer” the model needs information from “dog”, several words back.
Some heads may visibly look there; others mostly look at the previous word or at the first token (a common
“nowhere else to look” habit). Attention shows where information flows, not the whole reasoning.</p>
"""


def attention_for(name: str, backend: str, device: str, threads: int, prompt: str) -> dict:
    from engines.llm.generate import attention_map

    runner, tokenizer, _ = open_cached(name, backend, device, threads)
    return attention_map(runner, tokenizer, prompt)


EMPTY_PROMPT_TEXT = "Type a few words to see which earlier words each one looks at."


class AttentionPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.data: dict | None = None
        self.runner = self.new_runner("attention", show_in_status_bar=False)
        self.runner.finished.connect(self._on_result)
        self.runner.failed.connect(self._on_failed)
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)
        self.debounce = Debouncer(self, 250, self.compute)
        self.ticks_debounce = Debouncer(self, 100, self._update_ticks)  # a window being dragged bigger: once, at rest
        self._ticks_shown: dict[str, list] = {}
        self.prompt_box.textChanged.connect(self.debounce.poke)
        self.picker.model_changed.connect(lambda _name: self.compute())
        self.compute()

    def _build_controls(self) -> None:
        form = QFormLayout()
        self.picker = ModelPicker()
        form.addRow("Model", self.picker)
        self.controls.addLayout(form)
        self.controls.addWidget(QLabel("Prompt:"))
        self.prompt_box = QPlainTextEdit(BEN_FETCH)
        self.prompt_box.setMinimumHeight(90)
        self.controls.addWidget(self.prompt_box)
        preset = QPushButton("Example: Ben and fetch")
        preset.clicked.connect(lambda: self.prompt_box.setPlainText(BEN_FETCH))
        self.controls.addWidget(preset)
        form2 = QFormLayout()
        self.layer_box = QSpinBox()
        self.head_box = QComboBox()
        self.query_box = QComboBox()
        form2.addRow("Layer", self.layer_box)
        form2.addRow("Head", self.head_box)
        form2.addRow("Lines from", self.query_box)
        self.controls.addLayout(form2)
        for signal in (self.layer_box.valueChanged, self.head_box.currentIndexChanged, self.query_box.currentIndexChanged):
            signal.connect(self.redraw)
        row = QHBoxLayout()
        self.png_button = QPushButton("Export PNG…")
        self.csv_button = QPushButton("Export CSV…")
        self.png_button.clicked.connect(lambda: self._ask_export("png"))
        self.csv_button.clicked.connect(lambda: self._ask_export("csv"))
        row.addWidget(self.png_button)
        row.addWidget(self.csv_button)
        self.controls.addLayout(row)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)

    def _build_picture(self) -> None:
        g = pg()
        self.picture = QWidget()
        row = QHBoxLayout(self.picture)
        row.setContentsMargins(0, 0, 0, 0)
        self.heat_plot = themed(g.PlotWidget(title="Attention weights"))
        self.heat_plot.setLabel("left", "token (query)")
        self.heat_plot.setLabel("bottom", "looks at (key)")
        self.heat_plot.invertY(True)
        self.heat_plot.setMouseEnabled(x=False, y=False)
        self.heat_image = g.ImageItem(np.zeros((1, 1)))
        self.heat_image.setColorMap(g.colormap.get("viridis"))
        self.heat_image.setLevels((0, 1))
        self.heat_plot.addItem(self.heat_image)
        self.heat_image.mouseClickEvent = self._heat_clicked
        self.lines = AttentionLines()
        self.lines.selected.connect(self.query_box.setCurrentIndex)
        self.lines_scroll = QScrollArea()  # long prompts: rows keep a readable height and the view scrolls
        self.lines_scroll.setWidgetResizable(True)
        self.lines_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.lines_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.lines_scroll.setWidget(self.lines)
        overview = QWidget()
        column = QVBoxLayout(overview)
        column.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Every head</b> (click one to open it)")
        title.setToolTip("One small heatmap per head: rows are layers (first at the top), columns are heads. "
                         "Each is scaled to its own brightest cell. Heads with a bright diagonal look at "
                         "themselves, a line just below it: at the previous token, a bright first column: "
                         "at the first token.")
        self.grid = HeatmapGrid("layer", "head")
        self.grid.picked.connect(self._open_head)
        column.addWidget(title)
        column.addWidget(self.grid, 1)
        self.lines_scroll.setMinimumWidth(250)  # room for "token  47%" on both sides of the lines
        row.addWidget(overview, 2)
        row.addWidget(self.heat_plot, 3)
        row.addWidget(self.lines_scroll, 3)
        self.set_picture(self.picture)
        self.placeholder = Placeholder(self.picture, "Loading the model and reading the prompt…")

    def showEvent(self, event) -> None:  # noqa: N802
        self.picker.refresh()
        super().showEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.ticks_debounce.poke()  # as many token labels as now fit under the heatmap

    # -- work -------------------------------------------------------------------------------
    def compute(self) -> None:
        name, prompt = self.picker.current_name(), self.prompt_box.toPlainText()
        if name is None:
            self.status_label.setText(NO_MODEL_TEXT)
            if self.data is None:
                self.placeholder.show_text(NO_MODEL_TEXT)
            return
        if not prompt.strip():
            self.runner.cancel()  # a guess for the old prompt must not come back and look like the answer
            self.status_label.setText(EMPTY_PROMPT_TEXT)
            if self.data is None:
                self.placeholder.show_text(EMPTY_PROMPT_TEXT)
            return
        if self.data is None:
            self.placeholder.show_text(f"Loading {name} and reading the prompt…")
        args = (name, self.ctx.backend, device_for(self.ctx), self.ctx.current.threads, prompt)
        self.runner.start(lambda cancel: call_job(attention_for, *args), label="Attention")

    def _on_result(self, data: dict) -> None:
        self.data = data
        self.placeholder.clear()
        layers, heads = data["attention"].shape[:2]
        for box in (self.layer_box, self.head_box, self.query_box):
            box.blockSignals(True)
        self.layer_box.setRange(0, layers - 1)
        if self.head_box.count() != heads + 1:
            self.head_box.clear()
            self.head_box.addItem("average of heads", AVERAGE)
            for h in range(heads):
                self.head_box.addItem(f"head {h}", h)
            self.head_box.setCurrentIndex(1)
        self.query_box.clear()
        self.query_box.addItems([f"{i}: {visible(t)}" for i, t in enumerate(data["tokens"])])
        self.query_box.setCurrentIndex(len(data["tokens"]) - 1)
        for box in (self.layer_box, self.head_box, self.query_box):
            box.blockSignals(False)
        self.grid.set_maps(data["attention"])
        cut = " (cut to the model's window)" if data.get("truncated") else ""
        self.status_label.setText(f"{len(data['tokens'])} tokens{cut} · {layers} layers × {heads} heads")
        self.redraw()

    def _on_failed(self, failure) -> None:
        # the error dialog has the details; the picture must not keep saying it is loading
        self.status_label.setText(f"No attention map: {failure.message}")
        if self.data is None:
            self.placeholder.show_text(f"No attention map: {failure.message}")

    def current_matrix(self) -> np.ndarray:
        """The shown weights (T, T): one head of one layer, or the layer's average over heads."""
        att = self.data["attention"][self.layer_box.value()]  # (heads, T, T)
        head = self.head_box.currentData()
        return att.mean(axis=0) if head in (None, AVERAGE) else att[int(head)]

    def redraw(self, *_args) -> None:
        if self.data is None:
            return
        matrix = self.current_matrix()
        tokens = self.data["tokens"]
        n = len(tokens)
        self.heat_image.setImage(matrix, levels=(0, max(float(matrix.max()), 1e-6)))
        self.heat_image.setRect(0, 0, n, n)
        self._update_ticks()
        self.heat_plot.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)
        head = self.head_box.currentText()
        self.heat_plot.setTitle(f"Layer {self.layer_box.value()}, {head}")
        query = max(0, self.query_box.currentIndex())
        self.lines.set_data(tokens, matrix, query)
        self.lines_scroll.ensureVisible(0, int(self.lines.row_centre(query)), 0, 60)
        head_data = self.head_box.currentData()
        self.grid.select(self.layer_box.value(), None if head_data in (None, AVERAGE) else int(head_data))

    def _update_ticks(self) -> None:
        """Every k-th token under the heatmap on long prompts, so labels do not overlap: rows need ~16 px, columns
        ~TICK_PX. Only this depends on the page's size."""
        if self.data is None:
            return
        tokens = self.data["tokens"]
        n = len(tokens)
        for axis, room in (("left", self.heat_plot.height() // 16), ("bottom", self.heat_plot.width() // TICK_PX)):
            every = max(1, int(np.ceil(n / max(2, min(MAX_TICKS, room)))))
            ticks = [[(i + 0.5, visible(t)[:10]) for i, t in enumerate(tokens) if i % every == 0]]
            if ticks != self._ticks_shown.get(axis):  # unchanged: keep the painted axis
                self._ticks_shown[axis] = ticks
                self.heat_plot.getAxis(axis).setTicks(ticks)

    def _open_head(self, layer: int, head: int) -> None:
        """A thumbnail was clicked: show that layer and head big, in the heatmap and the lines."""
        for box in (self.layer_box, self.head_box):
            box.blockSignals(True)
        self.layer_box.setValue(layer)
        self.head_box.setCurrentIndex(self.head_box.findData(head))
        for box in (self.layer_box, self.head_box):
            box.blockSignals(False)
        self.redraw()

    def _heat_clicked(self, event) -> None:
        row = int(event.pos().y())
        if self.data is not None and 0 <= row < len(self.data["tokens"]):
            self.query_box.setCurrentIndex(row)

    # -- export -------------------------------------------------------------------------------
    def _ask_export(self, kind: str) -> None:
        if self.data is None:
            return
        label = "PNG image (*.png)" if kind == "png" else "CSV table (*.csv)"
        path, _ = QFileDialog.getSaveFileName(self, "Export attention", f"attention.{kind}", label)
        if not path:
            return
        try:
            (self.export_png if kind == "png" else self.export_csv)(path)
        except (OSError, ValueError) as exc:  # a folder, no permission, a full disk, "/" (no file name)
            warn_could_not_save(self, path, exc)

    def export_png(self, path: str | Path) -> Path:
        """Save the heatmap and lines side by side, as they are on screen."""
        path = Path(path)
        tmp = path.with_name(path.name + ".part.png")
        if not self.picture.grab().save(str(tmp), "PNG"):
            raise OSError(f"could not write {path}")
        tmp.replace(path)  # atomic: never half an image
        return path

    def export_csv(self, path: str | Path) -> Path:
        """The shown matrix as CSV: first column the query token, then one column per key token."""
        import csv
        import io

        path = Path(path)
        tokens = self.data["tokens"]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([f"layer {self.layer_box.value()} {self.head_box.currentText()}", *tokens])
        for token, weights in zip(tokens, self.current_matrix()):
            writer.writerow([token, *(f"{w:.6f}" for w in weights)])
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(buffer.getvalue(), encoding="utf-8")
        tmp.replace(path)
        return path
