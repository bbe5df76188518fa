"""The 2D fallback of :class:`lab_app.widgets.scene3d.Scene3D` for machines without a usable OpenGL: the same
groups of points, labels, arrows and axes drawn flat on their first two axes (same colours, labels and highlights),
under a one-line notice that says why there is no 3D and how to get it. Made by :func:`scene3d.new_scene`.
:class:`PlotLabels` gives any :func:`labelled_plot_class` plot named points whose labels keep off its curves.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from lab_app.gl_views import GLStatus
from lab_app.plotting import pg, themed
from lab_app.widgets.scene_parts import LabelGroups, LabelSet, arrow_segments, axis_segments, draw_label_sets

_plot_class = None


def labelled_plot_class():
    """A PlotWidget that paints the label sets its ``owner`` gives (``owner.label_sets()``) over everything,
    spread so they do not pile up and clear of the labelled points (:func:`scene_parts.draw_label_sets`)."""
    global _plot_class
    if _plot_class is None:
        class LabelledPlot(pg().PlotWidget):
            owner = None

            def drawForeground(self, painter, rect) -> None:  # noqa: N802 - Qt override
                super().drawForeground(painter, rect)
                if self.owner is not None:  # a scene's labels keep off its arrows (a plain owner has none)
                    lines = self.owner.arrow_lines() if hasattr(self.owner, "arrow_lines") else None
                    paint_plot_labels(self, self.owner.label_sets(), painter, lines)

        _plot_class = LabelledPlot
    return _plot_class


class PlotLabels:
    """The ``owner`` of a :func:`labelled_plot_class` plot: texts at points of the plot and the curves they keep off
    (in the view's coordinates: log10 of the values on log axes), placed afresh at every paint, so a resize or a
    zoom moves them too (a fixed offset from the point sat on a curve at one size or another)."""

    def __init__(self) -> None:
        self.sets: list[LabelSet] = []
        self._lines: list[np.ndarray] = []
        self._items: list = []  # curves whose data may change (a live run): read again at every paint

    def add(self, text: str, x: float, y: float, colour: str) -> LabelSet:
        labels = LabelSet(np.array([[x, y, 0.0]]), [text], QColor(colour), QFont(), force=True)
        self.sets.append(labels)
        return labels

    def keep_off(self, xs, ys) -> None:
        """A curve through the points (xs, ys) that no label may sit on (where any spot allows)."""
        if len(xs) >= 2:
            self._lines.append(_curve_segments(xs, ys))

    def keep_off_item(self, item) -> None:
        """A plot curve that no label may sit on, wherever its data go later (a run drawn as it trains)."""
        self._items.append(item)

    def label_sets(self) -> list[LabelSet]:
        return self.sets

    def arrow_lines(self) -> np.ndarray:
        lines = list(self._lines)
        for item in self._items:  # getData: the drawn data, log10 on log axes like the view's coordinates
            xs, ys = item.getData()
            if xs is not None and len(xs) >= 2:
                lines.append(_curve_segments(xs, ys))
        return np.concatenate(lines) if lines else np.zeros((0, 3))


def _curve_segments(xs, ys) -> np.ndarray:
    """A curve through (xs, ys) as line pairs (2m, 3), the form the label placer takes arrows in."""
    pts = np.c_[np.asarray(xs, float), np.asarray(ys, float), np.zeros(len(xs))]
    return np.stack([pts[:-1], pts[1:]], axis=1).reshape(-1, 3)


def paint_plot_labels(plot, sets: Sequence[LabelSet], painter: QPainter, lines: np.ndarray | None = None) -> None:
    """Draw ``sets`` (positions in the plot's data coordinates, first two numbers) over ``plot``'s view box, off
    the arrows' ``lines`` (line pairs (2m, 3))."""
    if not sets:
        return
    box = plot.getPlotItem().vb

    def to_screen(positions: np.ndarray) -> list:
        return [box.mapViewToScene(QPointF(float(x), float(y))) for x, y, _ in positions]

    bounds = box.sceneBoundingRect()
    painter.save()
    painter.setClipRect(bounds)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    draw_label_sets(painter, sets, to_screen, bounds, lines)
    painter.restore()


def _brushes(colours, count: int):
    """One brush, or one per point, from an RGBA tuple or an (n, 4) array of 0–1 floats."""
    g = pg()
    array = np.asarray(colours, dtype=float)
    if array.ndim == 1:
        return g.mkBrush(QColor.fromRgbF(*array))
    cache: dict[tuple, object] = {}
    out = []
    for row in map(tuple, array[:count]):
        brush = cache.get(row)
        if brush is None:
            brush = cache[row] = g.mkBrush(QColor.fromRgbF(*row))
        out.append(brush)
    return out


class FlatScene(LabelGroups):
    """``self.view`` is the widget to lay out (notice + plot); the drawing methods mirror ``Scene3D``'s."""

    is_3d = False

    def __init__(self, distance: float = 4.0, centre=(0.0, 0.0, 0.0), status: GLStatus | None = None) -> None:
        status = status or GLStatus(False, "OpenGL is not available", "For 3D, use a desktop with OpenGL")
        self.view = QWidget()
        layout = QVBoxLayout(self.view)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.notice = QLabel(status.notice())
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #b07d00")  # amber: readable on the light and the dark theme
        self.notice.setToolTip("The 3D views need OpenGL 2.1 or newer; without it they show the first two of "
                               "their three axes, with the same points, colours and labels.")
        self.plot = themed(labelled_plot_class()())  # themed: plain numbers, not "×0.001" rescaled ones
        self.plot.owner = self
        self.plot.setAspectLocked(True)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.hideButtons()
        layout.addWidget(self.notice)
        layout.addWidget(self.plot, 1)
        self.view.setMinimumSize(320, 240)
        self._groups: dict[str, list] = {}
        self._lines: dict[str, np.ndarray] = {}  # each group's arrow strokes: labels keep off them
        self.font = QFont()
        self.font.setPointSize(10)
        self.frame(centre, distance / 2)  # about what a 3D camera at ``distance`` shows across

    # -- item groups -------------------------------------------------------------------------
    def clear(self, key: str) -> None:
        self._lines.pop(key, None)
        for item in self._groups.pop(key, []):
            if not isinstance(item, LabelSet):
                self.plot.removeItem(item)
        self.plot.viewport().update()

    def add(self, key: str, item) -> None:
        if not isinstance(item, LabelSet):
            self.plot.addItem(item)
        self._groups.setdefault(key, []).append(item)
        self.plot.viewport().update()

    def items(self, key: str) -> list:
        return list(self._groups.get(key, []))

    # -- drawing helpers (same arguments as Scene3D's) ---------------------------------------
    def points(self, key: str, pos: np.ndarray, colours, size: float = 10.0, px_mode: bool = True):
        self.clear(key)
        xy = np.asarray(pos, dtype=float).reshape(-1, 3)[:, :2]
        item = pg().ScatterPlotItem(x=xy[:, 0], y=xy[:, 1], size=size, pxMode=px_mode, pen=None,
                                    brush=_brushes(colours, len(xy)))
        self.add(key, item)
        return item

    def arrows(self, key: str, starts: np.ndarray, ends: np.ndarray, colour: str, width: float = 3.0,
               head: float = 0.12) -> None:
        self.clear(key)
        flat = [np.asarray(p, dtype=float).reshape(-1, 3) * (1.0, 1.0, 0.0) for p in (starts, ends)]
        segments = arrow_segments(flat[0], flat[1], head)  # heads drawn in the picture's plane
        self._lines[key] = segments
        if len(segments):
            self.add(key, pg().PlotCurveItem(segments[:, 0], segments[:, 1], connect="pairs",
                                             pen=pg().mkPen(colour, width=width)))

    def axes(self, key: str, length: float, names: Sequence[str], origin=(0.0, 0.0, 0.0)) -> None:
        """The first two axes as grey lines with their names at the tips and on the plot's own axes."""
        self.clear(key)
        segments, tips = axis_segments(length, origin)
        self.add(key, pg().PlotCurveItem(segments[:4, 0], segments[:4, 1], connect="pairs",
                                         pen=pg().mkPen((128, 128, 128, 200), width=1.5)))
        font = QFont(self.font)
        font.setItalic(True)
        names = list(names)
        self.add(key, LabelSet(tips[:2], names[:2], QColor("#888888"), font))
        self.plot.setLabel("bottom", names[0] if names else "")
        self.plot.setLabel("left", names[1] if len(names) > 1 else "")

    def grid(self, key: str = "grid") -> None:
        """The plot's own grid is already on."""

    # -- camera ------------------------------------------------------------------------------
    def frame(self, centre, radius: float) -> None:
        """Show a square of ±``radius`` around ``centre``'s first two numbers (more of it on a wide view)."""
        cx, cy = float(centre[0]), float(centre[1])
        self.plot.setRange(xRange=(cx - radius, cx + radius), yRange=(cy - radius, cy + radius), padding=0.02)

    def orbit(self, azimuth: float, elevation: float = 0.0) -> None:
        """Nothing to turn in 2D."""

    def face(self, elevation: float, azimuth: float) -> None:
        """Nothing to turn in 2D: the first two numbers are always the flat view."""

    def render_array(self, width: int = 320, height: int = 240) -> np.ndarray:
        """The plot as it is on screen, scaled to an (h, w, 4) uint8 array."""
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage

        image = self.plot.grab().toImage().scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio)
        image = image.convertToFormat(QImage.Format.Format_RGBA8888)
        return np.frombuffer(image.constBits(), np.uint8).reshape(height, image.bytesPerLine() // 4, 4)[:, :width]

    # -- labels, painted over the plot ----------------------------------------------------------
    def label_sets(self) -> list[LabelSet]:
        return [item for items in self._groups.values() for item in items if isinstance(item, LabelSet)]
