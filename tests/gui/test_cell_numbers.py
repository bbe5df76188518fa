"""Numbers in a heatmap's squares: written where the cells are, left out when the cells get too small."""

import numpy as np

from lab_app.plotting import pg, themed
from lab_app.widgets.cell_numbers import new_cell_numbers


def _heatmap(qtbot, size):
    g = pg()
    plot = themed(g.PlotWidget())
    plot.invertY(True)
    plot.setAspectLocked(True)
    plot.addItem(g.ImageItem(np.zeros((3, 3), np.float32), levels=(0, 1)))  # an all-black picture
    numbers = new_cell_numbers(point_size=12)
    plot.addItem(numbers)
    plot.setRange(xRange=(0, 3), yRange=(0, 3), padding=0)
    qtbot.addWidget(plot)
    plot.resize(*size)
    plot.show()
    qtbot.waitExposed(plot)
    return plot, numbers


def _white_pixels(plot, qtbot) -> int:
    qtbot.wait(50)
    image = plot.grab().toImage()
    return sum(1 for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
               if image.pixelColor(x, y).lightness() > 200)


def test_numbers_are_drawn_in_their_cells_and_hidden_when_cells_are_too_small(qtbot):
    plot, numbers = _heatmap(qtbot, (360, 360))
    blank = _white_pixels(plot, qtbot)
    numbers.set_cells([["1", "", "3"], ["", "55", ""], ["7", "", "999"]], [["#ffffff"] * 3] * 3)
    assert numbers.shown_texts() == ["1", "3", "55", "7", "999"]
    written = _white_pixels(plot, qtbot)
    assert written > blank + 10  # white digits on the black squares

    plot.resize(60, 60)  # each cell a few pixels wide: no room for "999"
    qtbot.wait(50)
    view = plot.getViewBox()
    assert not numbers.fits(numbers.deviceTransform(view.scene().views()[0].viewportTransform()))
    plot.resize(360, 360)
    qtbot.wait(50)
    assert numbers.fits(numbers.deviceTransform(view.scene().views()[0].viewportTransform()))
