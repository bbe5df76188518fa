"""Texts of "Steer with a caption": the explainer (its scores read from the models' metrics.json) and the
lines under the heatmap that say which words or phrases the clue read and how it read new ones."""

from __future__ import annotations

import numpy as np

from engines.diffusion.model_store import CLUES, model_metrics

HOW = """
<p><b>The caption as numbers.</b> A caption encoder turns the caption into rows of numbers, the clue the network
reads at every step (the heatmap). Two encoders ship for faces. <b>GloVe words</b>: each word becomes 50 numbers from a word table
learned from ordinary English text, and a small transformer mixes them into one row of 64 numbers per word.
<b>MiniLM phrases</b>: the caption is cut into phrases ("grey hair", "wearing a red hat") and each phrase becomes
384 numbers from MiniLM, the sentence encoder of the Embeddings tab, then one row of 64 per phrase.</p>
<p><b>Guidance.</b> Each step the network guesses the noise twice: once with the caption and once with an empty
one. The difference is the caption's push; the guidance scale multiplies it. 0 ignores the caption, 1 uses it
plainly, more exaggerates it; each model starts at the scale that scored best on a validation set of captions.
The same seed with two captions starts from the same noise, so only the caption differs.
Details the caption doesn't mention (a hat, glasses) are left to chance.</p>
"""


def _pct(x) -> str:
    return f"{100 * float(x):.0f}%"


def _faces_scores(label: str, m: dict) -> str:
    if not m:
        return f"<li><b>{label}</b>: not scored yet.</li>"
    per = m.get("heldout_per_attribute") or {}
    syn = m.get("synonym_accuracy") or {}
    right = [p for p, v in syn.items() if v >= 0.75]
    wrong = [p for p, v in syn.items() if v < 0.5]
    text = (f"<li><b>{label}</b>: on caption combinations it never saw, {_pct(m.get('heldout_mean_accuracy', 0))} of "
            f"details right (hats {_pct(per.get('hat', 0))}, backgrounds {_pct(per.get('background', 0))}); on "
            f"{len(syn)} captions with words no training caption had, {_pct(m.get('synonym_mean_accuracy', 0))} right")
    if m.get("synonym_mean_accuracy_before_distillation") is not None:
        text += (f" ({_pct(m['synonym_mean_accuracy_before_distillation'])} before its clue was taught other words "
                 "for the same things; none of these words was among them)")
    if right:
        text += f", e.g. “{right[0]}”"
    if wrong:
        text += f"; wrong on e.g. “{wrong[0]}”"
    return text + ".</li>"


EXAMPLE_WORDS = ("crimson", "golden", "rose")


def _readings(label: str, m: dict) -> str:
    """How the clue read the example words, from the readings stored with the model's synonym scores."""
    found = []
    for prompt, d in (m.get("synonym_details") or {}).items():
        read = d.get("read_as") or {}
        if any(w in prompt.split() for w in EXAMPLE_WORDS) and read.get("word") and read.get("nearest"):
            found.append(f'"{read["word"]}" lies nearest "{read["nearest"]}"')
    return f"{label}: " + ", ".join(dict.fromkeys(found)) + "." if found else ""


def _glove_readings() -> str:
    """Where the GloVe faces model's word table puts the example words (the same lookup as the line under the
    heatmap), computed from the shipped files; "" when they are not there."""
    try:
        from engines.core.model_io import load_model
        from engines.core.paths import assets_dir
        from engines.diffusion.captions import PromptVectors, WordVectors
        from engines.diffusion.pipeline import ARCHITECTURE

        config, tensors = load_model(assets_dir() / "diffusion" / CLUES["glove"], ARCHITECTURE)
        table = WordVectors(tuple(config["vocab"]), tensors["words.vectors"], config.get("word_source", "learned"))
        vectors = PromptVectors(table, 32, use_glove=config.get("word_source") == "glove")
        found = [(w, vectors.nearest_known(w)) for w in EXAMPLE_WORDS]
    except Exception:  # noqa: BLE001 - a missing file leaves the sentence out, never the page
        return ""
    found = [f'"{w}" lies nearest "{near[0]}"' for w, near in found if near]
    return "In GloVe's word table " + ", ".join(found) + "." if found else ""


def explainer_text() -> str:
    """The explainer with the shipped models' own test scores (test seed, 50 steps)."""
    digits = model_metrics("digits")
    lines = [_faces_scores("Faces, GloVe words", model_metrics(CLUES["glove"])),
             _faces_scores("Faces, MiniLM phrases", model_metrics(CLUES["minilm"]))]
    if digits.get("digit_accuracy") is not None:
        lines.append(f"<li><b>Digits</b>: drew the digit asked for in {_pct(digits['digit_accuracy'])} of "
                     f"{digits.get('n_samples', '?')} tries.</li>")
    readings = " ".join(r for r in (_glove_readings(),
                                    _readings("In MiniLM's phrase space", model_metrics(CLUES["minilm"]))) if r)
    return (HOW + "<p><b>Honest scores</b> (judged by a separate classifier):</p><ul>" + "".join(lines) + "</ul>"
            "<p>A new word is read only through its numbers, so it works where those numbers agree with us. "
            + readings + " <b>Read it with both clues</b> shows where each clue puts the new words of your caption.</p>")


def words_html(encoded, tokens: np.ndarray) -> str:
    """What the clue read, what it ignored, and which training word or phrase each new one lies nearest."""
    words = ", ".join(encoded.words[0]) or "(none: the caption is ignored)"
    ignored = f" Not in its word table, ignored: <i>{', '.join(encoded.unknown[0])}</i>." \
        if encoded.unknown and encoded.unknown[0] else ""
    new_words = encoded.new_words[0] if encoded.new_words else []
    fresh = (" New to this model, so read only by its numbers, which lie nearest this training one: "
             + ", ".join(f"<i>{w}</i> → <b>{near}</b> ({cos:.2f})" for w, near, cos in new_words) + ".") \
        if new_words else ""
    first = ", ".join(f"{v:+.2f}" for v in tokens[min(1, tokens.shape[0] - 1), :6])
    return (f"Read: <b>{words}</b>.{ignored}{fresh} First numbers of the first row: {first}, … "
            "(row 0 is a start marker that sums up the whole caption)")


def clue_readings_html(readings: dict[str, list]) -> str:
    """For each clue: its new words or phrases and the training word or phrase each lies nearest (cosine)."""
    parts = []
    for name, found in readings.items():
        if found:
            parts.append(f"<b>{name}</b>: " + ", ".join(f"<i>{w}</i> → <b>{near}</b> ({cos:.2f})"
                                                        for w, near, cos in found))
        else:
            parts.append(f"<b>{name}</b>: nothing new (every word or phrase was in training captions)")
    return "How each clue reads the new words — " + "; ".join(parts) + "."
