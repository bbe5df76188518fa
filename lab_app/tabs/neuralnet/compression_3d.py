"""The compression page's 3D latent cloud (k = 3): every test digit as a point in space, coloured by digit."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QWidget

from lab_app.plotting import pg


def _rgba(color: str) -> tuple[float, float, float, float]:
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)) + (1.0,)  # type: ignore[return-value]


class Latent3D(QWidget):
    """A GLViewWidget with one scatter; :meth:`set_points` takes codes ``(N, 3)`` and labels ``(N,)``."""

    def __init__(self, colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QVBoxLayout

        pg()
        import pyqtgraph.opengl as gl

        self.colors = np.array([_rgba(c) for c in colors], dtype=np.float32)
        from lab_app.gl_views import view_class

        self.view = view_class()()
        self.view.setBackgroundColor("w")
        self.view.setMinimumSize(120, 100)
        grid = gl.GLGridItem()
        grid.setColor((0, 0, 0, 60))
        self.view.addItem(grid)
        # "translucent", not the default "additive": added to a white background the colours would vanish
        self.scatter = gl.GLScatterPlotItem(pos=np.zeros((1, 3), dtype=np.float32), size=6,
                                            color=(0, 0, 0, 0), glOptions="translucent")
        self.view.addItem(self.scatter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.points = np.zeros((0, 3), dtype=np.float32)
        self._framed = False

    def set_points(self, codes: np.ndarray, labels: np.ndarray) -> None:
        centred = np.asarray(codes, dtype=np.float32) - np.asarray(codes, dtype=np.float32).mean(axis=0)
        scale = float(np.abs(centred).max()) or 1.0
        self.points = centred / scale * 5  # a cloud about 10 units across, around the origin
        colors = self.colors[np.asarray(labels, dtype=np.intp) % len(self.colors)]
        self.scatter.setData(pos=self.points, color=colors, size=6)
        if not self._framed:
            self.view.setCameraPosition(distance=22, elevation=20, azimuth=40)
            self._framed = True
