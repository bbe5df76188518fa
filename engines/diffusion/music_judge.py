"""The independent ears: a style classifier and a tempo detector for spectrogram pictures.

* :func:`train_judge_job` trains a small CNN on pictures of **real synthesised clips** (never on
  generated ones) to name the style (rock, classical, edm, jazz); its accuracy is measured on clips
  from seeds it never saw. It then labels what the diffusion model draws.
* :func:`estimate_bpm` finds the tempo from the picture alone: onset strength (how much louder each
  frame got than the one before, summed over bands) and the lag at which that pattern best repeats.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job, Log, Progress
from engines.diffusion.audio import HOP, SAMPLE_RATE
from engines.diffusion.music import STYLES

JUDGE_ARCHITECTURE = "ai-lab-music-style-judge"
FRAME_RATE = SAMPLE_RATE / HOP  # 31.25 frames per second


def render_pictures(songs: list, progress_every: int = 0) -> np.ndarray:
    """Pictures (N, 64, 64) float32 in −1..1 of the songs' clips (synthesised here)."""
    from engines.diffusion.audio import clip_to_image
    from engines.diffusion.music import render

    return np.stack([clip_to_image(render(s)) for s in songs]).astype(np.float32)


def rendered_set_job(n: int, seed: int, cancel: CancelToken | None = None) -> Job[tuple[list, np.ndarray]]:
    """(songs, pictures) for ``n`` songs from ``seed``, with progress (synthesis takes ~0.1 s a clip)."""
    from engines.diffusion.audio import clip_to_image
    from engines.diffusion.music import make_dataset, render

    cancel = cancel or CancelToken()
    songs = make_dataset(n, seed)
    pics = np.zeros((n, 64, 64), np.float32)
    for i, song in enumerate(songs):
        cancel.raise_if_cancelled()
        pics[i] = clip_to_image(render(song))
        if (i + 1) % 50 == 0 or i + 1 == n:
            yield Progress(i + 1, n, {"clips": float(i + 1)})
    return songs, pics


def build_judge():
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32×32
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16×16
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8×8
        nn.Flatten(1), nn.Dropout(0.2), nn.Linear(32 * 64, 64), nn.ReLU(), nn.Linear(64, len(STYLES)))


def style_probabilities(judge: Any, pictures: np.ndarray) -> np.ndarray:
    """Pictures (B, 64, 64) → probability of each style (B, len(STYLES)); logits ÷ the judge's temperature."""
    import torch

    judge.eval()
    with torch.no_grad():
        x = torch.as_tensor(np.asarray(pictures, np.float32)[:, None])
        return torch.softmax(judge(x) / float(getattr(judge, "temperature", 1.0)), dim=1).numpy()


def _augment(x: Any, gen: Any, noise_max: float = 0.0) -> Any:
    """Random loudness shift, some noise and a time shift: the judge should hear style, not level or hiss.
    Noise: 0.08 (pixel units) everywhere, or with ``noise_max`` a level drawn per picture from 0..noise_max."""
    import torch

    B = x.shape[0]
    x = x + (torch.rand(B, 1, 1, 1, generator=gen) - 0.5) * 0.3
    level = torch.rand(B, 1, 1, 1, generator=gen) * noise_max if noise_max > 0 else 0.08
    x = x + level * torch.randn(x.shape, generator=gen)
    shift = int(torch.randint(0, 64, (1,), generator=gen))
    return torch.roll(x, shift, dims=3).clamp(-1, 1)


def train_judge_job(train_pics: np.ndarray, train_labels: np.ndarray, test_pics: np.ndarray,
                    test_labels: np.ndarray, epochs: int = 6, seed: int = 0,
                    cancel: CancelToken | None = None) -> Job[tuple[Any, dict[str, Any]]]:
    """Train the style judge; returns (module, metrics with held-out accuracy and per-style accuracy)."""
    import torch
    from torch.nn import functional as F

    cancel = cancel or CancelToken()
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    judge = build_judge()
    opt = torch.optim.AdamW(judge.parameters(), 2e-3, weight_decay=1e-3)
    x = torch.as_tensor(train_pics[:, None])
    y = torch.as_tensor(train_labels, dtype=torch.int64)
    t0, batch = time.monotonic(), 32
    steps = epochs * (len(x) // batch)
    for step in range(steps):
        cancel.raise_if_cancelled()
        idx = torch.randint(0, len(x), (batch,), generator=gen)
        judge.train()
        loss = F.cross_entropy(judge(_augment(x[idx], gen)), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % 25 == 0 or step + 1 == steps:
            yield Progress(step + 1, steps, {"judge_loss": float(loss.detach())})
    probs = style_probabilities(judge, test_pics)
    pred = probs.argmax(1)
    metrics = {"test_accuracy": round(float((pred == test_labels).mean()), 4), "test_clips": int(len(test_labels)),
               "train_clips": int(len(train_labels)), "epochs": epochs, "train_time_s": round(time.monotonic() - t0, 1),
               "per_style": {s: round(float((pred[test_labels == i] == i).mean()), 4) for i, s in enumerate(STYLES)
                             if (test_labels == i).any()}}
    yield Log(f"style judge: {metrics['test_accuracy']:.1%} on {len(test_labels)} clips from unseen seeds")
    return judge, metrics


def save_judge(folder: str | Path, judge: Any, metrics: dict[str, Any]) -> Path:
    from engines.core.model_io import save_model

    return save_model(folder, {k: v for k, v in judge.state_dict().items()},
                      {"styles": list(STYLES), "metrics": metrics,
                       "temperature": float(getattr(judge, "temperature", 1.0))}, JUDGE_ARCHITECTURE)


def load_judge(folder: str | Path) -> tuple[Any, dict[str, Any]]:
    import torch

    from engines.core.model_io import load_model

    config, tensors = load_model(folder, JUDGE_ARCHITECTURE)
    judge = build_judge()
    judge.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
    judge.temperature = float(config.get("temperature", 1.0))  # calibration (music_judge_blend); old judges: 1
    return judge.eval(), config


# --- tempo --------------------------------------------------------------------------------------

def onset_strength(picture: np.ndarray) -> np.ndarray:
    """Picture (bands, frames) in −1..1 → (frames,) how much louder each frame got (positive flux)."""
    flux = np.maximum(np.diff(np.asarray(picture, np.float64), axis=1), 0).sum(axis=0)
    return np.concatenate([[0.0], flux])


def estimate_bpm(picture: np.ndarray, lo: float = 60.0, hi: float = 180.0) -> float:
    """The tempo (beats per minute) whose beat period best repeats the onset pattern.

    Autocorrelation of the onset strength at every lag from 60/hi to 60/lo seconds (fractional lags
    by interpolation); a 2-second clip holds only a few beats, so half/double tempo mistakes happen."""
    o = onset_strength(picture)
    o = o - o.mean()
    n = len(o)
    ac = np.correlate(o, o, mode="full")[n - 1:] / np.arange(n, 0, -1)  # unbiased: average per overlap
    bpms = np.arange(lo, hi + 0.5, 0.5)
    lags = 60.0 / bpms * FRAME_RATE
    score = np.interp(lags, np.arange(n), ac)
    # a beat repeats at 2 and 3 beats too: reward lags whose multiples also line up (when they fit)
    for mult in (2, 3):
        ok = lags * mult < n * 0.75
        score = score + np.where(ok, np.interp(lags * mult, np.arange(n), ac), 0) * 0.5
    return float(bpms[int(np.argmax(score))])


def tempo_error(estimated: float, wanted: float) -> dict[str, float]:
    """Absolute error in bpm, and the same allowing a half/double tempo reading."""
    ratio_err = min(abs(estimated - wanted * r) for r in (0.5, 1.0, 2.0))
    return {"abs_error_bpm": abs(estimated - wanted), "octave_tolerant_error_bpm": ratio_err}
