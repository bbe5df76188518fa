import math

import numpy as np
import pytest

from engines.diffusion.schedule import NoiseSchedule, q_sample
from engines.diffusion.schedulers import DDIMScheduler, DDPMScheduler, guided_noise


def fake_model(x, t):
    """A smooth made-up noise predictor, the same for both libraries."""
    return 0.3 * np.tanh(x) * math.cos(t / 150.0) + 0.1 * np.sin(3 * x)


@pytest.mark.parametrize("kind,beta_schedule", [("linear", "linear"), ("cosine", "squaredcos_cap_v2")])
@pytest.mark.parametrize("spacing", ["leading", "trailing"])
@pytest.mark.parametrize("eta", [0.0, 0.5])
def test_ddim_matches_diffusers(kind, beta_schedule, spacing, eta):
    torch = pytest.importorskip("torch")
    diffusers = pytest.importorskip("diffusers")
    ref = diffusers.DDIMScheduler(num_train_timesteps=1000, beta_schedule=beta_schedule, clip_sample=True,
                                  set_alpha_to_one=True, timestep_spacing=spacing)
    ours = DDIMScheduler(NoiseSchedule.make(kind, 1000), spacing=spacing, clip_sample=True, set_alpha_to_one=True)
    ref.set_timesteps(25)
    ours.set_timesteps(25)
    assert list(ref.timesteps.numpy()) == list(ours.timesteps)
    rng = np.random.default_rng(0)
    x_ours = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    x_ref = torch.from_numpy(x_ours.copy())
    for t in ours.timesteps:
        noise = rng.standard_normal(x_ours.shape).astype(np.float32)
        eps = fake_model(x_ours, int(t)).astype(np.float32)
        out = ours.step(eps, int(t), x_ours, eta=eta, noise=noise)
        ref_out = ref.step(torch.from_numpy(fake_model(x_ref.numpy(), int(t)).astype(np.float32)), int(t), x_ref,
                           eta=eta, variance_noise=torch.from_numpy(noise))
        x_ours, x_ref = out.prev_sample.astype(np.float32), ref_out.prev_sample
        assert np.allclose(out.pred_original_sample, ref_out.pred_original_sample.numpy(), atol=1e-4)
        assert np.allclose(x_ours, x_ref.numpy(), atol=1e-4)


def test_ddpm_step_is_the_closed_form_posterior():
    s = NoiseSchedule.make("linear", 1000)
    sched = DDPMScheduler(s, clip_sample=False)  # full 1000 steps: the textbook case
    rng = np.random.default_rng(2)
    x0 = rng.uniform(-1, 1, (2, 1, 4, 4))
    eps = rng.standard_normal(x0.shape)
    for t in (999, 500, 10, 1):
        xt = q_sample(s, x0, t, eps)
        out = sched.step(eps, t, xt, noise=np.zeros_like(x0))
        assert np.allclose(out.pred_original_sample, x0, atol=1e-5)
        abar, abar_prev, beta = s.alphas_cumprod[t], s.alphas_cumprod[t - 1], s.betas[t]
        mean = (np.sqrt(abar_prev) * beta / (1 - abar)) * x0 + (np.sqrt(1 - beta) * (1 - abar_prev) / (1 - abar)) * xt
        assert np.allclose(out.prev_sample, mean, atol=1e-5)
        z = rng.standard_normal(x0.shape)
        noisy = sched.step(eps, t, xt, noise=z).prev_sample
        var = (1 - abar_prev) / (1 - abar) * beta
        assert np.allclose(noisy - mean, np.sqrt(var) * z, atol=1e-5)


def test_ddpm_last_step_adds_no_noise_and_ddim_eta0_is_deterministic():
    s = NoiseSchedule.make("cosine")
    ddpm = DDPMScheduler(s)
    ddpm.set_timesteps(10)
    x = np.ones((1, 1, 2, 2))
    a = ddpm.step(np.zeros_like(x), 0, x, generator=np.random.default_rng(0)).prev_sample
    b = ddpm.step(np.zeros_like(x), 0, x, generator=np.random.default_rng(1)).prev_sample
    assert np.array_equal(a, b)
    ddim = DDIMScheduler(s)
    ddim.set_timesteps(10)
    t = ddim.timesteps[3]
    assert np.array_equal(ddim.step(x * 0.1, t, x).prev_sample, ddim.step(x * 0.1, t, x).prev_sample)


def test_guidance_is_a_linear_push_along_the_clue():
    u, c = np.array([1.0, 2.0]), np.array([2.0, 0.0])
    assert np.allclose(guided_noise(u, c, 0.0), u)
    assert np.allclose(guided_noise(u, c, 1.0), c)
    assert np.allclose(guided_noise(u, c, 3.0), u + 3 * (c - u))


def test_bad_step_counts_are_refused():
    sched = DDIMScheduler(NoiseSchedule.make("cosine", 100))
    with pytest.raises(ValueError):
        sched.set_timesteps(0)
    with pytest.raises(ValueError):
        sched.set_timesteps(101)


@pytest.mark.parametrize("spacing", ["leading", "trailing", "karras"])
def test_every_step_count_gives_that_many_timesteps_inside_the_schedule(spacing):
    """Trailing spacing at 61 of 1000 steps once gave 62 timesteps ending at t = −1; the DDPM step from there
    divided by 1 − ᾱ = 0 ("Removing noise failed: ZeroDivisionError", found by the monkey on a branch run)."""
    sched = DDPMScheduler(NoiseSchedule.make("cosine", 1000), spacing=spacing)
    for n in range(1, 1001):
        sched.set_timesteps(n)
        steps = [int(t) for t in sched.timesteps]
        if spacing == "karras":  # fewer only when σ_max leaves fewer timesteps (its docstring)
            assert len(steps) == min(n, sched.timesteps[0] + 1), (n, len(steps))
        else:
            assert len(steps) == n, (n, len(steps))
        assert min(steps) >= 0 and max(steps) <= 999, n
        assert all(a > b for a, b in zip(steps, steps[1:])), n


def test_ddpm_at_61_trailing_steps_ends_on_a_finite_picture():
    sched = DDPMScheduler(NoiseSchedule.make("cosine", 1000), spacing="trailing")
    sched.set_timesteps(61)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 1, 4, 4)).astype(np.float32)
    for t in sched.timesteps:
        x = sched.step(fake_model(x, int(t)).astype(np.float32), int(t), x, generator=rng).prev_sample
    assert np.isfinite(x).all()
