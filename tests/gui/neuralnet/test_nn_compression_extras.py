"""Compression additions: dragging in the latent map decodes live; k = 3 as a 3D cloud."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

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


def _train(page, qtbot, k: int, epochs: int = 5) -> None:
    page.k_box.setValue(k)
    page.epochs_box.setValue(epochs)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()


def _mouse(widget, kind, pos: QPointF, buttons) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_dragging_in_the_latent_map_decodes_live(page, qtbot):
    _train(page, qtbot, 2)
    view = page.latent_plot.getPlotItem().vb
    qtbot.wait(100)  # let the view fit the new points (it does so lazily, before painting)
    rect = view.viewRect()
    before_range = view.viewRange()
    viewport = page.latent_plot.viewport()
    held = Qt.MouseButton.LeftButton
    start = page.latent_plot.mapFromScene(view.mapViewToScene(rect.center()))
    _mouse(viewport, QEvent.Type.MouseButtonPress, QPointF(start), held)
    seen = []
    for i in range(1, 6):
        pos = QPointF(start.x() + 25 * i, start.y() - 12 * i)
        _mouse(viewport, QEvent.Type.MouseMove, pos, held)
        qtbot.wait(5)
        seen.append(page.decoded_image.copy())
    _mouse(viewport, QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.NoButton)
    assert any(not np.allclose(a, b) for a, b in zip(seen, seen[1:]))  # the picture changed while dragging
    end = view.mapSceneToView(page.latent_plot.mapToScene(pos.toPoint()))
    marker_x, marker_y = page.marker.getData()
    assert abs(marker_x[0] - end.x()) < 0.05 * rect.width() and abs(marker_y[0] - end.y()) < 0.05 * rect.height()
    # a left drag decodes; it neither pans nor re-fits the view
    np.testing.assert_allclose(view.viewRange(), before_range, atol=1e-6)
    page.view3d_box.setChecked(True)  # k = 2: the 2D map stays, and the page says how to get the 3D cloud
    assert page.latent_stack.currentWidget() is page.latent_plot and page.latent_3d is None
    assert page.k_box.value() == 3 and "press Train" in page.status_label.text()


def test_k3_shows_a_3d_cloud(page, qtbot):
    _train(page, qtbot, 3)
    assert page.latent_3d is None and page.latent_stack.currentWidget() is page.latent_plot
    page.view3d_box.setChecked(True)
    cloud = page.latent_3d
    assert cloud is not None and page.latent_stack.currentWidget() is cloud
    assert cloud.points.shape == (360, 3)
    page.view3d_box.setChecked(False)
    assert page.latent_stack.currentWidget() is page.latent_plot
    page.view3d_box.setChecked(True)
    if not cloud.scene.is_3d:
        pytest.skip("no OpenGL here: the cloud is the 2D fallback (tests/gui/test_3d_fallback.py checks it)")
    qtbot.waitExposed(cloud.view)
    if not cloud.view.context() or not cloud.view.context().isValid():
        pytest.skip("no valid OpenGL context on this display")
    image = cloud.view.renderToArray((200, 160))
    assert image[..., :3].std() > 5



def test_the_sweep_axis_shows_the_errors_as_they_are(page):
    # the sweep's errors are ~0.02-0.06 per pixel; the axis used to write them as 20-60 and put "(×0.001)" on an
    # axis name that was cut off, so the picture disagreed with the text beside it ("k = 1: error 0.0613")
    from engines.neuralnet.autoencoder import SweepPoint

    page.show_sweep([SweepPoint(k, 0.06 / k ** 0.5, 64 / k) for k in (1, 2, 4, 8, 16)])
    axis = page.sweep_plot.getAxis("left")
    low, high = page.sweep_plot.getPlotItem().vb.viewRange()[1]
    # the scale pyqtgraph writes the ticks with (it multiplies by autoSIPrefixScale when it rescales)
    ticks = [float(t) for t in axis.tickStrings([0.02, 0.04, 0.06], axis.autoSIPrefixScale * axis.scale, 0.02)]
    assert ticks == [0.02, 0.04, 0.06] and high < 0.1
    assert "0.001" not in axis.labelString() and "(m" not in axis.labelString()
