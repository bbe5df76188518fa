"""A style judge that can hear a blend: trained on real clips mixed two at a time, with soft labels.

A judge trained only on single styles calls a real 50/50 sum of a rock clip and a jazz clip "rock"
(99.7 %): the loud drums win, and it was never asked for proportions. This judge learns them, still
from **real synthesised clips only** (never from generated ones):

* **Mixing** (mixup): two clips of different styles with amplitude weights w and 1 − w, labelled
  (w, 1 − w). The mix is made in the *mel power* domain, w²·Pa + (1 − w)²·Pb: that is the mel
  spectrogram of the audio sum w·a + (1 − w)·b without the phase cross-term (which averages out over
  the many frequency bins of a band). It costs a multiply-add instead of an STFT, so every training
  step sees fresh pairs and weights. Whether that stand-in is good enough is checked on **true audio
  sums** (:func:`blend_table`).
* **Calibration**: one temperature T (probabilities = softmax(logits / T)) fitted on held-out real
  clips and real audio sums (seeds the judge never saw), so that its shares mean what they say.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job, Log, Progress
from engines.diffusion.audio import N_FRAMES, clip_to_image, mel_power, power_to_image
from engines.diffusion.music import STYLES, make_dataset, random_song, render

SINGLE_SHARE = 1 / 3  # share of training examples left unmixed (w = 1)


def rendered_audio_job(n: int, seed: int, cancel: CancelToken | None = None) -> Job[tuple[np.ndarray, np.ndarray]]:
    """(clips (n, samples) float32, style labels (n,)) of ``make_dataset(n, seed)``."""
    cancel = cancel or CancelToken()
    songs = make_dataset(n, seed)
    clips = []
    for i, song in enumerate(songs):
        cancel.raise_if_cancelled()
        clips.append(render(song))
        if (i + 1) % 100 == 0 or i + 1 == n:
            yield Progress(i + 1, n, {"clips": float(i + 1)})
    return np.stack(clips), np.array([STYLES.index(s.style) for s in songs], np.int64)


def mel_powers(clips: np.ndarray) -> np.ndarray:
    """Clips (n, samples) → mel power (n, bands, frames) float32: what the pictures are made of."""
    return np.stack([mel_power(x)[:, :N_FRAMES] for x in clips]).astype(np.float32)


def mixed_batch(powers: np.ndarray, labels: np.ndarray, size: int, rng: np.random.Generator,
                single_share: float = SINGLE_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """``size`` pictures of power-domain mixes of two clips of different styles, and their soft labels
    (n, styles) = the amplitude weights. A ``single_share`` of them are single clips (weight 1)."""
    a = rng.integers(0, len(labels), size)
    b = np.array([rng.choice(np.flatnonzero(labels != labels[i])) for i in a])
    w = np.where(rng.random(size) < single_share, 1.0, rng.random(size))
    mix = (w ** 2)[:, None, None] * powers[a] + ((1 - w) ** 2)[:, None, None] * powers[b]
    soft = np.zeros((size, len(STYLES)), np.float32)
    soft[np.arange(size), labels[a]] += w
    soft[np.arange(size), labels[b]] += 1 - w
    return np.stack([power_to_image(m) for m in mix]), soft


def audio_blend(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    """The real thing: the audio sum w·a + (1 − w)·b (no re-levelling, as a mixing desk would)."""
    return (w * np.asarray(a, np.float64) + (1 - w) * np.asarray(b, np.float64)).astype(np.float32)


def audio_blend_set(clips: np.ndarray, labels: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` pictures of true audio sums of random pairs of different styles, weights uniform in 0..1."""
    rng = np.random.default_rng(seed)
    pics, soft = [], np.zeros((n, len(STYLES)), np.float32)
    for k in range(n):
        i = int(rng.integers(len(labels)))
        j = int(rng.choice(np.flatnonzero(labels != labels[i])))
        w = float(rng.random())
        pics.append(clip_to_image(audio_blend(clips[i], clips[j], w)))
        soft[k, labels[i]] += w
        soft[k, labels[j]] += 1 - w
    return np.stack(pics), soft


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The T that minimises the cross-entropy of softmax(logits / T) against (soft) targets: a search
    over log T (one number, so a fine grid is exact enough and cannot diverge)."""
    z = np.asarray(logits, np.float64)
    best, best_t = np.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.05), np.log(20.0), 400)):
        s = z / t
        logp = s - s.max(1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
        loss = float(-(targets * logp).sum(1).mean())
        if loss < best:
            best, best_t = loss, float(t)
    return best_t


def judge_logits(judge: Any, pictures: np.ndarray) -> np.ndarray:
    import torch

    judge.eval()
    with torch.no_grad():
        return judge(torch.as_tensor(np.asarray(pictures, np.float32)[:, None])).numpy()


def train_blend_judge_job(clips: np.ndarray, labels: np.ndarray, calib: tuple[np.ndarray, np.ndarray],
                          test: tuple[np.ndarray, np.ndarray], steps: int = 1500, batch: int = 32, seed: int = 0,
                          noise_max: float = 0.0, cancel: CancelToken | None = None) -> Job[tuple[Any, dict[str, Any]]]:
    """Train the judge on power-domain mixes of ``clips`` (real, rendered), fit its temperature on ``calib``
    (pictures, soft labels: real singles and audio sums), score single-style accuracy on ``test`` (pictures,
    style indices), also with pixel noise added. ``noise_max`` > 0 trains with pixel noise of a random level up to
    it (a judge of style should not change its mind over hiss). Returns (module with ``.temperature``, metrics)."""
    import torch
    from torch.nn import functional as F

    from engines.diffusion.music_judge import _augment, build_judge, style_probabilities

    cancel = cancel or CancelToken()
    torch.manual_seed(seed)
    gen, rng = torch.Generator().manual_seed(seed), np.random.default_rng(seed)
    powers = mel_powers(clips)
    judge = build_judge()
    opt = torch.optim.AdamW(judge.parameters(), 2e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=steps, pct_start=0.1)
    t0 = time.monotonic()
    for step in range(steps):
        cancel.raise_if_cancelled()
        pics, soft = mixed_batch(powers, labels, batch, rng)
        judge.train()
        loss = F.cross_entropy(judge(_augment(torch.as_tensor(pics[:, None]), gen, noise_max)), torch.as_tensor(soft))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % 50 == 0 or step + 1 == steps:
            yield Progress(step + 1, steps, {"judge_loss": float(loss.detach())})
    judge.temperature = fit_temperature(judge_logits(judge, calib[0]), calib[1])
    yield Log(f"temperature {judge.temperature:.3f} (fitted on {len(calib[1])} held-out real pictures)")
    test_pics, test_labels = test
    pred = style_probabilities(judge, test_pics).argmax(1)
    hiss = np.clip(test_pics + 0.25 * np.random.default_rng(seed + 9).standard_normal(test_pics.shape), -1, 1)
    noisy = style_probabilities(judge, hiss.astype(np.float32)).argmax(1)
    metrics = {"test_accuracy": round(float((pred == test_labels).mean()), 4), "test_clips": int(len(test_labels)),
               "test_accuracy_with_noise_0.25": round(float((noisy == test_labels).mean()), 4),
               "train_noise_max": noise_max,
               "train_clips": int(len(labels)), "train_steps": steps, "batch": batch,
               "train_time_s": round(time.monotonic() - t0, 1), "temperature": round(judge.temperature, 4),
               "calibration_pictures": int(len(calib[1])),
               "training": "mixup of real clips in the mel power domain, soft labels = amplitude weights, "
                           f"{SINGLE_SHARE:.0%} unmixed; temperature fitted on held-out real clips and audio sums",
               "per_style": {s: round(float((pred[test_labels == i] == i).mean()), 4) for i, s in enumerate(STYLES)
                             if (test_labels == i).any()}}
    yield Log(f"blend judge: {metrics['test_accuracy']:.1%} on {len(test_labels)} single clips from unseen seeds")
    return judge, metrics


def blend_table(judge: Any, n: int = 8, seed_base: int = 7_008_000,
                weights: tuple[float, ...] = (0.5, 0.75)) -> dict[str, Any]:
    """The judge's mean probabilities for TRUE audio sums w·a + (1 − w)·b of held-out clips, for every pair
    of styles and each weight w (w = 0.75 is '75/25': a at three times b's amplitude)."""
    from engines.diffusion.music_judge import style_probabilities

    table: dict[str, Any] = {}
    for a, b in itertools.combinations(STYLES, 2):
        xa = [render(random_song(seed_base + 10 * i, a)) for i in range(n)]
        xb = [render(random_song(seed_base + 1_000 + 10 * i, b)) for i in range(n)]
        row = {}
        for w in weights + tuple(1 - w for w in weights if w != 0.5):
            pr = style_probabilities(judge, np.stack([clip_to_image(audio_blend(p, q, w)) for p, q in zip(xa, xb)]))
            row[f"{round(w * 100)}/{round((1 - w) * 100)}"] = {
                f"p_{a}": round(float(pr[:, STYLES.index(a)].mean()), 4),
                f"p_{b}": round(float(pr[:, STYLES.index(b)].mean()), 4)}
        table[f"{a}+{b}"] = row
    return table


def mix_pictures(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pictures (or folded pictures: it works pixel by pixel) of the audio sums (1 − w)·a + w·b, made in the
    power domain as in :func:`mixed_batch`; ``w`` has one weight per picture (the weight of ``b``)."""
    from engines.diffusion.audio import image_to_power

    shape = (-1,) + (1,) * (np.ndim(a) - 1)
    wb = np.asarray(w, np.float64).reshape(shape)
    return power_to_image((1 - wb) ** 2 * image_to_power(a) + wb ** 2 * image_to_power(b))
