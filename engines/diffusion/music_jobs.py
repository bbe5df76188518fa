"""Jobs behind the "Music from noise" page (and usable without it): make a clip and judge it, open a WAV
and rebuild it from its picture, rebuild a noised picture's sound. ``make_music_job`` is a job; the other two are
plain functions (run them as jobs with ``engines.core.jobs.call_job``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np


def make_music_job(loader: Callable[[], Any], prompt: str, seed: int, steps: int, guidance: float,
                   mix: tuple[str, float] | None, cancel):
    """Load the model (cached), paint the picture live, turn it into sound, let the judge listen."""
    from engines.diffusion.music_judge import estimate_bpm, style_probabilities
    from engines.diffusion.music_model import generate_job, judge_for, split_style_of

    model = loader()
    result = yield from generate_job(model, prompt, seed, steps, guidance, mix, cancel=cancel)
    judge = judge_for(model)
    probs = style_probabilities(judge, result.picture[None])[0] if judge is not None else None
    return {"kind": "music", "picture": result.picture, "audio": result.audio, "probs": probs,
            "bpm": estimate_bpm(result.picture), "seconds": result.seconds,
            "read_as": split_style_of(prompt) if not (mix and mix[1] > 0) else None}


def open_wav(path: str, cancel) -> dict[str, Any]:
    """A WAV file's first 2 seconds: the picture, and the sound rebuilt from the picture alone."""
    from engines.diffusion.audio import (CLIP_SAMPLES, clip_to_image, fit_length, image_to_clip, read_wav,
                                         spectral_convergence)

    samples, info = read_wav(path)
    clip = fit_length(samples, CLIP_SAMPLES).astype(np.float32)
    cancel.raise_if_cancelled()
    picture = clip_to_image(clip)
    rebuilt = image_to_clip(picture)
    return {"kind": "wav", "picture": picture, "audio": rebuilt, "original": clip, "info": info,
            "convergence": spectral_convergence(clip, rebuilt), "name": Path(path).name}


def noisy_sound(picture: np.ndarray, cancel) -> dict[str, Any]:
    from engines.diffusion.audio import image_to_clip

    cancel.raise_if_cancelled()
    return {"kind": "noisy", "audio": image_to_clip(picture)}
