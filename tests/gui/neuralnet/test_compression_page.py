"""The compression page trains an autoencoder, decodes clicked latent points, sweeps k and squeezes a sentence."""

from __future__ import annotations

import numpy as np
import pytest

from lab_app.tabs.neuralnet.compression_page import CompressionPage
from lab_app.tabs.spec import PageSpec


@pytest.fixture
def page(window, qtbot):
    page = CompressionPage(window.ctx, PageSpec("compression", "Compression", "Squeeze digits."))
    qtbot.addWidget(page)
    page.resize(1200, 850)
    page.show()
    qtbot.waitExposed(page)
    return page


def test_training_then_clicking_the_map_decodes_a_digit(page, qtbot):
    assert page.k_box.value() == 2
    page.epochs_box.setValue(20)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    assert page.model is not None and page.model.bottleneck == 2
    assert page.codes.shape == (360, 2)
    assert "Rebuild error" in page.error_label.text() and "32×" in page.error_label.text()
    shown = sum(len(item.data) for item in page.scatters)
    assert shown == 360

    image = page.decode_at(float(page.codes[0, 0]), float(page.codes[0, 1]))
    assert image.shape == (8, 8) and 0 <= image.min() and image.max() <= 1
    np.testing.assert_allclose(page.decoded_item.image, image)

    # A real mouse click on the plot decodes the point under it.
    from PySide6.QtCore import QPoint, Qt

    before = page.decoded_image.copy()
    view = page.latent_plot.getPlotItem().vb
    rect = view.viewRect()
    target = view.mapViewToScene(rect.center() + (rect.topRight() - rect.center()) * 0.5)
    widget_pos = page.latent_plot.mapFromScene(target)
    qtbot.mouseClick(page.latent_plot.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(int(widget_pos.x()), int(widget_pos.y())))
    qtbot.waitUntil(lambda: not np.allclose(page.decoded_image, before), timeout=2000)
    assert page.decoded_image.shape == (8, 8)
    marker_x, marker_y = page.marker.getData()
    clicked = view.mapSceneToView(target)
    assert abs(marker_x[0] - clicked.x()) < 0.05 * rect.width()
    assert abs(marker_y[0] - clicked.y()) < 0.05 * rect.height()


def test_k_not_two_shows_first_two_numbers(page, qtbot):
    page.k_box.setValue(5)
    page.epochs_box.setValue(5)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    assert page.codes.shape == (360, 5)
    assert page.decode_at(0.0, 0.0).shape == (8, 8)


def test_sweep_draws_error_against_k(page, qtbot):
    page.sweep_ks, page.sweep_epochs = (1, 4, 16), 5
    with qtbot.waitSignal(page.sweep_runner.finished, timeout=60_000):
        page.sweep_button.click()
    xs, ys = page.sweep_curve.getData()
    assert list(xs) == [1, 4, 16]
    assert ys[0] > ys[-1]
    assert [t.toPlainText() for t in page.sweep_texts] == ["64×", "16×", "4×"]


def test_sentence_in_three_numbers(page, qtbot):
    page.sentence_panel.sentence_box.setCurrentIndex(0)
    with qtbot.waitSignal(page.sentence_runner.finished, timeout=30_000):
        page.sentence_panel.squeeze_button.click()
    trip = page.sentence_panel.last_round_trip
    assert trip is not None and len(trip.code) == 3
    assert page.sentence_panel.sentence_code.text().count(",") == 2
    assert "of 6 words survived" in page.sentence_panel.sentence_result.text()
    page.sentence_panel.sentence_box.setEditText("the cat sat on the moon")
    page.sentence_panel.squeeze_button.click()
    assert "unknown word" in page.sentence_panel.sentence_result.text()


def test_the_maps_axes_name_the_numbers_and_are_set_once_per_kind_of_code(page, monkeypatch):
    # Each setLabel re-lays out the axis text; done on every training snapshot it sat on the window's busiest path
    # (the monkey found the window hung inside one such call, seed 4 replay).
    import numpy as np

    calls = []
    original = page.latent_plot.setLabel
    monkeypatch.setattr(page.latent_plot, "setLabel", lambda *a, **k: (calls.append(a), original(*a, **k)))
    labels = np.arange(20) % 10
    for _ in range(3):
        page.show_latent(np.random.default_rng(0).normal(size=(20, 5)), labels)
    assert calls == [("bottom", "code number 1"), ("left", "code number 2 (of 5)")]
    page.show_latent(np.zeros((20, 1)), labels)
    assert calls[-2:] == [("bottom", "the one code number"), ("left", "true digit (only for show)")]
    assert page.latent_plot.getAxis("left").labelText == "true digit (only for show)"
