"""Pictures of hand-wired neurons: inputs → weighted edges → neurons → output, drawn with QPainter.

Edge colour is the weight's sign (blue +, orange −, as everywhere on the Neural Net tab), its width
grows with |weight|; yellow means "on": an input that is 1, a neuron that fires (a clear lemon yellow,
so it is never mistaken for the orange of a negative weight). With one neuron the picture spells out the sum,
the threshold, the net input and the activation; with several layers (the XOR fix)
every neuron shows its own sum and threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engines.neuralnet.neuron import NeuronNetwork, NeuronTrace

POSITIVE = QColor("#1c7ed6")
NEGATIVE = QColor("#e8590c")
FIRING = QColor("#ffe066")
ACTIVATION_NAMES = {"step": "step", "sigmoid": "sigmoid", "relu": "ReLU", "tanh": "tanh"}


def edge_pen(weight: float) -> QPen:
    """Blue for a positive weight, orange for a negative one, wider for a bigger |weight|."""
    color = QColor(POSITIVE if weight > 0 else NEGATIVE if weight < 0 else QColor("#868e96"))
    width = 0.8 + 2.5 * min(abs(weight), 4.0)
    pen = QPen(color, width)
    if weight == 0:
        pen.setStyle(Qt.PenStyle.DashLine)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


class NetworkDiagram(QWidget):
    """Draws a :class:`NeuronNetwork` for one input vector (call :meth:`show_network`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network: NeuronNetwork | None = None
        self.inputs: list[float] = []
        self.input_labels: list[str] = []
        self.traces: list[list[NeuronTrace]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(360, 240)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(640, 340)

    def show_network(self, network: NeuronNetwork, inputs: Sequence[float],
                     input_labels: Sequence[str] | None = None) -> None:
        self.network = network
        self.inputs = [float(v) for v in inputs]
        self.input_labels = list(input_labels or [f"a{i + 1}" for i in range(len(self.inputs))])
        self.traces = []
        x = np.asarray(self.inputs)
        for layer in network.layers:
            traces = [neuron.trace(x) for neuron in layer]
            self.traces.append(traces)
            x = np.array([t.output for t in traces])
        self.update()

    @property
    def output_trace(self) -> NeuronTrace | None:
        return self.traces[-1][0] if self.traces else None

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        if self.network is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        single = len(self.network.layers) == 1 and len(self.network.layers[0]) == 1
        w, h = self.width(), self.height()
        n_cols = len(self.network.layers) + 1
        r_in = max(7.0, min(20.0, (h - 40) / (2.6 * max(len(self.inputs), 1))))
        r_neuron = min(70.0, h / 4.2) if single else max(16.0, min(42.0, (h - 40) / (2.8 * max(
            len(layer) for layer in self.network.layers))))
        left, right = 70.0, w - r_neuron - 50.0 - 175.0
        xs = [left + (right - left) * i / max(n_cols - 1, 1) for i in range(n_cols)]
        positions = [self._column(xs[0], len(self.inputs), h)]
        positions += [self._column(xs[i + 1], len(layer), h) for i, layer in enumerate(self.network.layers)]

        sources, source_radius = positions[0], r_in
        for li, layer in enumerate(self.network.layers):
            for ni, neuron in enumerate(layer):
                target = positions[li + 1][ni]
                for si, weight in enumerate(neuron.weights):
                    start = sources[si] + QPointF(source_radius, 0)
                    end = target - QPointF(r_neuron, 0)
                    painter.setPen(edge_pen(weight))
                    painter.drawLine(start, end)
                    self._edge_label(painter, start, end, weight, self.traces[li][ni].products[si], single,
                                     len(neuron.weights))
            sources, source_radius = positions[li + 1], r_neuron
        self._draw_inputs(painter, positions[0], r_in)
        for li, layer in enumerate(self.traces):
            for ni, trace in enumerate(layer):
                self._draw_neuron(painter, positions[li + 1][ni], r_neuron, trace,
                                  self.network.layers[li][ni], single)
        self._draw_output(painter, positions[-1][0], r_neuron, self.traces[-1][0], single)
        painter.end()

    @staticmethod
    def _column(x: float, n: int, height: float) -> list[QPointF]:
        gap = (height - 34) / max(n, 1)  # room below for the names under the neurons
        return [QPointF(x, 8 + gap * (i + 0.5)) for i in range(n)]

    def _text_color(self) -> QColor:
        return self.palette().windowText().color()

    def _edge_label(self, painter: QPainter, start: QPointF, end: QPointF, weight: float, product: float,
                    single: bool, n_inputs: int) -> None:
        if n_inputs > 4:
            return  # nine pixel edges: the grid itself shows the weights
        at = start + (end - start) * (0.28 if single else 0.35)
        text = f"w={weight:+.1f}  w·a={product:+.1f}" if single else f"{weight:+.1f}"
        painter.setFont(QFont(self.font().family(), 9 if single else 8))
        metrics = painter.fontMetrics()
        rect = QRectF(metrics.boundingRect(text)).adjusted(-3, -1, 3, 1)
        rect.moveCenter(at + QPointF(0, -12 if single else 0))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().window().color())
        painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(POSITIVE if weight > 0 else NEGATIVE if weight < 0 else self._text_color())
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_inputs(self, painter: QPainter, centers: list[QPointF], radius: float) -> None:
        painter.setFont(QFont(self.font().family(), 9 if radius > 10 else 7))
        for center, value, label in zip(centers, self.inputs, self.input_labels):
            painter.setPen(QPen(self._text_color(), 1.2))
            lit = QColor(FIRING)
            lit.setAlphaF(0.25 + 0.75 * min(abs(value), 1.0) if value else 0.0)
            painter.setBrush(lit if value else self.palette().base().color())
            painter.drawEllipse(center, radius, radius)
            if radius > 10:
                painter.setPen(QColor("#212529") if value else self._text_color())
                painter.drawText(QRectF(center.x() - radius, center.y() - radius, 2 * radius, 2 * radius),
                                 Qt.AlignmentFlag.AlignCenter, f"{value:g}")
            painter.setPen(self._text_color())
            painter.drawText(QRectF(center.x() - radius - 46, center.y() - 10, 40, 20),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)

    def _draw_neuron(self, painter: QPainter, center: QPointF, radius: float, trace: NeuronTrace, neuron,
                     single: bool) -> None:
        painter.setPen(QPen(self._text_color(), 2))
        painter.setBrush(FIRING if trace.fires else self.palette().base().color())
        painter.drawEllipse(center, radius, radius)
        painter.setPen(QColor("#212529") if trace.fires else self._text_color())
        rect = QRectF(center.x() - radius, center.y() - radius, 2 * radius, 2 * radius)
        if single:
            painter.setFont(QFont(self.font().family(), 10))
            text = (f"sum Σ w·a = {trace.weighted_sum:+.2f}\nthreshold θ = {neuron.threshold:+.2f}\n"
                    f"over by z = {trace.net_input:+.2f}")
        else:
            painter.setFont(QFont(self.font().family(), 8))
            text = f"Σ {trace.weighted_sum:+.1f}\nθ {neuron.threshold:+.1f}"
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if not single and neuron.name:
            painter.setPen(self._text_color())
            painter.drawText(QRectF(center.x() - 70, center.y() + radius + 2, 140, 16),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, neuron.name.split(" (")[0])

    def _draw_output(self, painter: QPainter, center: QPointF, radius: float, trace: NeuronTrace,
                     single: bool) -> None:
        start = center + QPointF(radius, 0)
        end = start + QPointF(40, 0)
        painter.setPen(QPen(FIRING if trace.fires else self._text_color(), 3 if trace.fires else 1.5))
        painter.drawLine(start, end)
        painter.drawLine(end, end + QPointF(-8, -6))
        painter.drawLine(end, end + QPointF(-8, 6))
        activation = self.network.layers[-1][0].activation
        lines = [f"{ACTIVATION_NAMES[activation]}(z) = {trace.output:.2f}",
                 "⚡ FIRES (spike)" if trace.fires else "quiet (no spike)"]
        painter.setPen(self._text_color())
        font = QFont(self.font().family(), 11 if single else 10)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(end.x() + 6, center.y() - 24, 175, 48),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "\n".join(lines))
