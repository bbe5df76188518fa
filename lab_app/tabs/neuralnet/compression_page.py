"""Page "Compression": squeeze 8×8 digits through k numbers, walk the latent space, sweep k, 3-number sentences."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGridLayout, QLabel, QPushButton,
                               QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from engines.core.jobs import Progress
from engines.neuralnet.autoencoder import (MAX_BOTTLENECK, Autoencoder, AutoencoderConfig, AutoencoderResult,
                                           SweepPoint, bottleneck_sweep, compression_ratio, train_autoencoder)
from engines.neuralnet.digits import load_digits
from lab_app.plotting import pg, themed
from lab_app.tabs.neuralnet.compression_3d import Latent3D
from lab_app.tabs.neuralnet.compression_sentence import SentenceSqueezeBox
from lab_app.tabs.neuralnet.compression_text import DIGIT_COLORS, EXPLAINER
from lab_app.tabs.page import LabPage

class CompressionPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.model: Autoencoder | None = None
        self.codes: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.decoded_image: np.ndarray | None = None
        self.sweep_points: list[SweepPoint] = []
        self.sweep_ks: tuple[int, ...] = tuple(range(1, MAX_BOTTLENECK + 1))
        self.sweep_epochs = 15
        self.runner = self.new_runner("autoencoder")
        self.runner.frame.connect(lambda frame: self.show_snapshot(frame.payload))
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_trained)
        self.runner.failed.connect(lambda f: self.status_label.setText(f"Failed: {f.message}"))
        self.runner.cancelled.connect(lambda: self.status_label.setText("Cancelled."))
        self.runner.running_changed.connect(lambda running: self.train_button.setEnabled(not running))
        self.sweep_runner = self.new_runner("bottleneck sweep")
        self.sweep_runner.frame.connect(lambda frame: self.show_sweep(frame.payload["points"]))
        self.sweep_runner.progress.connect(self._on_sweep_progress)
        self.sweep_runner.finished.connect(self._on_sweep_done)
        self.sweep_runner.failed.connect(lambda f: self.sweep_label.setText(f"Failed: {f.message}"))
        self.sweep_runner.running_changed.connect(lambda running: self.sweep_button.setEnabled(not running))
        self.sentence_runner = self.new_runner("sentence code")
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)

    # -- layout ---------------------------------------------------------------------------
    def _build_controls(self) -> None:
        form = QFormLayout()
        self.k_box = QSpinBox()
        self.k_box.setRange(1, MAX_BOTTLENECK)
        self.k_box.setValue(2)
        self.k_box.setToolTip("How many numbers each 64-pixel digit is squeezed into")
        self.epochs_box = QSpinBox()
        self.epochs_box.setRange(1, 200)
        self.epochs_box.setValue(40)
        form.addRow("Bottleneck k", self.k_box)
        form.addRow("Epochs", self.epochs_box)
        self.controls.addLayout(form)
        self.ratio_label = QLabel()
        self.k_box.valueChanged.connect(self._show_ratio)
        self._show_ratio(self.k_box.value())
        self.train_button = QPushButton("Train")
        self.train_button.clicked.connect(self.train)
        self.status_label = QLabel("Press Train (about a second).")
        self.status_label.setWordWrap(True)
        self.error_label = QLabel("Rebuild error: –")
        self.error_label.setStyleSheet("font-weight: bold")
        self.error_label.setWordWrap(True)
        self.ratio_label.setWordWrap(True)
        self.view3d_box = QCheckBox("Show k = 3 as a 3D cloud")
        self.view3d_box.setToolTip("Drag to turn the cloud; the decoded picture follows the 2D map")
        self.view3d_box.toggled.connect(self._on_view3d)
        for widget in (self.ratio_label, self.view3d_box, self.train_button, self.status_label, self.error_label):
            self.controls.addWidget(widget)
        self.controls.addSpacing(12)
        self.sweep_button = QPushButton(f"Sweep k = 1…{MAX_BOTTLENECK}")
        self.sweep_button.setToolTip("Train one network per bottleneck size and compare their errors")
        self.sweep_button.clicked.connect(self.sweep)
        self.sweep_label = QLabel("")
        self.sweep_label.setWordWrap(True)
        self.controls.addWidget(self.sweep_button)
        self.controls.addWidget(self.sweep_label)

    def _on_view3d(self, on: bool) -> None:
        """Ticked with another k, or before a k = 3 network exists: set k to 3 and say what to press, rather
        than change nothing."""
        codes = getattr(self, "_latent", (None, None))[0]
        if on and (codes is None or codes.shape[1] != 3):
            self.k_box.setValue(3)
            if not self.runner.is_running():
                self.status_label.setText("k is now 3: press Train to see the codes as a 3D cloud.")
        self._update_latent_view()

    def _show_ratio(self, k: int) -> None:
        self.ratio_label.setText(f"64 numbers → {k}: {compression_ratio(k):.3g}× smaller")

    def _build_picture(self) -> None:
        g = pg()
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)

        self.latent_plot = themed(g.PlotWidget(title="The code: every test digit as a point (click one!)"))
        self.latent_plot.showGrid(x=True, y=True, alpha=0.15)
        self.scatters = []
        for digit in range(10):
            item = g.ScatterPlotItem(size=6, pen=None, brush=g.mkBrush(DIGIT_COLORS[digit]))
            self.latent_plot.addItem(item)
            self.scatters.append(item)
        self.marker = g.ScatterPlotItem(size=16, symbol="+", pen=g.mkPen("k", width=3), brush=None)
        self.latent_plot.addItem(self.marker, ignoreBounds=True)  # the view must not jump while dragging
        self.latent_plot.scene().sigMouseClicked.connect(self._on_latent_click)
        view = self.latent_plot.getPlotItem().vb
        self._pan_drag = view.mouseDragEvent
        view.mouseDragEvent = self._on_latent_drag  # left drag decodes live; right drag still zooms
        self.latent_3d: Latent3D | None = None  # built the first time it is shown

        self.decoded_plot = themed(g.PlotWidget(title="Decoded from the clicked point"))
        self.decoded_plot.setAspectLocked(True)
        self.decoded_plot.invertY(True)
        self.decoded_plot.hideAxis("left")
        self.decoded_plot.hideAxis("bottom")
        self.decoded_plot.setMouseEnabled(x=False, y=False)
        self.decoded_item = g.ImageItem(np.zeros((8, 8)), levels=(0, 1))
        self.decoded_item.setColorMap(g.colormap.get("CET-L1"))
        self.decoded_plot.addItem(self.decoded_item)
        self.decoded_plot.setRange(xRange=(0, 8), yRange=(0, 8), padding=0.02)
        self.pairs_plot = themed(g.PlotWidget(title="Originals (top) and their rebuilds (bottom)"))
        self.pairs_plot.setAspectLocked(True)
        self.pairs_plot.invertY(True)
        self.pairs_plot.hideAxis("left")
        self.pairs_plot.hideAxis("bottom")
        self.pairs_item = g.ImageItem(np.zeros((17, 71)), levels=(0, 1))
        self.pairs_item.setColorMap(g.colormap.get("CET-L1"))
        self.pairs_plot.addItem(self.pairs_item)

        self.sweep_plot = themed(g.PlotWidget(title="Price of squeezing: rebuild error vs k"))
        self.sweep_plot.setLabel("bottom", "k (numbers in the bottleneck)")
        self.sweep_plot.setLabel("left", "error per pixel")  # the explainer says which error
        self.sweep_plot.showGrid(x=True, y=True, alpha=0.2)
        self.sweep_curve = self.sweep_plot.plot([], [], pen=g.mkPen("#2e86de", width=2), symbol="o",
                                                symbolBrush="#2e86de", symbolSize=7)
        self.sweep_texts: list[Any] = []

        latent_box = QWidget()
        latent_layout = QVBoxLayout(latent_box)
        latent_layout.setContentsMargins(0, 0, 0, 0)
        latent_layout.setSpacing(2)
        legend = QLabel("Colour = true digit: " + "&nbsp; ".join(
            f"<span style='color:{c}; font-size:large'>●</span>{d}" for d, c in enumerate(DIGIT_COLORS)))
        latent_layout.addWidget(legend)
        self.latent_stack = QStackedWidget()
        self.latent_stack.addWidget(self.latent_plot)
        latent_layout.addWidget(self.latent_stack, 1)
        grid.addWidget(latent_box, 0, 0, 2, 1)
        grid.addWidget(self.decoded_plot, 0, 1)
        grid.addWidget(self.pairs_plot, 1, 1)
        grid.addWidget(self.sweep_plot, 2, 0)
        self.sentence_panel = SentenceSqueezeBox(self.sentence_runner)
        grid.addWidget(self.sentence_panel, 2, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        for row in range(3):
            grid.setRowStretch(row, 1)
        self.set_picture(host)
        from lab_app.widgets.placeholder import Placeholder

        # what each empty picture will show, until training fills it
        self.placeholders = {
            "latent": Placeholder(self.latent_plot, "Press <b>Train</b> (about a second): every test digit "
                                                    "becomes a point here, placed by its k code numbers."),
            "decoded": Placeholder(self.decoded_plot, "After training: click the map to decode a point."),
            "pairs": Placeholder(self.pairs_plot, "After training: test digits and their rebuilds."),
            "sweep": Placeholder(self.sweep_plot, f"Press <b>Sweep k = 1…{MAX_BOTTLENECK}</b>: how much is lost "
                                                  "at each bottleneck size."),
        }

    # -- autoencoder ----------------------------------------------------------------------
    def train(self) -> None:
        config = AutoencoderConfig(bottleneck=self.k_box.value(), epochs=self.epochs_box.value())
        self.status_label.setText(f"Training with k = {config.bottleneck}…")
        self.runner.start(lambda cancel: train_autoencoder(config, cancel), label="Training autoencoder")

    def _on_progress(self, progress: Progress) -> None:
        self.status_label.setText(f"Epoch {progress.step}/{progress.total}: "
                                  f"test error {progress.metrics.get('test_mse', float('nan')):.4f}")

    def show_snapshot(self, payload: dict[str, Any]) -> None:
        self.placeholders["latent"].clear()
        self.placeholders["pairs"].clear()
        self.show_latent(np.asarray(payload["latent"]), np.asarray(payload["labels"]))
        originals, rebuilt = np.asarray(payload["originals"]), np.asarray(payload["reconstructions"])
        n = originals.shape[0]
        mosaic = np.full((17, n * 9 - 1), np.nan, dtype=np.float32)
        for i in range(n):
            mosaic[0:8, i * 9: i * 9 + 8] = originals[i]
            mosaic[9:17, i * 9: i * 9 + 8] = rebuilt[i]
        self.pairs_item.setImage(mosaic, levels=(0, 1))
        self.pairs_plot.autoRange(padding=0.02)

    def show_latent(self, codes: np.ndarray, labels: np.ndarray) -> None:
        if codes.shape[1] >= 2:
            xs, ys = codes[:, 0], codes[:, 1]
            names = ("code number 1", "code number 2" + ("" if codes.shape[1] == 2 else f" (of {codes.shape[1]})"))
        else:  # one number: spread the digits vertically by their label so they can be told apart
            jitter = np.random.default_rng(0).uniform(-0.3, 0.3, len(labels))
            xs, ys = codes[:, 0], labels + jitter
            names = ("the one code number", "true digit (only for show)")
        if names != getattr(self, "_latent_axis_names", None):  # not on every snapshot: each setLabel re-lays out
            self._latent_axis_names = names                     # the axis text (setHtml) and repaints the axis
            self.latent_plot.setLabel("bottom", names[0])
            self.latent_plot.setLabel("left", names[1])
        for digit, item in enumerate(self.scatters):
            mask = labels == digit
            item.setData(xs[mask], ys[mask])
        self._latent = (codes, labels)
        self._update_latent_view()

    def _update_latent_view(self) -> None:
        """The 3D cloud when k = 3 and the box is ticked, otherwise the 2D map."""
        codes, labels = getattr(self, "_latent", (None, None))
        want_3d = self.view3d_box.isChecked() and codes is not None and codes.shape[1] == 3
        if want_3d:
            if self.latent_3d is None:
                self.latent_3d = Latent3D(DIGIT_COLORS)
                self.latent_stack.addWidget(self.latent_3d)
            self.latent_3d.set_points(codes, labels)
            self.latent_stack.setCurrentWidget(self.latent_3d)
        else:
            self.latent_stack.setCurrentWidget(self.latent_plot)

    def _on_trained(self, result: AutoencoderResult) -> None:
        self.model = result.model
        self.codes = result.model.encode(load_digits().test_images)
        self.status_label.setText(f"Done in {result.seconds:.1f} s. Click or drag in the map to decode.")
        self.error_label.setText(f"Rebuild error: {result.test_mse:.4f} per pixel "
                                 f"(k = {result.model.bottleneck}, {result.compression_ratio:.3g}× smaller)")
        centre = self.codes.mean(axis=0)
        self.decode_at(float(centre[0]), float(centre[1]) if self.codes.shape[1] > 1 else 4.5)

    def decode_at(self, x: float, y: float) -> np.ndarray | None:
        """Decode the latent point under map position (x, y) (other latent numbers at their mean) → ``(8, 8)``."""
        if self.model is None or self.codes is None:
            return None
        point = self.codes.mean(axis=0).astype(np.float32)
        point[0] = x
        if point.shape[0] > 1:
            point[1] = y
        image = self.model.decode(point)[0]
        self.decoded_image = image
        self.placeholders["decoded"].clear()
        self.decoded_item.setImage(image, levels=(0, 1))
        self.marker.setData([x], [y])
        shown = ", ".join(f"{v:.2f}" for v in point[:4]) + (", …" if point.shape[0] > 4 else "")
        self.decoded_plot.setTitle(f"Decoded from ({shown})")
        return image

    def _on_latent_drag(self, event, axis=None) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            self._pan_drag(event, axis)
            return
        event.accept()
        point = self.latent_plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.decode_at(point.x(), point.y())

    def _on_latent_click(self, event) -> None:
        view = self.latent_plot.getPlotItem().vb
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        point = view.mapSceneToView(event.scenePos())
        self.decode_at(point.x(), point.y())

    # -- sweep ------------------------------------------------------------------------------
    def sweep(self) -> None:
        ks, epochs = self.sweep_ks, self.sweep_epochs
        self.sweep_label.setText("Training one network per k…")
        self.sweep_runner.start(lambda cancel: bottleneck_sweep(ks, epochs, cancel), label="Bottleneck sweep")

    def _on_sweep_progress(self, progress: Progress) -> None:
        self.sweep_label.setText(f"Trained {progress.step} of {progress.total} networks…")

    def show_sweep(self, points: list[SweepPoint]) -> None:
        g = pg()
        self.sweep_points = list(points)
        ks = np.array([p.bottleneck for p in points], dtype=float)
        errors = np.array([p.test_mse for p in points])
        self.sweep_curve.setData(ks, errors)
        self.placeholders["sweep"].clear()
        for text in self.sweep_texts:
            self.sweep_plot.removeItem(text)
        self.sweep_texts = []
        for p in points:
            if p.bottleneck & (p.bottleneck - 1):
                continue  # label the powers of two only, so the numbers don't collide
            text = g.TextItem(f"{p.compression_ratio:g}×", anchor=(0.5, 1.2), color="#888")
            text.setPos(p.bottleneck, p.test_mse)
            self.sweep_plot.addItem(text)
            self.sweep_texts.append(text)
        if len(errors):
            self.sweep_plot.setYRange(0, float(errors.max()) * 1.2)
            self.sweep_plot.setXRange(0.5, max(ks.max(), 2) + 0.5)

    def _on_sweep_done(self, points: list[SweepPoint]) -> None:
        self.show_sweep(points)
        if points:
            first, last = points[0], points[-1]
            self.sweep_label.setText(f"k = {first.bottleneck}: error {first.test_mse:.4f} "
                                     f"({first.compression_ratio:g}× smaller); "
                                     f"k = {last.bottleneck}: error {last.test_mse:.4f} "
                                     f"({last.compression_ratio:g}× smaller).")
