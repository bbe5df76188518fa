"""Noise schedules and the closed-form forward process q(x_t | x_0).

``x_t = sqrt(ᾱ_t) · x_0 + sqrt(1 − ᾱ_t) · ε`` with ε ~ N(0, I): any noise level in one
jump, no need to add noise step by step. ``ᾱ_t`` (alphas_cumprod) falls from ~1 (clean)
to ~0 (pure noise) as t goes from 0 to T−1.

Pure NumPy; the arithmetic in :func:`q_sample` also works on torch tensors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

SCHEDULE_KINDS = ("linear", "cosine")


def linear_betas(num_timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> np.ndarray:
    """β_t rising linearly (Ho et al. 2020). Float64 ``(T,)``."""
    return np.linspace(beta_start, beta_end, num_timesteps, dtype=np.float64)


def cosine_betas(num_timesteps: int = 1000, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    """β_t from the cosine ᾱ curve (Nichol & Dhariwal 2021): gentler at both ends, kinder to small images."""

    def alpha_bar(u: float) -> float:
        return math.cos((u + s) / (1 + s) * math.pi / 2) ** 2

    betas = [min(1 - alpha_bar((i + 1) / num_timesteps) / alpha_bar(i / num_timesteps), max_beta)
             for i in range(num_timesteps)]
    return np.asarray(betas, dtype=np.float64)


@dataclass(frozen=True)
class NoiseSchedule:
    """β_t, α_t = 1 − β_t and ᾱ_t = ∏ α_s for t = 0 … T−1 (float64 arrays)."""

    kind: str
    betas: np.ndarray

    @classmethod
    def make(cls, kind: str = "cosine", num_timesteps: int = 1000, **kwargs: float) -> "NoiseSchedule":
        if kind == "linear":
            return cls(kind, linear_betas(num_timesteps, **kwargs))
        if kind == "cosine":
            return cls(kind, cosine_betas(num_timesteps, **kwargs))
        raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULE_KINDS)}")

    @property
    def num_timesteps(self) -> int:
        return len(self.betas)

    @property
    def alphas(self) -> np.ndarray:
        return 1.0 - self.betas

    @property
    def alphas_cumprod(self) -> np.ndarray:
        return np.cumprod(self.alphas)

    def signal_share(self, t: Any) -> np.ndarray:
        """sqrt(ᾱ_t): how much of the clean image is left at step t."""
        return np.sqrt(self.alphas_cumprod[np.asarray(t, dtype=np.int64)])

    def noise_share(self, t: Any) -> np.ndarray:
        """sqrt(1 − ᾱ_t): how much noise is mixed in at step t."""
        return np.sqrt(1.0 - self.alphas_cumprod[np.asarray(t, dtype=np.int64)])

    def to_config(self) -> dict[str, Any]:
        return {"kind": self.kind, "num_timesteps": self.num_timesteps}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "NoiseSchedule":
        return cls.make(config.get("kind", "cosine"), int(config.get("num_timesteps", 1000)))


def _broadcast(values: np.ndarray, like: Any) -> Any:
    """Shape per-sample coefficients ``(B,)`` as ``(B, 1, 1, 1)`` in ``like``'s array type."""
    shape = (-1,) + (1,) * (len(like.shape) - 1)
    if hasattr(like, "detach"):  # torch tensor
        import torch

        return torch.as_tensor(values, dtype=like.dtype, device=like.device).reshape(shape)
    return values.astype(like.dtype, copy=False).reshape(shape)


def q_sample(schedule: NoiseSchedule, x0: Any, t: Any, noise: Any) -> Any:
    """Noise ``x0`` ``(B, C, H, W)`` to level ``t`` (int or ``(B,)``) with ``noise`` of the same shape.

    Works on NumPy arrays and torch tensors alike; returns the same kind.
    """
    t_arr = np.broadcast_to(np.asarray(t.cpu() if hasattr(t, "cpu") else t, dtype=np.int64), (x0.shape[0],))
    abar = schedule.alphas_cumprod[t_arr]
    return _broadcast(np.sqrt(abar), x0) * x0 + _broadcast(np.sqrt(1.0 - abar), x0) * noise


def noise_strip(schedule: NoiseSchedule, x0: np.ndarray, fractions: list[float], seed: int = 0) -> list[np.ndarray]:
    """The same image ``(C, H, W)`` at t = fraction·(T−1) for each fraction, all with one noise draw."""
    noise = np.random.default_rng(seed).standard_normal(x0.shape).astype(np.float32)
    out = []
    for f in fractions:
        t = int(round(f * (schedule.num_timesteps - 1)))
        out.append(q_sample(schedule, x0[None].astype(np.float32), t, noise[None])[0])
    return out
