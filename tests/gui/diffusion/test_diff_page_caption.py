"""The caption page: guidance and prompt change the picture, compare uses one seed, PNG keeps the settings."""

from __future__ import annotations

import numpy as np

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
    assert page.grid_view.image.shape == (66, 66, 3)

    pair = generate(page, qtbot, page.compare_button)
    assert pair.shape == (2, 3, 32, 32)
    assert page.grid_view.image.shape == (32, 66, 3)

    path = tmp_path / "out.png"
    meta = page.save_png(str(path))
    image, text = read_png(path)
    assert text["prompt"] == meta["prompt"] and "red hat" in text["prompt"]
    assert text["seed"] == "7" and text["steps"] == "8" and text["guidance"] == "3.0"
    assert image.shape == (32 * 4, 66 * 4, 3)
