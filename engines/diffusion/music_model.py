"""The music model: the image diffusion pipeline painting spectrograms, and the way to sound.

:func:`generate_job` runs the shared sampler (:func:`engines.diffusion.sample.sample_job`) on
the music model, yields a :class:`MusicFrame` per step (the picture so far, unfolded to 64×64),
then turns the final picture into a waveform (:func:`engines.diffusion.audio.image_to_clip`).
A style mix walks between two captions' numbers: (1 − w)·A + w·B, same seed; a prompt
"A in the style of B" is read as that mix at w = ½ (:func:`split_style_of`). A model fine-tuned with
the tempo clue (``tempo.*`` tensors, :mod:`engines.diffusion.music_tempo`) loads as
:class:`MusicDiffusionModel`, whose captions also carry the bpm they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, Log
from engines.diffusion.audio import CLIP_SAMPLES, SAMPLE_RATE, image_to_clip
from engines.diffusion.music_data import unfold
from engines.diffusion.pipeline import DiffusionModel

MODEL_NAME = "music"
SHIPPED_FILES = ("config.json", "model.safetensors", "model.onnx", "encoder.onnx", "judge/config.json",
                 "judge/model.safetensors")
DEFAULT_PROMPTS = ("an edm track at 128 bpm", "a slow classical piece in a minor key",
                   "a fast rock song with a heavy guitar", "a jazz tune with a vibraphone")
GRIFFIN_LIM_ITERATIONS = 100


@dataclass(frozen=True)
class MusicFrame:
    index: int
    total: int
    t: int
    noisy: np.ndarray  # (64, 64) the sampler's current picture x_t
    guess: np.ndarray  # (64, 64) the model's clean-picture guess x̂₀ at this step


@dataclass(frozen=True)
class MusicResult:
    picture: np.ndarray  # (64, 64) in −1..1, row 0 = lowest band
    audio: np.ndarray  # (CLIP_SAMPLES,) float32
    prompt: str
    seed: int
    steps: int
    guidance: float
    mix: tuple[str, float] | None = None
    seconds: float = 0.0  # wall time of sampling + inversion

    @property
    def sample_rate(self) -> int:
        return SAMPLE_RATE


def shipped_folder() -> Path:
    from engines.core.paths import assets_dir

    return assets_dir() / "diffusion" / MODEL_NAME


def is_trained() -> bool:
    """Whether the shipped music model is there."""
    return (shipped_folder() / "config.json").is_file()


def recommended_guidance(default: float = 3.0) -> float:
    """The shipped model's recommended guidance (chosen with the style judge), else ``default``."""
    import json

    try:
        return float(json.loads((shipped_folder() / "config.json").read_text(encoding="utf-8"))["recommended_guidance"])
    except (OSError, ValueError, KeyError, TypeError):
        return default


def resolve_music_model(model: str | Path | None = None) -> Path:
    """None/"music" → the shipped folder (checked against the manifest); else a path."""
    from engines.core.model_io import ModelFileError

    if model in (None, "", MODEL_NAME):
        folder = shipped_folder()
        if not (folder / "config.json").is_file():
            raise ModelFileError("missing", folder, "the music model has not been trained yet "
                                 "(python tools/train_music.py builds it)")
        from engines.diffusion.pipeline import _verify_shipped

        _verify_shipped(folder, MODEL_NAME, SHIPPED_FILES[:4])
        return folder
    return Path(model)


def load_music_model(model: str | Path | None = None, backend: str = "onnx", device: str = "cpu", threads: int = 1):
    """The music model; with the tempo clue saved beside its weights (``tempo.*``) when it has one."""
    from engines.core.model_io import load_tensors
    from engines.diffusion.music_tempo import TempoClue
    from engines.diffusion.pipeline import load_diffusion_model

    base = load_diffusion_model(resolve_music_model(model), backend, device, threads)
    tempo = TempoClue.from_tensors(load_tensors(Path(base.folder) / "model.safetensors"))
    return with_tempo(base, tempo) if tempo is not None else base


class MusicDiffusionModel(DiffusionModel):
    """A DiffusionModel whose encode also adds each prompt's tempo vector (see :mod:`music_tempo`)."""

    def __init__(self, base: DiffusionModel, tempo: Any) -> None:
        super().__init__(base.config, base.prompt_vectors.table, base.runner, base.folder)
        self.tempo = tempo

    def encode(self, prompts: list[str]):
        return self.tempo.add_to(super().encode(prompts), list(prompts))


def with_tempo(base: DiffusionModel, tempo: Any) -> MusicDiffusionModel:
    return MusicDiffusionModel(base, tempo)


def tiny_model(seed: int = 0):
    """An untrained, very small music model (torch, random weights): for tests and for trying the page
    before the real one is trained. Its pictures are noise-like, but shapes and timings are real."""
    import torch

    from engines.diffusion.captions import EncoderConfig, load_word_vectors
    from engines.diffusion.music import caption_vocabulary
    from engines.diffusion.pipeline import DiffusionModel, TorchRunner, build_modules
    from engines.diffusion.unet import UNetConfig

    torch.manual_seed(seed)
    config = {"name": "music-untrained", "unet": UNetConfig(in_channels=4, image_size=32, channels=(8, 16, 16),
                                                            context_dim=16, time_dim=32, heads=2, groups=4).to_dict(),
              "encoder": EncoderConfig(d_model=16, layers=1, heads=2).to_dict(),
              "schedule": {"kind": "cosine", "num_timesteps": 1000}, "prediction": "epsilon"}
    unet, encoder = build_modules(config)
    with torch.no_grad():  # a trained-from-scratch UNet starts with a zero last layer; make the caption matter
        unet.conv_out.weight.normal_(0, 0.2)
        unet.conv_out.bias.normal_(0, 0.05)
    words = load_word_vectors(caption_vocabulary(), prefer="learned", seed=seed)
    return DiffusionModel(config, words, TorchRunner(unet, encoder, "cpu"))


def mixed_conditioning(model: Any, prompt_a: str, prompt_b: str, weight: float, batch: int = 1):
    """Caption numbers (1 − weight)·A + weight·B, repeated for ``batch`` rows."""
    from engines.diffusion.pipeline import EncodedPrompts
    from engines.diffusion.sample import mix_encoded, mix_prompts

    tempo = getattr(model, "tempo", None)
    if tempo is None:
        mix = mix_prompts(model, prompt_a, prompt_b, float(weight))
    else:  # mix the words, then add the tempo of the mix (a bpm named by one caption is kept whole, not halved)
        from engines.diffusion.music_tempo import mixed_bpm, parse_bpm

        mix = mix_encoded(DiffusionModel.encode(model, [prompt_a]), DiffusionModel.encode(model, [prompt_b]),
                          float(weight))
        mix = tempo.add(mix, np.array([mixed_bpm(parse_bpm(prompt_a), parse_bpm(prompt_b), float(weight))]))
    return EncodedPrompts.concat([mix] * batch)


STYLE_OF = re.compile(r"^\s*(.+?)\s+in the style of\s+(.+?)\s*$", re.IGNORECASE)


def split_style_of(prompt: str) -> tuple[str, str] | None:
    """"an edm track in the style of a classical piece" → ("an edm track", "a classical piece"), else None.
    The model never heard "in the style of" (its training captions name one style), so the engine reads it
    as the half-way mix of the two captions — the same as the style-mix slider at 50 %."""
    found = STYLE_OF.match(prompt or "")
    return (found.group(1), found.group(2)) if found else None


def style_of_conditioning(model: Any, prompts: list[str]):
    """Caption numbers for ``prompts`` with every "A in the style of B" read as the half-way mix of A and B;
    None when no prompt says "in the style of" (then the sampler encodes the prompts itself)."""
    from engines.diffusion.pipeline import EncodedPrompts

    pairs = [split_style_of(p) for p in prompts]
    if not any(pairs):
        return None
    return EncodedPrompts.concat([mixed_conditioning(model, *pair, 0.5) if pair else model.encode([p])
                                  for p, pair in zip(prompts, pairs)])


def generate_pictures_job(model: Any, prompts: list[str], seed: int = 0, steps: int = 50, guidance: float = 3.0,
                          conditioning: Any = None, cancel: CancelToken | None = None,
                          frames: bool = True) -> Job[np.ndarray]:
    """Pictures (B, 64, 64) for ``prompts`` (or for ``conditioning``, one row per prompt)."""
    from engines.diffusion.sample import SampleSettings, sample_job

    settings = SampleSettings(tuple(prompts), seed=seed, steps=steps, guidance=guidance)
    if conditioning is None:
        conditioning = style_of_conditioning(model, list(prompts))
    job = sample_job(model, settings, cancel, conditioning=conditioning)
    try:
        while True:
            event = next(job)
            if isinstance(event, Frame):
                if frames:
                    s = event.payload
                    yield Frame(MusicFrame(s.index, s.total, s.t, unfold(s.x_next)[0],
                                           unfold(np.clip(s.x0_pred, -1, 1))[0]), step=event.step)
            else:
                yield event
    except StopIteration as stop:
        x = stop.value
    return np.clip(unfold(x), -1, 1)


def generate_job(model: Any, prompt: str, seed: int = 0, steps: int = 50, guidance: float = 3.0,
                 mix: tuple[str, float] | None = None, iterations: int = GRIFFIN_LIM_ITERATIONS,
                 cancel: CancelToken | None = None) -> Job[MusicResult]:
    """One clip: live frames while the picture is painted, then the sound. ``mix=(prompt_b, w)`` walks
    from ``prompt``'s caption numbers towards prompt_b's (same seed)."""
    import time

    cancel = cancel or CancelToken()
    t0 = time.perf_counter()
    cond = mixed_conditioning(model, prompt, mix[0], mix[1]) if mix and mix[1] > 0 else None
    pair = split_style_of(prompt) if cond is None else None
    if pair:
        yield Log(f"read as the half-way mix of {pair[0]!r} and {pair[1]!r} (the model only knows single styles)")
    pictures = yield from generate_pictures_job(model, [prompt], seed, steps, guidance, cond, cancel)
    cancel.raise_if_cancelled()
    yield Log("turning the picture into sound (fast Griffin-Lim)")
    audio = image_to_clip(pictures[0], iterations, seed=seed)
    return MusicResult(pictures[0], audio, prompt, seed, steps, guidance, mix, time.perf_counter() - t0)


def clip_seconds() -> float:
    return CLIP_SAMPLES / SAMPLE_RATE


_cache: dict[tuple[str, str, int], Any] = {}


def cached_music_model(model: str | Path | None = None, backend: str = "onnx", threads: int = 1) -> Any:
    """:func:`load_music_model` once per folder, backend and weights file (reloaded when retrained)."""
    folder = resolve_music_model(model)
    if backend == "onnx" and not (folder / "model.onnx").is_file():
        backend = "torch"
    try:
        stamp = (folder / "model.safetensors").stat().st_mtime_ns
    except OSError:
        stamp = 0
    key = (str(folder), backend, stamp)
    with _cache_lock:
        if key not in _cache:
            for old in [k for k in _cache if k[:2] == key[:2]]:  # its weights before it was trained again
                del _cache[old]
            _cache[key] = load_music_model(folder, backend, "cpu", threads)
        return _cache[key]


def _make_lock():
    import threading

    return threading.Lock()


_cache_lock = _make_lock()


def judge_for(model: Any):
    """The style judge saved beside ``model`` (its folder's judge/), or None."""
    from engines.diffusion.music_judge import load_judge

    folder = getattr(model, "folder", None)
    if folder is None or not (Path(folder) / "judge" / "config.json").is_file():
        return None
    return load_judge(Path(folder) / "judge")[0]
