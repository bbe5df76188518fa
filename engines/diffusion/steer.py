"""Jobs behind "Steer with a caption": a batch for one caption, two captions side by side, a walk between
two captions or two seeds, and the same caption read by two clues (GloVe words vs MiniLM phrases).

Each caption is encoded once and the encoding handed to the sampler (``conditioning``); walks mix the
two encodings (:func:`~engines.diffusion.sample.mix_encoded`) instead of encoding every frame again.
Frames carry the current guess of the clean pictures: {"x0": (B, C, H, W), "encoded": first caption's}.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, map_events


def _preview(encoded):
    def change(event):
        if isinstance(event, Frame):
            return Frame({"x0": event.payload.x0_pred, "encoded": encoded}, step=event.step)
        return event
    return change


def encode_once(model, prompts: tuple[str, ...]):
    """One encoding row per prompt, each distinct caption encoded once."""
    unique = list(dict.fromkeys(prompts))
    encoded = model.encode(unique)
    return encoded.take(np.array([unique.index(p) for p in prompts]))


def caption_job(model, settings, same_noise: bool = False, cancel: CancelToken | None = None) -> Job[dict[str, Any]]:
    """Pictures for ``settings.prompts`` (``same_noise``: every picture starts from the seed's one noise).
    Returns {"images", "encoded" (the first caption's), "settings"}."""
    from engines.diffusion.sample import initial_noise, sample_job

    rows = encode_once(model, tuple(settings.prompts))
    first = rows.take(np.array([0]))
    x_start = None
    if same_noise:
        x, _ = initial_noise((1, *model.image_shape), settings.seed)
        x_start = np.repeat(x, len(settings.prompts), axis=0)
    images = yield from map_events(sample_job(model, settings, cancel, x_start=x_start, conditioning=rows),
                                   _preview(first))
    return {"images": images, "encoded": first, "settings": settings}


def walk_weights(frames: int) -> list[float]:
    """0, …, 1 in ``frames`` even steps (the mix of the second prompt or seed in each frame)."""
    return [i / (frames - 1) for i in range(frames)] if frames > 1 else [0.0]


def walk_job(model, settings, kind: str, prompt_b: str, seed_b: int, frames: int,
             cancel: CancelToken | None = None) -> Job[dict[str, Any]]:
    """One sampling run for a whole strip: frame i has weight w = i / (frames − 1).

    ``kind`` "prompts": the same starting noise, caption encodings (1 − w)·A + w·B (the end frames are A and B
    exactly); "seeds": caption A, starting noise slerp(noise of ``settings.seed``, noise of ``seed_b``, w).
    Returns {"images", "weights", "kind", "encoded", "settings", "prompt_b", "seed_b"}."""
    from engines.diffusion.pipeline import EncodedPrompts
    from engines.diffusion.sample import initial_noise, mix_encoded, sample_job, slerp

    weights = walk_weights(frames)
    prompt_a = settings.prompts[0]
    x_a, _ = initial_noise((1, *model.image_shape), settings.seed)
    both = encode_once(model, (prompt_a, prompt_b))
    a, b = both.take(np.array([0])), both.take(np.array([1]))
    conditioning = None
    if kind == "prompts":
        conditioning = EncodedPrompts.concat([a if w == 0 else b if w == 1 else mix_encoded(a, b, w) for w in weights])
        x_start = np.repeat(x_a, len(weights), axis=0)
    elif kind == "seeds":
        x_b, _ = initial_noise((1, *model.image_shape), seed_b)
        x_start = np.concatenate([slerp(x_a, x_b, w) for w in weights])
        conditioning = EncodedPrompts.concat([a] * len(weights))
    else:
        raise ValueError(f"unknown interpolation {kind!r}")
    run = replace(settings, prompts=(prompt_a,) * len(weights))
    images = yield from map_events(sample_job(model, run, cancel, x_start=x_start, conditioning=conditioning),
                                   _preview(a))
    return {"images": images, "weights": weights, "kind": kind, "encoded": a, "settings": run,
            "prompt_b": prompt_b, "seed_b": seed_b}


def clues_job(models: dict[str, Any], settings, cancel: CancelToken | None = None) -> Job[dict[str, Any]]:
    """The first caption drawn by each model (e.g. {"GloVe": faces, "MiniLM": faces-minilm}) from the same noise,
    with how each clue reads the caption's new words: {"images": {name: (n, C, H, W)}, "readings": {name:
    [(new word or phrase, nearest training word or phrase, cosine)]}, "settings"}."""
    from engines.diffusion.sample import initial_noise, sample_job

    images, readings = {}, {}
    n = len(settings.prompts)
    for name, model in models.items():
        rows = encode_once(model, tuple(settings.prompts))
        readings[name] = rows.new_words[0] if rows.new_words else []
        x, _ = initial_noise((n, *model.image_shape), settings.seed)  # the same noises for every clue
        images[name] = yield from map_events(
            sample_job(model, settings, cancel, x_start=x, conditioning=rows),
            _preview(rows.take(np.array([0]))))
    return {"images": images, "readings": readings, "settings": settings}
