"""How sure is a story-world model about the flagship lesson: "<name> likes to play" → fetch or soccer?

The LLM tab's headline demo is that a transformer looks back past a name to the word that says what the
name is ("my dog's name is ben. ben likes to play" → fetch). This module writes many variants of that
prompt — any name, any relation word, neutral sentences in between, a second character introduced first —
and measures the probability the model gives the right next word.

Variants are made from a seeded generator, so the same seed gives the same prompts; :func:`score_variants`
also reports the subset whose exact text never occurs in a given training text ("unseen").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from engines.llm.storyworld import FEMALE_NAMES, KID_RELATIONS, MALE_NAMES, MOODS, NUMBERS

# The right word after "<name> likes to play" for each relation word; cats "play with yarn", so "with".
GAME_AFTER_PLAY = {"dog": "fetch", "cat": "with", **{relation: "soccer" for relation in KID_RELATIONS}}
FAMILIES = ("plain", "in between", "second character", "other intro")


@dataclass(frozen=True)
class Variant:
    family: str
    prompt: str
    expected: str


def _gender_for(relation: str, rng: random.Random) -> str:
    return KID_RELATIONS.get(relation) or rng.choice("mf")


def _name(gender: str, rng: random.Random, avoid: str = "") -> str:
    pool = [n for n in (MALE_NAMES if gender == "m" else FEMALE_NAMES) if n != avoid]
    return rng.choice(pool)


def _between(gender: str, rng: random.Random) -> str:
    he = "he" if gender == "m" else "she"
    return rng.choice((f"{he} is very {rng.choice(MOODS)}.", f"{he} is {rng.choice(NUMBERS[2:13])} years old.",
                       f"{he} gets up early every morning.", f"we love {'him' if gender == 'm' else 'her'} very much."))


def make_variants(seed: int = 0, per_family: int = 40) -> list[Variant]:
    """``per_family`` prompts for each of :data:`FAMILIES`, deterministic from ``seed``."""
    rng = random.Random(seed)
    relations = tuple(GAME_AFTER_PLAY)
    out: list[Variant] = []
    for family in FAMILIES:
        for _ in range(per_family):
            relation = rng.choice(relations)
            gender = _gender_for(relation, rng)
            name = _name(gender, rng)
            intro = f"my {relation}'s name is {name}."
            if family == "in between":
                intro += " " + " ".join(_between(gender, rng) for _ in range(rng.choice((1, 2))))
            elif family == "other intro":
                intro = rng.choice((f"{name} is my {relation}.", f"this is my {relation}, {name}.",
                                    f"i have a {relation}. {'his' if gender == 'm' else 'her'} name is {name}."))
            elif family == "second character":
                other = rng.choice([r for r in relations if GAME_AFTER_PLAY[r] != GAME_AFTER_PLAY[relation]])
                other_intro = f"my {other}'s name is {_name(_gender_for(other, rng), rng, avoid=name)}."
                intro = f"{other_intro} {intro}" if rng.random() < 0.5 else f"{intro} {other_intro}"
            out.append(Variant(family, f"{intro} {name} likes to play", GAME_AFTER_PLAY[relation]))
    return out


def score_variants(runner, tokenizer, variants: list[Variant], training_text: str | None = None) -> dict[str, Any]:
    """Probability of the right next word for each variant, summarised per family and overall.

    Returns ``{"overall": {...}, "families": {family: {...}}, "unseen": {...}, "worst": [...]}`` where each
    summary has ``n``, ``mean_prob``, ``share_at_least_0.9`` and ``top1_right``; "unseen" covers variants
    whose prompt text does not occur in ``training_text`` (only when it is given).
    """
    from engines.llm.generate import next_token_distribution

    rows = []
    for v in variants:
        candidates = next_token_distribution(runner, tokenizer, v.prompt, top=50)["candidates"]
        prob = next((float(c["prob"]) for c in candidates if c["text"].strip() == v.expected), 0.0)
        rows.append({"family": v.family, "prompt": v.prompt, "expected": v.expected, "prob": prob,
                     "top1": candidates[0]["text"].strip(),
                     "seen": None if training_text is None else v.prompt in training_text})

    def summary(subset: list[dict[str, Any]]) -> dict[str, Any]:
        if not subset:
            return {"n": 0}
        probs = [r["prob"] for r in subset]
        return {"n": len(subset), "mean_prob": round(sum(probs) / len(probs), 3),
                "share_at_least_0.9": round(sum(p >= 0.9 for p in probs) / len(probs), 3),
                "top1_right": round(sum(r["top1"] == r["expected"] for r in subset) / len(subset), 3)}

    result: dict[str, Any] = {"overall": summary(rows),
                              "families": {f: summary([r for r in rows if r["family"] == f]) for f in FAMILIES}}
    if training_text is not None:
        result["unseen"] = summary([r for r in rows if not r["seen"]])
    result["worst"] = [{k: r[k] for k in ("prompt", "expected", "prob", "top1")}
                       for r in sorted(rows, key=lambda r: r["prob"])[:5]]
    return result


def flagship_scores(folder, training_text: str | None = None, backend: str = "onnx") -> dict[str, Any]:
    """:func:`score_variants` of the model saved in ``folder`` on the 160 variants of seed 1 (40 per family)."""
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.runners import load_runner

    runner = load_runner(folder, backend, "cpu", threads=1)
    return score_variants(runner, load_model_tokenizer(folder), make_variants(seed=1, per_family=40), training_text)


def teaching_scores(folder, backend: str = "onnx") -> dict[str, Any]:
    """The top next word and its probability for each of storyworld.TEACHING_EXAMPLES, and how many are right."""
    from engines.llm.generate import next_token_distribution
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.runners import load_runner
    from engines.llm.storyworld import TEACHING_EXAMPLES

    runner = load_runner(folder, backend, "cpu", threads=1)
    tokenizer = load_model_tokenizer(folder)
    results = {}
    for prompt, expected in TEACHING_EXAMPLES:
        best = next_token_distribution(runner, tokenizer, prompt, top=1)["candidates"][0]
        results[prompt] = {"expected": expected, "got": best["text"].strip(), "prob": round(float(best["prob"]), 3)}
    passed = sum(r["got"] == r["expected"] for r in results.values())
    return {"teaching_examples_passed": f"{passed}/{len(results)}", "teaching_examples": results}


def watch_line(folder, step: int) -> str:
    """One line for a training checkpoint: each family's mean probability / share >= 0.9, then each teaching
    example's top word and probability ("-" before it when wrong)."""
    families = flagship_scores(folder, None, "torch")["families"]
    teaching = teaching_scores(folder, "torch")
    examples = " ".join(f"{'' if r['got'] == r['expected'] else '-'}{r['got']} {r['prob']:.2f}"
                        for r in teaching["teaching_examples"].values())
    return (f"watch step {step}: " + "  ".join(f"{f} {s['mean_prob']:.3f}/{s['share_at_least_0.9']:.2f}"
                                             for f, s in families.items())
            + f"  teaching {teaching['teaching_examples_passed']}: {examples}")
