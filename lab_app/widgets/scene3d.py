"""A 3D scatter scene (points, labels, arrows, axes) and :func:`new_scene`, which gives it where OpenGL works and
the flat 2D view of :mod:`lab_app.widgets.scene_flat` (same data, first two axes, with a notice) where it does not.

pyqtgraph.opengl is imported on first use. Items are kept in groups that are replaced wholesale by key. Labels are
not GL items: the view paints them last, on top of every point, so none hides under the cloud, and they are spread
so they do not pile on each other (:mod:`lab_app.widgets.scene_parts`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QMatrix4x4, QPainter, QVector3D

from lab_app.gl_views import gl, gl_status, view_class
from lab_app.plotting import themed
from lab_app.widgets.scene_parts import (LabelGroups, LabelSet, arrow_segments, axis_segments, draw_label_sets,
                                         rgba)


def new_scene(distance: float = 4.0, centre=(0.0, 0.0, 0.0)):
    """A :class:`Scene3D` when OpenGL works here (asked once per process), else a ``FlatScene`` with the same
    methods. ``distance``: the camera's first distance from ``centre``."""
    status = gl_status()
    if status.ok:
        return Scene3D(distance, centre)
    from lab_app.widgets.scene_flat import FlatScene

    return FlatScene(distance, centre, status)


class Scene3D(LabelGroups):
    """Owns a ``GLViewWidget`` (``self.view``, the widget to lay out) and groups of items replaced by key."""

    is_3d = True

    def __init__(self, distance: float = 4.0, centre=(0.0, 0.0, 0.0)) -> None:
        self.view = themed(view_class()())  # follows theme switches (background only)
        self.view.setCameraPosition(pos=QVector3D(*map(float, centre)), distance=distance, elevation=22, azimuth=35)
        self.view.setMinimumSize(320, 240)
        self.view.paint_overlay = self._paint_labels
        self.view.on_resize = self._reframe
        self._groups: dict[str, list] = {}
        self._lines: dict[str, np.ndarray] = {}  # each group's arrow strokes: labels keep off them
        self._frame: tuple[tuple[float, float, float], float] | None = None
        self.font = QFont()
        self.font.setPointSize(10)

    # -- item groups -------------------------------------------------------------------------
    def clear(self, key: str) -> None:
        self._lines.pop(key, None)
        for item in self._groups.pop(key, []):
            if not isinstance(item, LabelSet):
                self.view.removeItem(item)
        self.view.update()

    def add(self, key: str, item) -> None:
        if not isinstance(item, LabelSet):
            self.view.addItem(item)
        self._groups.setdefault(key, []).append(item)
        self.view.update()

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

    def arrows(self, key: str, starts: np.ndarray, ends: np.ndarray, colour: str, width: float = 3.0,
               head: float = 0.12) -> None:
        """Straight arrows from each start to each end, with a small two-stroke head at the end."""
        self.clear(key)
        segments = arrow_segments(starts, ends, head)
        self._lines[key] = segments
        if len(segments):
            self.add(key, gl().GLLinePlotItem(pos=segments, color=rgba(colour), width=width, mode="lines",
                                              antialias=True, glOptions="translucent"))

    def axes(self, key: str, length: float, names: Sequence[str], origin=(0.0, 0.0, 0.0)) -> None:
        """Three grey axis lines from ``origin`` with their names at the tips."""
        self.clear(key)
        segments, tips = axis_segments(length, origin)
        self.add(key, gl().GLLinePlotItem(pos=segments, color=(0.5, 0.5, 0.5, 0.8), width=1.5, mode="lines",
                                          glOptions="translucent"))
        font = QFont(self.font)
        font.setItalic(True)
        self.add(key, LabelSet(tips, list(names)[:3], QColor("#888888"), font))

    def grid(self, key: str = "grid") -> None:
        """A faint floor grid (the flat view shows its plot grid instead)."""
        self.clear(key)
        item = gl().GLGridItem()
        item.setColor((0, 0, 0, 60))
        self.add(key, item)

    # -- camera ------------------------------------------------------------------------------
    def frame(self, centre, radius: float) -> None:
        """Aim at ``centre`` from as close as keeps a ball of ``radius`` around it in view, whatever the view's
        shape (pyqtgraph's field of view is horizontal, so a wide strip needs the camera further back); kept
        when the view is resized."""
        self._frame = (tuple(float(c) for c in centre), float(radius))
        self._reframe()

    def _reframe(self) -> None:
        if self._frame is None:
            return
        centre, radius = self._frame
        view = self.view
        w, h = max(view.width(), 1), max(view.height(), 1)
        half = math.atan(math.tan(math.radians(view.opts["fov"]) / 2) * min(1.0, h / w))
        view.setCameraPosition(pos=QVector3D(*centre), distance=1.1 * radius / math.sin(half))

    def orbit(self, azimuth: float, elevation: float = 0.0) -> None:
        self.view.orbit(azimuth, elevation)

    def face(self, elevation: float, azimuth: float) -> None:
        """Look from these angles (degrees); elevation 90, azimuth −90 looks straight down with x right, y up."""
        self.view.setCameraPosition(elevation=elevation, azimuth=azimuth)

    def render_array(self, width: int = 320, height: int = 240) -> np.ndarray:
        """The scene drawn off-screen into an (h, w, 4) uint8 array (needs a real GL context)."""
        return self.view.renderToArray((width, height))

    # -- labels, painted after the items ------------------------------------------------------
    def _paint_labels(self, region, viewport) -> None:
        sets = [item for items in self._groups.values() for item in items if isinstance(item, LabelSet)]
        if not sets:
            return
        from PySide6.QtOpenGL import QOpenGLPaintDevice

        view = self.view
        _, _, rw, rh = region
        # the projection covers ``region`` (the whole widget, or one tile of renderToArray): map into it
        to_region = QMatrix4x4()
        to_region.viewport(0, rh, rw, -rh)
        m = to_region * view.currentProjection() * view.currentModelView()
        matrix = np.array(m.data(), dtype=float).reshape(4, 4).T  # Qt stores column-major

        def to_screen(positions: np.ndarray) -> list:
            homogeneous = np.c_[positions, np.ones(len(positions))] @ matrix.T
            out = []
            for x, y, _, w in homogeneous:
                out.append(QPointF(x / w, y / w) if w > 1e-9 else None)  # w ≤ 0: behind the camera
            return out

        ratio = view.devicePixelRatioF() if tuple(region) == tuple(viewport) else 1.0  # tiles are in pixels
        device = QOpenGLPaintDevice(int(rw * ratio), int(rh * ratio))
        device.setDevicePixelRatio(ratio)
        painter = QPainter(device)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        draw_label_sets(painter, sets, to_screen, QRectF(0, 0, rw, rh), self.arrow_lines())
        painter.end()
