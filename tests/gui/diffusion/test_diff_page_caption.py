"""The caption page: guidance and prompt change the picture, compare uses one seed, PNG keeps the settings."""

from __future__ import annotations

import numpy as np
import pytest

from engines.diffusion.png import read_png
from lab_app.tabs.diffusion.caption_page import CaptionPage


def page_of(window, index):
    window.select("diffusion", index, build_now=True)
    return window.current_tab().pages[index].page


def generate(page, qtbot, button=None):
    with qtbot.waitSignal(page.runner.finished, timeout=30_000):
        (button or page.generate_button).click()
    return np.asarray(page.result["images"]).copy()


def test_guidance_prompt_grid_compare_and_save(window, qtbot, tmp_path):
    page = page_of(window, 2)
    assert isinstance(page, CaptionPage)
    page.steps_box.setValue(8)
    page.grid_box.setCurrentIndex(0)
    base = generate(page, qtbot)
    assert base.shape == (1, 3, 32, 32)
    assert page.heat_item.image.shape[1] == 64 and page.heat_item.image.shape[0] >= 2
    assert "smiling" in page.words_label.text()

    page.guidance_slider.setValue(0)
    assert "ignored" in page.guidance_label.text()
    assert not np.allclose(generate(page, qtbot), base)
    page.guidance_slider.setValue(6)
    page.prompt_edit.setText("a frowning face with green hair wearing a red hat")
    assert not np.allclose(generate(page, qtbot), base)

    page.grid_box.setCurrentIndex(1)
    grid = generate(page, qtbot)
    assert grid.shape == (4, 3, 32, 32)
    assert page.grid_view.image.shape == (66, 66, 3)  # 2 × 2 pictures, 2 pixels apart, no frame around them

    pair = generate(page, qtbot, page.compare_button)
    assert pair.shape == (2, 3, 32, 32)
    assert page.grid_view.image.shape == (32, 66, 3)

    path = tmp_path / "out.png"
    meta = page.save_png(str(path))
    image, text = read_png(path)
    assert text["prompt"] == meta["prompt"] and "red hat" in text["prompt"]
    assert text["seed"] == "7" and text["steps"] == "8" and text["guidance"] == "3.0"
    assert image.shape == (32 * 4, 66 * 4, 3)


def strip_titles(page):
    return [view.title for view in page.strip_views]


def test_interpolation_strips_end_on_the_plain_samples(window, qtbot):
    page = page_of(window, 2)
    page.steps_box.setValue(6)
    page.grid_box.setCurrentIndex(0)
    page.guidance_slider.setValue(6)
    prompt_a, prompt_b = page.prompt_edit.text(), page.prompt_b_edit.text()
    assert prompt_a != prompt_b
    plain_a = generate(page, qtbot)[0]
    page.prompt_edit.setText(prompt_b)
    plain_b = generate(page, qtbot)[0]
    page.prompt_edit.setText(prompt_a)
    assert page.strip_host.isHidden()  # (hidden until the first strip)

    page.walk_box.setCurrentIndex(page.walk_box.findData("prompts"))
    page.frames_box.setValue(6)
    strip = generate(page, qtbot, page.walk_button)
    assert strip.shape == (6, 3, 32, 32)
    assert page.result["weights"] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert strip_titles(page) == ["w = 0", "w = 0.2", "w = 0.4", "w = 0.6", "w = 0.8", "w = 1"]
    assert page.strip_host.isVisible()
    assert all(view.image is not None and view.image.shape == (32, 32, 3) for view in page.strip_views)
    # the ends are the plain samples of A and B with the same seed (one batch vs one picture: tiny differences)
    np.testing.assert_allclose(strip[0], plain_a, atol=0.02)
    np.testing.assert_allclose(strip[-1], plain_b, atol=0.02)
    assert np.abs(strip[2] - strip[0]).mean() > 0.01 and np.abs(strip[3] - strip[-1]).mean() > 0.01

    page.walk_box.setCurrentIndex(page.walk_box.findData("seeds"))
    page.frames_box.setValue(4)
    page.seed_b_box.setValue(11)
    seeds = generate(page, qtbot, page.walk_button)
    assert seeds.shape == (4, 3, 32, 32) and len(page.strip_views) == 4
    assert strip_titles(page)[1] == "w = 0.33"
    np.testing.assert_allclose(seeds[0], plain_a, atol=0.02)
    page.seed_box.setValue(11)
    plain_seed_b = generate(page, qtbot)[0]
    np.testing.assert_allclose(seeds[-1], plain_seed_b, atol=0.02)
    assert not np.allclose(seeds[0], seeds[-1], atol=0.05)


def test_strip_can_be_cancelled(window, qtbot):
    page = page_of(window, 2)
    page.steps_box.setValue(200)
    page.frames_box.setValue(3)
    assert not page.cancel_button.isEnabled()
    page.walk_button.click()
    qtbot.waitUntil(lambda: page.cancel_button.isEnabled() and page.strip_views[0].image is not None,
                    timeout=30_000)
    with qtbot.waitSignal(page.runner.cancelled, timeout=10_000):
        page.cancel_button.click()
    assert page.result is None
    assert page.status_label.text() == "Cancelled."


def test_a_word_new_to_the_model_shows_which_training_word_it_lies_nearest(window, qtbot):
    page = page_of(window, 2)
    page.steps_box.setValue(4)
    page.grid_box.setCurrentIndex(0)
    page.prompt_edit.setText("a face wearing a crimson hat")
    generate(page, qtbot)
    text = page.words_label.text()
    assert "New to this model" in text and "<i>crimson</i> → <b>purple</b>" in text
    page.prompt_edit.setText("a smiling face wearing a red hat")
    generate(page, qtbot)
    assert "New to this model" not in page.words_label.text()


def test_steer_as_a_tree_pause_change_the_caption_and_branch(window, qtbot, tmp_path):
    page = page_of(window, 2)
    page.steps_box.setValue(30)
    assert not page.branches.isVisible() and not page.pause_button.isEnabled()
    page.tree_button.click()
    qtbot.waitUntil(lambda: page.branches.picked is not None, timeout=30_000)
    page.pause_button.setChecked(True)
    qtbot.wait(300)
    row, step = page.branches.picked
    assert row == 0 and step < 30 and "Paused" in page.status_label.text()
    page.prompt_edit.setText("a frowning face with grey hair, wearing a purple hat, on a yellow background")
    page.set_guidance(5.0)
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.branches.branch_button.click()
    child = page.tree.get(1)
    assert child.start == step and 'caption "a frowning face' in child.note and "guidance" in child.note
    assert child.settings.guidance == 5.0
    assert np.array_equal(child.states[step], page.tree.get(0).states[step])  # the same picture up to there
    assert {c.branch for c in page.branches.cells} == {0, 1}
    page.branches.save_png(str(tmp_path / "tree.png"))
    image, meta = read_png(tmp_path / "tree.png")
    assert image.shape[0] == page.branches.image.shape[0] * 4 and "frowning" in meta["branch 1"]


def test_saving_a_picture_or_tree_where_it_cannot_be_written_says_so(window, qtbot, tmp_path, monkeypatch):
    # Found by the monkey (seed 4, 600 s, step 1169): "Save tree PNG…" onto a folder raised in the event loop.
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    page = page_of(window, 2)
    generate(page, qtbot)
    page.branches.image = np.zeros((8, 8, 3), np.uint8)  # a tree picture to save
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _parent, _title, text: shown.append(text)))
    for target in (str(tmp_path), "/proc/self/mem", "/"):
        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, t=target, **_k: (t, "")))
        page.save_button.click()
        page.branches.save_button.setEnabled(True)
        page.branches.save_button.click()
    assert len(shown) == 6 and all(text.startswith("Could not save") for text in shown)
    assert "that is a folder" in shown[0]


def test_both_clues_side_by_side(window, qtbot):
    from engines.diffusion.model_store import list_models

    if "faces-minilm" not in [e.key for e in list_models()]:
        pytest.skip("the MiniLM faces model is not built")
    page = page_of(window, 2)
    page.steps_box.setValue(6)
    page.grid_box.setCurrentIndex(0)
    page.prompt_edit.setText("a face wearing a crimson hat")
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.clues_button.click()
    images = page.result["images"]
    assert set(images) == {"GloVe words", "MiniLM phrases"}
    assert page.grid_view.image.shape == (32, 2 * 32 + 6, 3)  # two pictures, a gap between
    text = page.words_label.text()
    assert "<i>crimson</i> →" in text and "<i>wearing a crimson hat</i> → <b>wearing a red hat</b>" in text


def test_after_a_tree_run_the_pictures_save_button_is_off_the_tree_has_its_own(window, qtbot):
    # Found by the monkey (seed 14): Save PNG stayed enabled from a caption run, a tree ran, and pressing it read the
    # tree's result as a caption result -> KeyError 'settings'
    page = page_of(window, 2)
    page.steps_box.setValue(4)
    page.grid_box.setCurrentIndex(0)
    generate(page, qtbot)
    assert page.save_button.isEnabled()
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.tree_button.click()
    assert not page.save_button.isEnabled()
    with pytest.raises(ValueError):
        page.save_png("/tmp/never-written.png")


def test_a_lone_picture_is_shown_without_a_frame(window, qtbot):
    # the one finished picture of a tree run (and of a 1 × 1 batch) sat in a thick grey frame (2 of its 32 pixels on
    # each side, grey 150), a bright block on the dark theme: now the view shows the picture itself
    from engines.diffusion.sample import to_uint8

    page = page_of(window, 2)
    page.steps_box.setValue(4)
    page.grid_box.setCurrentIndex(0)
    images = generate(page, qtbot)
    assert np.array_equal(page.grid_view.image, to_uint8(images)[0])
    with qtbot.waitSignal(page.runner.finished, timeout=60_000):
        page.tree_button.click()
    assert np.array_equal(page.grid_view.image, to_uint8(page.result["images"])[0])
