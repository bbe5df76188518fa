"""Plot axes write plain numbers (0.02, not 20 with "(×0.001)" tucked into the axis name, which was cut off or
missed): on the pages that had turned pyqtgraph's SI prefixes off by hand, every axis does, through the one helper."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lab_app


def _plot_widgets(page):
    from lab_app.plotting import pg

    return [w for w in page.findChildren(pg().PlotWidget)]


@pytest.mark.parametrize("tab, index", [("neuralnet", 1), ("llm", 8)])  # Playground, Why now: scale
def test_every_axis_on_the_page_writes_plain_numbers(window, tab, index):
    page = window.select(tab, index, build_now=True).pages[index].page
    plots = _plot_widgets(page)
    assert plots, "the page has its plots"
    prefixed = [f"{p.getPlotItem().titleLabel.text or type(p).__name__} {name}" for p in plots
                for name in ("left", "bottom", "right", "top") if p.getPlotItem().getAxis(name).autoSIPrefix]
    assert not prefixed, prefixed


def test_one_place_turns_the_si_prefixes_off():
    root = Path(lab_app.__file__).parent
    callers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if re.search(r"enableAutoSIPrefix\(", path.read_text(encoding="utf-8")))
    assert callers == ["plotting.py"], callers
