"""What the 3D scene and its flat 2D fallback share: colours, arrow strokes, label sets and label placement.

Labels do not pile on each other: each one tries a few spots around its point (right, left, above, below) and is
left out when every spot is taken. No label covers another labelled point's dot, so each text sits next to its own.
Labels asked for with ``force`` (the words a query is about) are placed first and always drawn; the rest fill the free
room in the order they were given. A label pushed a line or more away from its point gets a thin leader line to it.
Two labelled points on the same spot (two songs with the same numbers) get their labels on the same side, one under
the other, so they read as two names, not as one phrase written across the dot. A big marker asks for a wider
``margin`` between the point and its text. Labels keep off the scene's arrows where any spot allows (Songs' green
arrows ran under "your taste"); where none does, they sit as if there were no arrows. Two close points whose names
came out crosswise (each as near the other's dot as its own) get their two spots chosen again together
(:mod:`lab_app.widgets.label_placer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from lab_app.theme import PLOT_COLORS, current_theme
from lab_app.widgets.label_placer import LabelPlacer

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
    placed = []  # (labels, point, text, index in placer.taken, a line or more away, crowded): all placed, then drawn
    for labels, ats in zip(ordered, anchors):
        metrics = QFontMetricsF(labels.font)
        if len(labels.widths) != len(labels.texts):
            cut = Qt.TextElideMode.ElideRight
            labels.shown = [metrics.elidedText(text, cut, MAX_LABEL_PX) for text in labels.texts]
            labels.widths = [metrics.horizontalAdvance(text) for text in labels.shown]
        for at, text, width in zip(ats, labels.shown, labels.widths):
            spot = None if at is None else placer.place(metrics, at, width, labels.centred, labels.force,
                                                        labels.margin)
            if spot is not None:
                placed.append((labels, at, text, len(placer.taken) - 1, placer.far, placer.crowded))
    placer.untangle()  # two close points' names written crosswise are placed again, together
    halo = QColor(PLOT_COLORS[current_theme()][0])
    for labels in ordered:
        labels.drawn = []
    for labels, at, text, index, far, crowded in placed:
        rect = placer.taken[index]
        if index in placer.placed:  # untangle may have moved it
            spot = placer.placed[index]
            far = spot.boxes[spot.index][2]
        painter.setFont(labels.font)
        baseline = QPointF(rect.left(), rect.top() + QFontMetricsF(labels.font).ascent())
        if far:  # a line or more away from its point: a faint leader line says whose label it is
            _draw_leader(painter, at, rect, labels.colour)
        colour = QColor(labels.colour)
        if crowded:  # a forced label with no free room left: faded, so a pile stays readable
            colour.setAlphaF(0.45)
        elif labels.force:  # a halo keeps the words a query is about readable over the cloud: the text in the
            painter.setPen(halo)  # background colour nudged one pixel four ways (4 more texts: ~0.25 ms each
            for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):  # under software GL, so not for every label)
                painter.drawText(QPointF(baseline.x() + dx, baseline.y() + dy), text)
        painter.setPen(colour)
        painter.drawText(baseline, text)
        labels.drawn.append((text, rect))


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
