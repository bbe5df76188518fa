"""Numbers in a heatmap's squares: written where the cells are, left out when the cells get too small."""

import numpy as np
from PySide6.QtCore import QPointF

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


def _bright_pixels_in_cell(plot, qtbot, row: int, column: int) -> int:
    """Bright pixels inside cell (row, column), 3 px in from its edges."""
    qtbot.wait(100)
    image = plot.grab().toImage()
    view = plot.getViewBox()
    corners = [plot.mapFromScene(view.mapViewToScene(QPointF(column + dx, row + dy))) for dx, dy in ((0, 0), (1, 1))]
    x0, x1 = sorted(c.x() for c in corners)
    y0, y1 = sorted(c.y() for c in corners)
    ratio = image.devicePixelRatio()
    return sum(1 for y in range(int((y0 + 3) * ratio), int((y1 - 3) * ratio))
               for x in range(int((x0 + 3) * ratio), int((x1 - 3) * ratio))
               if image.pixelColor(x, y).lightness() > 200)


def test_numbers_are_drawn_in_their_cells_and_hidden_when_cells_are_too_small(qtbot):
    plot, numbers = _heatmap(qtbot, (360, 360))
    assert _bright_pixels_in_cell(plot, qtbot, 0, 0) == 0  # black squares, nothing written yet
    numbers.set_cells([["1", "", "3"], ["", "55", ""], ["7", "", "999"]], [["#ffffff"] * 3] * 3)
    assert numbers.shown_texts() == ["1", "3", "55", "7", "999"]
    assert _bright_pixels_in_cell(plot, qtbot, 0, 0) > 5  # white "1" on the black square
    assert _bright_pixels_in_cell(plot, qtbot, 2, 2) > 5  # "999"
    assert _bright_pixels_in_cell(plot, qtbot, 0, 1) == 0  # an empty cell stays empty

    view = plot.getViewBox()
    plot.resize(60, 60)  # each cell a few pixels wide: no room for "999"
    qtbot.wait(50)
    assert not numbers.fits(numbers.deviceTransform(view.scene().views()[0].viewportTransform()))
    plot.resize(360, 360)
    qtbot.wait(50)
    assert numbers.fits(numbers.deviceTransform(view.scene().views()[0].viewportTransform()))
