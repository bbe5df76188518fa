"""The pictures of the "Sentences as vectors" page: a similarity heatmap with the numbers in its squares, and a
2D map of the sentence vectors (PCA)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from lab_app.plotting import pg, themed
from lab_app.widgets.cell_numbers import new_cell_numbers

POINT_COLOUR = "#3b5bdb"


def short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class SimilarityHeatmap(QWidget):
    """An N × N grid: square (i, j) is coloured by the cosine of sentences i and j and shows it to two decimals.
    The colour scale is fixed at 0 (dark) … 1 (bright), so two encoders can be compared by eye."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        g = pg()
        self.plot = themed(g.PlotWidget())
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.invertY(True)  # sentence 1 in the top row, as in a table
        self.plot.setAspectLocked(True)
        self.plot.setTitle("Cosine similarity (1 = same direction)")
        self.image = g.ImageItem(np.zeros((1, 1)))
        self.image.setColorMap(g.colormap.get("viridis"))
        self.plot.addItem(self.image)
        self.numbers = new_cell_numbers()
        self.plot.addItem(self.numbers)
        self.matrix = np.zeros((0, 0))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_matrix(self, matrix: np.ndarray) -> None:
        self.matrix = np.asarray(matrix, dtype=np.float32)
        n = len(self.matrix)
        self.image.setImage(np.clip(self.matrix, 0, 1) if n else np.zeros((1, 1)), levels=(0, 1))
        labels = [(i + 0.5, f"S{i + 1}") for i in range(n)]
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setTicks([labels])
        self.plot.setXRange(0, max(n, 1), padding=0.02)
        self.plot.setYRange(0, max(n, 1), padding=0.02)
        self.numbers.set_point_size(11 if n <= 6 else 9 if n <= 10 else 7)
        self.numbers.set_cells([[f"{v:.2f}" for v in row] for row in self.matrix],
                               # viridis is bright yellow at the top
                               [["#000000" if v > 0.6 else "#ffffff" for v in row] for row in self.matrix])


class SentenceMap(QWidget):
    """The sentence vectors squeezed to 2D by PCA: a dot per sentence, labelled S1, S2, … and its first words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        g = pg()
        self.plot = themed(g.PlotWidget())
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setTitle("Sentences as points (PCA to 2D)")
        self.plot.setLabel("bottom", "direction of most spread")
        self.plot.setLabel("left", "second direction")
        self.scatter = g.ScatterPlotItem(size=12, brush=g.mkBrush(POINT_COLOUR), pen=g.mkPen("w", width=1))
        self.plot.addItem(self.scatter)
        self._labels: list = []
        self.coords = np.zeros((0, 2))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def show_points(self, coords: np.ndarray, texts: list[str]) -> None:
        g = pg()
        self.coords = np.asarray(coords, dtype=np.float32)[:, :2]  # the two directions of most spread
        for item in self._labels:
            self.plot.removeItem(item)
        self._labels = []
        self.scatter.setData(pos=self.coords)
        foreground = self.plot.getAxis("bottom").textPen().color()
        span = float(np.abs(self.coords).max()) if len(self.coords) else 1.0
        span = span or 1.0
        placed: list[tuple[float, float, bool]] = []
        for i, ((x, y), text) in enumerate(zip(self.coords, texts)):
            # labels run away from the middle; a point on top of an earlier one gets its label below it
            crowded = any(abs(x - px) < 0.15 * span and abs(y - py) < 0.12 * span and above
                          for px, py, above in placed)
            placed.append((float(x), float(y), not crowded))
            label = g.TextItem(f"S{i + 1} {short(text, 24)}", color=foreground,
                               anchor=(1.0 if x > 0 else 0.0, 0.0 if crowded else 1.0))
            label.setPos(float(x), float(y))
            self.plot.addItem(label)
            self._labels.append(label)
        self.plot.setXRange(-span * 1.15, span * 1.15)
        self.plot.setYRange(-span * 1.15, span * 1.15)

