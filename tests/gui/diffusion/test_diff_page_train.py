"""The Train page trains a tiny model for a few steps: loss curve, sample grid, saved folder; cancel stops it."""

from __future__ import annotations

from lab_app.tabs.diffusion.train_page import TrainPage


def page_of(window, index):
    window.select("diffusion", index, build_now=True)
    return window.current_tab().pages[index].page


def test_few_steps_then_cancel(window, qtbot, tmp_path):
    page = page_of(window, 4)
    assert isinstance(page, TrainPage)
    page.out_dir = tmp_path / "model"
    page.steps_box.setValue(10)
    page.batch_box.setValue(8)
    page.sample_every_s = 0.5
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    assert page.result.steps == 10 and (tmp_path / "model" / "config.json").is_file()
    assert page.snapshots >= 1 and page.grid_view.image is not None
    assert len(page.losses) >= 1 and "Done" in page.status_label.text()

    page.steps_box.setValue(100_000)
    page.train_button.click()
    qtbot.waitUntil(lambda: len(page.losses) > 0, timeout=30_000)
    with qtbot.waitSignal(page.runner.cancelled, timeout=15_000):
        page.cancel_button.click()
    assert page.result is None
    assert page.losses[-1][0] < 100_000
