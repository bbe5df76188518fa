"""The explainer under each page: its whole text shows, a drag or Hide is remembered per page, Show fits it again."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from lab_app.context import AppContext
from lab_app.errors import ErrorReporter
from lab_app.settings import SettingsStore
from lab_app.tabs.page import LabPage
from lab_app.tabs.spec import PageSpec

TEXT = "".join(f"<p><b>Part {i}.</b> " + "A sentence that says what the picture shows and why. " * 9 + "</p>"
               for i in range(4))


@pytest.fixture
def make_page(qtbot, tmp_path):
    settings = SettingsStore(tmp_path / "settings.ini")

    def make(width=1000, height=700, key="demo"):
        page = LabPage(AppContext(settings, ErrorReporter()), PageSpec(key, "Demo", "A page for the test.",
                                                                      factory="lab_app.tabs.llm.demo_page:Demo"))
        page.set_picture(QLabel("picture"))
        page.set_explainer(TEXT)
        qtbot.addWidget(page)
        page.resize(width, height)
        page.show()
        qtbot.waitExposed(page)
        qtbot.wait(50)
        return page

    return make


def test_the_whole_text_shows_and_follows_the_width(make_page, qtbot):
    page = make_page()
    assert page.explainer.text_fully_visible()
    tall = page.explainer.height()
    assert abs(tall - page.explainer.needed_height(page.explainer.width())) <= 2
    page.resize(700, 700)  # narrower: more lines, a taller box, still nothing to scroll
    qtbot.waitUntil(lambda: page.explainer.height() > tall, timeout=2000)
    qtbot.wait(50)
    assert page.explainer.text_fully_visible()


def test_picture_keeps_its_room_when_the_text_is_too_long(make_page):
    page = make_page(width=500, height=420)  # a tiny window: the text cannot all fit
    sizes = page.body_splitter.sizes()
    assert sizes[0] >= 260  # controls and picture keep their minimum; the text scrolls instead
    assert not page.explainer.text_fully_visible()


def test_a_drag_is_remembered_for_that_page(make_page, qtbot):
    page = make_page()
    total = sum(page.body_splitter.sizes())
    page.body_splitter.moveSplitter(total - 90, 1)  # what dragging the bar does: explainer 90 px high
    dragged = page.body_splitter.sizes()[1]
    assert dragged < page.explainer.needed_height(page.explainer.width())
    assert page.ctx.settings.explainer_height("llm-demo") == dragged
    again = make_page()
    assert again.body_splitter.sizes()[1] == dragged
    assert not again.explainer.text_fully_visible()  # the user chose a small box: now it scrolls
    other = make_page(key="other")
    assert other.explainer.text_fully_visible()  # other pages still fit their text


def test_hide_folds_to_the_title_and_show_fits_again(make_page, qtbot):
    page = make_page()
    page.explainer.toggle.click()
    assert page.explainer.folded and not page.explainer.scroll.isVisible()
    qtbot.waitUntil(lambda: page.body_splitter.sizes()[1] == page.explainer.folded_height(), timeout=2000)
    assert page.explainer.toggle.text().startswith("Show")
    again = make_page()
    assert again.explainer.folded  # remembered
    again.explainer.toggle.click()
    qtbot.wait(50)
    assert again.ctx.settings.explainer_height("llm-demo") is None
    assert again.explainer.text_fully_visible()
