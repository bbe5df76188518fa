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
    # the folder is named once, in the status, not again in the grey log line under it
    assert str(tmp_path / "model") in page.status_label.text() and not page.log_label.text()

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


def test_the_memory_a_training_used_goes_back_when_it_ends(window, qtbot, tmp_path):
    # Issue 21: the monkey's 60 s walk grew +1.1 GB while a training it started ran. That is the training step's
    # working set (its autograd graph grows with the batch), but glibc kept it after the job ended, for good.
    from pathlib import Path

    from lab_app.jobs import give_back_free_memory

    def rss_mb() -> float:
        status = Path("/proc/self/status").read_text()
        return int(status.split("VmRSS:")[1].split()[0]) / 1024

    page = page_of(window, 4)
    page.out_dir = tmp_path / "model"
    page.steps_box.setValue(5)
    page.sample_every_s = 1000.0
    for batch in (4, 128):  # the first run loads PyTorch and the data: not counted
        page.batch_box.setValue(batch)
        give_back_free_memory()
        before = rss_mb()
        with qtbot.waitSignal(page.runner.finished, timeout=120_000):
            page.train_button.click()
        qtbot.wait(50)
    grown = rss_mb() - before
    assert page.result.steps == 5
    print(f"RSS after the training: {grown:+.0f} MB")
    assert grown < 150, f"{grown:.0f} MB still held after a 5-step training with batch 128"
