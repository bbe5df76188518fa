"""A small 3D scene for word vectors: points, text labels, arrows and axes on a GLViewWidget.

pyqtgraph.opengl is imported on first use (through :func:`lab_app.plotting.pg`). Every item uses
``glOptions="translucent"`` so colours survive the light theme's white background.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtGui import QColor, QFont, QPainter, QVector3D

from lab_app.plotting import themed
from lab_app.theme import PLOT_COLORS, current_theme

GROUP_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#7f7f7f")


from lab_app.gl_views import gl, view_class  # noqa: E402,F401 - re-exported for the pages


_labels_class = None


def labels_class():
    """A GLTextItem for many labels: one QPainter per frame for all of them (one GLTextItem each halves the
    frame rate of a 10,000-point cloud with 32 labels under software GL)."""
    global _labels_class
    if _labels_class is None:
        g = gl()

        class GLLabelsItem(g.GLTextItem):
            def __init__(self, positions, texts, centred: bool = False, **kwds):
                super().__init__(**kwds)
                self.centred = centred
                self.positions = np.asarray(positions, dtype=float).reshape(-1, 3)
                self.texts = list(texts)

            def paint(self):
                if not self.texts:
                    return
                self.setupGLState()
                project = self.compute_projection()
                # Paint into the framebuffer that is bound now (not "the widget"), so the labels also land
                # in off-screen renders: QWidget.grab() (the app's --screenshot) and renderToArray.
                from PySide6.QtOpenGL import QOpenGLPaintDevice

                view = self.view()
                ratio = view.devicePixelRatioF()
                device = QOpenGLPaintDevice(int(view.width() * ratio), int(view.height() * ratio))
                device.setDevicePixelRatio(ratio)
                painter = QPainter(device)
                painter.setPen(self.color)
                painter.setFont(self.font)
                painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
                metrics = painter.fontMetrics()
                for p, text in zip(self.positions, self.texts):
                    at = project.map(QVector3D(*p)).toPointF()
                    if self.centred:
                        at.setX(at.x() - metrics.horizontalAdvance(text) / 2)
                    else:  # clear of the point's marker
                        at.setX(at.x() + 4)
                    painter.drawText(at, text)
                painter.end()

        _labels_class = GLLabelsItem
    return _labels_class


def rgba(colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    c = QColor(colour)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


def text_colour() -> QColor:
    return QColor(PLOT_COLORS[current_theme()][1])


class Scene3D:
    """Owns a ``GLViewWidget`` (``self.view``) and groups of items that can be replaced wholesale by key."""

    def __init__(self, distance: float = 4.0) -> None:
        self.view = themed(view_class()())  # follows theme switches (background only)
        self.view.setCameraPosition(distance=distance, elevation=22, azimuth=35)
        self.view.setMinimumSize(320, 240)
        self._groups: dict[str, list] = {}
        self.font = QFont()
        self.font.setPointSize(10)

    # -- item groups -------------------------------------------------------------------------
    def clear(self, key: str) -> None:
        for item in self._groups.pop(key, []):
            self.view.removeItem(item)

    def add(self, key: str, item) -> None:
        self.view.addItem(item)
        self._groups.setdefault(key, []).append(item)

    def items(self, key: str) -> list:
        return list(self._groups.get(key, []))

    # -- drawing helpers -----------------------------------------------------------------------
    def points(self, key: str, pos: np.ndarray, colours, size: float = 10.0, px_mode: bool = True):
        """Replace group ``key`` with one scatter of ``pos`` (n, 3); ``colours`` (n, 4) or one RGBA tuple."""
        self.clear(key)
        item = gl().GLScatterPlotItem(pos=np.asarray(pos, dtype=np.float32), color=colours, size=size,
                                      pxMode=px_mode, glOptions="translucent")
        self.add(key, item)
        return item

    def labels(self, key: str, pos: np.ndarray, texts: Sequence[str], colour: QColor | None = None,
               bold: bool = False) -> None:
        self.clear(key)
        font = QFont(self.font)
        font.setBold(bold)
        colour = colour or text_colour()
        self.add(key, labels_class()(pos, [f" {t}" for t in texts], color=colour, font=font,
                                     glOptions="translucent"))

    def arrows(self, key: str, starts: np.ndarray, ends: np.ndarray, colour: str, width: float = 3.0,
               head: float = 0.12) -> None:
        """Straight arrows from each start to each end, with a small two-stroke head at the end."""
        self.clear(key)
        segments = []
        for a, b in zip(np.asarray(starts, float), np.asarray(ends, float)):
            d = b - a
            length = np.linalg.norm(d)
            if length < 1e-9:
                continue
            segments += [a, b]
            u = d / length
            side = np.cross(u, [0.0, 0.0, 1.0])
            if np.linalg.norm(side) < 1e-6:
                side = np.cross(u, [0.0, 1.0, 0.0])
            side /= np.linalg.norm(side)
            h = min(head, 0.35 * length)
            for s in (side, -side):
                segments += [b, b - h * u + 0.5 * h * s]
        if segments:
            self.add(key, gl().GLLinePlotItem(pos=np.array(segments, dtype=np.float32), color=rgba(colour),
                                              width=width, mode="lines", antialias=True,
                                              glOptions="translucent"))

    def axes(self, key: str, length: float, names: Sequence[str], origin=(0.0, 0.0, 0.0)) -> None:
        """Three grey axis lines from ``origin`` with their names at the tips."""
        self.clear(key)
        o = np.asarray(origin, float)
        segs, tips = [], []
        for i in range(3):
            tip = o.copy()
            tip[i] += length
            segs += [o, tip]
            tips.append(tip)
        self.add(key, gl().GLLinePlotItem(pos=np.array(segs, np.float32), color=(0.5, 0.5, 0.5, 0.8), width=1.5,
                                          mode="lines", glOptions="translucent"))
        font = QFont(self.font)
        font.setItalic(True)
        self.add(key, labels_class()(np.array(tips), list(names), color=QColor("#888888"), font=font,
                                     glOptions="translucent"))

    def render_array(self, width: int = 320, height: int = 240) -> np.ndarray:
        """The scene drawn off-screen into an (h, w, 4) uint8 array (needs a real GL context)."""
        return self.view.renderToArray((width, height))
