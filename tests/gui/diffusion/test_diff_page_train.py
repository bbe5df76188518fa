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


def test_own_folder_counts_pictures_and_trains(window, qtbot, monkeypatch, tmp_path):
    import numpy as np

    from engines.diffusion.png import write_png
    from lab_app.tabs.diffusion import train_page

    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path / "data"))
    caption = page_of(window, 2)  # built first: its model chooser must learn about the new model
    page = page_of(window, 4)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a picture")
    monkeypatch.setattr(train_page.QFileDialog, "getExistingDirectory", lambda *a, **k: str(empty))
    page.dataset_box.setCurrentIndex(page.dataset_box.findData(train_page.FOLDER))
    page.dataset_box.activated.emit(page.dataset_box.currentIndex())
    assert page.folder_count == 0
    assert "No PNG pictures" in page.folder_label.text() and not page.folder_label.isHidden()
    assert not page.train_button.isEnabled()
    page.train()
    assert not page.runner.is_running() and "PNG" in page.status_label.text()

    pics = tmp_path / "pics"
    pics.mkdir()
    rng = np.random.default_rng(0)
    for name in ("red_apple", "green-apple", "blue apple"):
        write_png(pics / f"{name}.png", rng.integers(0, 255, (12, 12, 3), dtype=np.uint8))
    monkeypatch.setattr(train_page.QFileDialog, "getExistingDirectory", lambda *a, **k: str(pics))
    page.folder_button.click()
    assert page.folder_count == 3
    assert "Found <b>3</b> PNG pictures" in page.folder_label.text() and "“blue apple”" in page.folder_label.text()
    assert page.train_button.isEnabled()
    page.steps_box.setValue(5)
    page.batch_box.setValue(4)
    page.sample_every_s = 1000.0
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    folder = tmp_path / "data" / "models" / "diffusion" / "my-pics"
    assert page.result.steps == 5 and (folder / "config.json").is_file()
    labels = [caption.model_box.itemText(i) for i in range(caption.model_box.count())]
    assert "Mine: my-pics" in labels  # listed as soon as training finished
