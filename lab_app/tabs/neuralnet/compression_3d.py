"""The compression page's 3D latent cloud (k = 3): every test digit as a point in space, coloured by digit.

Where OpenGL is missing it is the flat fallback of :func:`lab_app.widgets.scene3d.new_scene`: the first two
latent numbers, same colours, with a notice saying why.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from lab_app.widgets.scene3d import new_scene
from lab_app.widgets.scene_parts import rgba


class Latent3D(QWidget):
    """One scatter in a 3D scene; :meth:`set_points` takes codes ``(N, 3)`` and labels ``(N,)``."""

    def __init__(self, colors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colors = np.array([rgba(c) for c in colors], dtype=np.float32)
        self.scene = new_scene(distance=22)
        self.view = self.scene.view
        self.view.setMinimumSize(120, 100)
        self.scene.grid()
        if not self.scene.is_3d:  # the flat fallback shows the first two of the three numbers
            self.scene.plot.setLabel("bottom", "latent number 1")
            self.scene.plot.setLabel("left", "latent number 2 (of 3)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.points = np.zeros((0, 3), dtype=np.float32)
        self._framed = False

    def set_points(self, codes: np.ndarray, labels: np.ndarray) -> None:
        codes = np.asarray(codes, dtype=np.float32)
        centred = codes - codes.mean(axis=0)
        scale = float(np.abs(centred).max()) or 1.0
        self.points = centred / scale * 5  # a cloud about 10 units across, around the origin
        colors = self.colors[np.asarray(labels, dtype=np.intp) % len(self.colors)]
        self.scene.points("cloud", self.points, colors, size=6)
        if not self._framed:  # aim once: later snapshots keep the user's turns
            radius = float(np.percentile(np.linalg.norm(self.points, axis=1), 99)) if len(self.points) else 5.0
            self.scene.frame((0.0, 0.0, 0.0), max(radius, 1.0))
            self._framed = True
