"""Page "Image classifier": train an MLP or a small CNN on real 8×8 digits, watch it learn, draw your own."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QSpinBox, QVBoxLayout, QWidget)

from engines.core.jobs import Frame, Progress
from engines.neuralnet.digits import DigitsClassifier, DigitsConfig, DigitsResult, train_digits
from engines.neuralnet.drawing import GREY_LEVELS, drawing_to_digit
from lab_app.plotting import pg, themed
from lab_app.tabs.neuralnet.draw_pad import DrawPad, PadRow
from lab_app.tabs.neuralnet.playground_view import CLASS_COLORS, boundary_colormap
from lab_app.tabs.page import LabPage
from lab_app.widgets.accessibility import emphasise
from lab_app.widgets.cell_numbers import new_cell_numbers
from lab_app.widgets.plot_legend import legend_below

MODELS = (("Plain layers (MLP)", "mlp", "64 pixels → 64 neurons, each wired to every pixel → 10 digit scores"),
          ("Sliding detectors (CNN)", "cnn", "two layers of small 3×3 stroke detectors slid over the picture, "
           "then 10 digit scores"))

EXPLAINER = """
<p><b>What is happening.</b> Each picture is 8×8 grey squares: just 64 numbers. The network turns those 64
numbers into 10 scores, one per digit, and the biggest score is its answer. Training shows it the 1437 training
pictures again and again (each pass is an <i>epoch</i>) and after every small batch nudges all its weights a
little so that the right digit's score goes up. The 360 test pictures are never used for learning: they tell us
honestly how well it does on digits it has not seen. Two kinds of network: an <b>MLP</b> (plain layers) wires
every neuron to every pixel; a <b>CNN</b> (convolutional network) slides small 3×3 detectors over the picture,
so a stroke is found wherever it is.</p>
<p><b>The pictures.</b> The curve shows the training loss (how wrong it still is) falling while the test
accuracy climbs. The confusion matrix counts, for each true digit (row), what the network answered (column): a
perfect network has numbers only on the diagonal, and the off-diagonal cells show which digits it mixes up. The
small tiles are the first layer's weights, in the same colours as on the other pages: blue pixels push a neuron
to fire, orange ones hold it back, so each tile is a rough stencil of the strokes that neuron looks for (the
CNN's tiles are 3×3 stroke detectors that slide over the whole picture).</p>
<p><b>Draw a digit.</b> Your drawing is cropped, shrunk to 8×8 and given the same 17 grey levels (0 to 16) as
the training pictures, then classified as you draw; the bars are its 10 scores turned into probabilities that add up to 1. The small picture <i>What it sees</i>, beside your drawing,
is exactly those 64 numbers, the only thing the network gets. It is often less sure about your handwriting than
about the test set: the training digits all came from one set of forms, drawn with a pen, not a mouse.</p>
"""


def tile_images(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Images ``(N, h, w)`` → one mosaic ``(rows*(h+gap)-gap, columns*(w+gap)-gap)`` with NaN gaps.

    Each image is scaled by its own largest absolute value so every tile uses the full colour range.
    """
    n, h, w = images.shape
    rows = -(-n // columns)
    mosaic = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap), np.nan, dtype=np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        scale = float(np.abs(image).max()) or 1.0
        mosaic[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = image / scale
    return mosaic


class ClassifierPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.classifier: DigitsClassifier | None = None
        self.result: DigitsResult | None = None
        self.last_probabilities: np.ndarray | None = None
        self.runner = self.new_runner("digits")
        self.runner.frame.connect(self._on_frame)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.runner.running_changed.connect(self._on_running)
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)

    # -- layout ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        form = QFormLayout()
        self.model_box = QComboBox()
        for i, (text, key, tip) in enumerate(MODELS):
            self.model_box.addItem(text, key)
            self.model_box.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.epochs_box = QSpinBox()
        self.epochs_box.setRange(1, 100)
        self.epochs_box.setValue(15)
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 9999)
        form.addRow("Model", self.model_box)
        form.addRow("Epochs", self.epochs_box)
        form.addRow("Seed", self.seed_box)
        self.controls.addLayout(form)
        self.model_hint = QLabel(MODELS[0][2])
        self.model_hint.setWordWrap(True)
        self.model_hint.setStyleSheet("color: gray")
        self.model_box.currentIndexChanged.connect(lambda i: self.model_hint.setText(MODELS[i][2]))
        self.controls.addWidget(self.model_hint)
        buttons = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.train_button.clicked.connect(self.train)
        self.cancel_button.clicked.connect(self.runner.cancel)
        buttons.addWidget(self.train_button)
        buttons.addWidget(self.cancel_button)
        self.controls.addLayout(buttons)
        self.status_label = QLabel("Press Train: it takes a few seconds.")
        self.status_label.setWordWrap(True)
        self.accuracy_label = QLabel("Test accuracy: –")
        emphasise(self.accuracy_label, 1.15)  # follows the system font size
        self.accuracy_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)
        self.controls.addWidget(self.accuracy_label)

    def _build_picture(self) -> None:
        g = pg()
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)

        self.curve_plot = themed(g.PlotWidget(title="Loss and accuracy"))
        self.curve_plot.setLabel("bottom", "epoch")
        self.curve_plot.showGrid(x=True, y=True, alpha=0.2)
        self.loss_curve = self.curve_plot.plot([], [], pen=g.mkPen("#e67e22", width=2), symbol="o", symbolSize=5,
                                               symbolBrush="#e67e22", name="train loss")
        self.acc_curve = self.curve_plot.plot([], [], pen=g.mkPen("#2e86de", width=2), symbol="o", symbolSize=5,
                                              symbolBrush="#2e86de", name="test accuracy")
        legend_below(self.curve_plot)  # inside, it sat on the accuracy curve near 1.0
        self.curve_plot.setYRange(0, 1.05)

        self.confusion_plot = themed(g.PlotWidget(title="Confusion matrix"))
        self.confusion_plot.setLabel("left", "true digit")
        self.confusion_plot.setLabel("bottom", "network's answer")
        self.confusion_plot.setAspectLocked(True)
        self.confusion_plot.invertY(True)
        ticks = [[(i + 0.5, str(i)) for i in range(10)]]
        for axis in ("left", "bottom"):
            self.confusion_plot.getAxis(axis).setTicks(ticks)
        self.confusion_image = g.ImageItem(np.zeros((10, 10)))
        self.confusion_image.setColorMap(g.colormap.get("viridis"))
        self.confusion_image.setVisible(False)  # shown once there are counts: an all-zero matrix is one flat block
        self.confusion_plot.addItem(self.confusion_image)
        self.confusion_plot.setToolTip("Rows: the true digit of each test picture; columns: the network's answer")
        self.confusion_numbers = new_cell_numbers()
        self.confusion_plot.addItem(self.confusion_numbers)

        self.weights_plot = themed(g.PlotWidget(title="First-layer weights"))
        self.weights_plot.setAspectLocked(True)
        self.weights_plot.invertY(True)
        self.weights_plot.hideAxis("left")
        self.weights_plot.hideAxis("bottom")
        self.weights_image = g.ImageItem(np.zeros((8, 8)))
        # the tab's sign colours (One neuron, Playground): orange = negative, blue = positive
        self.weights_image.setColorMap(boundary_colormap(CLASS_COLORS[:2]))
        self.weights_image.setLevels((-1, 1))
        self.weights_image.setVisible(False)
        self.weights_plot.addItem(self.weights_image)
        self.weights_plot.setToolTip("What each first-layer neuron looks for: blue pixels push it to fire, "
                                     "orange ones hold it back")

        self.pad = DrawPad()
        self.pad.changed.connect(self.update_prediction)
        self.clear_button = QPushButton("Clear drawing")
        self.clear_button.clicked.connect(self.pad.clear)
        self.prediction_label = QLabel("Train a model, then draw a digit.")
        self.prediction_label.setWordWrap(True)

        self.bar_plot = themed(g.PlotWidget(title="What the network thinks you drew"))
        self.bar_plot.setLabel("bottom", "digit")
        self.bar_plot.setLabel("left", "probability")
        self.bar_plot.setYRange(0, 1.0)
        self.bar_plot.setXRange(-0.6, 9.6)
        self.bar_plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        self.bar_plot.setMouseEnabled(x=False, y=False)
        self.bars = g.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush="#2e86de")
        self.bar_plot.addItem(self.bars)

        # the 8×8 picture the network is given: the drawing cropped, shrunk and cut to 17 grey levels
        self.seen_plot = themed(g.PlotWidget(title="What it sees (8×8)"))
        self.seen_plot.setAspectLocked(True)
        self.seen_plot.invertY(True)
        self.seen_plot.hideAxis("left")
        self.seen_plot.hideAxis("bottom")
        self.seen_plot.setMouseEnabled(x=False, y=False)
        self.seen_plot.setToolTip("Your drawing as the network gets it: 8×8 squares, each one of 17 grey levels")
        self.seen_image = g.ImageItem(np.zeros((8, 8), np.float32), levels=(0, 1))
        self.seen_image.setRect(0, 0, 8, 8)
        self.seen_plot.addItem(self.seen_image)
        self.seen_plot.setRange(xRange=(0, 8), yRange=(0, 8), padding=0.02)
        self.seen_input: np.ndarray | None = None  # (8, 8) in 0..1: exactly what the network was given

        # one row as tall as the pad: the drawing, right beside it the 8×8 picture it becomes (with the guess and
        # Clear), then the bars; the training pictures above take the rest of the height
        seen_box = QWidget()
        seen_layout = QVBoxLayout(seen_box)
        seen_layout.setContentsMargins(0, 0, 0, 0)
        seen_layout.setSpacing(2)
        seen_layout.addWidget(self.seen_plot, 1)
        seen_layout.addWidget(self.prediction_label)
        seen_layout.addWidget(self.clear_button)
        bottom = PadRow(self.pad, seen_box, self.bar_plot, host)  # the pad grows with the page, square
        grid.addWidget(self.confusion_plot, 0, 0)
        grid.addWidget(self.weights_plot, 0, 1)
        grid.addWidget(bottom, 1, 0, 1, 2)
        # the training curve under the controls that start it (three plots in a row left each too narrow)
        self.curve_plot.setFixedHeight(190)
        self.curve_plot.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)  # no gaps above it
        self.controls.addSpacing(6)
        self.controls.addWidget(self.curve_plot)
        self.set_picture(host)
        from lab_app.widgets.placeholder import Placeholder

        # what each empty picture will show, until training fills it
        self.placeholders = {
            "curve": Placeholder(self.curve_plot, "Press <b>Train</b>: the loss and the test accuracy are drawn "
                                                  "here, epoch by epoch."),
            "confusion": Placeholder(self.confusion_plot, "After training: for each true digit, what the network "
                                                          "answered."),
            "weights": Placeholder(self.weights_plot, "After training: what each first-layer neuron looks for."),
            "bars": Placeholder(self.bar_plot, "Train a model, then draw a digit: the network's guess for every "
                                               "digit appears here."),
            "seen": Placeholder(self.seen_plot, "Draw a digit: the 8×8 picture the network is given appears here."),
        }

    # -- training -------------------------------------------------------------------------
    def config(self) -> DigitsConfig:
        return DigitsConfig(model=self.model_box.currentData(), epochs=self.epochs_box.value(),
                            seed=self.seed_box.value())

    def train(self) -> None:
        config = self.config()
        self.status_label.setText(f"Training the {config.model.upper()}…")
        self.accuracy_label.setText("Test accuracy: –")
        self.runner.start(lambda cancel: train_digits(config, cancel), label=f"Training digits {config.model}")

    def _on_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def _on_progress(self, progress: Progress) -> None:
        acc = progress.metrics.get("test_accuracy")
        text = f"Epoch {progress.step}/{progress.total}"
        if acc is not None:
            text += f": test accuracy {acc:.1%}"
        self.status_label.setText(text)

    def _on_frame(self, frame: Frame) -> None:
        self.show_snapshot(frame.payload)

    def show_snapshot(self, payload: dict[str, Any]) -> None:
        epochs = np.arange(1, len(payload["train_loss"]) + 1)
        self.placeholders["curve"].clear()
        self.loss_curve.setData(epochs, payload["train_loss"])
        self.acc_curve.setData(epochs, payload["test_accuracy"])
        top = max([1.05, *(v * 1.05 for v in payload["train_loss"][:1])])
        self.curve_plot.setYRange(0, top)
        if len(epochs):
            self.curve_plot.setXRange(0.5, max(len(epochs), self.epochs_box.value()) + 0.5)
        self.show_confusion(np.asarray(payload["confusion"]))
        self.show_weights(np.asarray(payload["first_layer"]))

    def show_confusion(self, matrix: np.ndarray) -> None:
        self.confusion_image.setImage(matrix.astype(np.float32), levels=(0, max(1, int(matrix.max()))))
        self.confusion_image.setVisible(True)
        self.placeholders["confusion"].clear()
        self.confusion_image.setRect(0, 0, 10, 10)
        peak = max(1, int(matrix.max()))
        counts = matrix.astype(int)
        self.confusion_numbers.set_cells([[str(n) if n else "" for n in row] for row in counts],
                                         [["#000000" if n > 0.6 * peak else "#ffffff" for n in row] for row in counts])

    def show_weights(self, pictures: np.ndarray) -> None:
        columns = int(np.ceil(np.sqrt(pictures.shape[0])))
        mosaic = tile_images(pictures, columns)
        self.weights_image.setImage(mosaic, levels=(-1, 1))
        self.weights_image.setVisible(True)
        self.placeholders["weights"].clear()
        self.weights_image.setRect(0, 0, mosaic.shape[1], mosaic.shape[0])
        self.weights_plot.autoRange(padding=0.02)

    def _on_finished(self, result: DigitsResult) -> None:
        self.result = result
        self.classifier = result.classifier
        self.show_confusion(result.confusion)
        self.status_label.setText(f"Done: {result.epochs} epochs in {result.seconds:.1f} s "
                                  f"(train accuracy {result.train_accuracy:.1%}). Now draw a digit!")
        self.accuracy_label.setText(f"Test accuracy: {result.test_accuracy:.1%} "
                                    f"({round(result.test_accuracy * 360)} of 360)")
        self.prediction_label.setText("Draw a digit in the black square.")
        self.placeholders["bars"].clear()
        self.update_prediction()

    def _on_failed(self, failure) -> None:
        self.status_label.setText(f"Training failed: {failure.message}")

    def _on_cancelled(self) -> None:
        self.status_label.setText("Training cancelled.")

    # -- drawing ----------------------------------------------------------------------------
    def show_seen(self) -> np.ndarray:
        """Show (and return) the drawing as the network gets it: ``(8, 8)`` in 0..1, 17 grey levels."""
        seen = drawing_to_digit(self.pad.image(), ink="light").astype(np.float32) / GREY_LEVELS
        self.seen_input = seen
        self.seen_image.setImage(seen, levels=(0, 1))  # row-major (lab_app.plotting): row 0 at the top
        if self.pad.is_empty():
            self.placeholders["seen"].show_text("Draw a digit: the 8×8 picture the network is given appears here.")
        else:
            self.placeholders["seen"].clear()
        return seen

    def update_prediction(self) -> None:
        seen = self.show_seen()  # even before training: the 8×8 picture does not need a network
        if self.classifier is None:
            return
        if self.pad.is_empty():
            self.last_probabilities = None
            self.bars.setOpts(height=np.zeros(10))
            self.prediction_label.setText("Draw a digit in the black square.")
            return
        probs = self.classifier.predict_proba(seen[None])[0]  # the very pixels shown beside the drawing
        self.last_probabilities = probs
        best = int(np.argmax(probs))
        brushes = ["#e67e22" if i == best else "#2e86de" for i in range(10)]
        self.bars.setOpts(height=probs, brushes=brushes)
        self.prediction_label.setText(f"I think it's a <b>{best}</b> ({probs[best]:.0%} sure)")
