"""The Playground's network drawing: input features → hidden neurons → output, as TensorFlow Playground draws it.

Every weight is a line: orange for negative, blue for positive, thicker for a larger |weight|. Each
hidden neuron's node shows its own small picture (what it responds to over the plane). Under every
layer of weights a bar and a number give the mean |gradient|: how hard training is pushing that layer.
Draws from a :meth:`engines.neuralnet.playground.Playground.snapshot` dict.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

POSITIVE, NEGATIVE = QColor("#0877bd"), QColor("#f59322")
MAX_EDGE_WIDTH = 5.0
GRAD_BAR_HEIGHT = 26


def grid_to_qimage(grid: np.ndarray, levels: tuple[float, float], lut: np.ndarray) -> QImage:
    """A ``(G, G)`` grid (row 0 = lowest y) → a QImage (top row = highest y) through ``lut`` ``(256, 3)`` uint8."""
    lo, hi = levels
    span = (hi - lo) if np.isfinite(hi - lo) and hi != lo else 1.0
    # a network whose numbers blew up (learning rate far too high) gives NaN: shown as the middle colour, unsure
    scaled = np.nan_to_num(np.clip((np.asarray(grid, dtype=np.float64) - lo) / span, 0.0, 1.0), nan=0.5)
    rgb = np.ascontiguousarray(lut[(scaled[::-1] * 255).astype(np.intp)])  # flip: image rows run downwards
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class NetworkDiagram(QWidget):
    """Call :meth:`show_snapshot`; ``edge_count`` is the number of weights drawn last time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 120)
        self.weights: list[np.ndarray] = []
        self.labels: list[str] = []
        self.gradients: list[float] = []
        self.node_images: list[list[QImage]] = []
        self.output_images: list[QImage] = []
        self.edge_count = 0
        self.lut: np.ndarray | None = None
        self._foreground = QColor("#212529")

    def set_foreground(self, color: str) -> None:
        self._foreground = QColor(color)
        self.update()

    def show_snapshot(self, snap: dict[str, Any], lut: np.ndarray, neuron_levels, outputs: list[QImage]) -> None:
        """Weights, gradient sizes, one picture per hidden neuron (``neuron_levels(grids)`` → colour range) and
        one per output neuron (``outputs``)."""
        self.weights = [np.asarray(w) for w in snap["weights"]]
        self.labels = list(snap.get("feature_labels") or [f"x{i + 1}" for i in range(self.weights[0].shape[0])])
        self.gradients = [float(g) for g in snap.get("gradient_magnitude", [])]
        self.node_images = [[grid_to_qimage(g, neuron_levels(grids), lut) for g in grids]
                            for grids in snap["neuron_grids"]]
        self.output_images = list(outputs)
        self.edge_count = int(sum(w.size for w in self.weights))
        self.update()

    # -- geometry -----------------------------------------------------------------------------
    def layer_sizes(self) -> list[int]:
        if not self.weights:
            return []
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]

    def node_positions(self) -> tuple[list[list[QPointF]], float]:
        """Centre of every node, per column, and the node size."""
        sizes = self.layer_sizes()
        if not sizes:
            return [], 0.0
        left, right, top = 44.0, 16.0, 6.0
        bottom = GRAD_BAR_HEIGHT + 4.0
        width = max(self.width() - left - right, 10.0)
        height = max(self.height() - top - bottom, 10.0)
        node = float(min(30.0, height / max(sizes) * 0.8, width / max(len(sizes), 2) * 0.5))
        columns = []
        for c, n in enumerate(sizes):
            x = left + width * (c / (len(sizes) - 1) if len(sizes) > 1 else 0.5)
            gap = height / n
            columns.append([QPointF(x, top + gap * (i + 0.5)) for i in range(n)])
        return columns, max(node, 4.0)

    # -- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        columns, node = self.node_positions()
        if not columns:
            painter.end()
            return
        top_weight = max((float(np.abs(w).max()) for w in self.weights if w.size), default=1.0) or 1.0
        for layer, w in enumerate(self.weights):
            for i, a in enumerate(columns[layer]):
                for j, b in enumerate(columns[layer + 1]):
                    value = float(w[i, j])
                    color = QColor(POSITIVE if value >= 0 else NEGATIVE)
                    color.setAlpha(200)
                    width = 0.4 + MAX_EDGE_WIDTH * abs(value) / top_weight
                    painter.setPen(QPen(color, width))
                    painter.drawLine(a + QPointF(node / 2, 0), b - QPointF(node / 2, 0))
        font = QFont(painter.font())
        font.setPointSizeF(max(7.5, min(9.0, node * 0.35)))
        painter.setFont(font)
        painter.setPen(QPen(self._foreground, 1))
        last = len(columns) - 1
        for c, column in enumerate(columns):
            for i, centre in enumerate(column):
                rect = QRectF(centre.x() - node / 2, centre.y() - node / 2, node, node)
                image = None
                if 0 < c < last and c - 1 < len(self.node_images) and i < len(self.node_images[c - 1]):
                    image = self.node_images[c - 1][i]
                elif c == last and i < len(self.output_images):
                    image = self.output_images[i]
                if image is not None:
                    painter.drawImage(rect, image)
                else:
                    painter.fillRect(rect, QColor("#f1f3f5"))
                painter.drawRect(rect)
                if c == 0 and i < len(self.labels):
                    painter.drawText(QRectF(0, centre.y() - 9, rect.left() - 3, 18),
                                     Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.labels[i])
        self._paint_gradients(painter, columns)
        painter.end()

    def _paint_gradients(self, painter: QPainter, columns: list[list[QPointF]]) -> None:
        """A bar (log scale, 1e-5…1) and the number for each layer of weights, between its two columns."""
        if not self.gradients:
            return
        base = self.height() - 4.0
        for layer, grad in enumerate(self.gradients[: len(columns) - 1]):
            x = (columns[layer][0].x() + columns[layer + 1][0].x()) / 2
            level = float(np.clip((np.log10(max(grad, 1e-12)) + 5) / 5, 0.0, 1.0))
            bar = QRectF(x - 22, base - 16, 44 * max(level, 0.03), 5)
            painter.fillRect(QRectF(x - 22, base - 16, 44, 5), QColor(134, 142, 150, 60))
            painter.fillRect(bar, QColor("#e8590c"))
            painter.drawText(QRectF(x - 40, base - 10, 80, 12), Qt.AlignmentFlag.AlignCenter, push_text(grad))


def push_text(grad: float) -> str:
    """A layer's push in plain decimals ("push 0.0066"), not scientific notation; tinier than 0.0001 is said so."""
    return f"push {grad:.2g}" if grad >= 1e-4 else "push < 0.0001"
