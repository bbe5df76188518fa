"""The Playground page: Step, Play/Pause, Reset replays, the boundary picture, export."""

import numpy as np

from lab_app.tabs.neuralnet.playground_page import PlaygroundPage

TIMEOUT = 15000


def _page(window, qtbot) -> PlaygroundPage:
    page = window.select("neuralnet", 1, build_now=True).pages[1].page
    assert isinstance(page, PlaygroundPage)
    _idle(page, qtbot)
    assert page.playground is not None and page.playground.epoch == 0
    return page


def _idle(page: PlaygroundPage, qtbot) -> None:
    qtbot.waitUntil(lambda: not page.runner.is_running() and page.playground is not None, timeout=TIMEOUT)


def _steps(page: PlaygroundPage, qtbot, n: int) -> None:
    for _ in range(n):
        page.step_button.click()
        _idle(page, qtbot)


def test_step_advances_one_epoch_and_draws_the_boundary(window, qtbot):
    page = _page(window, qtbot)
    image = page.view.boundary_image.image
    assert image is not None and image.size > 0  # the untrained boundary shows on build
    _steps(page, qtbot, 1)
    assert page.playground.epoch == 1
    assert page.view.epoch_label.text() == "Epoch 1"
    _steps(page, qtbot, 2)
    assert page.last_snapshot["epoch"] == 3
    image = page.view.boundary_image.image
    assert image.shape == page.last_snapshot["output_grid"].shape and np.isfinite(image).all()
    assert len(page.view.train_curve.getData()[0]) == 4  # epoch 0 plus three epochs
    assert sum(len(row) for row in page.view._neuron_images) == 6  # hidden layers 4,2


def test_play_then_pause_stops_the_job(window, qtbot):
    page = _page(window, qtbot)
    page.play_button.click()
    assert page.playing and page.runner.is_running()
    assert not page.step_button.isEnabled()
    qtbot.waitUntil(lambda: page.last_snapshot is not None and page.last_snapshot["epoch"] > 0, timeout=TIMEOUT)
    page.play_button.click()
    assert not page.playing
    _idle(page, qtbot)
    assert page.playground.epoch > 0
    qtbot.waitUntil(lambda: page.last_snapshot["epoch"] == page.playground.epoch, timeout=TIMEOUT)
    assert page.step_button.isEnabled()


def test_reset_with_the_same_seed_replays_the_same_run(window, qtbot):
    page = _page(window, qtbot)
    _steps(page, qtbot, 3)
    first = page.playground.last.test_loss
    page.reset_button.click()
    _idle(page, qtbot)
    assert page.playground.epoch == 0
    _steps(page, qtbot, 3)
    assert page.playground.last.test_loss == first


def test_changing_the_seed_gives_a_different_run(window, qtbot):
    page = _page(window, qtbot)
    before = page.last_snapshot["train_loss"]
    page.settings.seed_spin.setValue(7)
    qtbot.waitUntil(lambda: page.playground.config.seed == 7 and not page.runner.is_running(), timeout=TIMEOUT)
    assert page.last_snapshot["train_loss"] != before


def test_export_writes_onnx_and_safetensors(window, qtbot, tmp_path):
    page = _page(window, qtbot)
    _steps(page, qtbot, 1)
    onnx_path = page.export("onnx", str(tmp_path / "net.onnx"))
    assert onnx_path and (tmp_path / "net.onnx").stat().st_size > 0
    folder = page.export("safetensors", str(tmp_path / "net"))
    assert folder and (tmp_path / "net" / "config.json").exists()


def test_exporting_into_a_file_says_so_in_plain_words(window, qtbot, tmp_path):
    # Found by the monkey (seed 7): the folder chosen for safetensors was a file → "[Errno 17] File exists: '/…'".
    page = _page(window, qtbot)
    (tmp_path / "notes.txt").write_text("hello")
    assert page.export("safetensors", str(tmp_path / "notes.txt")) is None
    title, message = window.ctx.errors.history[-1]
    assert title == "Export failed"
    assert message.startswith("Could not save notes.txt:") and "Errno" not in message and "/" not in message


def test_plots_follow_the_theme(window, qtbot):
    page = _page(window, qtbot)
    window.ctx.settings.update(theme="dark")
    assert page.view.loss_plot.backgroundBrush().color().name() == "#1e1f22"
    window.ctx.settings.update(theme="light")
    assert page.view.loss_plot.backgroundBrush().color().name() == "#ffffff"


def test_reset_or_new_points_while_playing_rebuild_the_network(window, qtbot, tmp_path):
    # Found by the monkey (seed 2, step ~915: Play, then Load CSV): the cancelled training asked for a snapshot
    # while the rebuild waited, two workers ran and the app aborted ("QThread: Destroyed while thread is still running").
    from lab_app.tabs.neuralnet.playground_controls import CSV

    page = _page(window, qtbot)
    points = tmp_path / "points.csv"
    points.write_text("x,y,label\n" + "\n".join(f"{x},{y},{int(x > 0)}" for x in (-2, -1, 1, 2) for y in (-1, 1)))
    for attempt in range(3):
        page.play_button.click()
        qtbot.waitUntil(lambda: page.last_snapshot is not None and page.last_snapshot["epoch"] > 0, timeout=TIMEOUT)
        if attempt == 1:
            assert page.load_csv_file(str(points))
            qtbot.waitUntil(lambda: page.playground.config.dataset == CSV, timeout=TIMEOUT)
        else:
            page.reset_button.click()
        _idle(page, qtbot)
        qtbot.wait(100)
        assert not page.playing and page.playground.epoch == 0 and page.last_snapshot["epoch"] == 0
        assert page.play_button.text() == "▶ Play" and page.step_button.isEnabled()
    assert len(page.playground.train) + len(page.playground.test) == 8


def test_a_network_that_blows_up_says_so_instead_of_raising(window, qtbot):
    # Found by the monkey (seed 9): learning rate 10 with linear neurons made every output NaN and each frame
    # raised IndexError while drawing the picture.
    from lab_app.tabs.neuralnet.playground_view import BLEW_UP

    page = _page(window, qtbot)
    controls = page.settings
    controls.activation_combo.setCurrentIndex(controls.activation_combo.findData("linear"))
    qtbot.waitUntil(lambda: not page.runner.is_running(), timeout=TIMEOUT)
    _idle(page, qtbot)
    controls.lr_combo.setCurrentIndex(controls.lr_combo.findData(10.0))
    _steps(page, qtbot, 4)
    assert page.view.loss_label.text() == BLEW_UP
    assert not np.isfinite(page.last_snapshot["train_loss"])
