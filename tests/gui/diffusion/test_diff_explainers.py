"""The Diffusion explainers say what the code and the shipped models really do: their numbers are worked out
from the schedule and the models' records, and the panels they point at are where the page puts them."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from engines.core.paths import assets_dir
from engines.diffusion.schedule import NoiseSchedule
from engines.diffusion.schedulers import DDIMScheduler, karras_timesteps, sigmas
from lab_app.tabs.diffusion.facts import _earlier_runs, training_facts


def page_of(window, index):
    window.select("diffusion", index, build_now=True)
    return window.current_tab().pages[index].page


def _config(name):
    return json.loads((assets_dir() / "diffusion" / name / "config.json").read_text(encoding="utf-8"))


def _plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def _where(layout, widget) -> str:
    """'left', 'middle' or 'right' for a widget in a row of three pictures."""
    _row, col, _rows, _cols = layout.getItemPosition(layout.indexOf(widget))
    return ("left", "middle", "right")[col]


def test_remove_noise_names_its_panels_and_quotes_the_schedule(window):
    page = page_of(window, 1)
    text = _plain(page.explainer.body.text())
    grid = page.noise_view.parentWidget().layout()
    # flag 14: the panels are named by where they are on the page (a row of three: left, middle, right)
    assert f"guesses the noise in it ({_where(grid, page.noise_view)})" in text
    assert f"its guess of the clean picture ({_where(grid, page.x0_view)})" in text
    assert _where(grid, page.xt_view) == "left" and "(the picture on the left, before you press Run)" in text
    assert "x_t" not in text and "x_T" not in text

    # flag 15: the numbers are the sampler's own, for the page's default number of steps
    steps = page.steps_box.value()
    schedule = NoiseSchedule.make("cosine", 1000)
    even = DDIMScheduler(schedule, spacing="trailing")
    even.set_timesteps(steps)
    sig = sigmas(even.alphas_cumprod)
    assert even.timesteps[0] == 999
    assert f"lands at about {sig[even.timesteps[1]]:.0f} times" in text
    assert 19_000 < sig[999] < 21_000 and "20,000 times stronger" in text and "about 20,000-fold" in text
    # flag 24: the Karras plan's factor grows, quoted for the first and the last step
    karras = sig[karras_timesteps(even.alphas_cumprod, steps, 40.0)]
    first, last = karras[0] / karras[1], karras[-2] / karras[-1]
    assert last > 1.5 * first
    assert f"about {first:.1f}× at first, {last:.1f}× at the end" in text
    assert f"starts at noise about {karras[0]:.0f} times" in text
    # flags 3 and 4: no "noise-free" DDIM next to "adds noise back"; both samplers repeat for a seed
    assert "noise-free" not in text and "adds back" not in text
    assert "depends only on the starting noise" in text and "same seed gives the same picture" in text
    assert "tools/" not in page.plan_box.toolTip()


def test_remove_noise_honest_note_matches_the_model_records(window):
    text = _plain(page_of(window, 1).explainer.body.text())
    digits, faces = _config("digits"), _config("faces")
    assert f"The digits model trained {digits['trained_steps']:,} steps on a GPU" in text
    assert digits["training"]["device"] == "cuda" and digits["train_time_s"] < 90
    assert f"The faces model trained {faces['trained_steps_in_total']:,} steps" in text
    metrics = json.loads((assets_dir() / "diffusion" / "digits" / "metrics.json").read_text(encoding="utf-8"))
    right = round(metrics["digit_accuracy"] * metrics["n_samples"])
    assert f"the digit asked for {right} times in {metrics['n_samples']}" in text


def test_training_records_are_read_from_the_configs():
    digits = training_facts("digits")
    config = _config("digits")
    assert digits.steps == config["trained_steps"] == digits.gpu_steps
    assert digits.pictures == config["trained_steps"] * config["training"]["batch_size"]
    faces = training_facts("faces")
    config = _config("faces")
    runs = [(config["trained_steps"], config["training"]["batch_size"], False), *_earlier_runs(config["init_from"])]
    assert sum(s for s, _b, _g in runs) == config["trained_steps_in_total"] == faces.steps
    assert faces.pictures == sum(s * b for s, b, _g in runs) and faces.pictures > 1_000_000
    assert 0 < faces.gpu_steps < faces.steps


def test_add_noise_says_the_squares_add_to_one(window):
    page = page_of(window, 0)
    text = _plain(page.explainer.body.text())
    schedule = NoiseSchedule.make("cosine", 1000)
    a, b = float(schedule.signal_share(700)), float(schedule.noise_share(700))
    assert a + b > 1.3 and abs(a * a + b * b - 1) < 1e-6  # not shares, but squares that add to 1
    assert f"{a:.2f}² + {b:.2f}² ≈ 1" in text and "thousands" not in text
    assert f"faces model saw about {training_facts('faces').pictures / 1e6:.1f} million" in text
    page.t_slider.setValue(700)
    label = _plain(page.t_label.text())
    assert f"{a:.2f} × picture + {b:.2f} × noise" in label
    assert f"squares add to 1: {a * a:.2f} + {b * b:.2f}" in label


def test_caption_explainer_names_the_nearest_words_the_model_uses(window):
    from engines.diffusion.pipeline import load_diffusion_model

    text = _plain(page_of(window, 2).explainer.body.text())
    vectors = load_diffusion_model("faces", backend="onnx", threads=1).prompt_vectors
    if vectors.lookup("golden") is None:
        pytest.skip("GloVe word vectors not installed")
    # flag 16: the explainer and the line under the heatmap (nearest_known) name the same word
    for word in ("crimson", "golden", "rose"):
        near, _cos = vectors.nearest_known(word)
        assert f'"{word}" lies nearest "{near}"' in text


def test_train_page_plain_words_and_captioned_samples(window, qtbot, tmp_path):
    from lab_app.job_bar import JobBar

    page = page_of(window, 4)
    text = _plain(page.explainer.body.text())
    digits = _config("digits")
    # flag 17: the shipped models' training, as their records say
    assert f"The digits model trained {digits['trained_steps']:,} steps on a GPU" in text
    assert "thousands of steps" not in text
    assert "MSE" not in page.loss_plot.getAxis("left").labelText

    page.out_dir = tmp_path / "model"
    page.steps_box.setValue(10)
    page.batch_box.setValue(8)
    page.sample_every_s = 0.5
    bar = window.findChild(JobBar)
    shown = []  # what the status bar said after each progress report (its slot runs before this one)
    page.runner.progress.connect(lambda _p: shown.append(bar.label.text()))
    with qtbot.waitSignal(page.runner.finished, timeout=120_000):
        page.train_button.click()
    ours = [text for text in shown if text.startswith("Training a diffusion model")]
    assert ours and all("loss" in text and "steps a second" in text for text in ours), shown
    for raw in ("steps_per_s", "elapsed_s", "lr "):
        assert not any(raw in text for text in shown), shown  # plain words in the status bar, no raw keys
    assert "steps a second" in page.status_label.text() or "Done" in page.status_label.text()
    # every sample in the grid is listed with the caption it was drawn for
    captions = _plain(page.captions_label.text())
    from engines.diffusion.digits_data import caption_for_digit

    for k in range(9):
        assert caption_for_digit(k) in captions
    assert captions.startswith("Row 1 (left to right): " + caption_for_digit(0))
