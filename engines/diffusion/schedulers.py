"""Samplers that walk from noise back to an image, kept apart from the network.

The loop is the same for every sampler (as in diffusers)::

    scheduler.set_timesteps(50)
    for t in scheduler.timesteps:
        eps = model(x, t)                      # the network guesses the noise in x
        x = scheduler.step(eps, t, x).prev_sample

* :class:`DDPMScheduler`: ancestral sampling, fresh noise added at every step (Ho et al. 2020).
* :class:`DDIMScheduler`: deterministic for ``eta = 0`` and fine with ~50 steps (Song et al. 2021).

Both work on NumPy arrays or torch tensors (coefficients are plain floats); random noise
comes from the caller (``noise=``) or a NumPy ``Generator`` so a seed fixes the trajectory
whatever runs the network. :func:`guided_noise` is classifier-free guidance.

Which timesteps to visit (``spacing``): ``leading`` and ``trailing`` spread them evenly in t
(diffusers' two ways); ``karras`` spreads them evenly in σ^(1/7), where σ = sqrt((1 − ᾱ)/ᾱ) is the
noise-to-signal ratio (Karras et al. 2022), starting at ``sigma_max`` instead of the schedule's last
step. The cosine schedule's last steps have σ in the thousands: the image is pure noise there, and
turning a noise guess into a clean-image guess divides by 1/σ, so tiny errors become huge ones that
clipping only hides. Starting at σ ≈ 40 and leaving x̂₀ unclipped while σ is large (``clip_sigma``) avoids
that (see tools/tune_guidance.py for what it does to the shipped models' scores); clipping the last, nearly
clean steps still removes leftover speckles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engines.diffusion.schedule import NoiseSchedule

SAMPLER_KINDS = ("ddim", "ddpm")
SPACINGS = ("leading", "trailing", "karras")
KARRAS_RHO = 7.0


@dataclass(frozen=True)
class StepOutput:
    """``prev_sample`` = x_{t_prev}; ``pred_original_sample`` = the network's guess of the clean image x̂₀."""

    prev_sample: Any
    pred_original_sample: Any


def guided_noise(eps_uncond: Any, eps_cond: Any, guidance: float) -> Any:
    """Classifier-free guidance: ε = ε_uncond + w · (ε_cond − ε_uncond).

    w = 0 ignores the caption, w = 1 is the plain conditional guess, w > 1 pushes further
    along "what the caption changes".
    """
    return eps_uncond + guidance * (eps_cond - eps_uncond)


def _clip(x: Any, limit: float) -> Any:
    if hasattr(x, "clamp"):
        return x.clamp(-limit, limit)
    return np.clip(x, -limit, limit)


def _noise_like(x: Any, generator: np.random.Generator | None) -> Any:
    rng = generator if generator is not None else np.random.default_rng()
    draw = rng.standard_normal(tuple(x.shape)).astype(np.float32)
    if hasattr(x, "detach"):
        import torch

        return torch.as_tensor(draw, dtype=x.dtype, device=x.device)
    return draw.astype(x.dtype, copy=False)


def sigmas(alphas_cumprod: np.ndarray) -> np.ndarray:
    """σ_t = sqrt((1 − ᾱ_t) / ᾱ_t): how much noise there is per unit of image at each timestep."""
    a = np.asarray(alphas_cumprod, np.float64)
    return np.sqrt((1 - a) / np.maximum(a, 1e-300))


def karras_timesteps(alphas_cumprod: np.ndarray, n: int, sigma_max: float = 40.0,
                     rho: float = KARRAS_RHO) -> np.ndarray:
    """``n`` distinct descending timesteps whose σ are spread evenly in σ^(1/ρ), from the first step
    at or above ``sigma_max`` down to t = 0, so σ shrinks by a modest factor at every step (no jump
    from σ ≈ 20,000 as with even spacing on the cosine schedule) and more steps fall where details
    form. Fewer than ``n`` only when there are not that many timesteps below ``sigma_max``."""
    sig = sigmas(alphas_cumprod)
    top = int(np.clip(np.searchsorted(sig, sigma_max), 0, len(sig) - 1))
    n = min(int(n), top + 1)
    if n == 1:
        return np.array([top], np.int64)
    lo, hi = sig[0] ** (1 / rho), sig[top] ** (1 / rho)
    wanted = (hi + np.arange(n) / (n - 1) * (lo - hi)) ** rho
    steps = np.clip(np.searchsorted(sig, wanted), 0, top).astype(np.int64)
    steps[0], steps[-1] = top, 0
    for i in range(1, n):  # strictly descending from the top ...
        steps[i] = min(steps[i], steps[i - 1] - 1)
    for i in range(n - 1, -1, -1):  # ... and room left for the steps below
        steps[i] = max(steps[i], n - 1 - i)
    return steps


class _Scheduler:
    """Shared parts: the schedule, the chosen timesteps, and x̂₀ from ε."""

    def __init__(self, schedule: NoiseSchedule, spacing: str = "leading", clip_sample: bool = True,
                 clip_range: float = 1.0, set_alpha_to_one: bool = True, sigma_max: float = 40.0,
                 clip_sigma: float | None = None) -> None:
        if spacing not in SPACINGS:
            raise ValueError(f"unknown spacing {spacing!r}; choose one of {', '.join(SPACINGS)}")
        self.schedule = schedule
        self.spacing = spacing
        self.clip_sample = clip_sample
        self.clip_range = clip_range
        self.sigma_max = float(sigma_max)
        # with clip_sample: clip only at steps whose σ is below this (None = every step)
        self.clip_sigma = None if clip_sigma is None else float(clip_sigma)
        # ᾱ "before step 0": 1 means the last step lands on a fully clean image
        self.final_alpha_cumprod = 1.0 if set_alpha_to_one else float(schedule.alphas_cumprod[0])
        self.alphas_cumprod = schedule.alphas_cumprod.astype(np.float32).astype(np.float64)
        self.timesteps = np.arange(schedule.num_timesteps)[::-1].copy()
        self.num_inference_steps = schedule.num_timesteps

    def set_timesteps(self, num_inference_steps: int) -> None:
        """Choose ``num_inference_steps`` timesteps (descending) out of the T training ones."""
        T = self.schedule.num_timesteps
        n = int(num_inference_steps)
        if not 1 <= n <= T:
            raise ValueError(f"steps must be between 1 and {T}, got {n}")
        if self.spacing == "leading":
            ratio = T // n
            steps = (np.arange(n) * ratio).round()[::-1]
        elif self.spacing == "karras":
            steps = karras_timesteps(self.alphas_cumprod, n, self.sigma_max)
        else:  # trailing: start exactly at t = T − 1 (pure noise), good for cosine schedules
            # arange with a fractional stride can give one value too many (n = 61 of 1000: ~1e-13 → t = −1, a step
            # "from" the clean picture that divides by 1 − ᾱ = 0), so keep exactly n
            steps = (np.round(np.arange(T, 0, -T / n)) - 1)[:n]
        self.timesteps = steps.astype(np.int64)
        self.num_inference_steps = n

    def previous_timestep(self, t: int) -> int:
        """The timestep after ``t`` in the current list (−1 after the last one)."""
        idx = np.nonzero(self.timesteps == int(t))[0]
        if len(idx) == 0:
            return int(t) - self.schedule.num_timesteps // self.num_inference_steps
        i = int(idx[0])
        return int(self.timesteps[i + 1]) if i + 1 < len(self.timesteps) else -1

    def clips_at(self, t: int) -> bool:
        """Whether x̂₀ is clipped at timestep ``t``."""
        if not self.clip_sample:
            return False
        if self.clip_sigma is None:
            return True
        a = self._alpha(int(t))
        return math.sqrt((1 - a) / a) < self.clip_sigma

    def _alpha(self, t: int) -> float:
        return float(self.alphas_cumprod[t]) if t >= 0 else self.final_alpha_cumprod

    def predict_x0(self, eps: Any, t: int, x: Any) -> Any:
        """x̂₀ = (x_t − sqrt(1 − ᾱ_t) ε) / sqrt(ᾱ_t)."""
        a = self._alpha(int(t))
        return (x - math.sqrt(1 - a) * eps) / math.sqrt(a)

    def add_noise(self, x0: Any, noise: Any, t: Any) -> Any:
        from engines.diffusion.schedule import q_sample

        return q_sample(self.schedule, x0, t, noise)


class DDIMScheduler(_Scheduler):
    """DDIM: x_{prev} = sqrt(ᾱ_prev) x̂₀ + sqrt(1 − ᾱ_prev − σ²) ε + σ z, σ = η · (DDPM's σ)."""

    kind = "ddim"

    def step(self, eps: Any, t: int, x: Any, eta: float = 0.0, noise: Any = None,
             generator: np.random.Generator | None = None) -> StepOutput:
        t = int(t)
        prev_t = self.previous_timestep(t)
        a_t, a_prev = self._alpha(t), self._alpha(prev_t)
        x0 = (x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)
        if self.clips_at(t):
            x0 = _clip(x0, self.clip_range)
        variance = (1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)
        std = eta * math.sqrt(max(variance, 0.0))
        direction = math.sqrt(max(1 - a_prev - std**2, 0.0)) * eps
        prev = math.sqrt(a_prev) * x0 + direction
        if eta > 0:
            prev = prev + std * (noise if noise is not None else _noise_like(x, generator))
        return StepOutput(prev, x0)


class DDPMScheduler(_Scheduler):
    """DDPM: x_{prev} = μ̃(x_t, x̂₀) + σ z with the posterior q(x_{prev} | x_t, x̂₀)."""

    kind = "ddpm"

    def posterior(self, t: int, prev_t: int) -> tuple[float, float, float]:
        """(coefficient of x̂₀, coefficient of x_t, variance) of q(x_{prev} | x_t, x₀)."""
        a_t, a_prev = self._alpha(t), self._alpha(prev_t)
        alpha_step = a_t / a_prev  # α over the jump t → prev_t
        beta_step = 1 - alpha_step
        coef_x0 = math.sqrt(a_prev) * beta_step / (1 - a_t)
        coef_xt = math.sqrt(alpha_step) * (1 - a_prev) / (1 - a_t)
        variance = max((1 - a_prev) / (1 - a_t) * beta_step, 1e-20)
        return coef_x0, coef_xt, variance

    def step(self, eps: Any, t: int, x: Any, noise: Any = None,
             generator: np.random.Generator | None = None) -> StepOutput:
        t = int(t)
        prev_t = self.previous_timestep(t)
        x0 = self.predict_x0(eps, t, x)
        if self.clips_at(t):
            x0 = _clip(x0, self.clip_range)
        coef_x0, coef_xt, variance = self.posterior(t, prev_t)
        prev = coef_x0 * x0 + coef_xt * x
        if t > 0:
            prev = prev + math.sqrt(variance) * (noise if noise is not None else _noise_like(x, generator))
        return StepOutput(prev, x0)


def make_scheduler(kind: str, schedule: NoiseSchedule, **kwargs: Any) -> _Scheduler:
    """``ddim`` or ``ddpm`` over ``schedule`` (kwargs: spacing, clip_sample, set_alpha_to_one, sigma_max, clip_sigma)."""
    if kind == "ddim":
        return DDIMScheduler(schedule, **kwargs)
    if kind == "ddpm":
        return DDPMScheduler(schedule, **kwargs)
    raise ValueError(f"unknown sampler {kind!r}; choose one of {', '.join(SAMPLER_KINDS)}")
