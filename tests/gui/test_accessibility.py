"""Every control on every page has an accessible name (what a screen reader says) and a tooltip; the tour and the
glossary follow the system font size."""

from __future__ import annotations

import re

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from lab_app.glossary.dialog import GlossaryDialog
from lab_app.tabs import TABS
from lab_app.widgets.accessibility import unnamed_controls


def test_every_control_on_every_page_has_a_name_and_a_tooltip(window, qtbot):
    missing = []
    for tab_spec in TABS:
        for index, page_spec in enumerate(tab_spec.pages):
            tab = window.select(tab_spec.key, index, build_now=True)
            page = tab.pages[index].page
            assert page is not None, f"{tab_spec.key}/{page_spec.key} did not build"
            missing += [f"{tab_spec.key}/{page_spec.key}: {m}" for m in unnamed_controls(page)]
    assert not missing, f"{len(missing)} controls without an accessible name or tooltip:\n" + "\n".join(missing)


def test_no_page_fixes_its_text_size_in_pixels_by_stylesheet(window, qtbot):
    """A px size in a stylesheet ignores the system font size; pages scale from the app font instead."""
    fixed = []
    for tab_spec in TABS:
        for index, page_spec in enumerate(tab_spec.pages):
            page = window.select(tab_spec.key, index, build_now=True).pages[index].page
            fixed += [f"{tab_spec.key}/{page_spec.key}: {type(w).__name__} {w.styleSheet()!r}"
                      for w in page.findChildren(QWidget) if re.search(r"font-size:\s*\d+px", w.styleSheet())]
    assert not fixed, "\n".join(fixed)


def test_tour_and_glossary_controls_are_named(window, qtbot):
    tour = window.start_tour()
    assert not unnamed_controls(tour.card)
    dialog = window.open_glossary()
    assert not unnamed_controls(dialog)
    dialog.close()
    tour.leave()


def test_tour_card_and_glossary_text_follow_the_system_font_size(window, qtbot):
    app = QApplication.instance()
    original = app.font()
    try:
        sizes = []
        for points in (9, 16):
            font = QFont(original)
            font.setPointSize(points)
            app.setFont(font)
            QApplication.processEvents()  # the font change reaches the open window
            tour = window.start_tour()
            dialog = GlossaryDialog(window)
            sizes.append((tour.card.text.fontInfo().pointSize(), dialog.detail.fontInfo().pointSize(),
                          tour.card.width(), dialog.width()))
            dialog.close()
            tour.leave()
        small, large = sizes
        assert large[0] > small[0] and large[1] > small[1]  # the text is bigger
        assert large[2] > small[2] and large[3] > small[3]  # and its boxes grow with it
    finally:
        app.setFont(original)
