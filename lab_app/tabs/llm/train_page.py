"""Page "Train on your own text": a small GPT learns a text file (or the story world) while you watch."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from engines.core.jobs import CancelToken, Log
from lab_app.plotting import pg, themed
from lab_app.tabs.llm.common import device_for, story_world_text
from lab_app.tabs.page import LabPage
from lab_app.widgets.placeholder import Placeholder

STORY_WORLD = "story world (built in)"
SIZES = (("tiny — seconds", "tiny"), ("small — a few minutes", "small"), ("medium — longer", "medium"))

EXPLAINER = """
<p>Training shows the model windows of your text and asks, at every position, for the probability of the
token that really comes next. The <b>loss</b> measures how surprised it was (lower is better): it starts
near the value of pure guessing and falls as the model picks up which words are common, then common
phrases, then longer patterns. (With “BPE pieces” it first has to learn which pieces make up a word; with
“words” every word is already one token, so there is no spelling to learn.) The validation loss uses a part
of the text the model never trains on; if only the
training loss keeps falling, it is memorising rather than learning. The samples are written by the model
as it is at that moment. The finished model is saved in your models folder and appears in the model lists on
the other pages. Small models on a small text learn local patterns well and long-range sense poorly.</p>
"""


def unique_model_folder(name: str) -> Path:
    from engines.core.paths import user_models_dir

    # at most 60 characters: a pasted paragraph as the name was longer than a file name may be (255 bytes)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name.strip())[:60].strip("-.") or "my-gpt"
    root = user_models_dir()
    folder, n = root / safe, 2
    while folder.exists():
        folder, n = root / f"{safe}-{n}", n + 1
    return folder


def train_on_text(source: str, tokenizer_kind: str, preset: str, steps: int, folder: Path, device: str,
                  cancel: CancelToken):
    """A job: read the text, learn a tokenizer, train a GPT into ``folder``; returns the TrainResult."""
    from engines.llm.corpus import read_text_corpus
    from engines.llm.tokenizers import BPETokenizer, WordTokenizer
    from engines.llm.train import TrainConfig, train_gpt

    text = story_world_text() if source == STORY_WORLD else read_text_corpus(source)
    yield Log(f"Read {len(text):,} characters")
    tokenizer = (WordTokenizer.train(text, max_vocab=5000) if tokenizer_kind == "word"
                 else BPETokenizer.train(text, vocab_size=2000))
    ids = np.asarray(tokenizer.encode(text), dtype=np.int64)
    config = TrainConfig.preset_config(preset, max_steps=steps, device=device,
                                       eval_interval=max(10, steps // 20), sample_interval=max(10, steps // 10),
                                       checkpoint_interval=max(50, steps // 4), warmup_steps=min(20, steps // 5))
    if len(ids) < config.block_size * 4:
        raise ValueError(f"the text gives only {len(ids)} tokens; a model with a {config.block_size}-token window "
                         "needs a longer text (a few pages at least)")
    result = yield from train_gpt(ids, config, folder, tokenizer=tokenizer, cancel=cancel)
    return result


class TrainPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.source = STORY_WORLD
        self.folder: Path | None = None
        self.result = None
        self.losses: list[tuple[int, float]] = []
        self.val_losses: list[tuple[int, float]] = []
        self.runner = self.new_runner("train GPT")
        self.runner.progress.connect(self._on_progress)
        self.runner.frame.connect(self._on_frame)
        self.runner.finished.connect(self._on_finished)
        self.runner.cancelled.connect(lambda: self._done("Cancelled; the last checkpoint is kept in "
                                                         f"{self.folder} and is usable."))
        self.runner.failed.connect(lambda failure: self._done(f"Stopped: {failure.message}"))
        self.runner.running_changed.connect(self._on_running)
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)

    def _build_controls(self) -> None:
        self.source_label = QLabel(f"Text: <b>{STORY_WORLD}</b>")
        self.source_label.setWordWrap(True)
        self.controls.addWidget(self.source_label)
        row = QHBoxLayout()
        pick = QPushButton("Pick a .txt file…")
        pick.clicked.connect(self._pick_file)
        story = QPushButton("Story world")
        story.clicked.connect(lambda: self.set_source(STORY_WORLD))
        row.addWidget(pick)
        row.addWidget(story)
        self.controls.addLayout(row)
        form = QFormLayout()
        self.size_box = QComboBox()
        for label, key in SIZES:
            self.size_box.addItem(label, key)
        self.tokenizer_box = QComboBox()
        self.tokenizer_box.addItem("words", "word")
        self.tokenizer_box.addItem("BPE pieces", "bpe")
        self.steps_box = QSpinBox()
        self.steps_box.setRange(10, 20000)
        self.steps_box.setSingleStep(100)
        self.steps_box.setValue(500)
        self.size_box.currentIndexChanged.connect(self._size_changed)
        self.name_edit = QLineEdit("my-gpt")
        form.addRow("Size", self.size_box)
        form.addRow("Tokens", self.tokenizer_box)
        form.addRow("Steps", self.steps_box)
        form.addRow("Save as", self.name_edit)
        self.controls.addLayout(form)
        row2 = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.train_button.clicked.connect(self.train)
        self.cancel_button.clicked.connect(self.runner.cancel)
        row2.addWidget(self.train_button)
        row2.addWidget(self.cancel_button)
        self.controls.addLayout(row2)
        self.status_label = QLabel("Pick a text and press Train.")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)

    def _build_picture(self) -> None:
        g = pg()
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = themed(g.PlotWidget(title="Loss (lower = less surprised by the real next token)"))
        self.loss_plot.setLabel("bottom", "training step")
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_plot.addLegend(offset=(-10, 10))
        self.loss_curve = self.loss_plot.plot([], [], pen=g.mkPen("#e67e22", width=2), name="training")
        self.val_curve = self.loss_plot.plot([], [], pen=g.mkPen("#2e86de", width=2), symbol="o", symbolSize=5,
                                             symbolBrush="#2e86de", name="validation")
        self.samples_box = QPlainTextEdit()
        self.samples_box.setReadOnly(True)
        self.samples_box.setPlaceholderText("Samples written by the model while it learns appear here.")
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(QLabel("<b>Samples along the way</b>"))
        layout.addWidget(self.samples_box, 2)
        self.set_picture(host)
        self.placeholder = Placeholder(self.loss_plot, "Press Train: the loss curve (how surprised the model is "
                                                       "by the real next token) is drawn here as it learns.")

    def _size_changed(self, _index: int) -> None:
        from engines.llm.train import PRESETS

        self.steps_box.setValue(PRESETS[self.size_box.currentData()]["max_steps"])

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Pick a text file", "", "Text files (*.txt);;All files (*)")
        if path:
            self.set_source(path)

    def set_source(self, source: str) -> None:
        self.source = source
        shown = STORY_WORLD if source == STORY_WORLD else Path(source).name
        self.source_label.setText(f"Text: <b>{shown}</b>")

    def train(self) -> None:
        self.folder = unique_model_folder(self.name_edit.text())
        self.losses, self.val_losses, self.result = [], [], None
        self.loss_curve.setData([], [])
        self.val_curve.setData([], [])
        self.samples_box.clear()
        args = (self.source, self.tokenizer_box.currentData(), self.size_box.currentData(), self.steps_box.value(),
                self.folder, device_for(self.ctx))
        self.status_label.setText(f"Reading the text and training into {self.folder.name}…")
        self.runner.start(lambda cancel: train_on_text(*args, cancel=cancel), label=f"Training {self.folder.name}")

    def _on_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_progress(self, progress) -> None:
        metrics = progress.metrics or {}
        if "loss" in metrics:
            self.placeholder.clear()
            self.losses.append((progress.step, metrics["loss"]))
            self.loss_curve.setData(*zip(*self.losses))
        val = metrics.get("val_loss")
        if val is not None and (not self.val_losses or self.val_losses[-1][1] != val):
            self.val_losses.append((progress.step, val))
            self.val_curve.setData(*zip(*self.val_losses))
        self.status_label.setText(f"Step {progress.step} of {progress.total} · loss {metrics.get('loss', 0):.3f}"
                                  f" · {metrics.get('tokens_per_s', 0):,.0f} tokens/s")

    def _on_frame(self, frame) -> None:
        p = frame.payload
        self.samples_box.appendPlainText(f"— step {p['step']} (loss {p['loss']:.2f}):\n{p['sample'].strip()}\n")

    def _on_finished(self, result) -> None:
        self.result = result
        self._done(f"Done: {result.steps} steps, validation loss {result.val_loss:.3f}, "
                   f"{result.parameters:,} parameters, {result.elapsed_s:.0f} s. Saved as <b>{result.folder.name}</b>"
                   " — pick it on the other pages.")

    def _done(self, text: str) -> None:
        self.status_label.setText(text)
