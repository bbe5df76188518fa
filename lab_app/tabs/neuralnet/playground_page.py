"""Page "Playground": train a small network live on a 2-D dataset and watch its insides.

Every piece of model work (building the data and network, training, snapshots) runs as an
engine job on this page's runner; the GUI thread only draws the latest snapshot. Jobs run
one after another, so the one :class:`Playground` object is never used by two threads.
"""

from __future__ import annotations

import time
import traceback
from collections import deque
from dataclasses import replace
from typing import Any

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QGridLayout, QGroupBox, QLabel, QMessageBox, QPushButton, QWidget

from engines.core.jobs import CancelToken, Frame, Job, Progress
from engines.neuralnet.datasets import Dataset2D, load_csv
from engines.neuralnet.export import export_onnx, save_playground_model
from engines.neuralnet.playground import Playground, PlaygroundConfig, PlaygroundResult, train_playground
from lab_app.errors import could_not_save, plain_os_error
from lab_app.tabs.neuralnet.playground_controls import CSV, DRAW, FRAME_EVERY, GRID_SIZE, PlaygroundControls
from lab_app.tabs.neuralnet.playground_history import HistoryBar, SnapshotHistory
from lab_app.tabs.neuralnet.playground_text import EXPLAINER
from lab_app.tabs.neuralnet.playground_view import PlaygroundView
from lab_app.tabs.page import LabPage

RATE_WINDOW_S = 1.0
DRAW_EXTENT = (-6.0, 6.0, -6.0, 6.0)  # the square the user clicks points into


def continue_job(playground: Playground, changes: dict[str, Any], epochs: int | None,
                 cancel: CancelToken) -> Job[PlaygroundResult]:
    """Apply training ``changes`` (learning rate, batch size, regularisation), then train ``epochs`` more
    (None: until cancelled; 0: just send a fresh snapshot)."""
    if changes:
        playground.configure(**changes)
    config = replace(playground.config, epochs=epochs, frame_every=FRAME_EVERY, grid_size=GRID_SIZE)
    return (yield from train_playground(config, cancel, playground=playground))


def new_job(config: PlaygroundConfig, data: Dataset2D | None, extent: tuple[float, float, float, float] | None,
            cancel: CancelToken) -> Job[PlaygroundResult]:
    """A fresh playground on ``data`` (None: generated from ``config``); ``extent`` fixes the picture's square
    (for clicked-in points, so the whole area stays clickable), then one frame."""
    playground = Playground(config, data)
    if extent is not None:
        playground.extent = extent
    return (yield from train_playground(config, cancel, playground=playground))


class PlaygroundPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.playground: Playground | None = None
        self.playing = False
        self.last_snapshot: dict[str, Any] | None = None
        self._pending_changes: dict[str, Any] = {}
        self._progress_times: deque[tuple[float, int]] = deque()
        self.history = SnapshotHistory()
        self.viewing: int | None = None  # index into history while looking back; None: live
        self.drawn_points: list[tuple[float, float]] = []
        self.drawn_labels: list[int] = []
        self.csv_data: Dataset2D | None = None

        self.settings = PlaygroundControls()
        self.settings.structure_changed.connect(self.reset)
        self.settings.training_changed.connect(self._on_training_changed)
        self.controls.addWidget(self.settings)
        self._build_buttons()
        self.settings.load_csv_requested.connect(lambda: self.load_csv_file())
        self.settings.clear_points_requested.connect(self.clear_points)
        self.view = PlaygroundView()
        self.history_bar = HistoryBar()
        self.history_bar.picked.connect(self.show_history)
        self.view.layout_.insertWidget(1, self.history_bar)
        self.view.boundary_plot.scene().sigMouseClicked.connect(self._on_plot_click)
        self.set_picture(self.view)
        ctx.theme_changed.connect(self.view.apply_theme)
        self.set_explainer(EXPLAINER)

        self.runner = self.new_runner("Playground")
        self.runner.frame.connect(self._on_frame)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.running_changed.connect(lambda _running: self._update_buttons())
        self.reset()

    def _build_buttons(self) -> None:
        box = QGroupBox("Run")
        grid = QGridLayout(box)
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Train until you pause")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Train one epoch")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("New random weights from the seed; the same seed replays the same run")
        self.onnx_button = QPushButton("Export ONNX…")
        self.safetensors_button = QPushButton("Export safetensors…")
        self.export_label = QLabel()
        self.export_label.setWordWrap(True)
        grid.addWidget(self.play_button, 0, 0, 1, 2)
        grid.addWidget(self.step_button, 1, 0)
        grid.addWidget(self.reset_button, 1, 1)
        grid.addWidget(self.onnx_button, 2, 0, 1, 2)
        grid.addWidget(self.safetensors_button, 3, 0, 1, 2)
        grid.addWidget(self.export_label, 4, 0, 1, 2)
        self.play_button.clicked.connect(self.toggle_play)
        self.step_button.clicked.connect(self.step)
        self.reset_button.clicked.connect(self.reset)
        self.onnx_button.clicked.connect(lambda: self.export("onnx"))
        self.safetensors_button.clicked.connect(lambda: self.export("safetensors"))
        self.controls.insertWidget(0, box)

    # -- commands -----------------------------------------------------------------------------
    def config(self) -> PlaygroundConfig:
        return self.settings.config()

    def reset(self) -> None:
        """New data and weights from the settings (same seed: the same run again); stops playing."""
        self.playing = False
        self._pending_changes = {}
        self._progress_times.clear()
        self.view.set_rate(None)
        self.history.clear()
        self.viewing = None
        self.history_bar.set_count(0)
        config = replace(self.config(), epochs=0)
        data, extent = None, None
        if config.dataset == DRAW:
            extent = DRAW_EXTENT
            self.view.show_drawn_points(np.array(self.drawn_points), np.array(self.drawn_labels))
            if len(self.drawn_points) < 2:
                self._show_waiting()
                return
            data = Dataset2D(np.array(self.drawn_points, dtype=np.float64),
                             np.array(self.drawn_labels, dtype=np.int64), "binary", 2, "your points")
        elif config.dataset == CSV and self.csv_data is not None:
            data = self.csv_data
        else:
            self.view.show_drawn_points(np.zeros((0, 2)), np.zeros(0))
        self.runner.start(lambda cancel: new_job(config, data, extent, cancel), label="Playground: new network")
        self._update_buttons()

    def _show_waiting(self) -> None:
        """Drawing mode with fewer than two points: nothing to train yet, an empty square to click in."""
        from PySide6.QtCore import QRectF

        self.runner.cancel()
        self.playground, self.last_snapshot = None, None
        self.view.boundary_image.clear()
        self.view.train_scatter.clear()
        self.view.test_scatter.clear()
        self.view._points_of = None
        x0, x1, y0, y1 = DRAW_EXTENT
        self.view.boundary_plot.setRange(QRectF(x0, y0, x1 - x0, y1 - y0), padding=0)
        self.view.epoch_label.setText("Epoch 0")
        self.view.loss_label.setText("click at least 2 points")
        self._update_buttons()

    # -- your own data ------------------------------------------------------------------------
    def add_point(self, x: float, y: float, label: int) -> None:
        """Add a clicked-in point (drawing mode) and rebuild the network on the new data shortly after."""
        if self.settings.dataset() != DRAW:
            return
        self.drawn_points.append((float(x), float(y)))
        self.drawn_labels.append(int(label))
        self.view.show_drawn_points(np.array(self.drawn_points), np.array(self.drawn_labels))
        self.settings._structure_timer.start()

    def clear_points(self) -> None:
        self.drawn_points.clear()
        self.drawn_labels.clear()
        self.reset()

    def _on_plot_click(self, event) -> None:
        if self.settings.dataset() != DRAW:
            return
        view = self.view.boundary_plot.getPlotItem().vb
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        label = 1 if event.button() == Qt.MouseButton.RightButton or shift else 0
        self.add_point(point.x(), point.y(), label)

    def load_csv_file(self, path: str | None = None) -> bool:
        """Load x,y,label points (``path`` skips the file dialog); a bad file is explained in a message box."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Load points", "", "Text files (*.csv *.txt *.tsv);;All (*)")
        if not path:
            return False
        try:
            data = load_csv(path)
        except (ValueError, OSError) as exc:
            QMessageBox.warning(self, "Could not load the points", plain_os_error(exc, path))
            return False
        self.csv_data = data
        self.settings.add_csv(Path(path).name, "regression" if data.task == "regression" else "classification")
        return True

    # -- history ------------------------------------------------------------------------------
    def show_history(self, index: int) -> None:
        """Look back at stored snapshot ``index`` (pauses training); -1 goes back to the newest."""
        if index < 0 or index >= len(self.history) - 1:
            self.viewing = None
            self.history_bar.set_count(len(self.history))
            if self.last_snapshot is not None:
                self.view.show_snapshot(self.last_snapshot)
            self.history_bar.label.setText("History: live")
            return
        if self.playing:
            self.pause()
        self.viewing = index
        snap = self.history.snapshots[index]
        self.view.show_snapshot(snap)
        live = self.last_snapshot["epoch"] if self.last_snapshot else snap["epoch"]
        self.history_bar.label.setText(f"Looking back: epoch {snap['epoch']} (now {live})")

    def step(self) -> None:
        """Train exactly one epoch (only while paused)."""
        if self.playing or self.playground is None or self.runner.is_running():
            return
        self.show_history(-1)
        self._start_continue(1, "Playground: one epoch")

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.playground is None or self.playing:
            return
        self.playing = True
        self._progress_times.clear()
        self.show_history(-1)
        self._start_continue(None, "Playground: training")
        self._update_buttons()

    def pause(self) -> None:
        if not self.playing:
            return
        self.playing = False
        self.runner.cancel()
        self.view.set_rate(None)
        self._update_buttons()

    def _start_continue(self, epochs: int | None, label: str) -> None:
        playground, changes, self._pending_changes = self.playground, self._pending_changes, {}
        self.runner.start(lambda cancel: continue_job(playground, changes, epochs, cancel), label=label)

    def _on_training_changed(self, changes: dict[str, Any]) -> None:
        # Applied by the next job (on the worker thread), never while another job uses the network.
        self._pending_changes.update(changes)
        if self.playing:
            self._start_continue(None, "Playground: training")

    # -- runner events ------------------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        self.last_snapshot = frame.payload
        self.history.add(frame.payload)
        if self.viewing is None:
            self.view.show_snapshot(frame.payload)
            self.history_bar.set_count(len(self.history))
            if self.settings.dataset() == DRAW:
                self.view.show_drawn_points(np.zeros((0, 2)), np.zeros(0))  # now drawn as train/test points

    def _on_progress(self, progress: Progress) -> None:
        now, epoch = time.perf_counter(), int(progress.metrics.get("epoch", 0))
        self._progress_times.append((now, epoch))
        while len(self._progress_times) > 2 and now - self._progress_times[0][0] > RATE_WINDOW_S:
            self._progress_times.popleft()
        (t0, e0), (t1, e1) = self._progress_times[0], self._progress_times[-1]
        if self.playing and t1 > t0:
            self.view.set_rate((e1 - e0) / (t1 - t0))
        self.view.epoch_label.setText(f"Epoch {epoch}")

    def _on_finished(self, result: PlaygroundResult) -> None:
        self.playground = result.playground
        self._update_buttons()

    def _on_cancelled(self) -> None:
        # Paused mid-run: the last frames were dropped, so ask for a fresh picture of where it stopped.
        if self.playground is not None and not self.runner.is_running():
            self._start_continue(0, "Playground: snapshot")

    def _update_buttons(self) -> None:
        busy = self.runner.is_running() if hasattr(self, "runner") else True
        self.play_button.setText("Pause" if self.playing else "▶ Play")
        self.step_button.setEnabled(not self.playing and not busy)
        for button in (self.onnx_button, self.safetensors_button):
            button.setEnabled(not self.playing and not busy and self.playground is not None)

    # -- export -------------------------------------------------------------------------------
    def export(self, kind: str, target: str | None = None) -> str | None:
        """Save the current network as ONNX (a file) or safetensors + config.json (a folder).

        ``target`` skips the file dialog (tests). Returns the path written, or None.
        """
        if self.playground is None or self.playing or self.runner.is_running():
            return None
        if target is None:
            if kind == "onnx":
                target, _ = QFileDialog.getSaveFileName(self, "Export ONNX", "playground.onnx", "ONNX (*.onnx)")
            else:
                target = QFileDialog.getExistingDirectory(self, "Export safetensors: choose a folder")
        if not target:
            return None
        model, pg = self.playground.model, self.playground
        try:
            if kind == "onnx":
                written = export_onnx(model, target)
            else:
                written = save_playground_model(target, model, {"dataset": pg.config.dataset, "epochs": pg.epoch,
                                                                "test_loss": pg.last.test_loss})
        except Exception as exc:  # noqa: BLE001 - any failure is shown to the user, not raised into Qt
            self.ctx.errors.report("Export failed", could_not_save(target, exc), traceback.format_exc())
            return None
        self.export_label.setText(f"Saved {written}")
        return str(written)
