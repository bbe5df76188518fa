"""The blend-aware style judge: its training mixes stand in for real audio sums, its temperature is fitted
right, and the shipped judge hears real 50/50 and 75/25 sums of clips it never saw as such (not as one style)."""

from __future__ import annotations

import numpy as np
import pytest

from engines.diffusion.audio import clip_to_image, mel_power
from engines.diffusion.music import STYLES, random_song, render
from engines.diffusion.music_judge_blend import audio_blend, fit_temperature, mixed_batch

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def _clips():
    songs = [random_song(500 + k, s) for k, s in enumerate(STYLES)]
    return np.stack([render(s) for s in songs]), np.arange(len(STYLES))


def test_power_domain_mixes_look_like_the_real_audio_sum():
    from engines.diffusion.audio import power_to_image

    clips, labels = _clips()  # one clip per style, so a soft label names its two clips and their weights
    powers = np.stack([mel_power(x)[:, :64] for x in clips]).astype(np.float32)
    pics, soft = mixed_batch(powers, labels, 6, np.random.default_rng(0), single_share=0.0)
    for pic, s in zip(pics, soft):
        a, b = np.flatnonzero(s > 0)
        np.testing.assert_allclose(pic, power_to_image(s[a] ** 2 * powers[a] + s[b] ** 2 * powers[b]), atol=1e-5)
    for w in (0.5, 0.75):
        real = clip_to_image(audio_blend(clips[0], clips[3], w))
        stand_in = power_to_image(w ** 2 * powers[0] + (1 - w) ** 2 * powers[3])
        assert np.abs(stand_in - real).mean() < 0.03  # ~1 dB: the phase cross-term is small in 64 bands
        assert np.abs(clip_to_image(clips[0]) - real).mean() > 0.04  # and a mix is not just its louder half


def test_mixed_batches_are_labelled_with_their_weights():
    clips, labels = _clips()
    powers = np.stack([mel_power(x)[:, :64] for x in clips]).astype(np.float32)
    pics, soft = mixed_batch(powers, labels, 64, np.random.default_rng(1))
    assert pics.shape == (64, 64, 64) and np.isfinite(pics).all()
    np.testing.assert_allclose(soft.sum(1), 1.0, atol=1e-6)
    assert (soft.max(1) == 1.0).sum() >= 8  # some unmixed clips
    assert ((soft > 0.05) & (soft < 0.95)).any(1).sum() >= 24  # most are real blends
    assert ((soft > 0).sum(1) <= 2).all()  # two styles at most


def test_the_fitted_temperature_is_the_one_that_made_the_targets():
    rng = np.random.default_rng(2)
    logits = rng.normal(0, 3, (300, 4))
    for t in (0.5, 2.0, 4.0):
        z = logits / t
        targets = np.exp(z - z.max(1, keepdims=True))
        targets /= targets.sum(1, keepdims=True)
        assert fit_temperature(logits, targets) == pytest.approx(t, rel=0.03)


def test_an_old_judge_without_a_temperature_reads_as_one(tmp_path):
    from engines.diffusion.music_judge import build_judge, load_judge, save_judge, style_probabilities

    judge = build_judge()
    save_judge(tmp_path, judge, {})
    loaded, config = load_judge(tmp_path)
    assert loaded.temperature == 1.0
    judge.temperature = 3.0
    save_judge(tmp_path, judge, {})
    hot, _ = load_judge(tmp_path)
    pics = np.stack([clip_to_image(x) for x in _clips()[0]])
    # a higher temperature spreads the same verdict out
    assert style_probabilities(hot, pics).max(1).mean() <= style_probabilities(loaded, pics).max(1).mean() + 1e-6


def test_the_shipped_judge_hears_real_blends_of_clips_it_never_saw():
    from engines.diffusion.music_judge import load_judge
    from engines.diffusion.music_judge_blend import blend_table
    from engines.diffusion.music_model import shipped_folder

    folder = shipped_folder() / "judge"
    if not (folder / "config.json").is_file():
        pytest.skip("the music judge is not trained yet: python tools/train_music_judge.py")
    judge, config = load_judge(folder)
    if "temperature" not in config:
        pytest.skip("the shipped judge predates blend training")
    table = blend_table(judge, n=3, seed_base=7_020_000, weights=(0.5, 0.75))
    for pair, row in table.items():
        a, b = pair.split("+")
        half = row["50/50"]
        assert half[f"p_{a}"] >= 0.25 and half[f"p_{b}"] >= 0.25, (pair, half)  # not "rock 99.7 %"
        assert row["75/25"][f"p_{a}"] > half[f"p_{a}"] > row["25/75"][f"p_{a}"], (pair, row)  # it follows the weight
