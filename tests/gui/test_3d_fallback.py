"""Without OpenGL every 3D page shows a 2D view of the same data (points drawn, labels written, a notice saying why);
with OpenGL the cloud stays in view whatever the view's shape. The fallback is forced through the app's one probe
(``force_2d`` in tests/conftest.py), so these run on any Qt platform."""

from __future__ import annotations

import numpy as np
import pytest

from lab_app.tabs.neuralnet.compression_page import CompressionPage
from lab_app.tabs.spec import PageSpec
from lab_app.widgets.scene_flat import FlatScene


def _page(window, tab: str, index: int):
    window.select(tab, index, build_now=True)
    return window.current_tab().pages[index].page


def _painted(scene, qtbot) -> np.ndarray:
    """Paint the flat plot once (labels are placed while painting) and return its pixels."""
    qtbot.waitExposed(scene.view)
    return scene.render_array(400, 300)


def _assert_notice(scene, qtbot) -> None:
    assert isinstance(scene, FlatScene) and not scene.is_3d
    qtbot.waitUntil(scene.notice.isVisible, timeout=5000)  # on screen, above the picture
    assert scene.notice.geometry().bottom() <= scene.plot.geometry().top()  # above, not over, the plot
    assert "OpenGL is missing (test)" in scene.notice.text() and "For 3D" in scene.notice.text()


def _assert_no_overlap(*label_sets) -> None:
    rects = [rect for labels in label_sets for _, rect in labels.drawn]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b), "two labels were written on top of each other"


def test_three_number_universe_falls_back_to_2d(force_2d, window, qtbot):
    page = _page(window, "embeddings", 0)
    scene = page.scene
    _assert_notice(scene, qtbot)
    image = _painted(scene, qtbot)
    assert image[..., :3].std() > 5
    points = scene.items("points")[0]
    assert len(points.data) == 8
    np.testing.assert_allclose(points.data["x"], page.matrix()[:, 0])  # first axis: royalty
    np.testing.assert_allclose(points.data["y"], page.matrix()[:, 1])  # second axis: masculinity
    labels = scene.items("labels")[0]
    assert labels.texts == page.words() and labels.placed == 8  # every word written, none on another
    assert scene.items("minus") and scene.items("plus")  # the king − man + woman arrows
    assert scene.plot.getPlotItem().getAxis("bottom").labelText == "royalty"
    _assert_no_overlap(labels)


def test_word_vectors_fall_back_to_2d_with_highlights(force_2d, window, qtbot):
    page = _page(window, "embeddings", 1)
    qtbot.waitUntil(lambda: page.store is not None and page.last_analogy is not None, timeout=20_000)
    scene = page.scene
    _assert_notice(scene, qtbot)
    assert len(scene.items("cloud")[0].data) == len(page.rows) >= 10_000
    page.find("monday")
    _painted(scene, qtbot)
    hits = scene.items("hit_labels")[0]
    assert hits.texts[0] == "monday" and hits.placed == 11  # the found words are always written
    plain = scene.items("labels")[0]
    assert 0 < plain.placed <= len(plain.texts)
    _assert_no_overlap(plain)  # the fixed sample gives way instead of piling up
    assert page.measure_fps(0.2) > 0 and "(2D view)" in page.fps_label.text()


def test_learn_vectors_fall_back_to_2d(force_2d, window, qtbot):
    page = _page(window, "embeddings", 2)
    scene = page.scene
    _assert_notice(scene, qtbot)
    _painted(scene, qtbot)
    assert scene.items("labels")[0].placed == 1  # "Press Train: …" before the first run
    page.steps_box.setValue(300)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    image = _painted(scene, qtbot)
    words = list(page.last_payload["words"])
    assert len(scene.items("words")[0].data) == len(words) and image[..., :3].std() > 5
    labels = scene.items("labels")[0]
    assert labels.texts == words and labels.placed >= len(words) // 2
    _assert_no_overlap(labels)


def test_compression_cloud_falls_back_to_2d(force_2d, window, qtbot):
    page = CompressionPage(window.ctx, PageSpec("compression", "Compression", "Squeeze digits."))
    qtbot.addWidget(page)
    page.resize(1200, 850)
    page.show()
    page.k_box.setValue(3)
    page.epochs_box.setValue(3)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    page.view3d_box.setChecked(True)
    cloud = page.latent_3d
    assert page.latent_stack.currentWidget() is cloud
    _assert_notice(cloud.scene, qtbot)
    assert len(cloud.scene.items("cloud")[0].data) == 360
    assert _painted(cloud.scene, qtbot)[..., :3].std() > 5


def test_the_probe_answers_once_and_says_why(qapp, monkeypatch):
    from lab_app import gl_views

    status = gl_views.gl_status()
    assert gl_views.gl_status() is status  # asked once per process
    if qapp.platformName() == "offscreen":
        assert not status.ok and "offscreen" in status.why and "QT_QPA_PLATFORM" in status.how
    monkeypatch.setenv("AI_LAB_3D", "off")
    off = gl_views._probe()
    assert not off.ok and "AI_LAB_3D" in off.notice()


@pytest.mark.gl
def test_a_wide_strip_keeps_the_whole_cloud_in_view(qtbot):
    """pyqtgraph's field of view is horizontal: in a wide, low view a cloud at a fixed distance leaves the top and
    bottom. ``frame`` backs the camera off until a ball of the given radius fits, and again after a resize."""
    from lab_app.widgets.scene3d import new_scene
    from lab_app.widgets.scene_parts import rgba

    scene = new_scene(distance=2.0)
    qtbot.addWidget(scene.view)
    rng = np.random.default_rng(0)
    cloud = rng.normal(size=(400, 3))
    cloud /= np.linalg.norm(cloud, axis=1).max()  # inside the unit ball, some points on its edge
    scene.points("words", cloud, rgba("#1f77b4"), size=8)
    scene.view.resize(900, 240)
    scene.view.show()
    qtbot.waitExposed(scene.view)

    def inside() -> float:
        view = scene.view
        w, h = view.width(), view.height()
        m = view.projectionMatrix((0, 0, w, h), (0, 0, w, h)) * view.viewMatrix()
        matrix = np.array(m.data()).reshape(4, 4).T
        clip = np.c_[cloud, np.ones(len(cloud))] @ matrix.T
        ndc = clip[:, :2] / clip[:, 3:]
        return float(np.mean(np.all(np.abs(ndc) <= 1, axis=1)))

    assert inside() < 0.9  # at distance 2 much of the cloud is above and below the strip
    scene.frame((0.0, 0.0, 0.0), 1.0)
    assert inside() == 1.0
    scene.view.resize(1400, 240)  # the strip gets wider still: the camera backs off again
    qtbot.waitUntil(lambda: scene.view.width() == 1400)
    assert inside() == 1.0
