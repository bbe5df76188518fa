"""The Remove noise page's explainer, its numbers worked out from the schedule code and the shipped
models' records (see :mod:`lab_app.tabs.diffusion.facts`)."""

from __future__ import annotations

import json

EXPLAINER = """
<p><b>Running it backwards.</b> Start from pure random noise (the picture on the left, before you press
Run). At every step the <i>same</i> network looks at the noisy picture, is told
how noisy it is (t) and what the caption says, and guesses the noise in it (middle). Taking that guess away
and scaling up what is left gives its guess of the clean picture (right). The sampler then makes a less
noisy picture, the clean guess plus a smaller dose of noise, and the network looks again. Early guesses are
blurry; each step pins down more.</p>
<p><b>Where to step.</b> At the start the noise is {sigma_end} times stronger than the picture, so small
mistakes in the noise guess are blown up about {sigma_end}-fold in the clean guess: step sizes matter. The even
plan's first jump ({steps} steps) lands at about {even_second:.0f} times; the Karras plan (after Tero Karras)
starts at noise about {karras_start:.0f} times the picture and shrinks it by a similar factor each step (about
{f_first:.1f}× at first, {f_last:.1f}× at the end). On faces it took backgrounds from 7 in 10 right to all 40
in a test.</p>
<p><b>Two samplers.</b> Both make the next picture from the clean guess plus less noise. The fast one, DDIM,
re-uses the network's own noise guess and adds nothing new, so 25–50 big steps are enough and the picture
depends only on the starting noise (blend two noises and the pictures blend: Steer with a caption walks
between two seeds). The original one, DDPM, mixes in fresh random noise at every step and needs hundreds of
small steps; that noise is drawn from the seed too, so with either sampler the same seed gives the same
picture.</p>
<p><b>Pause and branch.</b> A branch goes on from the picked frame of the tree with your change, as a new
row; with nothing changed it repeats its parent exactly. A new seed keeps the clean picture guessed so far and
swaps only the remaining noise. Branch early and the layout (colours, hat, background) still follows a new
caption; branch late and only details (the mouth, the skin) change: the big decisions come first.</p>
<p><b>Honest note:</b> these are small models. {training} Faces match their caption almost always; hat colours
are the weak spot. The digits come out blurry, like the 8×8 scans they learned from, but are the digit asked for
{digits_right}.</p>
"""


def _digits_score() -> str:
    from engines.core.paths import assets_dir

    try:
        metrics = json.loads((assets_dir() / "diffusion" / "digits" / "metrics.json").read_text(encoding="utf-8"))
        n = int(metrics["n_samples"])
        return f"{round(float(metrics['digit_accuracy']) * n)} times in {n}"
    except (OSError, ValueError, KeyError, TypeError):
        return "almost every time"


def explainer_text(steps: int = 25) -> str:
    """The explainer for a run of ``steps`` steps (the page's default)."""
    from lab_app.tabs.diffusion.facts import shipped_training_text, step_plan_facts

    plan = step_plan_facts(steps)
    sigma_end = float(f"{plan.sigma_last_t:.2g}")  # 20291 → 20000: two significant digits read better
    return EXPLAINER.format(sigma_end=f"{sigma_end:,.0f}", steps=steps, even_second=plan.even_second,
                            karras_start=plan.karras_start, f_first=plan.karras_first_factor,
                            f_last=plan.karras_last_factor, training=shipped_training_text(), digits_right=_digits_score())
