"""The image classifier page trains live, reports its accuracy and classifies a drawing."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engines.neuralnet.digits import load_digits
from lab_app.tabs.neuralnet.classifier_page import tile_images
from lab_app.tabs.neuralnet.draw_pad import PAD_SIZE


@pytest.fixture
def page(classifier_page):
    return classifier_page


def test_tile_images_puts_each_picture_in_its_cell():
    pictures = np.stack([np.full((8, 8), v, dtype=np.float32) for v in (1.0, -2.0, 3.0)])
    mosaic = tile_images(pictures, columns=2)
    assert mosaic.shape == (17, 17)
    assert mosaic[0, 0] == 1.0 and mosaic[0, 9] == -1.0 and mosaic[9, 0] == 1.0
    assert np.isnan(mosaic[8, 0]) and np.isnan(mosaic[9, 9])


def test_training_shows_accuracy_and_drawing_gives_probabilities(page, qtbot):
    page.epochs_box.setValue(12)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    accuracy = float(re.search(r"([\d.]+)%", page.accuracy_label.text()).group(1)) / 100
    assert accuracy >= 0.9
    assert page.loss_curve.getData()[0] is not None and len(page.loss_curve.getData()[0]) == 12
    assert page.result.confusion.sum() == 360
    assert sum(int(t) for t in page.confusion_numbers.shown_texts()) == 360  # the counts written in the squares
    assert page.train_button.isEnabled() and not page.cancel_button.isEnabled()

    # A real test digit, scaled up onto the pad, is recognised.
    data = load_digits()
    index = int(np.flatnonzero(data.test_labels == 3)[0])
    page.pad.set_image(data.test_images[index])
    probs = page.last_probabilities
    assert probs is not None and probs.shape == (10,)
    assert abs(probs.sum() - 1.0) < 1e-5
    assert int(np.argmax(probs)) == 3
    heights = page.bars.opts["height"]
    assert np.allclose(heights, probs)

    # Clearing empties the bars; a mouse stroke brings them back.
    page.clear_button.click()
    assert page.pad.is_empty() and page.last_probabilities is None
    from PySide6.QtCore import QPoint, Qt

    qtbot.mousePress(page.pad, Qt.MouseButton.LeftButton, pos=QPoint(PAD_SIZE // 2, 40))
    for y in range(40, PAD_SIZE - 40, 20):
        qtbot.mouseMove(page.pad, QPoint(PAD_SIZE // 2, y))
    qtbot.mouseRelease(page.pad, Qt.MouseButton.LeftButton, pos=QPoint(PAD_SIZE // 2, PAD_SIZE - 40))
    assert not page.pad.is_empty()
    qtbot.waitUntil(lambda: page.last_probabilities is not None, timeout=2000)
    assert abs(page.last_probabilities.sum() - 1.0) < 1e-5


def test_cancel_stops_training(page, qtbot):
    page.epochs_box.setValue(100)
    page.train_button.click()
    assert page.cancel_button.isEnabled()
    with qtbot.waitSignal(page.runner.cancelled, timeout=20_000):
        page.cancel_button.click()
    assert "cancelled" in page.status_label.text()
    assert page.train_button.isEnabled()


def test_cnn_shows_its_3x3_kernels(page, qtbot):
    page.model_box.setCurrentIndex(page.model_box.findData("cnn"))
    assert "3×3" in page.model_hint.text()
    page.epochs_box.setValue(3)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    assert page.classifier.kind == "cnn"
    assert page.weights_image.image.shape == (11, 11)  # 8 kernels of 3×3 in a 3×3 mosaic with 1-pixel gaps
    assert "Test accuracy" in page.accuracy_label.text()
