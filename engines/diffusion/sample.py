"""Sampling as a job: from pure noise to an image, one yielded frame per step.

Each :class:`DenoiseStep` frame holds x_t (what the sampler holds now), the predicted
noise ε̂ and the predicted clean image x̂₀, plus the conditional and unconditional
guesses when guidance is on ("the clue" is their difference). Noise comes from a NumPy
generator seeded by ``seed``, so a seed gives the same picture whatever backend runs the
network. The job checks its cancel token before every network call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, Progress
from engines.diffusion.schedulers import SPACINGS, guided_noise, make_scheduler


@dataclass(frozen=True)
class DenoiseStep:
    """One reverse step. Arrays are (B, C, H, W) float32 in model units (−1..1 for images)."""

    index: int  # 0-based step number
    total: int
    t: int  # the training timestep of this step
    x_t: np.ndarray
    noise_pred: np.ndarray  # ε̂ after guidance
    x0_pred: np.ndarray  # x̂₀
    x_next: np.ndarray  # x after this step
    eps_cond: np.ndarray | None = None
    eps_uncond: np.ndarray | None = None


@dataclass(frozen=True)
class SampleSettings:
    prompts: tuple[str, ...] = ("",)
    seed: int = 0
    steps: int = 50
    guidance: float = 3.0
    sampler: str = "ddim"
    eta: float = 0.0
    spacing: str = "auto"  # "auto" = the model's recommended sampling (else trailing); or leading | trailing | karras
    clip: bool | None = None  # clip x̂₀ to −1..1; None = the model's recommendation (else yes)
    sigma_max: float | None = None  # karras spacing: where to start; None = the model's recommendation (else 40)
    clip_sigma: float | None = None  # clip only below this σ; None = the model's recommendation (else every step)


DEFAULT_SAMPLING = {"spacing": "trailing", "clip_sample": True, "sigma_max": 40.0, "clip_sigma": None}


def model_sampling(config: dict | None) -> dict:
    """The model's recommended step spacing, x̂₀ clipping (and below which σ) and σ_max (``recommended_sampling`` in its
    config.json, chosen by tools/tune_guidance.py), else the plain defaults."""
    chosen = dict(DEFAULT_SAMPLING)
    rec = (config or {}).get("recommended_sampling") or {}
    if isinstance(rec, dict):
        if rec.get("spacing") in SPACINGS:
            chosen["spacing"] = rec["spacing"]
        if isinstance(rec.get("clip_sample"), bool):
            chosen["clip_sample"] = rec["clip_sample"]
        if isinstance(rec.get("sigma_max"), (int, float)) and rec["sigma_max"] > 0:
            chosen["sigma_max"] = float(rec["sigma_max"])
        if isinstance(rec.get("clip_sigma"), (int, float)) and rec["clip_sigma"] > 0:
            chosen["clip_sigma"] = float(rec["clip_sigma"])
    return chosen


def resolve_sampling(settings: SampleSettings, config: dict | None) -> dict:
    """scheduler keyword arguments for ``settings``: explicit choices win, "auto"/None take the model's."""
    chosen = model_sampling(config)
    if settings.spacing != "auto":
        chosen["spacing"] = settings.spacing
    if settings.clip is not None:
        chosen["clip_sample"] = bool(settings.clip)
    if settings.sigma_max is not None:
        chosen["sigma_max"] = float(settings.sigma_max)
    if settings.clip_sigma is not None:
        chosen["clip_sigma"] = float(settings.clip_sigma) if settings.clip_sigma > 0 else None
    return chosen


def initial_noise(shape: tuple[int, ...], seed: int) -> tuple[np.ndarray, np.random.Generator]:
    """x_T for ``seed`` and the generator that supplies any later noise (DDPM)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape).astype(np.float32), rng


def slerp(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    """Spherical interpolation between two noise images (keeps the noise's spread, unlike a plain mix)."""
    fa, fb = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    cos = float(fa @ fb / (np.linalg.norm(fa) * np.linalg.norm(fb) + 1e-12))
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    if theta < 1e-6:
        return ((1 - w) * a + w * b).astype(np.float32)
    return ((np.sin((1 - w) * theta) * a + np.sin(w * theta) * b) / np.sin(theta)).astype(np.float32)


def mix_prompts(model, prompt_a: str, prompt_b: str, w: float):
    """The caption tokens (1 − w)·A + w·B, for walking from one prompt to another."""
    return mix_encoded(model.encode([prompt_a]), model.encode([prompt_b]), w)


def mix_encoded(a, b, w: float):
    """(1 − w)·A + w·B of two already encoded single prompts (encode each caption once, then mix freely)."""
    from engines.diffusion.pipeline import EncodedPrompts

    return EncodedPrompts((1 - w) * a.tokens + w * b.tokens, np.maximum(a.mask, b.mask),
                          (1 - w) * a.pooled + w * b.pooled, [a.words[0] + b.words[0]], [a.unknown[0] + b.unknown[0]])


def sample_job(model, settings: SampleSettings, cancel: CancelToken | None = None,
               x_start: np.ndarray | None = None, conditioning=None, start_index: int = 0) -> Job[np.ndarray]:
    """Generate one image per prompt. Yields Frame(DenoiseStep) + Progress per step; returns (B, C, H, W).

    ``x_start`` replaces the seeded starting noise (e.g. a :func:`slerp` of two seeds);
    ``conditioning`` replaces the encoded prompts (e.g. :func:`mix_prompts`), one row per image.
    ``start_index`` > 0 resumes a paused run at that step: ``x_start`` is then the x_t the step starts from
    (``DenoiseStep.x_t`` of that frame) and the remaining steps follow ``settings``, which may differ from the
    run's (another caption or guidance: a branch). With unchanged settings the result is the unbroken run's,
    bit for bit on the same backend (the noise DDPM would have drawn for the skipped steps is drawn and dropped).
    When a GPU runner runs out of memory, a :class:`Log` says so and sampling goes on on the CPU.
    """
    cancel = cancel or CancelToken()
    prompts = list(settings.prompts)
    B = len(prompts)
    scheduler = _scheduler(model, settings)
    x, rng = initial_noise((B, *model.image_shape), settings.seed)
    if start_index and x_start is None:
        raise ValueError("resuming at a later step needs the x_t of that step (x_start)")
    noisy = settings.sampler == "ddpm" or settings.eta > 0
    for t in scheduler.timesteps[:start_index]:
        if noisy and (settings.sampler != "ddpm" or int(t) > 0):
            rng.standard_normal(x.shape)  # the draw the skipped step made, so later draws match
    if x_start is not None:
        x = np.asarray(x_start, np.float32).copy()
    w = float(settings.guidance)
    cancel.raise_if_cancelled()
    cond = conditioning
    if w == 1.0:
        enc, mode = cond if cond is not None else (yield from _on_gpu_else_cpu(model, model.encode, prompts)), "cond"
    elif w == 0.0:
        enc, mode = (yield from _on_gpu_else_cpu(model, model.encode, [""] * B)), "uncond"
    else:
        from engines.diffusion.pipeline import EncodedPrompts

        cond = cond if cond is not None else (yield from _on_gpu_else_cpu(model, model.encode, prompts))
        enc, mode = EncodedPrompts.concat([cond, (yield from _on_gpu_else_cpu(model, model.encode, [""] * B))]), "cfg"
    total = len(scheduler.timesteps)
    for i, t in enumerate(scheduler.timesteps):
        if i < start_index:
            continue
        cancel.raise_if_cancelled()
        t = int(t)
        eps_c = eps_u = None
        if mode == "cfg":
            both = yield from _on_gpu_else_cpu(model, model.predict_noise, np.concatenate([x, x]), t, enc)
            eps_c, eps_u = both[:B], both[B:]
            eps = guided_noise(eps_u, eps_c, w)
        else:
            eps = yield from _on_gpu_else_cpu(model, model.predict_noise, x, t, enc)
        extra = {}
        if settings.sampler == "ddim":
            extra["eta"] = settings.eta
        out = scheduler.step(eps, t, x, generator=rng, **extra)
        step = DenoiseStep(i, total, t, x, eps, out.pred_original_sample, out.prev_sample, eps_c, eps_u)
        x = out.prev_sample.astype(np.float32)
        yield Frame(step, step=i + 1)
        yield Progress(i + 1, total, {"t": float(t)})
    return x


def _scheduler(model, settings: SampleSettings):
    scheduler = make_scheduler(settings.sampler, model.schedule,
                               **resolve_sampling(settings, getattr(model, "config", None)))
    scheduler.set_timesteps(settings.steps)
    return scheduler


def timesteps_for(model, settings: SampleSettings) -> np.ndarray:
    """The timesteps :func:`sample_job` visits for ``settings`` (one per step, descending)."""
    return _scheduler(model, settings).timesteps


def _on_gpu_else_cpu(model, work, *args):
    """``work(*args)``; when the model's GPU runner runs out of memory, say so, move the runner to the
    CPU (``runner.to_cpu``) and do it again there. Out of memory on the CPU is raised."""
    from engines.core.device import gpu_or_cpu

    return (yield from gpu_or_cpu("Sampling", lambda: work(*args), lambda: getattr(model.runner, "on_gpu", False),
                                  lambda: model.runner.to_cpu()))


def to_uint8(images: np.ndarray) -> np.ndarray:
    """(B, C, H, W) in −1..1 → (B, H, W, C) uint8."""
    return np.clip(np.round((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)


def image_grid(images: np.ndarray, columns: int | None = None, pad: int = 1, fill: int = 255) -> np.ndarray:
    """(B, C, H, W) in −1..1 → one uint8 (H', W', C) grid, ``pad`` pixels of grey ``fill`` around each picture."""
    tiles = to_uint8(images)
    B, H, W, C = tiles.shape
    cols = columns or int(np.ceil(np.sqrt(B)))
    rows = int(np.ceil(B / cols))
    grid = np.full((rows * (H + pad) + pad, cols * (W + pad) + pad, C), fill, np.uint8)
    for i in range(B):
        r, c = divmod(i, cols)
        grid[pad + r * (H + pad): pad + r * (H + pad) + H, pad + c * (W + pad): pad + c * (W + pad) + W] = tiles[i]
    return grid
