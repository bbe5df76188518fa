"""The pictures of the "Sentences as vectors" page: a similarity heatmap with the numbers in its squares, and a
2D map of the sentence vectors (PCA)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from lab_app.plotting import pg, themed
from lab_app.widgets.cell_numbers import new_cell_numbers
from lab_app.widgets.scene_flat import labelled_plot_class
from lab_app.widgets.scene_parts import LabelSet

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
    """The sentence vectors squeezed to 2D by PCA: a dot per sentence, labelled S1, S2, … and its first words.
    The labels are placed on screen as the 3D views place theirs: beside their dot, never on another label or
    another sentence's dot, with a leader line when pushed further off."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        g = pg()
        self.plot = themed(labelled_plot_class()())
        self.plot.owner = self
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setTitle("Sentences as points (PCA to 2D)")
        self.plot.setLabel("bottom", "direction of most spread")
        self.plot.setLabel("left", "second direction")
        self.scatter = g.ScatterPlotItem(size=12, brush=g.mkBrush(POINT_COLOUR), pen=g.mkPen("w", width=1))
        self.plot.addItem(self.scatter)
        self.labels: LabelSet | None = None
        self.coords = np.zeros((0, 2))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def label_sets(self) -> list[LabelSet]:
        if self.labels is None:
            return []
        self.labels.colour = self.plot.getAxis("bottom").textPen().color()  # follows a theme switch
        return [self.labels]

    def show_points(self, coords: np.ndarray, texts: list[str]) -> None:
        self.coords = np.asarray(coords, dtype=np.float32)[:, :2]  # the two directions of most spread
        self.scatter.setData(pos=self.coords)
        font = QFont()
        font.setPointSize(10)
        self.labels = LabelSet(np.c_[self.coords, np.zeros(len(self.coords))],
                               [f"S{i + 1} {short(text, 24)}" for i, text in enumerate(texts)],
                               self.plot.getAxis("bottom").textPen().color(), font, force=True)
        span = float(np.abs(self.coords).max()) if len(self.coords) else 1.0
        span = span or 1.0
        self.plot.setXRange(-span * 1.15, span * 1.15)
        self.plot.setYRange(-span * 1.15, span * 1.15)
        self.plot.viewport().update()
