import numpy as np
import pytest

from engines.diffusion.schedule import NoiseSchedule, noise_strip, q_sample


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_alpha_bar_falls_from_clean_to_noise(kind):
    s = NoiseSchedule.make(kind, 1000)
    abar = s.alphas_cumprod
    assert np.all(np.diff(abar) < 0), "ᾱ must fall at every step"
    assert abar[0] > 0.99 and abar[-1] < 0.01
    assert np.allclose(s.signal_share(10) ** 2 + s.noise_share(10) ** 2, 1.0)


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_q_sample_has_the_closed_form_mean_and_spread(kind):
    s = NoiseSchedule.make(kind, 1000)
    rng = np.random.default_rng(0)
    x0 = np.full((4000, 1, 2, 2), 0.6, np.float32)
    for t in (0, 250, 600, 999):
        xt = q_sample(s, x0, t, rng.standard_normal(x0.shape).astype(np.float32))
        abar = s.alphas_cumprod[t]
        assert xt.mean() == pytest.approx(np.sqrt(abar) * 0.6, abs=0.02)
        assert xt.std() == pytest.approx(np.sqrt(1 - abar), abs=0.02)


def test_q_sample_numpy_and_torch_agree_with_per_sample_timesteps():
    torch = pytest.importorskip("torch")
    s = NoiseSchedule.make("cosine")
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((3, 3, 4, 4)).astype(np.float32)
    eps = rng.standard_normal(x0.shape).astype(np.float32)
    t = np.array([0, 500, 999])
    a = q_sample(s, x0, t, eps)
    b = q_sample(s, torch.from_numpy(x0), torch.from_numpy(t), torch.from_numpy(eps)).numpy()
    assert np.allclose(a, b, atol=1e-6)


def test_noise_strip_goes_from_the_image_to_noise():
    s = NoiseSchedule.make("cosine")
    img = np.ones((1, 8, 8), np.float32) * 0.5
    strip = noise_strip(s, img, [0.0, 0.5, 1.0])
    assert np.abs(strip[0] - img).max() < 0.05
    assert abs(float(strip[2].mean())) < 0.5 and strip[2].std() > 0.5
