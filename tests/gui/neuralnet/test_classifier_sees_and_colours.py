"""Image classifier: the 8×8 picture beside the drawing is exactly what the network is given, and the
first-layer tiles use the tab's sign colours (blue = positive, orange = negative, as on One neuron)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from engines.neuralnet.digits import DigitsClassifier, build_network, load_digits
from lab_app.tabs.neuralnet.neuron_diagram import NEGATIVE, POSITIVE


@pytest.fixture
def page(classifier_page):
    return classifier_page


def test_the_8x8_view_shows_the_pixels_the_network_gets(page):
    import torch

    torch.manual_seed(0)
    page.classifier = DigitsClassifier("mlp", 64, (8, 16), build_network("mlp"))  # untrained is enough here
    given = []
    real_predict = page.classifier.predict_proba
    page.classifier.predict_proba = lambda images: given.append(np.array(images)) or real_predict(images)

    data = load_digits()
    digit = data.test_images[int(np.flatnonzero(data.test_labels == 7)[0])]
    page.pad.set_image(digit)  # a real test "7", scaled up onto the pad

    assert len(given) >= 1 and given[-1].shape == (1, 8, 8)
    shown = np.asarray(page.seen_image.image)
    assert shown.shape == (8, 8)
    assert np.array_equal(shown, given[-1][0])  # the picture on screen is the network's input, pixel for pixel
    # ... and it is the drawing: a 7 has ink in its top row and a blank bottom-left corner
    assert shown[0].max() > 0.5 and shown[-1, 0] == 0.0
    assert set(np.round(shown.ravel() * 16, 4)) <= set(range(17))  # 17 grey levels, 0..16
    assert not page.placeholders["seen"].is_showing()

    page.clear_button.click()
    assert not np.asarray(page.seen_image.image).any()  # a cleared pad: an all-black 8×8 ...
    assert page.placeholders["seen"].is_showing()  # ... covered by a note that says what will appear there


def _hue(color: QColor) -> float:
    return color.hsvHueF()


def test_first_layer_tiles_use_the_tab_sign_colours(page):
    tiles = np.stack([np.full((8, 8), 1.0, np.float32), np.full((8, 8), -1.0, np.float32)])
    page.show_weights(tiles)
    page.weights_image.render()
    image = page.weights_image.qimage
    positive = image.pixelColor(3, 3)  # inside the first tile (all +1)
    negative = image.pixelColor(9 + 3, 3)  # inside the second tile (all −1), after the 1-pixel gap
    assert positive.blue() > positive.red() + 80, positive.name()
    assert negative.red() > negative.blue() + 80, negative.name()
    # the same hues as the weights on One neuron (blue +, orange −), within a few degrees
    assert abs(_hue(positive) - _hue(POSITIVE)) < 0.05 and abs(_hue(negative) - _hue(NEGATIVE)) < 0.05


def test_on_is_yellow_never_the_orange_of_a_negative_weight(qtbot):
    from lab_app.tabs.neuralnet.neuron_diagram import FIRING
    from lab_app.tabs.neuralnet.pixel_grid import PixelGrid

    grid = PixelGrid()
    qtbot.addWidget(grid)
    grid.resize(150, 150)
    grid.set_pixels([1.0, 0.0, 0.0] * 3)  # left column on
    image = grid.grab().toImage()
    on = image.pixelColor(25, 25)  # middle of the top-left (on) pixel
    assert on.name() == FIRING.name()  # the pixel grid and the diagram share one "on" colour
    # one meaning per colour: "on" is at least 25° of hue away from the orange of a negative weight
    assert abs(_hue(on) - _hue(NEGATIVE)) * 360 > 25 and abs(_hue(on) - _hue(POSITIVE)) * 360 > 90


def test_at_1280x800_the_pictures_are_big_enough_to_read(window, qtbot):
    # the confusion matrix's counts are written in squares large enough for them, and the 8×8 picture the
    # network gets sits right beside the drawing, big enough to see its pixels (it was ~50 px and under the
    # controls)
    from PySide6.QtCore import QPoint, QRectF

    window.resize(1280, 800)
    page = window.select("neuralnet", 2, build_now=True).pages[2].page
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1280, 800), timeout=3000)
    page.show_confusion(np.diag(np.full(10, 36)))
    qtbot.wait(100)
    box = page.confusion_plot.getPlotItem().vb
    matrix = box.mapViewToScene(QRectF(0, 0, 10, 10)).boundingRect()
    assert min(matrix.width(), matrix.height()) >= 120, matrix  # squares of 12 px or more
    assert page.confusion_numbers.fits(box.childTransform() * box.sceneTransform())  # counts are written

    page.pad.set_image(load_digits().test_images[0])
    qtbot.wait(100)
    seen_box = page.seen_plot.getPlotItem().vb.mapViewToScene(QRectF(0, 0, 8, 8)).boundingRect()
    seen = page.seen_plot.mapFromScene(seen_box).boundingRect().translated(page.seen_plot.mapTo(page, QPoint(0, 0)))
    pad = page.pad.rect().translated(page.pad.mapTo(page, QPoint(0, 0)))
    assert min(seen.width(), seen.height()) >= 110, seen  # ~14 px per pixel or more
    assert 0 <= seen.left() - pad.right() < 80, (pad, seen)  # to the right of the drawing, close by
    assert seen.top() < pad.bottom() and pad.top() < seen.bottom(), (pad, seen)  # on the same row


def test_on_a_large_window_the_drawing_pad_grows_and_stays_square(window, qtbot):
    # the pad was a fixed 208 px on every screen; on a large window it grows with the page, stays square, keeps
    # the 8×8 picture right beside it, and a stroke lands where the mouse drew it
    from PySide6.QtCore import QPoint, Qt

    page = window.select("neuralnet", 2, build_now=True).pages[2].page
    sides = {}
    for size in ((1280, 800), (1920, 1080)):
        window.resize(*size)
        qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=3000)
        qtbot.wait(100)
        sides[size] = (page.pad.width(), page.pad.height())
        seen = page.seen_plot.geometry().translated(page.seen_plot.mapTo(page, QPoint(0, 0)) - page.seen_plot.pos())
        pad = page.pad.rect().translated(page.pad.mapTo(page, QPoint(0, 0)))
        assert 0 <= seen.left() - pad.right() < 80 and seen.top() < pad.bottom(), (size, pad, seen)
    small, large = sides[(1280, 800)], sides[(1920, 1080)]
    assert small[0] == small[1] >= 200 and large[0] == large[1], sides
    assert large[0] >= 1.4 * small[0], sides
    side = large[0]
    qtbot.mousePress(page.pad, Qt.MouseButton.LeftButton, pos=QPoint(side // 2, side // 5))
    for y in range(side // 5, side * 4 // 5, 10):
        qtbot.mouseMove(page.pad, QPoint(side // 2, y))
    qtbot.mouseRelease(page.pad, Qt.MouseButton.LeftButton, pos=QPoint(side // 2, side * 4 // 5))
    ink = page.pad.image()
    columns = np.flatnonzero(ink.max(axis=0) > 0)
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    middle = ink.shape[1] / 2
    assert abs(columns.mean() - middle) < 0.05 * ink.shape[1]  # the stroke is in the middle of the drawing ...
    assert rows.min() < 0.3 * ink.shape[0] and rows.max() > 0.7 * ink.shape[0]  # ... from near the top to the bottom
