"""What the 3D scene and its flat 2D fallback share: colours, arrow strokes, label sets and label placement.

Labels do not pile on each other: each one tries a few spots around its point (right, left, above, below) and is
left out when every spot is taken. No label covers another labelled point's dot, so each text sits next to its own.
Labels asked for with ``force`` (the words a query is about) are placed first and always drawn; the rest fill the free
room in the order they were given. A label pushed a line or more away from its point gets a thin leader line to it.
Two labelled points on the same spot (two songs with the same numbers) get their labels on the same side, one under
the other, so they read as two names, not as one phrase written across the dot. A big marker asks for a wider
``margin`` between the point and its text. Labels keep off the scene's arrows where any spot allows (Songs' green
arrows ran under "your taste"); where none does, they sit as if there were no arrows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from lab_app.theme import PLOT_COLORS, current_theme

MAX_LABEL_PX = 260  # a longer label (a pasted paragraph, a 5,000-letter 'word') is cut with "…"
GROUP_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#bcbd22", "#7f7f7f")


def rgba(colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    c = QColor(colour)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


def text_colour() -> QColor:
    return QColor(PLOT_COLORS[current_theme()][1])


def arrow_segments(starts, ends, head: float) -> np.ndarray:
    """Line pairs (2m, 3) for straight arrows from each start to each end, each with a two-stroke head."""
    segments = []
    for a, b in zip(np.asarray(starts, float).reshape(-1, 3), np.asarray(ends, float).reshape(-1, 3)):
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
    return np.array(segments, dtype=np.float32).reshape(-1, 3)


def axis_segments(length: float, origin=(0.0, 0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """Three axis lines from ``origin``: line pairs (6, 3) and their tips (3, 3)."""
    o = np.asarray(origin, float)
    tips = o + length * np.eye(3)
    return np.array([p for tip in tips for p in (o, tip)], np.float32), tips


@dataclass
class LabelSet:
    """Texts at 3D positions (n, 3); ``force``: always drawn, before the others; ``centred`` over the point."""

    positions: np.ndarray
    texts: list[str]
    colour: QColor
    font: QFont
    force: bool = False
    centred: bool = False
    margin: float = 8.0  # px from the point's centre to the text: clear of a 14-px marker
    drawn: list = field(default_factory=list, compare=False)  # (text, QRectF) drawn last time, on screen
    widths: list = field(default_factory=list, compare=False)  # each text's width in pixels, measured once
    shown: list = field(default_factory=list, compare=False)  # each text as drawn: cut to MAX_LABEL_PX with "…"

    @property
    def placed(self) -> int:
        """How many of the texts were drawn the last time the picture was painted."""
        return len(self.drawn)


def draw_label_sets(painter: QPainter, sets: Sequence[LabelSet], to_screen, bounds: QRectF,
                    lines: np.ndarray | None = None) -> None:
    """Draw every set with ``painter``; ``to_screen`` maps (n, 3) positions to a list of QPointF in the painter's
    coordinates (None for a point that is behind the camera or off the picture). Forced texts get a thin halo of
    the background colour, so they stay readable over a dense cloud. ``lines``: line pairs (2m, 3) of the arrows
    the labels keep off."""
    ordered = sorted(sets, key=lambda s: not s.force)  # stable: forced sets first, then in the given order
    anchors = [to_screen(labels.positions) for labels in ordered]
    dots = [(at.x(), at.y()) for labels, ats in zip(ordered, anchors) if not labels.centred for at in ats
            if at is not None]
    ends = to_screen(np.asarray(lines, float).reshape(-1, 3)) if lines is not None and len(lines) else []
    strokes = [(a.x(), a.y(), b.x(), b.y()) for a, b in zip(ends[0::2], ends[1::2]) if a is not None and b is not None]
    placer = LabelPlacer(bounds, dots=dots, lines=strokes)
    halo = QColor(PLOT_COLORS[current_theme()][0])
    for labels, ats in zip(ordered, anchors):
        metrics = QFontMetricsF(labels.font)
        painter.setFont(labels.font)
        if len(labels.widths) != len(labels.texts):
            cut = Qt.TextElideMode.ElideRight
            labels.shown = [metrics.elidedText(text, cut, MAX_LABEL_PX) for text in labels.texts]
            labels.widths = [metrics.horizontalAdvance(text) for text in labels.shown]
        labels.drawn = []
        for at, text, width in zip(ats, labels.shown, labels.widths):
            spot = None if at is None else placer.place(metrics, at, width, labels.centred, labels.force,
                                                        labels.margin)
            if spot is None:
                continue
            if placer.far:  # a line or more away from its point: a faint leader line says whose label it is
                _draw_leader(painter, at, placer.taken[-1], labels.colour)
            colour = QColor(labels.colour)
            if placer.crowded:  # a forced label with no free room left: faded, so a pile stays readable
                colour.setAlphaF(0.45)
            elif labels.force:  # a halo keeps the words a query is about readable over the cloud: the text in the
                painter.setPen(halo)  # background colour nudged one pixel four ways (4 more texts: ~0.25 ms each
                for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):  # under software GL, so not for every label)
                    painter.drawText(QPointF(spot.x() + dx, spot.y() + dy), text)
            painter.setPen(colour)
            painter.drawText(spot, text)
            labels.drawn.append((text, placer.taken[-1]))


def _draw_leader(painter: QPainter, at: QPointF, rect: QRectF, colour: QColor) -> None:
    """A thin faded line from the point ``at`` to the nearest edge of its label's box."""
    end = QPointF(min(max(at.x(), rect.left()), rect.right()), min(max(at.y(), rect.top()), rect.bottom()))
    faded = QColor(colour)
    faded.setAlphaF(0.5)
    painter.setPen(QPen(faded, 1.0))
    painter.drawLine(at, end)


class LabelGroups:
    """What a 3D scene and its 2D fallback share: named groups of labels (``clear``, ``add`` and ``font`` are theirs)
    and the arrows' strokes the labels keep off (``_lines``: group key → line pairs (2m, 3), kept by ``arrows``)."""

    def arrow_lines(self) -> np.ndarray:
        """Every arrow's strokes now in the scene, as line pairs (2m, 3)."""
        lines = [segments for segments in getattr(self, "_lines", {}).values() if len(segments)]
        return np.concatenate(lines) if lines else np.zeros((0, 3), np.float32)

    def labels(self, key: str, pos: np.ndarray, texts: Sequence[str], colour: QColor | None = None,
               bold: bool = False, centred: bool = False, force: bool | None = None,
               margin: float = 8.0) -> LabelSet:
        """Replace group ``key`` with texts at ``pos`` (n, 3). Bold labels are forced (always drawn, placed
        first); the others are left out where they would cover another label. ``margin``: px from each point's
        centre to its text (more than half the marker's size)."""
        self.clear(key)
        font = QFont(self.font)
        font.setBold(bold)
        labels = LabelSet(np.asarray(pos, dtype=float).reshape(-1, 3), list(texts), colour or text_colour(), font,
                          force=bold if force is None else force, centred=centred, margin=margin)
        self.add(key, labels)
        return labels


class LabelPlacer:
    """Finds a free spot for each label's text near its point, remembering the room already taken."""

    def __init__(self, bounds: QRectF, gap: float = 3.0, dots: Sequence[tuple[float, float]] = (),
                 dot_radius: float = 5.0, lines: Sequence[tuple[float, float, float, float]] = ()) -> None:
        self.bounds = bounds
        self.lines = np.asarray(lines, float).reshape(-1, 4)  # on-screen strokes (x0, y0, x1, y1) labels keep off
        self.gap = gap
        self.taken: list[QRectF] = []
        self.sides: list[tuple[float, float, str]] = []  # (x, y, side) of each point whose label is placed
        self.dots = list(dots)  # on-screen centres of the labelled points: no label covers another one's dot
        self.dot_radius = dot_radius
        self.crowded = False  # the last forced label found no free spot
        self.far = False  # the last label sits a line or more away from its point

    def _covers_a_dot(self, rect: QRectF, x: float, y: float) -> bool:
        """Whether ``rect`` covers the dot of a labelled point other than the one at (x, y)."""
        r = self.dot_radius
        left, top, right, bottom = rect.left() - r, rect.top() - r, rect.right() + r, rect.bottom() + r
        return any(left < dx < right and top < dy < bottom and (abs(dx - x) > 1.5 or abs(dy - y) > 1.5)
                   for dx, dy in self.dots)

    def _crosses_a_line(self, rect: QRectF, pad: float = 2.0) -> bool:
        """Whether any stroke of :attr:`lines` runs through ``rect`` grown by ``pad`` (clipped, Liang–Barsky)."""
        x0, y0, x1, y1 = self.lines.T
        dx, dy = x1 - x0, y1 - y0
        lo, hi = np.zeros(len(x0)), np.ones(len(x0))
        inside = np.ones(len(x0), bool)
        edges = ((-dx, x0 - rect.left() + pad), (dx, rect.right() + pad - x0),
                 (-dy, y0 - rect.top() + pad), (dy, rect.bottom() + pad - y0))
        with np.errstate(divide="ignore", invalid="ignore"):
            for p, q in edges:
                inside &= ~((p == 0) & (q < 0))  # parallel to this edge and outside it
                t = q / p
                lo = np.where(p < 0, np.maximum(lo, t), lo)
                hi = np.where(p > 0, np.minimum(hi, t), hi)
        return bool(np.any(inside & (lo <= hi)))

    def place(self, metrics: QFontMetricsF, anchor: QPointF, width: float, centred: bool = False,
              force: bool = False, margin: float = 8.0) -> QPointF | None:
        """The baseline start for a text ``width`` pixels wide near ``anchor`` (None: no free spot and not
        forced), ``margin`` px from the point. A forced label also tries a column of spots up to five lines above
        and below before it settles, crowded, beside it. A point on the spot of one already labelled tries that
        label's side first (the two names one under the other). Spots clear of the arrows' strokes come first."""
        ascent, descent = metrics.ascent(), metrics.descent()
        self.crowded = self.far = False
        x, y = anchor.x(), anchor.y()
        if centred:
            spots = [(x - width / 2, y)]
        else:  # baseline starts: beside the point (right, then left), then over/under it, then a line further off
            right, left, mid, half = x + margin, x - width - margin, x - width / 2, ascent / 2
            spots = [(right, y + half - 2), (right, y + ascent), (right, y - 2), (left, y + half - 2),
                     (left, y + ascent), (left, y - 2), (mid, y - margin), (mid, y + ascent + margin),
                     (right, y + 2 * ascent + 2), (right, y - ascent - 4), (left, y + 2 * ascent + 2),
                     (left, y - ascent - 4)]
            if force:
                line = ascent + descent + 2
                spots += [(side, y + half - 2 + k * line) for k in (-2, 2, -3, 3, -4, 4, -5, 5)
                          for side in (right, left)]
        sides = ["mid"] if centred else ["right" if sx == right else "left" if sx == left else "mid" for sx, _ in spots]
        twin = next((side for tx, ty, side in self.sides if abs(tx - x) <= 1.5 and abs(ty - y) <= 1.5), None)
        order = sorted(range(len(spots)), key=lambda i: sides[i] != twin)  # stable: the twin's side first
        passes = (True, False) if len(self.lines) and not centred else (False,)  # off the arrows, then anywhere
        for i, off_lines in ((i, off) for off in passes for i in order):
            sx, sy = spots[i]
            if not centred and i in (6, 7):  # over/under the point: slid sideways to stay inside the picture
                sx = max(self.bounds.left(), min(sx, self.bounds.right() - width))
            rect = QRectF(sx, sy - ascent, width, ascent + descent)
            if not centred and not self.bounds.contains(rect):
                continue
            if off_lines and self._crosses_a_line(rect):
                continue
            grown = rect.adjusted(-self.gap, -self.gap, self.gap, self.gap)
            if not any(grown.intersects(t) for t in self.taken) and (centred or not self._covers_a_dot(rect, x, y)):
                self.taken.append(rect)
                self.sides.append((x, y, sides[i]))
                self.far = i >= 8  # the first eight spots touch the point; the rest are a line or more away
                return QPointF(sx, sy)
        if force:
            sx, sy = spots[0]
            self.taken.append(QRectF(sx, sy - ascent, width, ascent + descent))
            self.crowded = True
            return QPointF(sx, sy)
        return None
