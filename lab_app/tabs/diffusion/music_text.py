"""The words of the "Music from noise" page."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

EXPLAINER = (
    "<p><b>A sound is a picture.</b> A spectrogram shows time from left to right and pitch from bottom "
    "(low notes) to top (high notes); the brighter a spot, the louder that pitch is at that moment. "
    "Here a 2-second clip becomes 64 pitch bands × 64 time slices (one every 32 ms). A drum hit is a "
    "bright vertical stripe, a held note a horizontal line, a chord a stack of lines.</p>"
    "<p><b>So a picture model can make sound.</b> The same kind of network that removes noise from "
    "faces paints this picture out of noise, step by step. It was trained, for 25 minutes on one CPU core, "
    "on 2,000 short clips in four styles (rock, classical, EDM, jazz) that this app composes itself from a seed. The picture "
    "is then turned back into sound: it keeps only how loud each pitch is, not how the waves line up "
    "(their phase), so a method called Griffin-Lim guesses the phase over 100 rounds. That is why even "
    "a real song sounds a little metallic after the round trip: open a WAV to hear what is lost.</p>"
    "<p><b>The caption steers.</b> Its words become numbers the network reads at every step, like a "
    "clue. \u201can edm track at 128 bpm\u201d pulls towards a kick on every beat; \u201ca slow "
    "classical piece\u201d towards held notes and no drums. The mix slider blends the numbers of two "
    "captions, so the picture lands between two styles. A separate judge, trained only on the app's "
    "real clips (single ones, and real mixes of two), says which styles it hears and how much of each.</p>"
)

NO_MODEL = ("The music model is not trained yet (python tools/train_music.py builds it in about half an hour "
            "on a CPU). Opening a WAV works without it.")
START_HINT = "Press Make music: the picture is painted out of noise, then turned into sound (a few seconds)."


PAIR_NAMES = {"edm": "EDM", "classical": "classical", "rock": "rock", "jazz": "jazz"}


def _shipped(name: str) -> dict[str, Any]:
    from engines.diffusion.music_model import shipped_folder

    try:
        return json.loads((shipped_folder() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def explainer(metrics: dict[str, Any] | None = None, config: dict[str, Any] | None = None) -> str:
    """:data:`EXPLAINER` with the shipped model's own record: training time and clips (config.json), the judge's
    scores, the tempo and the mixes (metrics.json). Without a record the plain text is kept."""
    metrics = _shipped("metrics.json") if metrics is None else metrics
    config = _shipped("config.json") if config is None else config
    text = EXPLAINER
    try:
        minutes = float(config["train_time_s"]) / 60
        clips = int(re.search(r"make_dataset\((\d+)", config["data"]["provenance"]).group(1))
    except (KeyError, TypeError, ValueError, AttributeError):
        return text
    runs = config.get("finetune_runs") or ([config["finetune"]] if config.get("finetune") else [])
    tuned_s = sum(float(r.get("wall_time_s", 0.0)) for r in runs)
    what = [w for w, on in (("the tempo clue", any(r.get("tempo_clue", True) for r in runs)),
                            ("from real mixes of two styles", any(r.get("mix_prob") for r in runs))) if on]
    last = f" (the last {tuned_s / 60:.0f} of them also learning {' and '.join(what)})" if tuned_s and what else ""
    text = text.replace("trained, for 25 minutes on one CPU core, on 2,000 short clips",
                        f"trained for {minutes:.0f} minutes on one CPU core{last}, on {clips:,} short clips")
    try:
        acc = float(metrics["style_accuracy"])
        n = sum(sum(row.values()) for row in metrics["confusion"].values())
        tempo = float(metrics["tempo_within_10pct"])
        mixes = metrics["mixes"]
    except (KeyError, TypeError, ValueError, AttributeError):
        return text
    said = []
    for pair, m in mixes.items():
        a, b = pair.split("+")
        half = m["embedding_half_way"]
        said.append(f"{PAIR_NAMES.get(a, a)}+{PAIR_NAMES.get(b, b)} {half[f'p_{a}']:.0%}/{half[f'p_{b}']:.0%}")
    real = [m["real_audio_sum"] for m in mixes.values() if isinstance(m.get("real_audio_sum"), dict)]
    heard = ""
    if real:
        top = max(real[0], key=lambda k: float(np.mean([r.get(k, 0.0) for r in real])))
        share = float(np.mean([r[top] for r in real]))
        if share > 0.75:  # a judge of single styles: one style takes the whole of a real 50/50 mix
            heard = (f" Even real 50/50 mixes of two clips sound like {PAIR_NAMES.get(top[2:], top[2:])} to this "
                     f"judge ({np.floor(share * 1000) / 10:g}%), so \u201cbetween\u201d is hard for it to hear.")
        else:  # a judge that learned real mixes: how it splits a real 50/50 mix, for scale
            shares = [float(m["real_audio_sum"].get(f"p_{s}", 0.0)) for pair, m in mixes.items()
                      if isinstance(m.get("real_audio_sum"), dict) for s in pair.split("+")]
            heard = (f" For scale, it hears real 50/50 mixes of two clips as {min(shares):.0%} to {max(shares):.0%} "
                     "of each style.")
    clue = ("The number in \u201cat 128 bpm\u201d also goes in on its own, as a tempo clue beside the words. "
            if config.get("tempo") else "")
    score = (f"<p><b>How well?</b> On {n} captions it never trained on, the judge hears the asked style in "
             f"{acc:.0%}. {clue}A beat detector finds the asked tempo (within 10 %) in {tempo:.0%} of those clips. "
             f"Half-way mixes, as the judge splits them: {'; '.join(said)}.{heard}</p>")
    learned = ("it also learned from real mixes of two styles" if any(r.get("mix_prob") for r in runs)
               else "the model only learned single styles")
    text = text.replace("captions, so the picture lands between two styles.",
                        f"captions (\u201cA in the style of B\u201d is read as the half-way mix: {learned}).")
    return text + score
