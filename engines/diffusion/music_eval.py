"""How good is the music model? Scored by the independent style judge and tempo detector.

* **Single style**: captions of held-out songs (seeds no training clip used), one clip each; the
  judge's verdict must match the caption's style (target ≥ 85 %).
* **Mixes**: the caption numbers half-way between two styles, (A + B)/2, and the wording
  "… in the style of …" (read by the engine as that same mix): the judge's mean probability of each of
  the two styles (target ≥ 25 % each). For scale, the judge's verdict on real 50/50 audio sums of the two.
* **Tempo**: the onset detector's bpm of each generated clip against the bpm in its caption.
* **Round trip**: spectral convergence of real clips through the way back (phase only, and the whole picture).
* **Speed**: seconds per clip at 50 steps (sampling + Griffin-Lim) and the real-time factor
  (clip length ÷ time to make it; above 1 means faster than playing it).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job, Log
from engines.diffusion.music import NOUNS, STYLES, caption_for, random_song
from engines.diffusion.music_judge import estimate_bpm, style_probabilities, tempo_error
from engines.diffusion.music_model import clip_seconds, generate_job, generate_pictures_job, mixed_conditioning

HELDOUT_SEED_BASE = 7_000_000  # songs here are never in a training set (those use seed·1,000,003 + i, i < 10⁶)
MIX_PAIRS = tuple(itertools.combinations(STYLES, 2))  # every pair of styles


def _article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def heldout_songs(n_per_style: int) -> list:
    return [random_song(HELDOUT_SEED_BASE + 10 * i + k, style) for i in range(n_per_style)
            for k, style in enumerate(STYLES)]


def _pictures(model: Any, prompts: list[str], seed: int, steps: int, guidance: float, batch: int,
              cancel: CancelToken, conditioning_for=None):
    out = []
    for start in range(0, len(prompts), batch):
        chunk = prompts[start:start + batch]
        cond = conditioning_for(len(chunk)) if conditioning_for else None
        pics = yield from generate_pictures_job(model, chunk, seed + start, steps, guidance, cond, cancel, frames=False)
        out.append(pics)
    return np.concatenate(out)


def real_mix_probabilities(judge: Any, a: str, b: str, n: int = 8) -> dict[str, float]:
    """The judge's mean probabilities for REAL 50/50 audio sums of an ``a`` clip and a ``b`` clip (held-out
    seeds): what "between" sounds like to this judge (for scale beside the generated mixes)."""
    from engines.diffusion.audio import clip_to_image
    from engines.diffusion.music import render
    from engines.diffusion.music_judge_blend import audio_blend

    pics = np.stack([clip_to_image(audio_blend(render(random_song(HELDOUT_SEED_BASE + 8_000 + 10 * i, a)),
                                               render(random_song(HELDOUT_SEED_BASE + 9_000 + 10 * i, b)), 0.5))
                     for i in range(n)])
    pr = style_probabilities(judge, pics)
    return {f"p_{s}": round(float(pr[:, STYLES.index(s)].mean()), 4) for s in STYLES}


def round_trip_report(n_per_style: int = 5, iterations: int = 100) -> dict[str, Any]:
    """Spectral convergence ‖|S| − |Ŝ|‖/‖|S|‖ of real clips (held-out seeds) sent through the way back:
    phase only (exact STFT magnitude → fast vs plain Griffin-Lim), and the whole picture (mel, dB, clipped)."""
    from engines.diffusion.audio import clip_to_image, griffin_lim, image_to_clip, spectral_convergence, stft
    from engines.diffusion.music import render

    rows: dict[str, list[tuple[float, float, float]]] = {s: [] for s in STYLES}
    for i in range(n_per_style):
        for k, style in enumerate(STYLES):
            x = render(random_song(HELDOUT_SEED_BASE + 5_000 + 10 * i + k, style)).astype(np.float64)
            mag = np.abs(stft(x))
            rows[style].append((spectral_convergence(x, griffin_lim(mag, len(x), iterations)),
                                spectral_convergence(x, griffin_lim(mag, len(x), iterations, momentum=0.0)),
                                spectral_convergence(x, image_to_clip(clip_to_image(x), iterations))))
    every = np.array([r for v in rows.values() for r in v])
    return {"iterations": iterations, "clips": int(len(every)),
            "stft_magnitude_fast_griffin_lim": round(float(every[:, 0].mean()), 4),
            "stft_magnitude_plain_griffin_lim": round(float(every[:, 1].mean()), 4),
            "mel_picture_fast_griffin_lim": round(float(every[:, 2].mean()), 4),
            "mel_picture_per_style": {s: round(float(np.mean([r[2] for r in v])), 4) for s, v in rows.items()}}


def evaluate_job(model: Any, judge: Any, n_per_style: int = 8, n_mix: int = 8, steps: int = 50,
                 guidance: float = 3.0, seed: int = 0, batch: int = 8, speed_runs: int = 2,
                 cancel: CancelToken | None = None) -> Job[dict[str, Any]]:
    """Score ``model`` (see the module docstring); returns a JSON-ready report."""
    cancel = cancel or CancelToken()
    report: dict[str, Any] = {"steps": steps, "guidance": guidance, "backend": getattr(model.runner, "backend", "?")}
    songs = heldout_songs(n_per_style)
    prompts = [caption_for(s) for s in songs]
    yield Log(f"single-style prompts: {len(prompts)} held-out captions")
    pics = yield from _pictures(model, prompts, seed, steps, guidance, batch, cancel)
    probs = style_probabilities(judge, pics)
    wanted = np.array([STYLES.index(s.style) for s in songs])
    pred = probs.argmax(1)
    report["style_accuracy"] = round(float((pred == wanted).mean()), 4)
    report["style_accuracy_per_style"] = {s: round(float((pred[wanted == i] == i).mean()), 4) for i, s in enumerate(STYLES)}
    report["confusion"] = {s: {t: int(((wanted == i) & (pred == j)).sum()) for j, t in enumerate(STYLES)}
                           for i, s in enumerate(STYLES)}
    errors = [tempo_error(estimate_bpm(p), s.bpm) for p, s in zip(pics, songs)]
    report["tempo_median_abs_error_bpm"] = float(np.median([e["abs_error_bpm"] for e in errors]))
    report["tempo_within_10pct"] = round(float(np.mean([e["abs_error_bpm"] <= 0.1 * s.bpm for e, s in zip(errors, songs)])), 4)
    report["tempo_median_octave_tolerant_error_bpm"] = float(np.median([e["octave_tolerant_error_bpm"] for e in errors]))
    report["example_prompts"] = prompts[:4]

    mixes: dict[str, Any] = {}
    for a, b in MIX_PAIRS:
        pa, pb = _article(NOUNS[a]), _article(NOUNS[b])
        yield Log(f"mix: {pa} ↔ {pb}")
        cond = lambda n, pa=pa, pb=pb: mixed_conditioning(model, pa, pb, 0.5, n)  # noqa: E731
        mixed = yield from _pictures(model, [pa] * n_mix, seed + 500, steps, guidance, batch, cancel, cond)
        worded = f"{pa} in the style of {pb}"
        words = yield from _pictures(model, [worded] * n_mix, seed + 500, steps, guidance, batch, cancel)
        ia, ib = STYLES.index(a), STYLES.index(b)
        entry = {}
        for name, p in (("embedding_half_way", mixed), ("words_in_the_style_of", words)):
            pr = style_probabilities(judge, p)
            entry[name] = {f"p_{a}": round(float(pr[:, ia].mean()), 4), f"p_{b}": round(float(pr[:, ib].mean()), 4),
                           "both_at_least_25pct": bool(pr[:, ia].mean() >= 0.25 and pr[:, ib].mean() >= 0.25),
                           # a mean can reach 50/50 with every clip one style (seeds that flip): count real blends
                           "clips_with_both_at_least_25pct": round(float(np.mean((pr[:, [ia, ib]] >= 0.25).all(1))), 4),
                           "detected_bpm_mean": round(float(np.mean([estimate_bpm(x) for x in p])), 1)}
        sweep = {}
        for w in (0.25, 0.75):  # the slider's walk: where does the style flip?
            cond_w = lambda n, pa=pa, pb=pb, w=w: mixed_conditioning(model, pa, pb, w, n)  # noqa: E731
            pw = yield from _pictures(model, [pa] * n_mix, seed + 500, steps, guidance, batch, cancel, cond_w)
            pr = style_probabilities(judge, pw)
            sweep[str(w)] = {f"p_{a}": round(float(pr[:, ia].mean()), 4), f"p_{b}": round(float(pr[:, ib].mean()), 4)}
        entry["embedding_sweep"] = sweep
        entry["real_audio_sum"] = real_mix_probabilities(judge, a, b, n_mix)
        entry["prompt_words"] = worded
        mixes[f"{a}+{b}"] = entry
    report["mixes"] = mixes
    report["mix_pairs_balanced"] = int(sum(m["embedding_half_way"]["both_at_least_25pct"] for m in mixes.values()))
    report["mix_pairs"] = len(mixes)

    yield Log("round trip of real clips (spectral convergence)")
    report["round_trip"] = round_trip_report()
    times = []
    for r in range(speed_runs):
        t0 = time.perf_counter()
        yield from generate_job(model, prompts[0], seed=r, steps=50, guidance=guidance, cancel=cancel)
        times.append(time.perf_counter() - t0)
    per_clip = float(np.median(times))
    report["seconds_per_clip_50_steps"] = round(per_clip, 3)
    report["real_time_factor"] = round(clip_seconds() / per_clip, 3)
    report["clip_seconds"] = round(clip_seconds(), 3)
    return report
