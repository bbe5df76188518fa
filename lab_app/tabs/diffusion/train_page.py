"""Page "Train your own": a small diffusion model learns faces or digits live; a grid of samples and the loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engines.core.jobs import Frame, Log, Progress, map_events
from lab_app.plotting import pg, themed
from lab_app.tabs.diffusion.common import model_events, narrow, show_stop_reasons
from lab_app.widgets.pixel_view import PixelView
from lab_app.tabs.page import LabPage

SIZES = {"tiny": ((16, 32, 64), 32, 64, 1), "small": ((32, 64, 128), 64, 128, 2)}
FOLDER = "folder"  # the data choice "a folder of my own PNG pictures"


def png_files(folder: Path) -> list[Path]:
    """The pictures training would use from ``folder`` (the same rule as the engine: *.png, not in subfolders)."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png" and p.is_file())


def caption_from_name(path: Path) -> str:
    from engines.diffusion.captions import tokenize

    return " ".join(tokenize(path.stem.replace("_", " ").replace("-", " ")))

def columns_of(n: int) -> int:
    """Columns of the sample grid for ``n`` samples (as engines.diffusion.train lays it out: a square)."""
    return int(np.ceil(np.sqrt(n))) if n else 1


def sample_captions(prompts, columns: int) -> str:
    """The captions of the sample grid, row by row: "Row 1: the digit zero · the digit one · …"."""
    rows = [prompts[i:i + columns] for i in range(0, len(prompts), columns)]
    return "<br>".join(f"<b>Row {r + 1}</b> (left to right): " + " · ".join(row) for r, row in enumerate(rows))


def plain_progress(job):
    """Pass a training job's events on, but give its progress plain words: the loss as the one number and
    "3.9 steps a second" as the message, instead of raw keys (steps_per_s, lr, elapsed_s) in the status bar."""

    def plain(event):
        if isinstance(event, Progress) and "loss" in event.metrics:
            rate = float(event.metrics.get("steps_per_s", 0.0))
            return Progress(event.step, event.total, {"loss": float(event.metrics["loss"])},
                            f"{rate:.1f} steps a second")
        return event

    return map_events(job, plain)  # closing it closes the training job, which then saves its checkpoint


EXPLAINER = """
<p><b>How it learns.</b> Every training step takes a batch of real pictures, spoils each with a random amount of
noise (page 1), and asks the network to guess that noise from the spoiled picture, its t and its caption.
The loss is how far the guess was off (the average squared difference between the guessed and the real noise);
the optimiser nudges the weights to shrink it. Now and then the network is given an empty caption instead, so it
also learns the "no clue" guess that guidance needs.</p>
<p><b>What to expect.</b> The grid is sampled from the model as it is <i>now</i>, for the same fixed captions
(listed under it) and noise each time, so you can watch the same pictures sharpen. On a CPU a few hundred steps
of the tiny model take a few minutes and give blurry blobs that only start to look like digits or faces. For
comparison: {shipped} Even they are far from perfect. The loss curve falls fast at first, then slowly and
noisily.</p>
"""


class TrainPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.out_dir: Path | None = None  # None: the user's model folder (tests point it elsewhere)
        self.folder: Path | None = None  # the user's own pictures, when "My own pictures" is chosen
        self.folder_count = 0
        self.sample_every_s = 8.0
        self.losses: list[tuple[int, float]] = []
        self.result = None
        self.snapshots = 0
        self.runner = self.new_runner("diffusion training")
        self.runner.frame.connect(self.show_snapshot)
        self.runner.progress.connect(self._on_progress)
        self.runner.log.connect(self._on_log)
        self.runner.finished.connect(self._on_finished)
        show_stop_reasons(self.runner, self._status, "Cancelled (a checkpoint was kept).")
        self.runner.cancelled.connect(lambda: model_events().changed.emit())
        self.runner.running_changed.connect(self._on_running)
        self._build_controls()
        self._build_picture()
        from lab_app.tabs.diffusion.facts import shipped_training_text

        self.set_explainer(EXPLAINER.format(shipped=shipped_training_text()))

    def _build_controls(self) -> None:
        form = QFormLayout()
        self.dataset_box = narrow(QComboBox())
        self.dataset_box.addItem("Digits (1,437 real)", "digits")
        self.dataset_box.addItem("Faces (2,000 made up)", "faces")
        self.dataset_box.addItem("My own pictures (a folder)…", FOLDER)
        self.dataset_box.setToolTip("My own pictures: a folder of PNG files; each file's name is its caption")
        self.dataset_box.activated.connect(self._on_dataset)
        self.size_box = narrow(QComboBox())
        self.size_box.addItem("Tiny (CPU-friendly)", "tiny")
        self.size_box.addItem("Small (as shipped)", "small")
        self.steps_box = QSpinBox()
        self.steps_box.setRange(5, 100_000)
        self.steps_box.setValue(300)
        self.steps_box.setToolTip("Training steps (one batch each)")
        self.batch_box = QSpinBox()
        self.batch_box.setRange(4, 256)
        self.batch_box.setValue(32)
        form.addRow("Data", self.dataset_box)
        form.addRow("Model", self.size_box)
        form.addRow("Steps", self.steps_box)
        form.addRow("Batch", self.batch_box)
        self.controls.addLayout(form)
        self.folder_button = QPushButton("Choose a folder of PNGs…")
        self.folder_button.setToolTip("Each picture's file name becomes its caption: red_apple.png → “red apple”")
        self.folder_button.clicked.connect(self.choose_folder)
        self.folder_label = QLabel("")
        self.folder_label.setWordWrap(True)
        self.folder_button.setVisible(False)
        self.folder_label.setVisible(False)
        self.controls.addWidget(self.folder_button)
        self.controls.addWidget(self.folder_label)
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(self.train)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.cancel_button.setEnabled(False)
        self.status_label = QLabel("Press Train (the first start takes a few seconds to load PyTorch).")
        self.status_label.setWordWrap(True)
        self.log_label = QLabel("")
        self.log_label.setWordWrap(True)
        self.log_label.setStyleSheet("color: #888")
        for widget in (self.train_button, self.cancel_button, self.status_label, self.log_label):
            self.controls.addWidget(widget)

    def _build_picture(self) -> None:
        g = pg()
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        self.grid_view = PixelView("Samples from the model so far", 120)
        self.grid_view.set_placeholder("Press Train: every few seconds the model draws samples here")
        self.captions_label = QLabel("")  # the caption each sample was drawn for, in reading order
        self.captions_label.setWordWrap(True)
        self.captions_label.setStyleSheet("color: #888")
        self.loss_plot = themed(g.PlotWidget(title="How wrong the noise guesses are"))
        self.loss_plot.setMinimumWidth(120)
        self.loss_plot.setLabel("bottom", "training step")
        self.loss_plot.setLabel("left", "loss (average squared error)")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_curve = self.loss_plot.plot([], [], pen=g.mkPen("#2e86de", width=2))
        grid.addWidget(self.grid_view, 0, 0)
        grid.addWidget(self.loss_plot, 0, 1)
        grid.addWidget(self.captions_label, 1, 0, 1, 2)
        grid.setRowStretch(0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.set_picture(host)
        from lab_app.widgets.placeholder import Placeholder

        self.loss_placeholder = Placeholder(self.loss_plot, "Press <b>Train</b>: the loss, how wrong the network's "
                                                            "noise guesses are, is drawn here as it learns.")

    # -- the user's own pictures -------------------------------------------------------------------
    def _on_dataset(self, _index: int = 0) -> None:
        own = self.dataset_box.currentData() == FOLDER
        self.folder_button.setVisible(own)
        self.folder_label.setVisible(own)
        if own and self.folder is None:
            self.choose_folder()
        self._update_train_button()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of PNG pictures", str(self.folder or ""))
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str | Path) -> int:
        """Use the PNG pictures in ``folder``; says how many there are (0: a message, and Train waits)."""
        self.folder = Path(folder)
        self.dataset_box.setCurrentIndex(self.dataset_box.findData(FOLDER))
        self.folder_button.setVisible(True)
        self.folder_label.setVisible(True)
        try:
            files = png_files(self.folder)
        except OSError as exc:
            files, problem = [], f"That folder can't be read ({exc.strerror or exc})."
        else:
            problem = ""
        self.folder_count = len(files)
        name = self.folder.name or str(self.folder)
        if files:
            example = caption_from_name(files[0]) or "(no words in the name)"
            few = " That is very few: expect the model to copy them." if len(files) < 20 else ""
            self.folder_label.setText(f"Found <b>{len(files)}</b> PNG picture{'s' if len(files) != 1 else ''} in "
                                      f"“{name}”, shrunk to 32×32. Captions come from the file names, e.g. "
                                      f"{files[0].name} → “{example}”.{few}")
            self._status("Press Train.")
        else:
            self.folder_label.setText(problem or f"<b>No PNG pictures in “{name}”.</b> Put .png files straight in "
                                      "the folder (not in subfolders); each file name is its caption, "
                                      "e.g. red_apple.png → “red apple”.")
            self._status("Choose a folder with PNG pictures first.")
        self._update_train_button()
        return self.folder_count

    def _update_train_button(self) -> None:
        ready = self.dataset_box.currentData() != FOLDER or self.folder_count > 0
        self.train_button.setEnabled(ready and not self.runner.is_running())

    # -- training --------------------------------------------------------------------------------
    def config(self):
        from engines.diffusion.train import TrainConfig

        channels, d_model, time_dim, layers = SIZES[str(self.size_box.currentData())]
        dataset = str(self.dataset_box.currentData())
        name = dataset
        if dataset == FOLDER:
            if self.folder is None:
                raise ValueError("no folder of pictures chosen")
            dataset = str(self.folder)
            name = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.folder.name) or "pictures"
        out = self.out_dir
        if out is None:
            from engines.core.paths import user_models_dir

            out = user_models_dir() / "diffusion" / f"my-{name}"
        device = self.ctx.device.kind if self.ctx.device is not None else "cpu"
        return TrainConfig(dataset=dataset, out=str(out), n_images=2000, max_steps=self.steps_box.value(),
                           batch_size=self.batch_box.value(), channels=channels, d_model=d_model,
                           time_dim=time_dim, encoder_layers=layers, warmup_steps=min(200, self.steps_box.value() // 5),
                           sample_every_s=self.sample_every_s, grid_size=9, device=device,
                           threads=self.ctx.current.threads, progress_every=5, checkpoint_every_s=600.0)

    def train(self) -> None:
        from engines.diffusion.train import train_job

        if self.dataset_box.currentData() == FOLDER and self.folder_count == 0:
            self._status("Choose a folder with PNG pictures first.")
            return
        config = self.config()
        self.losses, self.result, self.snapshots = [], None, 0
        self.loss_curve.setData([], [])
        data = self.folder.name if self.dataset_box.currentData() == FOLDER and self.folder else config.dataset
        self._status(f"Starting: {config.max_steps} steps on {data}…")
        self.runner.start(lambda cancel: plain_progress(train_job(config, cancel)), label="Training a diffusion model")

    def _on_progress(self, progress: Progress) -> None:
        loss = progress.metrics.get("loss")
        if loss is None:
            return
        self.losses.append((progress.step, float(loss)))
        self.loss_placeholder.clear()
        steps, values = zip(*self.losses)
        self.loss_curve.setData(np.array(steps, float), np.array(values))
        of_total = f" of {progress.total}" if progress.total else ""
        self._status(f"Step {progress.step}{of_total}: loss {loss:.3f} ({progress.message})")

    def show_snapshot(self, frame: Frame) -> None:
        snap = frame.payload
        image = np.asarray(snap.grid)
        self.grid_view.set_image(image[:, :, 0] if image.shape[2] == 1 else image)
        self.grid_view.set_title(f"Samples after {snap.step} steps")
        self.captions_label.setText(sample_captions(snap.prompts, columns_of(len(snap.prompts))))
        self.snapshots += 1

    def _on_log(self, line: Log) -> None:
        self.log_label.setText(line.text)

    def _on_finished(self, result) -> None:
        self.result = result
        self.log_label.clear()  # its last line ("saved /…/my-digits after 40 steps") repeated the status below
        self._status(f"Done: {result.steps} steps in {result.wall_time_s:.0f} s, final loss {result.loss:.3f}. "
                     f"Saved to {result.folder}."
                     + (f" Pick “Mine: {Path(result.folder).name}” on the sampling pages to use it."
                        if self.out_dir is None else ""))
        model_events().changed.emit()  # the sampling pages' model choosers list it now

    def _on_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        if not running:
            self._update_train_button()
        self.cancel_button.setEnabled(running)

    def _status(self, text: str) -> None:
        self.status_label.setText(text)
