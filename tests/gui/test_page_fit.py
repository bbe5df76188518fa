"""Every page of every tab fits a 1280×800 window: nothing a newcomer reads is cut off, and the explainer reads in
full without scrolling. Texts are measured live, so a longer explainer or label written later is checked too."""

from __future__ import annotations

import pytest
from pytestqt.exceptions import TimeoutError as WaitTimedOut
from layout_checks import page_problems, shown_rect
from PySide6.QtWidgets import QApplication, QScrollArea

from lab_app.main_window import fitting_size
from lab_app.tabs import TABS

LAYOUT_SIZE = (1280, 800)  # the smallest window the app is laid out for (a 1366×768 laptop gives ~1280×730)
PAGES = [(tab.key, i, page.title) for tab in TABS for i, page in enumerate(tab.pages)]


def _settle(qtbot, page) -> None:
    """Let the page finish what it starts on opening (loading vectors, a first result), then lay out."""
    runners = getattr(page, "_runners", [])
    try:
        qtbot.waitUntil(lambda: not any(r.is_running() for r in runners), timeout=15000)
    except WaitTimedOut:
        pass  # still busy (a long first job): measure what shows now
    qtbot.wait(150)
    QApplication.processEvents()


def _explainer_problems(page) -> list[str]:
    explainer = getattr(page, "explainer", None)
    if explainer is None or not explainer.isVisible():
        return []  # a page without an explainer has nothing to cut off
    scroll = explainer.findChild(QScrollArea)
    problems = []
    if scroll is None or not scroll.isVisible():
        problems.append("explainer is folded at first sight")
    elif scroll.verticalScrollBar().maximum() > 0:
        bar = scroll.verticalScrollBar()
        problems.append(f"explainer text scrolls: {bar.maximum()} px of {bar.maximum() + bar.pageStep()} hidden")
    shown = shown_rect(explainer)
    if shown.height() < explainer.height():
        problems.append(f"explainer box cut off: {explainer.height() - shown.height()} px not on screen")
    return problems


def test_every_page_fits_1280x800(window, qtbot):
    window.resize(*LAYOUT_SIZE)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == LAYOUT_SIZE, timeout=3000)
    failures = []
    for tab_key, index, title in PAGES:
        tab = window.select(tab_key, index, build_now=True)
        page = tab.pages[index].page
        assert page is not None, f"{tab_key} page {index} ({title}) did not build"
        _settle(qtbot, page)
        size = (window.width(), window.height())
        problems = [] if size == LAYOUT_SIZE else [f"the window cannot be {LAYOUT_SIZE}: it stays {size}"]
        problems += page_problems(page) + _explainer_problems(page)
        failures += [f"{tab_key} {index} “{title}”: {p}" for p in problems]
    assert not failures, f"{len(failures)} things cut off at 1280×800:\n" + "\n".join(failures)


# Pages whose pictures change most after their main button: results bring legends, longer titles, wider axes.
DRIVEN = [("neuralnet", 2, "train_button"), ("neuralnet", 3, "train_button"), ("diffusion", 1, "run_button")]


@pytest.mark.slow
def test_pages_still_fit_after_a_run(window, qtbot):
    window.resize(*LAYOUT_SIZE)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == LAYOUT_SIZE, timeout=3000)
    failures = []
    for tab_key, index, button in DRIVEN:
        page = window.select(tab_key, index, build_now=True).pages[index].page
        _settle(qtbot, page)
        getattr(page, button).click()
        qtbot.waitUntil(lambda: any(r.is_running() for r in page._runners), timeout=5000)
        qtbot.waitUntil(lambda: not any(r.is_running() for r in page._runners), timeout=120000)
        qtbot.wait(300)
        failures += [f"{tab_key} {index} after {button}: {p}" for p in page_problems(page)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("available, expected", [
    ((1920, 1040), (1632, 884)),   # a full-HD screen minus its panel: 85 % of it
    ((2560, 1400), (2176, 1190)),
    ((1366, 728), (1280, 728)),    # a small laptop: the layout width, and the whole height there is
    ((1024, 600), (1024, 600)),    # never bigger than the screen
])
def test_window_size_fits_the_screen(available, expected):
    assert fitting_size(*available) == expected


def test_first_start_opens_at_a_size_that_fits_this_screen(window):
    area = window.screen().availableGeometry()
    assert (window.width(), window.height()) == fitting_size(area.width(), area.height())
    assert area.contains(window.geometry())
