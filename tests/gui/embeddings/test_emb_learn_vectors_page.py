"""Page 2: skip-gram trains live (frames, loss, neighbours), Stop keeps the result, cancel ends the job."""

import pytest

from lab_app.tabs.embeddings import shared


@pytest.fixture
def page(window):
    window.select("embeddings", 2, build_now=True)
    page = window.current_tab().pages[2].page
    page.corpus_box.setCurrentIndex(1)  # built-in sentences: small and fast
    return page


def test_training_emits_frames_and_hands_vectors_over(page, qtbot):
    page.steps_box.setValue(400)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    assert page.frames_seen >= 1 and page.last_payload["step"] > 0
    assert page.result is not None and page.result.steps_done == 400
    xs, ys = page.loss_curve.getData()
    assert len(xs) >= 2 and ys[-1] < ys[0]
    assert "<b>dog</b>" in page.neighbours_label.text()
    counted = f"{len(page.result.vectors):,} words seen at least {page.config().min_count} times"
    assert counted in page.neighbours_label.text()  # says which words skip-gram counts, not just a number
    assert page.scene.items("labels")[0].texts == list(page.last_payload["words"])
    page.use_button.click()
    assert shared.learned() is page.result.vectors


def test_stop_keeps_what_was_learned(page, qtbot):
    page.steps_box.setValue(100_000)
    page.train_button.click()
    qtbot.waitUntil(lambda: page.frames_seen >= 2, timeout=30_000)
    with qtbot.waitSignal(page.runner.finished, timeout=30_000):
        page.stop_button.click()
    assert 0 < page.result.steps_done < 100_000
    assert page.train_button.isEnabled()


def test_cancel_ends_the_job(page, qtbot):
    page.steps_box.setValue(100_000)
    page.train_button.click()
    qtbot.waitUntil(lambda: page.frames_seen >= 1, timeout=30_000)
    with qtbot.waitSignal(page.runner.cancelled, timeout=30_000):
        page.runner.cancel()
    assert page.result is None


def test_window_helper(page):
    page.focus_slider.setValue(4)  # "learning"
    page.window_box.setValue(2)
    assert page.show_window() == ["method", "for", "high", "quality"]
    page.window_box.setValue(1)
    assert page.show_window() == ["for", "high"]


def test_pairs_label_puts_the_middle_word_in_every_pair(page):
    import re

    for focus, window in ((4, 2), (0, 3), (9, 1)):
        page.focus_slider.setValue(focus)
        page.window_box.setValue(window)
        neighbours = page.show_window()
        plain = re.sub(r"<[^>]+>", "", page.window_label.text())
        pairs = re.findall(r"\(([^()]*)\)", plain.split(f"window {window}:")[1])
        middle = page.example_tokens[focus]
        assert pairs == [f"{middle}, {word}" for word in neighbours]


def test_saving_onto_a_file_says_why_instead_of_crashing(page, qtbot, tmp_path, monkeypatch):
    """Found by the monkey: a file picked as the folder for the vectors raised FileExistsError in the GUI."""
    from PySide6.QtWidgets import QFileDialog

    page.steps_box.setValue(100)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.train_button.click()
    a_file = tmp_path / "story.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(a_file)))
    page.save_button.click()
    assert "Could not save" in page.status_label.text() and "not a folder" in page.status_label.text()
    assert page.ctx.errors.history == []
    good = tmp_path / "vectors"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(good)))
    page.save_button.click()
    assert "Saved to" in page.status_label.text() and (good / "model.safetensors").is_file()
