"""Every page at first sight: a note that says what to press (or what loads) instead of empty axes, until the
first result is drawn; the note covers the whole picture it stands for."""

from __future__ import annotations

import pytest

# (tab, page, attribute holding the note or a dict of notes, words the note must contain)
WAITING_PAGES = [
    ("llm", 6, "placeholder", "Train"),
    ("llm", 7, "placeholder", "Run the race"),
    ("embeddings", 2, "loss_placeholder", "Train"),
    ("neuralnet", 2, "placeholders", None),
    ("neuralnet", 3, "placeholders", None),
    ("diffusion", 2, "heat_placeholder", "Generate"),
    ("diffusion", 4, "loss_placeholder", "Train"),
]


def open_page(window, tab: str, index: int):
    window.select(tab, index, build_now=True)
    return window.current_tab().pages[index].page


@pytest.mark.parametrize("tab, index, attribute, words", WAITING_PAGES)
def test_page_opens_on_a_note_not_on_empty_axes(window, qtbot, tab, index, attribute, words):
    page = open_page(window, tab, index)
    notes = getattr(page, attribute)
    notes = notes if isinstance(notes, dict) else {attribute: notes}
    qtbot.waitUntil(lambda: all(note.isVisible() for note in notes.values()), timeout=5000)
    for name, note in notes.items():
        covered = note.parentWidget()
        assert note.geometry() == covered.rect(), name  # the whole picture, title and axes included
        assert note.autoFillBackground() and len(note.text()) > 20, name
        if words:
            assert words in note.text(), name
    if tab == "neuralnet":  # every empty picture on the page says what fills it
        assert any("Train" in note.text() for note in notes.values())


def test_compression_notes_give_way_to_the_map_after_training(window, qtbot):
    page = open_page(window, "neuralnet", 3)
    page.epochs_box.setValue(2)
    with qtbot.waitSignal(page.runner.finished, timeout=120_000):
        page.train_button.click()
    for name in ("latent", "pairs", "decoded"):
        assert not page.placeholders[name].is_showing(), name
    assert page.placeholders["sweep"].is_showing()  # nothing swept yet: it still says what to press
    assert sum(len(item.data) for item in page.scatters) > 0  # the test digits are on the map it uncovered


def test_note_follows_the_picture_when_it_is_resized(qtbot):
    from PySide6.QtWidgets import QWidget

    from lab_app.widgets.placeholder import Placeholder

    picture = QWidget()
    qtbot.addWidget(picture)
    note = Placeholder(picture, "Press Train")
    picture.resize(300, 200)
    picture.show()
    qtbot.waitUntil(lambda: note.geometry() == picture.rect())
    picture.resize(500, 120)
    qtbot.waitUntil(lambda: note.geometry() == picture.rect())
    note.clear()
    assert not note.is_showing()
    note.show_text("Loading…")
    assert note.is_showing() and note.text() == "Loading…"


def test_caption_heatmap_rows_carry_the_words_after_generating(window, qtbot):
    page = open_page(window, "diffusion", 2)
    page.grid_box.setCurrentIndex(0)  # one picture
    page.steps_box.setValue(4)
    page.prompt_edit.setText("a smiling face with blue eyes")
    with qtbot.waitSignal(page.runner.finished, timeout=120_000):
        page.generate_button.click()
    assert not page.heat_placeholder.is_showing()
    ticks = page.heat_plot.getAxis("left")._tickLevels[0]  # what setTicks put on the rows
    labels = [label for _, label in ticks]
    assert labels == ["(start)", "a", "smiling", "face", "with", "blue", "eyes"]
    assert page.heat_item.image.shape[0] == len(labels)  # one labelled row per row of numbers


def _has_data(plot) -> bool:
    """Whether a pyqtgraph plot draws anything: a curve with points, scatter dots, bars, or a non-flat image."""
    from lab_app.plotting import pg

    g = pg()
    for item in plot.getPlotItem().items:
        if not item.isVisible():
            continue
        if isinstance(item, g.PlotDataItem) and item.xData is not None and len(item.xData):
            return True
        if isinstance(item, g.ScatterPlotItem) and len(item.data):
            return True
        if isinstance(item, g.BarGraphItem) and item.opts.get("height") is not None and any(item.opts["height"]):
            return True
        if isinstance(item, g.ImageItem) and item.image is not None and item.image.size > 1 \
                and float(item.image.max()) != float(item.image.min()):
            return True
    return False


def _covered_by_a_note(plot, page) -> bool:
    from lab_app.widgets.placeholder import Placeholder

    centre = plot.mapToGlobal(plot.rect().center())
    return any(note.isVisible() and note.rect().contains(note.mapFromGlobal(centre))
               for note in page.findChildren(Placeholder))


@pytest.mark.parametrize("tab_key, index", [(t.key, i) for t in __import__("lab_app.tabs", fromlist=["TABS"]).TABS
                                            for i in range(len(t.pages))])
def test_no_page_opens_on_bare_axes(window, qtbot, tab_key, index):
    """Right after opening (before any slow first result), every visible plot draws something or a note covers it."""
    from lab_app.plotting import pg

    window.resize(1280, 800)
    page = open_page(window, tab_key, index)
    qtbot.wait(300)
    bare = [plot.getPlotItem().titleLabel.text or "untitled plot" for plot in page.findChildren(pg().PlotWidget)
            if plot.isVisible() and not _has_data(plot) and not _covered_by_a_note(plot, page)]
    from lab_app.widgets.pixel_view import PixelView

    bare += [view.title or "untitled picture" for view in page.findChildren(PixelView)
             if view.isVisible() and view.image is None and not view.placeholder.strip()
             and not _covered_by_a_note(view, page)]  # an empty picture box says what fills it
    assert not bare, f"{tab_key} page {index} opens on bare axes: {bare}"


def test_a_note_refuses_to_become_a_splitter_pane(qtbot):
    from PySide6.QtWidgets import QSplitter

    from lab_app.widgets.placeholder import Placeholder

    splitter = QSplitter()
    qtbot.addWidget(splitter)
    with pytest.raises(TypeError):
        Placeholder(splitter, "Press Train")  # Qt would lay it out as a third pane beside the pictures
    assert splitter.count() == 0
