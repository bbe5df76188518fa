"""Why now: scale — the shipped runs drawn on log axes with the fit, the skill table of real guesses, and the
smallest size retrained live with progress, Cancel and its own column in the table."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engines.llm import scale
from lab_app.tour.controller import page_index


@pytest.fixture
def page(window, qtbot):
    tab = window.select("llm", page_index("llm", "scale"), build_now=True)
    return tab.pages[tab.current_index()].page


def test_shipped_runs_are_drawn_with_the_fit_and_the_table_shows_real_guesses(page):
    runs = scale.load_runs()
    assert page.params_plot.getPlotItem().getAxis("bottom").logMode  # log axes
    points = [item for item in page.params_plot.getPlotItem().listDataItems() if item.opts.get("symbol")]
    assert len(points) == len(runs) == 4
    assert page.table.columnCount() == 2 + 4 and page.table.rowCount() == len(scale.SKILL_PROMPTS)
    first = runs[0]["skill"][0]
    assert page.table.item(0, 2).text().startswith(first["top"])  # XS's recorded answer, not a made-up one
    text = page.explainer.text()
    fit = scale.fit_power_law([r["parameters"] for r in runs], [r["val_loss"] for r in runs])
    assert f"{fit.alpha:.2f}" in text and f"{runs[-1]['variants']['overall']['mean_prob']:.2f}" in text


def test_retrain_the_smallest_live_then_cancel(page, qtbot, monkeypatch):
    monkeypatch.setitem(scale.RECIPE, "max_steps", 200)  # the same recipe, shorter, so the test is quick
    qtbot.mouseClick(page.rerun_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.live_result is not None, timeout=120_000)
    assert len(page.live_curve_points) == 2 and np.isfinite(page.live_result["val_loss"])
    assert page.table.horizontalHeaderItem(page.table.columnCount() - 1).text() == "XS (yours)"
    assert "Done" in page.status_label.text() and page.rerun_button.isEnabled()

    qtbot.mouseClick(page.rerun_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status_label.text().startswith("Step"), timeout=60_000)
    assert page.cancel_button.isEnabled()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status_label.text() == "Cancelled.", timeout=30_000)
    assert page.rerun_button.isEnabled() and not page.cancel_button.isEnabled()


def test_table_colours_have_a_legend_and_prompts_are_whole(page):
    """Each cell colour is named next to the table, and a long prompt is wrapped, not cut off with '…'."""
    from lab_app.tabs.llm.scale_page import GUESS, RIGHT, WRONG

    assert [label.text() for label in page.legend] == ["right and sure", "right, but under 0.7: a guess", "wrong"]
    for label, colour in zip(page.legend, (RIGHT, GUESS, WRONG)):
        assert f"rgba({colour.red()}, {colour.green()}, {colour.blue()}, {colour.alpha()})" in label.styleSheet()
    colours = {page.table.item(r, c).background().color().rgba() for r in range(page.table.rowCount())
               for c in range(2, page.table.columnCount())}
    assert colours <= {RIGHT.rgba(), GUESS.rgba(), WRONG.rgba()}
    assert page.table.wordWrap() and page.table.item(5, 0).text() == scale.SKILL_PROMPTS[5][0]


def test_explainer_names_story_gpts_size_from_its_folder_and_why_xs_is_under_a_half(page):
    from engines.llm.model_store import describe_model, resolve_model
    from lab_app.tabs.llm.scale_page import _fmt

    text = page.explainer.text()
    runs = scale.load_runs()
    missed = runs[-1]["skill"][-1]["top"] != scale.SKILL_PROMPTS[-1][1]  # the recorded L, two characters
    assert ("Even L gets the last row wrong" in text) == missed
    params = describe_model(resolve_model("story-gpt"), "shipped")["parameters"]
    assert f"story-gpt, the model on the other pages, is the same design with {_fmt(params)}" in text
    tops = [cell["top"] for cell in runs[0]["skill"]]
    word = max(set(tops), key=tops.count)
    assert f"XS says “{word}” in {tops.count(word)} of the {len(tops)} rows" in text


def _names_on_curves(plot) -> list[str]:
    """The size names a drawn curve (the dashed fit and a retrained one included) runs through, after a paint."""
    from PySide6.QtCore import QPointF

    plot.grab()  # paints, which places the names
    box = plot.getPlotItem().vb
    names = [(text, rect) for labels in plot.owner.label_sets() for text, rect in labels.drawn]
    assert sorted(text for text, _ in names) == ["L", "M", "S", "XS"]
    hit = set()
    for item in plot.getPlotItem().listDataItems():
        xs, ys = item.getData()
        if item.opts.get("pen") is None or xs is None or len(xs) < 2:
            continue  # the points themselves (the names sit beside them), the empty live curve
        for i in range(len(xs) - 1):
            for t in np.linspace(0, 1, 40):
                at = box.mapViewToScene(QPointF(xs[i] + t * (xs[i + 1] - xs[i]), ys[i] + t * (ys[i + 1] - ys[i])))
                hit |= {text for text, rect in names if rect.contains(at)}
    return sorted(hit)


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_size_names_sit_off_the_curves(window, page, qtbot, size):
    # "S" sat on M's curve and "XS" on S's (a fixed offset from each point): every name is written, and no curve,
    # the dashed fit included, runs through it, at either window size
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=3000)
    for plot in (page.params_plot, page.flops_plot):
        assert _names_on_curves(plot) == [], f"names on a curve at {size}"


def test_a_retrained_curve_pushes_the_names_off_it_too(window, page, qtbot):
    # the curve of "Retrain the smallest here" was not given to the label placer: one drawn straight through
    # XS's name (a short run's two points can go anywhere) left the name on it
    from PySide6.QtCore import QPointF

    window.resize(1280, 800)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1280, 800), timeout=3000)
    plot = page.flops_plot
    assert _names_on_curves(plot) == []
    rect = next(rect for labels in plot.owner.label_sets() for text, rect in labels.drawn if text == "XS")
    box = plot.getPlotItem().vb
    ends = [box.mapSceneToView(QPointF(x, rect.center().y())) for x in (rect.left() - 30, rect.right() + 30)]
    curve = [{"flops": 10 ** p.x(), "val_loss": 10 ** p.y()} for p in ends]  # log axes: the view holds log10
    page._on_finished({"curve": curve, "val_loss": curve[-1]["val_loss"], "wall_time_s": 60.0, "skill": []})
    assert len(page.live_item.getData()[0]) == 2
    assert _names_on_curves(plot) == []


def _written_numbers(axis) -> list:
    """The (rect, text) of each number the axis writes, as pyqtgraph lays them out when it paints."""
    from PySide6.QtGui import QPainter, QPicture

    picture = QPicture()
    painter = QPainter(picture)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _flags, text in specs[2]]


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_log_axes_numbers_do_not_run_into_each_other(window, page, qtbot, size):
    # the compute plot's loss axis wrote 1, 0.9, 0.8, 0.7 and 0.6 a few pixels apart, on top of each other
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=3000)
    for plot in (page.params_plot, page.flops_plot):
        plot.grab()
        for side in ("left", "bottom"):
            numbers = _written_numbers(plot.getPlotItem().getAxis(side))
            assert len(numbers) >= 2, f"{side} axis writes {[t for _, t in numbers]} at {size}"
            for i, (a, text_a) in enumerate(numbers):
                for b, text_b in numbers[i + 1:]:
                    assert not a.intersects(b), f"{text_a} runs into {text_b} on the {side} axis at {size}"
