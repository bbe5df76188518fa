"""Playground additions: the network drawing, the history scrubber, clicked-in and CSV data, multi-class,
regression and input features."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt

from lab_app.tabs.neuralnet import playground_page
from lab_app.tabs.neuralnet.playground_controls import CSV, DRAW
from lab_app.tabs.neuralnet.playground_history import SnapshotHistory
from lab_app.tabs.neuralnet.playground_page import PlaygroundPage
from lab_app.tabs.neuralnet.playground_view import CLASS_COLORS, MIDDLE, _rgb

TIMEOUT = 15000


def _page(window, qtbot) -> PlaygroundPage:
    page = window.select("neuralnet", 1, build_now=True).pages[1].page
    _idle(page, qtbot)
    return page


def _idle(page, qtbot) -> None:
    qtbot.waitUntil(lambda: not page.runner.is_running() and page.playground is not None
                    and not page.settings._structure_timer.isActive(), timeout=TIMEOUT)


def _step(page, qtbot, n: int = 1) -> None:
    for _ in range(n):
        page.step_button.click()
        _idle(page, qtbot)


def test_network_drawing_has_one_edge_per_weight_and_follows_training(window, qtbot):
    page = _page(window, qtbot)
    diagram = page.view.network
    weights = page.last_snapshot["weights"]
    assert diagram.edge_count == sum(w.size for w in weights) == 2 * 4 + 4 * 2 + 2 * 1
    assert diagram.layer_sizes() == [2, 4, 2, 1]
    assert len(diagram.gradients) == 3 and all(g > 0 for g in diagram.gradients)
    assert [len(row) for row in diagram.node_images] == [4, 2]
    before = [w.copy() for w in diagram.weights]
    _step(page, qtbot)
    assert any(not np.allclose(a, b) for a, b in zip(before, diagram.weights))
    assert diagram.grab().width() > 0  # paints without error


def test_history_scrubber_shows_an_earlier_epoch_and_play_returns_to_live(window, qtbot):
    page = _page(window, qtbot)
    _step(page, qtbot, 3)
    assert page.history.epochs() == [0, 1, 2, 3]
    assert page.history_bar.slider.maximum() == 3
    page.history_bar.slider.setValue(1)
    assert page.view.epoch_label.text() == "Epoch 1"
    assert "epoch 1" in page.history_bar.label.text()
    assert page.playground.epoch == 3  # looking back does not change the network
    page.play_button.click()
    assert page.viewing is None
    qtbot.waitUntil(lambda: page.last_snapshot["epoch"] > 3, timeout=TIMEOUT)
    page.play_button.click()
    _idle(page, qtbot)
    assert page.view.epoch_label.text() == f"Epoch {page.last_snapshot['epoch']}"


def test_history_thins_out_but_keeps_the_whole_run():
    history = SnapshotHistory(capacity=10)
    for epoch in range(0, 200):
        history.add({"epoch": epoch})
    epochs = history.epochs()
    assert len(epochs) <= 10 and epochs[0] == 0 and epochs[-1] >= 150
    history.add({"epoch": 0})  # a new run starts over
    assert history.epochs() == [0]


def test_clicked_points_become_the_training_data(window, qtbot):
    page = _page(window, qtbot)
    page.settings.select_dataset(DRAW)
    qtbot.waitUntil(lambda: page.playground is None, timeout=TIMEOUT)
    view = page.view.boundary_plot.getPlotItem().vb
    spots = [(-3, -3, Qt.MouseButton.LeftButton), (-3, 3, Qt.MouseButton.LeftButton),
             (-2, 0, Qt.MouseButton.LeftButton), (3, 3, Qt.MouseButton.RightButton),
             (3, -3, Qt.MouseButton.RightButton), (2, 0, Qt.MouseButton.RightButton)]
    for x, y, button in spots:
        from PySide6.QtCore import QPointF

        pos = page.view.boundary_plot.mapFromScene(view.mapViewToScene(QPointF(x, y)))
        qtbot.mouseClick(page.view.boundary_plot.viewport(), button, pos=QPoint(int(pos.x()), int(pos.y())))
    assert page.drawn_labels == [0, 0, 0, 1, 1, 1]
    assert abs(page.drawn_points[0][0] + 3) < 0.3 and abs(page.drawn_points[3][1] - 3) < 0.3
    _idle(page, qtbot)
    assert len(page.playground.train) + len(page.playground.test) == 6
    _step(page, qtbot)
    assert page.playground.epoch == 1
    page.settings.clear_button.click()
    assert page.playground is None and page.drawn_points == []


def test_a_malformed_csv_is_explained_and_a_good_one_trains(window, qtbot, tmp_path, monkeypatch):
    page = _page(window, qtbot)
    shown = []
    monkeypatch.setattr(playground_page.QMessageBox, "warning", lambda *args: shown.append(args[2]))
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n1,2,0\n3,oops,1\n")
    assert not page.load_csv_file(str(bad))
    assert shown and "line 3" in shown[0] and "not a number" in shown[0]
    _step(page, qtbot)
    assert page.playground.epoch == 1  # still works
    good = tmp_path / "good.csv"
    rows = [f"{x},{y},{int(x > 0)}" for x in (-2, -1, 1, 2) for y in (-1, 0, 1)]
    good.write_text("x,y,label\n" + "\n".join(rows))
    assert page.load_csv_file(str(good))
    qtbot.waitUntil(lambda: page.settings.dataset() == CSV, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.playground is not None and page.playground.config.dataset == CSV, timeout=TIMEOUT)
    _idle(page, qtbot)
    assert len(page.playground.train) + len(page.playground.test) == 12


def test_three_classes_train_and_colour_the_boundary_three_ways(window, qtbot):
    page = _page(window, qtbot)
    page.settings.select_dataset("gauss")
    page.settings.classes_spin.setValue(3)
    qtbot.waitUntil(lambda: page.playground is not None and page.playground.n_outputs == 3, timeout=TIMEOUT)
    _idle(page, qtbot)
    _step(page, qtbot, 5)
    assert page.playground.epoch == 5
    image = page.view.boundary_image.image
    assert image.ndim == 3 and image.shape[2] == 3
    # Each spot leans from the pale middle towards one class's colour: three different directions appear.
    pixels = image.reshape(-1, 3).astype(float) - _rgb(MIDDLE)
    lean = np.stack([(_rgb(c) + 255) / 2 - _rgb(MIDDLE) for c in CLASS_COLORS[:3]])
    lean /= np.linalg.norm(lean, axis=1, keepdims=True)
    strong = np.linalg.norm(pixels, axis=1) > 10
    towards = (pixels[strong] @ lean.T).argmax(axis=1)
    assert set(towards.tolist()) == {0, 1, 2}
    assert len(set(np.unique(page.last_snapshot["class_grid"]))) == 3


def test_regression_trains_with_a_continuous_colour_map(window, qtbot):
    page = _page(window, qtbot)
    page.settings.select_dataset("plane")
    qtbot.waitUntil(lambda: page.playground is not None and page.playground.task == "regression", timeout=TIMEOUT)
    _idle(page, qtbot)
    first = page.playground.last.train_loss
    _step(page, qtbot, 3)
    assert page.playground.last.train_loss < first
    image = page.view.boundary_image.image
    assert image.ndim == 2 and len(np.unique(np.round(image, 3))) > 20
    assert page.view.accuracy_label.text() == "test accuracy —"


def test_feature_checkboxes_change_the_inputs(window, qtbot):
    page = _page(window, qtbot)
    page.settings.feature_boxes["x1sq"].setChecked(True)
    page.settings.feature_boxes["x2sq"].setChecked(True)
    qtbot.waitUntil(lambda: page.playground is not None
                    and page.playground.config.features == ("x1", "x2", "x1sq", "x2sq"), timeout=TIMEOUT)
    _idle(page, qtbot)
    assert page.view.network.layer_sizes()[0] == 4
    assert page.view.network.labels == ["X₁", "X₂", "X₁²", "X₂²"]


def test_push_numbers_read_as_plain_decimals():
    """Newcomer check: "push 6.6e-03" under a layer meant nothing to a newcomer; it reads "push 0.0066" now."""
    from lab_app.tabs.neuralnet.playground_network import push_text

    assert [push_text(g) for g in (6.6e-3, 3.3e-2, 0.5)] == ["push 0.0066", "push 0.033", "push 0.5"]
    assert push_text(2e-5) == "push < 0.0001" and "e-" not in push_text(1e-4)
