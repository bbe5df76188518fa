"""Labels in the 3D views and their 2D fallback do not pile on each other (issue #23): a crowd of labels gives way,
the words a query is about are always written."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from lab_app.widgets.scene_parts import LabelSet, draw_label_sets


def _draw(sets, size=(400, 300)):
    image = QImage(*size, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    draw_label_sets(painter, sets, lambda positions: [QPointF(x, y) for x, y, _ in positions], QRectF(0, 0, *size))
    painter.end()
    return image


def _overlaps(rects) -> int:
    return sum(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])


def test_a_crowd_of_labels_gives_way_instead_of_piling_up(qapp):
    rng = np.random.default_rng(0)
    crowd = np.c_[200 + rng.normal(0, 6, 30), 150 + rng.normal(0, 6, 30), np.zeros(30)]  # 30 words in a 12-px blob
    labels = LabelSet(crowd, [f"word{i}" for i in range(30)], QColor("black"), QFont())
    image = _draw([labels])
    assert 4 <= labels.placed < 30  # the free room around the blob is used, the rest is left out
    # not even touching: two labels side by side keep a few pixels apart, so they do not read as one phrase
    assert _overlaps([rect.adjusted(-1, -1, 1, 1) for _, rect in labels.drawn]) == 0
    assert all(QRectF(0, 0, 400, 300).contains(rect) for _, rect in labels.drawn)
    dark = np.frombuffer(image.constBits(), np.uint8).reshape(300, 400, 4)[..., :3].min(axis=2) < 128
    assert dark.sum() > 50 * labels.placed  # the texts were really painted


def test_forced_labels_come_first_and_are_always_written(qapp):
    spot = np.array([[200.0, 150.0, 0.0]])
    plain = LabelSet(np.repeat(spot, 5, axis=0), [f"sample{i}" for i in range(5)], QColor("black"), QFont())
    query = LabelSet(np.repeat(spot, 12, axis=0), [f"found{i}" for i in range(12)], QColor("red"), QFont(),
                     force=True)
    _draw([plain, query])  # the plain set is given first, the forced one still wins the room
    assert query.placed == 12
    assert _overlaps([rect for _, rect in query.drawn]) == 0  # twelve fit in the column of spots beside the point
    assert _overlaps([rect for s in (plain, query) for _, rect in s.drawn]) == 0
    assert plain.placed < 5


def test_a_label_never_covers_the_dot_of_another_labelled_point(qapp):
    # queen and princess 20 px apart on one row (the 3-number universe): "queen" written to the right of its dot
    # would sit on princess's dot and read as its label
    points = np.array([[150.0, 150.0, 0.0], [170.0, 150.0, 0.0]])
    labels = LabelSet(points, ["queen", "princess"], QColor("black"), QFont(), force=True)
    _draw([labels])
    assert labels.placed == 2
    for (text, rect), own, other in zip(labels.drawn, points, points[::-1]):
        assert not rect.adjusted(-4, -4, 4, 4).contains(QPointF(other[0], other[1])), f"{text} covers a dot"
        assert rect.center().x() < own[0] if text == "queen" else rect.center().x() > own[0]


def test_a_label_pushed_away_from_its_point_has_a_leader_line(qapp):
    spot = np.array([[200.0, 150.0, 0.0]])
    labels = LabelSet(np.repeat(spot, 12, axis=0), [f"found{i}" for i in range(12)], QColor("black"), QFont(),
                      force=True)
    image = _draw([labels])
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(300, 400, 4)[..., :3].min(axis=2)
    far = [rect for _, rect in labels.drawn if abs(rect.center().y() - 150) > 3 * rect.height()]
    assert far  # twelve labels on one point: some are several lines away
    for rect in far:  # half-way along the line from the point to the nearest corner of its box, something is drawn
        end = QPointF(min(max(200, rect.left()), rect.right()), min(max(150, rect.top()), rect.bottom()))
        x, y = int(round((200 + end.x()) / 2)), int(round((150 + end.y()) / 2))
        assert pixels[y - 1:y + 2, x - 1:x + 2].min() < 235, f"no leader to the label at {rect.center()}"


def test_a_long_label_near_the_edge_goes_over_its_point_instead_of_off_the_picture(qapp):
    # a point near the left of a 220-px picture, its label ~175 px long: it fits neither beside the point nor
    # centred over it
    labels = LabelSet(np.array([[50.0, 250.0, 0.0]]), ["S3 everybody loves new york"], QColor("black"), QFont(),
                      force=True)
    _draw([labels], size=(220, 300))
    (_, rect), = labels.drawn
    assert rect.width() > 150
    assert QRectF(0, 0, 220, 300).contains(rect)  # all of it on the picture, none cut off
    assert not rect.contains(QPointF(50, 250))  # and not on its own point


def test_a_label_of_thousands_of_letters_is_cut_short_with_an_ellipsis(qapp):
    from lab_app.widgets.scene_parts import MAX_LABEL_PX

    labels = LabelSet(np.array([[200.0, 150.0, 0.0]]), ["a" * 5000], QColor("black"), QFont(), force=True)
    _draw([labels])
    (text, rect), = labels.drawn
    assert text.endswith("…") and len(text) < 100
    assert rect.width() <= MAX_LABEL_PX + 1


def test_two_points_on_one_spot_get_their_names_one_under_the_other(qapp):
    # Für Elise and Moonlight Sonata have the same three numbers: written left and right of the one dot they read
    # as one phrase ("Moonlight Sonata • Für Elise"); on the same side, one under the other, they read as two names
    points = np.array([[200.0, 150.0, 0.0], [200.0, 150.0, 0.0], [260.0, 150.0, 0.0]])
    labels = LabelSet(points, ["Für Elise", "Moonlight Sonata", "Clair de Lune"], QColor("black"), QFont())
    _draw([labels])
    rects = {text: rect for text, rect in labels.drawn}
    assert {"Für Elise", "Moonlight Sonata"} <= set(rects)
    first, second = rects["Für Elise"], rects["Moonlight Sonata"]
    assert (first.left() > 200) == (second.left() > 200), (first, second)  # the same side of the dot
    near = (lambda r: r.left()) if first.left() > 200 else (lambda r: r.right())
    assert abs(near(first) - near(second)) < 1  # the edges by the dot line up: a list, one name a line
    assert not first.adjusted(-1, -1, 1, 1).intersects(second)


def test_a_label_keeps_clear_of_a_big_marker(qapp):
    # "your taste" on the Songs page: an 18-px marker; its label starts beyond the marker's edge, not on it
    labels = LabelSet(np.array([[200.0, 150.0, 0.0]]), ["your taste"], QColor("black"), QFont(), force=True,
                      margin=14)
    _draw([labels])
    (_, rect), = labels.drawn
    marker = QRectF(200 - 9, 150 - 9, 18, 18)
    assert not rect.adjusted(-3, -3, 3, 3).intersects(marker), rect


def _crosses(rect: QRectF, lines: np.ndarray) -> bool:
    """Whether any stroke (line pairs) passes through ``rect`` (checked at every half pixel along it)."""
    for a, b in zip(lines[0::2], lines[1::2]):
        for t in np.linspace(0, 1, int(np.hypot(*(b - a)[:2]) * 2) + 2):
            p = a + t * (b - a)
            if rect.contains(QPointF(p[0], p[1])):
                return True
    return False


def test_a_label_keeps_off_the_arrows(qapp):
    # Songs: the green arrows from "your taste" to its recommendations ran under the label written beside the dot
    taste = np.array([200.0, 150.0, 0.0])
    ends = np.array([[320.0, 152.0, 0.0], [300.0, 110.0, 0.0], [110.0, 140.0, 0.0]])
    lines = np.array([p for end in ends for p in (taste, end)])
    labels = LabelSet(taste[None], ["your taste"], QColor("black"), QFont(), force=True, margin=14)
    image = QImage(400, 300, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    to_screen = lambda positions: [QPointF(x, y) for x, y, _ in positions]  # noqa: E731
    draw_label_sets(painter, [labels], to_screen, QRectF(0, 0, 400, 300))
    (_, beside), = labels.drawn
    assert _crosses(beside, lines)  # with no arrows given, the label sits where the arrow to the right runs
    draw_label_sets(painter, [labels], to_screen, QRectF(0, 0, 400, 300), lines)
    painter.end()
    (_, rect), = labels.drawn
    assert not _crosses(rect, lines), rect
    assert not rect.adjusted(-3, -3, 3, 3).intersects(QRectF(200 - 9, 150 - 9, 18, 18))  # still clear of its marker


def test_a_label_with_arrows_all_round_is_still_written(qapp):
    # where every spot near the point crosses an arrow, the label sits as if there were none (not left out)
    centre = np.array([200.0, 150.0, 0.0])
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    lines = np.array([p for a in angles for p in (centre, centre + 140 * np.array([np.cos(a), np.sin(a), 0]))])
    labels = LabelSet(centre[None], ["a song"], QColor("black"), QFont())
    image = QImage(400, 300, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    draw_label_sets(painter, [labels], lambda ps: [QPointF(x, y) for x, y, _ in ps], QRectF(0, 0, 400, 300), lines)
    painter.end()
    assert labels.placed == 1


def _gap_to(rect: QRectF, x: float, y: float) -> float:
    return float(np.hypot(max(rect.left() - x, 0, x - rect.right()), max(rect.top() - y, 0, y - rect.bottom())))


def test_two_close_points_do_not_get_their_names_crosswise(qapp):
    # Sentences map at 1920x1080 (MiniLM): placed one by one, S5's name went above-left, onto S4's dot's side, and
    # S4's below-right, onto S5's: each name as near the other's dot as its own (8 vs 9-10 px), so a reader could
    # swap them. Now each name is clearly nearer its own dot, and the other points' names stay where they were
    points = np.array([[201.5, 165.2, 0.0], [240.4, 133.5, 0.0], [248.2, 364.8, 0.0], [531.9, 217.6, 0.0],
                       [546.9, 207.4, 0.0]])
    texts = ["S1 lion is the king of the…", "S2 the tiger hunts in this…", "S3 everybody loves new york",
             "S4 dog bites man", "S5 man bites dog"]
    labels = LabelSet(points, texts, QColor("black"), QFont(), force=True)
    bounds = QRectF(53.6, 31.0, 600.9, 373.9)
    image = QImage(700, 420, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    draw_label_sets(painter, [labels], lambda ps: [QPointF(x, y) for x, y, _ in ps], bounds)
    painter.end()
    rects = dict(labels.drawn)
    assert len(rects) == 5 and _overlaps(list(rects.values())) == 0
    for own, other in ((3, 4), (4, 3)):
        rect = rects[texts[own]]
        mine, theirs = _gap_to(rect, *points[own][:2]), _gap_to(rect, *points[other][:2])
        assert mine + 4 <= theirs, f"{texts[own]}: {mine:.0f} px from its dot, {theirs:.0f} px from the other"
        assert mine <= 10 and bounds.contains(rect)  # still beside its own point
    for i in range(3):  # S1-S3 keep their first spots, right of their dots
        assert 0 < rects[texts[i]].left() - points[i][0] <= 10
