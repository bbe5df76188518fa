"""Where each label of a 3D/2D scene goes (the rules are in :mod:`lab_app.widgets.scene_parts`' docstring): a free
spot near its point, and then a second look at pairs of close points. Placed one by one, two close points could get
their names crosswise, each name as near the other's dot as its own (Sentences: S5's name above-left of S4's dot,
S4's below-right of S5's); :meth:`LabelPlacer.untangle` places such a pair again together, on the best two spots
where each name is clearly nearer its own dot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QFontMetricsF

CLEAR_PX = 4.0  # a name is clearly its point's when it is this much nearer to it than to another labelled point


@dataclass
class Placed:
    """A label placed beside its point (x, y): its candidate boxes in order of preference and which one it took."""

    x: float
    y: float
    boxes: list  # (QRectF, side, far) for every spot tried, in order
    index: int  # which of ``boxes`` it sits in


def _distance(rect: QRectF, x: float, y: float) -> float:
    dx = max(rect.left() - x, 0.0, x - rect.right())
    dy = max(rect.top() - y, 0.0, y - rect.bottom())
    return math.hypot(dx, dy)


class LabelPlacer:
    """Finds a free spot for each label's text near its point, remembering the room already taken."""

    def __init__(self, bounds: QRectF, gap: float = 3.0, dots=(), dot_radius: float = 5.0, lines=()) -> None:
        self.bounds = bounds
        self.lines = np.asarray(lines, float).reshape(-1, 4)  # on-screen strokes (x0, y0, x1, y1) labels keep off
        self.gap = gap
        self.taken: list[QRectF] = []
        self.sides: list[tuple[float, float, str]] = []  # (x, y, side) of each point whose label is placed
        self.placed: dict[int, Placed] = {}  # index in ``taken`` → a label placed beside its point (not centred)
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

    def _boxes(self, metrics: QFontMetricsF, x: float, y: float, width: float, centred: bool, force: bool,
               margin: float) -> list[tuple[QRectF, str, bool]]:
        """Every spot for a text ``width`` wide at (x, y), in order: (box, side, a line or more away)."""
        ascent, descent = metrics.ascent(), metrics.descent()
        if centred:
            return [(QRectF(x - width / 2, y - ascent, width, ascent + descent), "mid", False)]
        # baseline starts: beside the point (right, then left), then over/under it, then a line further off
        right, left, mid, half = x + margin, x - width - margin, x - width / 2, ascent / 2
        spots = [(right, y + half - 2), (right, y + ascent), (right, y - 2), (left, y + half - 2),
                 (left, y + ascent), (left, y - 2), (mid, y - margin), (mid, y + ascent + margin),
                 (right, y + 2 * ascent + 2), (right, y - ascent - 4), (left, y + 2 * ascent + 2),
                 (left, y - ascent - 4)]
        if force:
            line = ascent + descent + 2
            spots += [(side, y + half - 2 + k * line) for k in (-2, 2, -3, 3, -4, 4, -5, 5) for side in (right, left)]
        boxes = []
        for i, (sx, sy) in enumerate(spots):
            if i in (6, 7):  # over/under the point: slid sideways to stay inside the picture
                sx = max(self.bounds.left(), min(sx, self.bounds.right() - width))
            side = "right" if spots[i][0] == right else "left" if spots[i][0] == left else "mid"
            # the first eight spots touch the point; the rest are a line or more away
            boxes.append((QRectF(sx, sy - ascent, width, ascent + descent), side, i >= 8))
        twin = next((side for tx, ty, side in self.sides if abs(tx - x) <= 1.5 and abs(ty - y) <= 1.5), None)
        return sorted(boxes, key=lambda box: box[1] != twin)  # stable: a point on a placed one's spot: its side first

    def _fits(self, rect: QRectF, x: float, y: float, centred: bool, off_lines: bool, taken) -> bool:
        if not centred and not self.bounds.contains(rect):
            return False
        if off_lines and self._crosses_a_line(rect):
            return False
        grown = rect.adjusted(-self.gap, -self.gap, self.gap, self.gap)
        return not any(grown.intersects(t) for t in taken) and (centred or not self._covers_a_dot(rect, x, y))

    def place(self, metrics: QFontMetricsF, anchor: QPointF, width: float, centred: bool = False,
              force: bool = False, margin: float = 8.0) -> QPointF | None:
        """The baseline start for a text ``width`` pixels wide near ``anchor`` (None: no free spot and not
        forced), ``margin`` px from the point. A forced label also tries a column of spots up to five lines above
        and below before it settles, crowded, beside it. A point on the spot of one already labelled tries that
        label's side first (the two names one under the other). Spots clear of the arrows' strokes come first."""
        self.crowded = self.far = False
        x, y = anchor.x(), anchor.y()
        boxes = self._boxes(metrics, x, y, width, centred, force, margin)
        passes = (True, False) if len(self.lines) and not centred else (False,)  # off the arrows, then anywhere
        for off_lines in passes:
            for i, (rect, side, far) in enumerate(boxes):
                if self._fits(rect, x, y, centred, off_lines, self.taken):
                    if not centred:
                        self.placed[len(self.taken)] = Placed(x, y, boxes, i)
                    self.taken.append(rect)
                    self.sides.append((x, y, side))
                    self.far = far
                    return QPointF(rect.left(), rect.top() + metrics.ascent())
        if force:  # beside the point, on whatever is there
            ascent, descent = metrics.ascent(), metrics.descent()
            rect = QRectF(x + margin, y + ascent / 2 - 2 - ascent, width, ascent + descent)
            self.taken.append(rect)
            self.crowded = True
            return QPointF(rect.left(), rect.top() + metrics.ascent())
        return None

    def _unclear(self, rect: QRectF, own: Placed, other: Placed) -> bool:
        """Whether a name in ``rect`` is not clearly nearer its own point than the other one's."""
        return _distance(rect, other.x, other.y) < _distance(rect, own.x, own.y) + CLEAR_PX

    def untangle(self) -> list[int]:
        """Place again together each pair of close points whose names, both beside their points, are both unclear
        (each as near the other's dot as its own): the two spots beside them, free of everything else, with the
        lowest sum of preference ranks where both names are clearly their own. A pair with no such spots stays as it
        was. Returns the indices moved."""
        keys = sorted(self.placed)
        if len(keys) < 2:
            return []
        points = np.array([(self.placed[k].x, self.placed[k].y) for k in keys])
        rects = np.array([(self.taken[k].left(), self.taken[k].top(), self.taken[k].right(), self.taken[k].bottom())
                          for k in keys])
        # distance[i, j]: how far name i's box is from point j (0 inside), as _distance, for all pairs at once
        dx = np.maximum.reduce([rects[:, None, 0] - points[None, :, 0], np.zeros((len(keys),) * 2),
                                points[None, :, 0] - rects[:, None, 2]])
        dy = np.maximum.reduce([rects[:, None, 1] - points[None, :, 1], np.zeros((len(keys),) * 2),
                                points[None, :, 1] - rects[:, None, 3]])
        distance = np.hypot(dx, dy)
        unclear = distance < np.diag(distance)[:, None] + CLEAR_PX  # [i, j]: _unclear(name i, own i, other j)
        twins = (np.abs(points[:, None] - points[None]) <= 1.5).all(axis=2)  # one under the other is their layout
        moved = []
        for n, m in zip(*np.nonzero(np.triu(unclear & unclear.T & ~twins, 1))):
            a, b = keys[n], keys[m]
            pa, pb = self.placed[a], self.placed[b]
            if pa.boxes[pa.index][2] or pb.boxes[pb.index][2]:
                continue  # a name a line away has a leader line that says whose it is
            if a in moved or b in moved:
                continue
            best = self._pair_spots(a, b)
            if best is not None:
                (pa.index, self.taken[a]), (pb.index, self.taken[b]) = best
                moved += [a, b]
        return moved

    def _pair_spots(self, a: int, b: int):
        pa, pb = self.placed[a], self.placed[b]
        others = [t for k, t in enumerate(self.taken) if k not in (a, b)]
        off_lines = len(self.lines) and not any(self._crosses_a_line(self.taken[k]) for k in (a, b))
        fit_a, fit_b = ([(i, rect) for i, (rect, _side, far) in enumerate(p.boxes) if not far
                         and self._fits(rect, p.x, p.y, False, off_lines, others) and not self._unclear(rect, p, q)]
                        for p, q in ((pa, pb), (pb, pa)))  # the spots beside each point where its name is clear
        pairs = sorted(((i + j, i, ra, j, rb) for i, ra in fit_a for j, rb in fit_b), key=lambda p: p[:2])
        for _, i, ra, j, rb in pairs:
            if not ra.adjusted(-self.gap, -self.gap, self.gap, self.gap).intersects(rb):
                return (i, ra), (j, rb)
        return None
