"""The guided tour: every stop opens an existing page and rings a real control; the whole tour walks headless with
Next to the end; Back and Leave work; keys alone drive it; the ring follows its control; first launch opens it
until the user says not to."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from lab_app.context import AppContext
from lab_app.errors import ErrorReporter
from lab_app.main_window import MainWindow
from lab_app.settings import SettingsStore
from lab_app.tabs import TABS
from lab_app.tour.controller import page_index
from lab_app.tour.stops import STOPS


def _ring_matches(tour, window) -> bool:
    target = tour.target
    spot = QRect(target.mapTo(window, target.rect().topLeft()), target.size()).adjusted(-4, -4, 4, 4)
    return tour.highlight.ring == spot


def test_stops_follow_the_talk_and_name_existing_pages():
    assert [s.page for s in STOPS][:3] == ["tokens", "ngrams", "next-word"]
    assert STOPS[-1].page == "music"
    for stop in STOPS:
        assert page_index(stop.tab, stop.page) is not None, f"{stop.title}: no page {stop.tab}/{stop.page}"
        words = stop.text.count(". ") + 1
        assert 1 <= words <= 4 and len(stop.text) < 400, f"{stop.title}: say it in two or three sentences"


def test_walk_the_whole_tour_with_next(window, qtbot):
    window.resize(1280, 800)
    tour = window.start_tour()
    fell_back = []
    for i, stop in enumerate(STOPS):
        qtbot.waitUntil(lambda i=i: tour.index == i, timeout=5000)
        tab = window.current_tab()
        assert tab.spec.key == stop.tab and tab.current_index() == page_index(stop.tab, stop.page), stop.title
        page = tab.pages[tab.current_index()].page
        assert page is not None, f"{stop.title}: the page did not build"
        assert tour.target is not None and (tour.target is page or page.isAncestorOf(tour.target)), stop.title
        if not tour.exact:
            fell_back.append(stop.target)
            assert stop.may_fall_back, f"{stop.title}: no control {stop.target!r} / .{stop.attr} on the page"
        else:
            assert tour.target.objectName() == stop.target
        try:
            qtbot.waitUntil(lambda: _ring_matches(tour, window), timeout=3000)  # the ring is on the control
        except Exception as exc:  # noqa: BLE001 - pytest-qt raises its own TimeoutError
            raise AssertionError(f"{stop.title}: ring {tour.highlight.ring} not on {tour.target}") from exc
        assert tour.card.isVisible() and stop.title in tour.card.title.text()
        for kind, attr, *args in stop.setup:  # the page was set up as the stop says
            widget = getattr(page, attr)
            if kind == "text":
                shown = widget.toPlainText() if hasattr(widget, "toPlainText") else widget.text()
                assert shown == args[0], stop.title
            elif kind == "value":
                assert widget.value() == args[0], stop.title
            elif kind == "click":
                assert any(r.is_running() for r in page._runners) or not widget.isEnabled(), stop.title
        assert not tour.card.geometry().intersects(tour.highlight.ring) or tour.target is page
        qtbot.mouseClick(tour.card.next_button, Qt.MouseButton.LeftButton)
    assert not tour.active and not tour.card.isVisible()
    print("stops pointing at the whole page until their control exists:", fell_back or "none")


def test_back_leave_and_keys_alone(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    tour = window.start_tour()
    assert window.focusWidget() is tour.card.next_button
    qtbot.keyClick(tour.card.next_button, Qt.Key.Key_Space)  # focus is on Next: Space presses it
    qtbot.waitUntil(lambda: tour.index == 1, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: tour.index == 2, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: tour.index == 1, timeout=3000)
    assert window.current_tab().spec.pages[window.current_tab().current_index()].key == STOPS[1].page
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not tour.active, timeout=3000)
    # The window is usable after leaving: the page list still moves pages.
    window.current_tab().step_page(1)
    assert window.current_tab().current_index() == page_index(STOPS[1].tab, STOPS[1].page) + 1


def test_the_window_stays_usable_under_the_ring(window, qtbot):
    window.resize(1280, 800)
    tour = window.start_tour(2)  # the next-word prompt is ringed
    qtbot.waitUntil(lambda: _ring_matches(tour, window) and tour.highlight.isVisible(), timeout=3000)
    page = window.current_tab().pages[window.current_tab().current_index()].page
    for control in (tour.target, page.clear_button):  # the ringed control and one beside it
        centre = control.mapToGlobal(control.rect().center())
        assert QApplication.widgetAt(centre) in (control, control.viewport() if hasattr(control, "viewport")
                                                 else control), "the ring layer takes the click"
    tour.leave()


def test_the_ring_follows_its_control_when_the_window_is_resized(window, qtbot):
    window.resize(1280, 800)
    tour = window.start_tour(1)  # the spreadsheet's zoom slider
    qtbot.waitUntil(lambda: _ring_matches(tour, window) and not tour.highlight.ring.isNull(), timeout=3000)
    before = QRect(tour.highlight.ring)
    window.resize(1500, 950)
    qtbot.waitUntil(lambda: tour.highlight.ring != before and _ring_matches(tour, window), timeout=3000)
    assert not tour.card.geometry().intersects(tour.highlight.ring)
    tour.leave()


def test_first_launch_opens_the_tour_until_dismissed(qtbot, tmp_path):
    path = tmp_path / "s.ini"

    def launch():
        window = MainWindow(AppContext(SettingsStore(path), ErrorReporter()))
        qtbot.addWidget(window)
        window.offer_tour_on_first_launch()
        window.show()
        qtbot.waitExposed(window)
        return window

    first = launch()
    qtbot.waitUntil(lambda: getattr(first, "tour", None) is not None and first.tour.active, timeout=5000)
    assert first.current_tab().spec.key == TABS[0].key
    first.tour.card.dont_show.setChecked(True)
    first.tour.leave()
    first.close()
    second = launch()
    qtbot.wait(300)
    assert getattr(second, "tour", None) is None  # dismissed for good
    tour = second.start_tour()  # Help → Tour still opens it
    assert tour.active and tour.card.dont_show.isChecked()
    tour.leave()
    second.close()
