"""The Playground's live picture: decision boundary with the data, one small picture per hidden
neuron, loss curves and the numbers. Draws a snapshot dict from :meth:`Playground.snapshot`."""

from __future__ import annotations

from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from lab_app.plotting import pg, plain_numbers, restyle
from lab_app.tabs.neuralnet.playground_network import NetworkDiagram, grid_to_qimage
from lab_app.theme import PLOT_COLORS
from lab_app.widgets.accessibility import emphasise

# class 0 orange, class 1 blue (as in TensorFlow Playground), then more for multi-class data
CLASS_COLORS = ("#f59322", "#0877bd", "#2f9e44", "#c2255c", "#7048e8",
                "#868e96", "#e8590c", "#1098ad", "#5c940d", "#862e9c")
MIDDLE = "#e8eaeb"
BLEW_UP = "loss: blew up (learning rate too high)"
BLEW_UP_WHY = ("The network's numbers grew too big to count: each step overshot further than the last. "
               "Pick a smaller learning rate and press Reset.")
NEURON_VIEW_HEIGHT = 64


BOUNDARY_COLORS = ("#f7c08a", "#86bde3")  # lighter than the points, so the points stand out


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def class_boundary_rgb(probs: np.ndarray) -> np.ndarray:
    """Class probabilities ``(G, G, k)`` → an RGB image ``(G, G, 3)`` uint8: each spot in a light version of
    its predicted class's colour, paler where the network is unsure."""
    k = probs.shape[-1]
    palette = np.stack([(_rgb(c) + 255.0) / 2 for c in CLASS_COLORS[:k]])  # lighter than the points
    winner = probs.argmax(axis=-1)
    sure = np.clip((probs.max(axis=-1) - 1 / k) / (1 - 1 / k), 0.0, 1.0)[..., None]
    rgb = _rgb(MIDDLE) * (1 - sure) + palette[winner] * sure
    return rgb.astype(np.uint8)


def colormap_lut(colors: tuple[str, str] = BOUNDARY_COLORS) -> np.ndarray:
    return boundary_colormap(colors).getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8)


def boundary_colormap(colors: tuple[str, str] = BOUNDARY_COLORS):
    return pg().ColorMap([0.0, 0.5, 1.0], [colors[0], MIDDLE, colors[1]])


def neuron_levels(activation: str, grids: np.ndarray) -> tuple[float, float]:
    """Colour range for a hidden neuron's outputs: fixed for squashing activations, symmetric otherwise."""
    if activation == "tanh":
        return (-1.0, 1.0)
    if activation == "sigmoid":
        return (0.0, 1.0)
    top = float(np.abs(grids).max()) or 1.0
    return (-top, top)


class PlaygroundView(QWidget):
    """Call :meth:`show_snapshot` with each new snapshot and :meth:`set_rate` with epochs per second."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lib = pg()
        self._cmap = boundary_colormap()
        self._neuron_cmap = boundary_colormap(CLASS_COLORS)
        self.epoch_label = QLabel("Epoch 0")
        self.rate_label = QLabel("— epochs/s")
        self.accuracy_label = QLabel("test accuracy —")
        for label in (self.epoch_label, self.rate_label, self.accuracy_label):
            emphasise(label, 1.1)  # follows the system font size
        self.loss_label = QLabel()

        self.neurons = lib.GraphicsLayoutWidget()
        self.neurons.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.network = NetworkDiagram()
        self._neuron_lut = colormap_lut(CLASS_COLORS[:2])
        self._boundary_lut = colormap_lut()
        self.task = "binary"
        self.value_levels = (0.0, 1.0)
        self._neuron_images: list[list[Any]] = []
        self._layer_sizes: list[int] | None = None

        self.boundary_plot = lib.PlotWidget()
        self.boundary_plot.setAspectLocked(True)
        self.boundary_plot.setMenuEnabled(False)
        self.boundary_plot.setMouseEnabled(False, False)
        self.boundary_plot.hideButtons()
        self.boundary_image = lib.ImageItem()
        self.boundary_image.setColorMap(self._cmap)
        self.boundary_plot.addItem(self.boundary_image)
        self.train_scatter = lib.ScatterPlotItem(size=7, pen=lib.mkPen("#ffffff", width=1))
        self.test_scatter = lib.ScatterPlotItem(size=7, symbol="s", pen=lib.mkPen("#212529", width=1))
        self.boundary_plot.addItem(self.train_scatter)
        self.boundary_plot.addItem(self.test_scatter)
        self.drawn_scatter = lib.ScatterPlotItem(size=9, pen=lib.mkPen("#212529", width=1))  # clicked-in points
        self.boundary_plot.addItem(self.drawn_scatter)
        self._points_of: tuple[int, int] | None = None
        self._first_losses: tuple[float, float] | None = None

        self.loss_plot = lib.PlotWidget()
        for plot in (self.boundary_plot, self.loss_plot):
            plot.setMinimumSize(120, 100)  # the window must still fit 1280×800 with the explainer open
            plain_numbers(plot)  # "loss (x0.001)" did not fit
        self.loss_plot.setMenuEnabled(False)
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.setLabel("left", "loss")
        self.train_curve = self.loss_plot.plot(pen=lib.mkPen("#868e96", width=2), symbolSize=6,
                                               symbolBrush="#868e96", symbolPen=None)
        self.test_curve = self.loss_plot.plot(pen=lib.mkPen("#e8590c", width=2), symbolSize=6,
                                              symbolBrush="#e8590c", symbolPen=None)

        numbers = QHBoxLayout()
        for widget in (self.epoch_label, self.rate_label, self.accuracy_label, self.loss_label):
            numbers.addWidget(widget)
            numbers.addSpacing(14)
        numbers.addStretch(1)
        # Captions do not word-wrap: a wrapped label's height-for-width would make the page too tall.
        self.caption = QLabel("<b>What the network says</b> (○ train, □ test)")
        self.caption.setToolTip("Orange = class 0, blue = class 1, pale = unsure")
        left = QVBoxLayout()
        left.addWidget(self.caption)
        left.addWidget(self.boundary_plot, 1)
        self.inside = QTabWidget()
        self.inside.addTab(self.network, "Network")
        self.inside.addTab(self.neurons, "Each neuron")
        self.inside.setToolTip("Edges: blue = positive weight, orange = negative, thicker = larger. "
                               "push: how hard training moves each layer's weights now (mean size of its gradient)")
        right = QVBoxLayout()
        right.addWidget(self.inside, 3)
        right.addWidget(QLabel("<b>Loss</b>: <span style='color:#868e96'>train</span>, "
                               "<span style='color:#e8590c'>test</span>"))
        right.addWidget(self.loss_plot, 2)
        plots = QHBoxLayout()
        plots.addLayout(left, 1)
        plots.addLayout(right, 1)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        # An explicit minimum: Qt's own guess for this mix of plots and labels makes the window too tall.
        self.setMinimumSize(440, 320)
        self.layout_.addLayout(numbers)
        self.layout_.addLayout(plots, 1)

    def apply_theme(self, theme: str) -> None:
        """Recolour the plots for ``light``/``dark`` (connected to ``AppContext.theme_changed``).

        Not ``plotting.themed``: its registry can outlive a closed window's widgets (see the report).
        """
        if not shiboken6.isValid(self.loss_plot):
            return
        background, foreground = PLOT_COLORS[theme]
        self.neurons.setBackground(background)
        self.network.set_foreground(foreground)
        for plot in (self.boundary_plot, self.loss_plot):
            restyle(plot, theme)

    # -- drawing ------------------------------------------------------------------------------
    def set_rate(self, epochs_per_second: float | None) -> None:
        self.rate_label.setText("— epochs/s" if epochs_per_second is None else f"{epochs_per_second:.0f} epochs/s")

    def show_snapshot(self, snap: dict[str, Any]) -> None:
        self.epoch_label.setText(f"Epoch {snap['epoch']}")
        acc = snap.get("test_accuracy")
        self.accuracy_label.setText("test accuracy —" if acc is None else f"test accuracy {100 * acc:.1f} %")
        if np.isfinite(snap["train_loss"]):
            self.loss_label.setText(f"train loss {snap['train_loss']:.3f} · test loss {snap['test_loss']:.3f}")
            self.loss_label.setToolTip("How wrong the network is on the training and on the test points (lower is better)")
        else:
            self.loss_label.setText(BLEW_UP)
            self.loss_label.setToolTip(BLEW_UP_WHY)
        x0, x1, y0, y1 = snap["extent"]
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        self.task = snap["task"]
        grid = np.asarray(snap["output_grid"])
        if not np.isfinite(grid).all():  # blown up: no answer anywhere, drawn as unsure
            grid = np.nan_to_num(grid, nan=0.5 if self.task != "regression" else 0.0, posinf=0.0, neginf=0.0)
        if self.task == "multiclass":  # several classes: each spot in its predicted class's colour
            rgb = class_boundary_rgb(grid)
            self.boundary_image.setImage(rgb, levels=(0, 255), autoLevels=False)
            lib = pg()  # each output neuron: its class's probability, pale → the class's colour
            outputs = [grid_to_qimage(grid[:, :, j], (0.0, 1.0), lib.ColorMap(
                [0.0, 1.0], [MIDDLE, color]).getLookupTable(0.0, 1.0, 256, alpha=False).astype(np.uint8))
                for j, color in enumerate(CLASS_COLORS[:grid.shape[2]])]
            self.caption.setToolTip("Each spot in the colour of the class the network picks; pale = unsure")
        else:
            levels = (0.0, 1.0)
            if self.task == "regression":
                targets = np.concatenate([snap["train_labels"], snap["test_labels"]])
                top = float(np.abs(targets).max()) or 1.0
                levels = (-top, top)
            self.value_levels = levels
            self.boundary_image.setImage(grid, levels=levels, autoLevels=False)
            outputs = [grid_to_qimage(grid, levels, self._boundary_lut)]
            self.caption.setToolTip("Blue = high value, orange = low" if self.task == "regression"
                                    else "Orange = class 0, blue = class 1, pale = unsure")
        self.boundary_image.setRect(rect)
        self.boundary_plot.setRange(rect, padding=0)
        self.network.show_snapshot(snap, self._neuron_lut, lambda g: neuron_levels(snap["activation"], g), outputs)
        self._show_points(snap)
        self._show_neurons(snap)
        history = snap["history"]
        # The losses before training (epoch 0) start each curve.
        epochs = np.concatenate([[0], history["epochs"]]) if snap["epoch"] else np.array([0])
        train = history["train_loss"] if snap["epoch"] else np.array([])
        test = history["test_loss"] if snap["epoch"] else np.array([])
        first_train = self._first_losses[0] if self._first_losses else snap["train_loss"]
        first_test = self._first_losses[1] if self._first_losses else snap["test_loss"]
        if not snap["epoch"]:
            self._first_losses = (snap["train_loss"], snap["test_loss"])
        self.train_curve.setData(epochs, np.concatenate([[first_train], train]))
        self.test_curve.setData(epochs, np.concatenate([[first_test], test]))
        for curve in (self.train_curve, self.test_curve):
            curve.setSymbol("o" if len(epochs) == 1 else None)  # a lone point needs a dot to be seen
        self.loss_plot.setXRange(0, max(10, int(epochs[-1])), padding=0.02)

    def _show_points(self, snap: dict[str, Any]) -> None:
        key = (id(snap["train_points"]), id(snap["test_points"]), snap["task"])
        if key == self._points_of:
            return  # same data: the points do not move while training
        self._points_of = key
        lib = pg()
        brushes = [lib.mkBrush(c) for c in CLASS_COLORS]
        value_map = boundary_colormap(CLASS_COLORS[:2])
        lo, hi = self.value_levels
        for scatter, points, labels in ((self.train_scatter, snap["train_points"], snap["train_labels"]),
                                        (self.test_scatter, snap["test_points"], snap["test_labels"])):
            if snap["task"] == "regression":  # a point's colour is its value, on the boundary's scale
                colors = value_map.map(np.clip((np.asarray(labels) - lo) / ((hi - lo) or 1.0), 0, 1))
                brush = [lib.mkBrush(*c) for c in colors]
            else:
                brush = [brushes[int(label) % len(brushes)] for label in labels]
            scatter.setData(pos=points, brush=brush)

    def show_drawn_points(self, points: np.ndarray, labels: np.ndarray) -> None:
        """The points the user has clicked in so far (drawn over the boundary)."""
        lib = pg()
        brushes = [lib.mkBrush(c) for c in CLASS_COLORS]
        self.drawn_scatter.setData(pos=np.asarray(points).reshape(-1, 2),
                                   brush=[brushes[int(label) % len(brushes)] for label in labels])

    def _show_neurons(self, snap: dict[str, Any]) -> None:
        sizes = [g.shape[0] for g in snap["neuron_grids"]]
        if sizes != self._layer_sizes:
            self._build_neuron_views(sizes)
        cmap_levels = [neuron_levels(snap["activation"], g) for g in snap["neuron_grids"]]
        x0, x1, y0, y1 = snap["extent"]
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        for images, grids, levels in zip(self._neuron_images, snap["neuron_grids"], cmap_levels):
            for image, grid in zip(images, grids):
                image.setImage(grid, levels=levels, autoLevels=False)
                image.setRect(rect)

    def _build_neuron_views(self, sizes: list[int]) -> None:
        lib = pg()
        self.neurons.clear()
        self._neuron_images = []
        for row, units in enumerate(sizes):
            self.neurons.addLabel(f"layer {row + 1}", row=row, col=0)
            images = []
            for unit in range(units):
                view = self.neurons.addViewBox(row=row, col=unit + 1, lockAspect=True, enableMouse=False)
                view.setMenuEnabled(False)
                image = lib.ImageItem()
                image.setColorMap(self._neuron_cmap)
                view.addItem(image)
                images.append(image)
            self._neuron_images.append(images)
        self._layer_sizes = sizes

        self.neurons.setMinimumHeight(30)  # in a tab: it must not make the page taller
        if not sizes:
            self.neurons.addLabel("no hidden layer: the output neuron looks at the inputs directly", row=0, col=0)
