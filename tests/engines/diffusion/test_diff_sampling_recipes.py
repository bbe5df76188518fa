"""Karras step spacing, unclipped x̂₀ and each model's recommended way of sampling."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from engines.core.jobs import Frame, run_job
from engines.diffusion.schedule import NoiseSchedule
from engines.diffusion.schedulers import DDIMScheduler, karras_timesteps, sigmas

COSINE = NoiseSchedule.make("cosine", 1000)


@pytest.mark.parametrize("n", [1, 2, 10, 50, 200])
def test_karras_steps_are_distinct_descending_and_start_near_sigma_max(n):
    steps = karras_timesteps(COSINE.alphas_cumprod, n, sigma_max=40.0)
    sig = sigmas(COSINE.alphas_cumprod)
    assert len(steps) == n
    assert np.all(np.diff(steps) < 0)
    assert steps[-1] == 0 or n == 1
    assert sig[steps[0]] >= 40.0 and sig[steps[0] - 1] < 40.0  # the first step at or just past σ_max
    assert steps[0] < 999  # the cosine schedule's degenerate last step (σ ≈ 20,000) is skipped


def test_karras_never_jumps_from_thousands_of_sigma_at_once():
    """Evenly spaced t on the cosine schedule jumps from σ ≈ 20,000 to σ ≈ 34 in its first step (a noise
    guess's error is multiplied by ~600 there); Karras steps shrink σ by a modest factor each time."""
    sig = sigmas(COSINE.alphas_cumprod)
    even = DDIMScheduler(COSINE, spacing="trailing")
    even.set_timesteps(50)
    karras = DDIMScheduler(COSINE, spacing="karras", sigma_max=40.0)
    karras.set_timesteps(50)
    worst = lambda ts: float(np.max(sig[ts[:-1]] / sig[ts[1:]]))  # noqa: E731 — biggest σ ratio of one step
    assert worst(even.timesteps) > 100
    assert worst(karras.timesteps[:-1]) < 2.5  # the last step goes to the clean image (σ → 0)
    assert (karras.timesteps < 200).sum() > (even.timesteps < 200).sum()  # more steps where details form


def test_more_steps_than_there_are_below_sigma_max_are_capped():
    steps = karras_timesteps(COSINE.alphas_cumprod, 1000, sigma_max=40.0)
    assert len(steps) == steps[0] + 1 and np.array_equal(steps, np.arange(steps[0], -1, -1))


def test_exact_noise_guesses_land_on_the_image_with_karras_steps():
    c = np.full((1, 3, 4, 4), 0.8)
    c[:, 2] = -0.6
    sched = DDIMScheduler(COSINE, spacing="karras", clip_sample=False, sigma_max=40.0)
    sched.set_timesteps(20)
    x = np.random.default_rng(0).standard_normal(c.shape)
    ab = COSINE.alphas_cumprod
    for t in sched.timesteps:
        eps = (x - np.sqrt(ab[t]) * c) / np.sqrt(1 - ab[t])
        x = sched.step(eps, int(t), x).prev_sample
    assert np.abs(x - c).max() < 0.05


def test_model_sampling_reads_the_recommendation_and_explicit_settings_win():
    from engines.diffusion.sample import SampleSettings, model_sampling, resolve_sampling

    plain = {"spacing": "trailing", "clip_sample": True, "sigma_max": 40.0, "clip_sigma": None}
    assert model_sampling({}) == plain
    cfg = {"recommended_sampling": {"spacing": "karras", "clip_sample": True, "sigma_max": 80, "clip_sigma": 5}}
    assert model_sampling(cfg) == {"spacing": "karras", "clip_sample": True, "sigma_max": 80.0, "clip_sigma": 5.0}
    bad = {"recommended_sampling": {"spacing": "sideways", "clip_sample": "no", "sigma_max": -1, "clip_sigma": "x"}}
    assert model_sampling(bad) == plain
    assert resolve_sampling(SampleSettings(), cfg)["spacing"] == "karras"
    chosen = resolve_sampling(SampleSettings(spacing="trailing", clip=True, sigma_max=10.0, clip_sigma=0.0), cfg)
    assert chosen == {"spacing": "trailing", "clip_sample": True, "sigma_max": 10.0, "clip_sigma": None}


def test_clipping_can_be_kept_to_the_nearly_clean_steps():
    sched = DDIMScheduler(COSINE, spacing="karras", clip_sample=True, sigma_max=40.0, clip_sigma=5.0)
    sched.set_timesteps(30)
    sig = sigmas(COSINE.alphas_cumprod)
    clipped = [sched.clips_at(int(t)) for t in sched.timesteps]
    assert clipped == [bool(sig[t] < 5.0) for t in sched.timesteps] and any(clipped) and not all(clipped)
    x = np.full((1, 1, 2, 2), 3.0)
    eps = np.zeros_like(x)
    noisy_t = int(sched.timesteps[0])
    assert sched.step(eps, noisy_t, x).pred_original_sample.max() > 1.0  # σ ≈ 40: left alone
    assert sched.step(eps, 0, x).pred_original_sample.max() == 1.0  # nearly clean: clipped
    assert DDIMScheduler(COSINE, clip_sample=True).clips_at(999)  # default: every step, as diffusers does


def _timesteps_visited(model, settings):
    from engines.diffusion.sample import sample_job

    visited = []
    job = sample_job(model, settings)
    while True:
        try:
            item = next(job)
        except StopIteration:
            break
        if isinstance(item, Frame):
            visited.append(item.payload.t)
    return visited


def test_a_model_that_recommends_karras_is_sampled_that_way(tiny_model_folder, tmp_path):
    from engines.diffusion.pipeline import load_diffusion_model
    from engines.diffusion.sample import SampleSettings, sample_job

    folder = tmp_path / "m"
    shutil.copytree(tiny_model_folder, folder)
    plain = load_diffusion_model(folder, "torch")
    assert _timesteps_visited(plain, SampleSettings(("a red square",), steps=10))[0] == 999
    cfg = json.loads((folder / "config.json").read_text())
    cfg["recommended_sampling"] = {"spacing": "karras", "clip_sample": False, "sigma_max": 40.0}
    (folder / "config.json").write_text(json.dumps(cfg))
    tuned = load_diffusion_model(folder, "torch")
    expected = karras_timesteps(COSINE.alphas_cumprod, 10, 40.0).tolist()
    assert _timesteps_visited(tuned, SampleSettings(("a red square",), steps=10)) == expected
    # an explicit choice still overrides the model's
    assert _timesteps_visited(tuned, SampleSettings(("a red square",), steps=10, spacing="trailing"))[0] == 999
    out = run_job(sample_job(tuned, SampleSettings(("a red square",), steps=10, seed=3)))
    again = run_job(sample_job(tuned, SampleSettings(("a red square",), steps=10, seed=3)))
    assert np.isfinite(out).all() and np.array_equal(out, again)
    shutil.rmtree(folder)
