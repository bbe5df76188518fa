"""Numbers the Diffusion explainers quote, worked out from the schedule code and the shipped models'
config.json, so a sentence cannot drift from what the app really does."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class StepPlanFacts:
    """How noisy the steps are, as σ = noise ÷ image (the cosine schedule, 1000 steps)."""

    steps: int
    sigma_last_t: float  # σ at t = 999, where evenly spaced steps start
    even_second: float  # σ after the first evenly spaced jump
    karras_start: float  # σ where the Karras plan starts
    karras_first_factor: float  # how much its first step shrinks σ
    karras_last_factor: float  # ... and its last step


def step_plan_facts(steps: int = 25, sigma_max: float = 40.0) -> StepPlanFacts:
    from engines.diffusion.schedule import NoiseSchedule
    from engines.diffusion.schedulers import DDIMScheduler, karras_timesteps, sigmas

    schedule = NoiseSchedule.make("cosine", 1000)
    even = DDIMScheduler(schedule, spacing="trailing")
    even.set_timesteps(steps)
    sig = sigmas(even.alphas_cumprod)  # the same float32-rounded ᾱ the samplers use
    karras = sig[karras_timesteps(even.alphas_cumprod, steps, sigma_max)]
    return StepPlanFacts(steps, float(sig[-1]), float(sig[even.timesteps[1]]), float(karras[0]),
                         float(karras[0] / karras[1]), float(karras[-2] / karras[-1]))


@dataclass(frozen=True)
class TrainingFacts:
    """What a shipped model's config.json records about its training."""

    name: str
    steps: int  # training steps in all (earlier runs it started from included)
    gpu_steps: int  # of those, steps on a GPU
    pictures: int | None  # spoiled pictures shown (steps × batch size), None if the record lacks a batch size
    gpu_seconds: float | None  # when the whole training ran on a GPU in one go


def _earlier_runs(init_from: str) -> list[tuple[int, int, bool]]:
    """'… (5707 steps: 3386 at batch 512 on an H100, then 2321 at batch 64 on this CPU)' →
    [(3386, 512, True), (2321, 64, False)]: (steps, batch, on a GPU)."""
    runs = []
    for steps, batch, where in re.findall(r"(\d+) at batch (\d+) on ([^,)]+)", init_from):
        runs.append((int(steps), int(batch), "cpu" not in where.lower()))
    return runs


def training_facts(name: str, config: dict[str, Any] | None = None) -> TrainingFacts | None:
    """The record of the shipped model ``name`` ("digits" or "faces"); None if it is not there."""
    if config is None:
        from engines.core.paths import assets_dir

        try:
            config = json.loads((assets_dir() / "diffusion" / name / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    training = config.get("training") or {}
    try:
        steps_now = int(config["trained_steps"])
        batch_now = int(training["batch_size"])
    except (KeyError, TypeError, ValueError):
        return None
    on_gpu_now = str(training.get("device", "cpu")).startswith("cuda")
    runs = [(steps_now, batch_now, on_gpu_now)]
    init_from = str(config.get("init_from") or training.get("init_from") or "")
    earlier = _earlier_runs(init_from) if init_from else []
    runs += earlier
    total = int(config.get("trained_steps_in_total", sum(r[0] for r in runs)))
    pictures = sum(s * b for s, b, _gpu in runs) if sum(r[0] for r in runs) == total else None
    gpu_steps = sum(s for s, _b, gpu in runs if gpu)
    seconds = float(config["train_time_s"]) if on_gpu_now and not init_from and "train_time_s" in config else None
    return TrainingFacts(name, total, gpu_steps, pictures, seconds)


def millions(n: int | None) -> str:
    """2_113_000 → 'about 2.1 million' (None → 'millions of')."""
    return "millions of" if n is None else f"about {n / 1e6:.1f} million"


def shipped_training_text() -> str:
    """One or two sentences on how long the shipped models trained, from their records."""
    digits, faces = training_facts("digits"), training_facts("faces")
    parts = []
    if digits is not None:
        took = f" (about {digits.gpu_seconds / 60:.0f} minute{'s' if digits.gpu_seconds >= 90 else ''})" \
            if digits.gpu_seconds else ""
        where = "on a GPU" if digits.gpu_steps == digits.steps else "partly on a GPU"
        parts.append(f"The digits model trained {digits.steps:,} steps {where}{took}.")
    if faces is not None:
        parts.append(f"The faces model trained {faces.steps:,} steps: {faces.gpu_steps:,} on a GPU, then the rest "
                     "on one core of a laptop-class CPU (about two and a half hours).")
    return " ".join(parts)
