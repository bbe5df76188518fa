"""Page "Learn vectors live": skip-gram reads a corpus and the watched words drift into groups in 3D."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QSlider, QSpinBox, QVBoxLayout, QWidget)

from engines.core.jobs import CancelToken, Job, Log, Progress
from engines.embeddings.corpus import (EXAMPLE_SENTENCE, builtin_corpus, context_window, file_corpus,
                                       story_world_corpus)
from engines.embeddings.skipgram import SkipGramConfig, SkipGramResult, save_skipgram, train_skipgram
from lab_app.plotting import pg, themed
from lab_app.tabs.embeddings import shared
from lab_app.tabs.embeddings.gl_scene import GROUP_COLOURS, new_scene, rgba
from lab_app.tabs.page import LabPage

CORPORA = (("story", "Story world (the LLM tab's stories)"), ("builtin", "Built-in sentences (animals, days…)"),
           ("file", "Your text file…"))
FOCUS_COLOUR, CONTEXT_COLOUR = "#d62728", "#2ca02c"

EXPLAINER = f"""
<p><b>Learning from neighbours.</b> Skip-gram plays a guessing game: take a word from the text and guess which
words appear around it. Every word starts as a few random numbers. Each step looks at a batch of real
(word, neighbour) pairs and nudges the numbers so that real pairs score higher, and a few random words
(“negative samples”) score lower. Nobody tells it that dog and cat are animals: they get similar numbers
because they turn up next to the same words (“fed the …”, “the … slept”).</p>
<p><b>What you see.</b> The watched words are squeezed to 3D with PCA and turned to line up with the previous
picture, so they drift instead of jumping. Watch groups form (the days, the colours, the animals) while the loss,
how wrong the guesses are, falls. The neighbour lists are worked out in all the dimensions. Skip-gram counts
words its own way: it drops punctuation, keeps “dog's” as one word and skips words seen fewer than
{SkipGramConfig.min_count} times, so its word count for the story world differs a little from the LLM tab's.</p>
<p><b>The window.</b> The window size says how many words on each side count as neighbours. A small window
groups words that can replace each other (monday, tuesday); a large one groups words about the same topic.
When training stops, press <i>Use on “Real word vectors”</i> to explore what it learned there.</p>
"""


def pairs_text(focus: str, neighbours: list[str], window: int) -> str:
    """``"window 2: pairs (learning, method), (learning, for)"``: every pair holds the word in the middle."""
    if not neighbours:
        return f"window {window}: no neighbours, so no pairs"
    return f"window {window}: pairs " + ", ".join(f"({focus}, {word})" for word in neighbours)


def training_job(source: str, path: str | None, config: SkipGramConfig, cancel: CancelToken,
                 stop: threading.Event) -> Job[SkipGramResult]:
    """Build the corpus (off the GUI thread), then train on it."""
    yield Log("preparing the text…")
    if source == "file":
        corpus = file_corpus(path)
    elif source == "story":
        corpus = story_world_corpus(seed=config.seed)
    else:
        corpus = builtin_corpus(seed=config.seed)
    return (yield from train_skipgram(corpus, config, cancel, stop=stop.is_set))


class LearnVectorsPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.result: SkipGramResult | None = None
        self.last_payload: dict[str, Any] | None = None
        self.frames_seen = 0
        self.corpus_path: str | None = None
        self._stop = threading.Event()
        self.runner = self.new_runner("skip-gram")
        self.runner.frame.connect(lambda frame: self.show_frame(frame.payload))
        self.runner.progress.connect(self._on_progress)
        self.runner.log.connect(self._on_log)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(lambda f: self.status_label.setText(f"Failed: {f.message}"))
        self.runner.cancelled.connect(lambda: self.status_label.setText("Cancelled."))
        self.runner.running_changed.connect(self._on_running)
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)
        self.splitter.setSizes([340, 900])
        self.show_window()

    # -- layout ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.corpus_box = QComboBox()
        for key, title in CORPORA:
            self.corpus_box.addItem(title, key)
        self.corpus_box.activated.connect(self._on_corpus)
        self.window_box = QSpinBox()
        self.window_box.setRange(1, 10)
        self.window_box.setValue(2)
        self.window_box.setToolTip("How many words on each side count as neighbours")
        self.window_box.valueChanged.connect(lambda _v: self.show_window())
        self.dims_box = QSpinBox()
        self.dims_box.setRange(2, 100)
        self.dims_box.setValue(16)
        self.dims_box.setToolTip("How many numbers each word gets")
        self.steps_box = QSpinBox()
        self.steps_box.setRange(100, 100_000)
        self.steps_box.setSingleStep(500)
        self.steps_box.setValue(4000)
        form = QFormLayout()
        form.addRow("Text", self.corpus_box)
        form.addRow("Window", self.window_box)
        form.addRow("Dimensions", self.dims_box)
        form.addRow("Steps", self.steps_box)
        self.controls.addLayout(form)
        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(self.train)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.stop_button)
        self.controls.addLayout(buttons)
        self.status_label = QLabel("Press Train: 4,000 steps take about 10 to 30 seconds, depending on the computer.")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)
        self.use_button = QPushButton("Use on “Real word vectors”")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_on_word_vectors)
        self.save_button = QPushButton("Save vectors…")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._save)
        self.controls.addWidget(self.use_button)
        self.controls.addWidget(self.save_button)

        box = QGroupBox("Which words count as neighbours?")
        bl = QVBoxLayout(box)
        self.window_label = QLabel()
        self.window_label.setWordWrap(True)
        self.window_label.setTextFormat(Qt.TextFormat.RichText)
        self.focus_slider = QSlider(Qt.Orientation.Horizontal)
        self.example_tokens = EXAMPLE_SENTENCE.split()
        self.focus_slider.setRange(0, len(self.example_tokens) - 1)
        self.focus_slider.setValue(4)
        self.focus_slider.valueChanged.connect(lambda _v: self.show_window())
        bl.addWidget(QLabel("Move the slider to pick the word in the middle:"))
        bl.addWidget(self.focus_slider)
        bl.addWidget(self.window_label)
        self.controls.addWidget(box)

    def _build_picture(self) -> None:
        g = pg()
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scene = new_scene(distance=5.0)  # 3D, or flat where OpenGL is missing
        self.scene.frame((0.0, 0.0, 0.0), 1.15)  # show_frame scales the words into a ball of radius 1
        self.scene.labels("labels", np.zeros((1, 3)), ["Press Train: the words drift into groups here"],
                          centred=True, force=True)
        top = QHBoxLayout()  # the cloud gets the picture's full height; the loss and the neighbours sit beside it
        top.addWidget(self.scene.view, 2)
        layout.addLayout(top, 1)
        column = QVBoxLayout()
        self.loss_plot = themed(g.PlotWidget(title="Loss<br>(how wrong the guesses are)"))  # 2 lines: narrow column
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_plot.setMinimumHeight(150)
        self.loss_curve = self.loss_plot.plot([], [], pen=g.mkPen("#2e86de", width=2))
        column.addWidget(self.loss_plot, 2)
        from lab_app.widgets.placeholder import Placeholder

        self.loss_placeholder = Placeholder(self.loss_plot, "Press Train: the loss, how wrong the guesses are, "
                                                            "is drawn here as it falls.")
        self.neighbours_label = QLabel("Nearest neighbours appear here while it trains.")
        self.neighbours_label.setWordWrap(True)
        self.neighbours_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.neighbours_label.setTextFormat(Qt.TextFormat.RichText)
        nb = QGroupBox("Nearest neighbours")
        nl = QVBoxLayout(nb)
        nl.addWidget(self.neighbours_label)
        column.addWidget(nb, 3)
        side = QWidget()
        side.setLayout(column)
        column.setContentsMargins(0, 0, 0, 0)
        side.setMinimumWidth(220)
        side.setMaximumWidth(300)
        top.addWidget(side, 1)
        self.set_picture(host)

    # -- the window helper ------------------------------------------------------------------
    def show_window(self) -> list[str]:
        """Colour the example sentence: the focus word and the words inside the window; returns the context words."""
        focus, window = self.focus_slider.value(), self.window_box.value()
        context = context_window(self.example_tokens, focus, window)
        inside = {pos for pos, _, _ in context}
        parts = []
        for i, word in enumerate(self.example_tokens):
            if i == focus:
                parts.append(f"<b style='color:{FOCUS_COLOUR}'>[{word}]</b>")
            elif i in inside:
                parts.append(f"<u style='color:{CONTEXT_COLOUR}'>{word}</u>")
            else:
                parts.append(f"<span style='color:#999'>{word}</span>")
        words = [w for _, w, _ in context]
        self.window_label.setText(" ".join(parts) + "<br>" + pairs_text(self.example_tokens[focus], words, window))
        return words

    # -- training -----------------------------------------------------------------------------
    def _on_corpus(self, _index: int) -> None:
        if self.corpus_box.currentData() == "file":
            path, _ = QFileDialog.getOpenFileName(self, "Text to learn from", "", "Text (*.txt *.md);;All files (*)")
            if path:
                self.corpus_path = path
                self.status_label.setText(f"Text: {path}")
            else:
                self.corpus_box.setCurrentIndex(0)

    def config(self) -> SkipGramConfig:
        steps = self.steps_box.value()
        return SkipGramConfig(dims=self.dims_box.value(), window=self.window_box.value(), steps=steps,
                              frame_every=max(50, min(200, steps // 10)))

    def train(self) -> None:
        source = self.corpus_box.currentData()
        if source == "file" and not self.corpus_path:
            self._on_corpus(self.corpus_box.currentIndex())
            if not self.corpus_path:
                return
        config, path = self.config(), self.corpus_path
        self._stop = threading.Event()
        stop = self._stop
        self.frames_seen = 0
        self.result = None
        self.status_label.setText("Starting…")
        self.runner.start(lambda cancel: training_job(source, path, config, cancel, stop), label="Skip-gram")

    def stop(self) -> None:
        """End training after the current step; what was learned so far is kept."""
        self._stop.set()

    def _on_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.stop_button.setEnabled(running)

    def _on_progress(self, progress: Progress) -> None:
        self.status_label.setText(f"Step {progress.step:,} of {progress.total:,}: "
                                  f"loss {progress.metrics.get('loss', float('nan')):.3f}")

    def _on_log(self, log: Log) -> None:
        if log.level == "warning":
            self.status_label.setText(log.text)
        else:
            self.status_label.setText(log.text)

    def show_frame(self, payload: dict[str, Any]) -> None:
        self.last_payload = payload
        self.frames_seen += 1
        coords = np.asarray(payload["coords"], dtype=np.float32)
        radius = float(np.linalg.norm(coords - coords.mean(axis=0), axis=1).max()) or 1.0
        pos = (coords - coords.mean(axis=0)) / radius
        groups = payload.get("groups")
        if groups:
            names = sorted(set(groups))
            colours = np.array([rgba("#8a8f98") if gr == "other" else
                                rgba(GROUP_COLOURS[names.index(gr) % len(GROUP_COLOURS)]) for gr in groups],
                               np.float32)
        else:
            colours = np.tile(np.array(rgba(GROUP_COLOURS[0]), np.float32), (len(pos), 1))
        self.scene.points("words", pos, colours, size=12)
        self.scene.labels("labels", pos, payload["words"])
        losses = payload.get("losses") or []
        if losses:
            self.loss_placeholder.clear()
            steps, values = zip(*losses)
            self.loss_curve.setData(np.array(steps, float), np.array(values, float))
        lines = [f"<b>{w}</b>: " + ", ".join(n for n, _ in near) for w, near in payload["neighbours"].items()]
        self.neighbours_label.setText(f"step {payload['step']:,} · {payload['corpus']} · "
                                      f"{payload['vocab_size']:,} words seen at least {self.config().min_count} times"
                                      "<br>" + "<br>".join(lines))

    def _on_finished(self, result: SkipGramResult) -> None:
        self.result = result
        loss = result.losses[-1][1] if result.losses else float("nan")
        self.status_label.setText(f"Done: {result.steps_done:,} steps in {result.seconds:.1f} s, loss {loss:.3f}, "
                                  f"{len(result.vectors):,} words learned.")
        self.use_button.setEnabled(True)
        self.save_button.setEnabled(True)

    def use_on_word_vectors(self) -> None:
        if self.result is None:
            return
        shared.publish_learned(self.result.vectors)
        self.status_label.setText("Handed over: on “Real word vectors” choose “Learned on the 'Learn vectors "
                                  "live' page”.")

    def _save(self) -> None:
        if self.result is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Folder for the learned vectors")
        if not folder:
            return
        try:
            save_skipgram(self.result, folder)
        except OSError as exc:  # a file where the folder should be, no permission, a full disk
            why = "it is a file, not a folder" if Path(folder).is_file() else (exc.strerror or str(exc))
            self.status_label.setText(f"Could not save to {folder}: {why}. Choose another folder.")
            return
        self.status_label.setText(f"Saved to {folder} (open it with --vectors or on the previous page).")
