"""What the clue reads a paraphrase as: a cheap validation score for distilling the MiniLM clue.

The faces-minilm UNet draws what the clue says: for a prompt it never saw, the picture shows the
detail whose *canonical* caption the caption encoder puts nearest. So a distilled clue can be
judged without drawing anything: encode a paraphrase ("a face, sporting a ruby beanie") with the
student, encode each canonical caption of the same detail ("a face, wearing a red hat", "… blue hat",
…) with the teacher, and count the paraphrase as read right when the nearest canonical encoding
is the one it stands for. Nearness is the squared distance of the pooled token plus that of the
mean token (what the UNet's FiLM and cross-attention read).

The paraphrases come from :mod:`engines.diffusion.clue_synonyms` with the words of one part
("val": every fourth word, never trained on when distilling with ``--words train``), several per
canonical phrase, so the score covers hundreds of prompts in a second or two, against 43 drawn
validation probes. The held-out synonym prompts are never used here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engines.diffusion import clue_synonyms as cs

FACE = "a face"


def canonical_groups() -> dict[str, dict[str, list[str]]]:
    """attribute → value → the canonical caption phrases that say it (as the training captions split)."""
    colour = {"hat": {c: [FACE, f"wearing a {c} hat"] for c in cs.HAT_COLOURS},
              "background": {c: [FACE, f"on a {c} background"] for c in cs.BACKGROUND_COLOURS}}
    details = {attr: {v: [FACE, f"{v} {noun}"] for v in table}
               for attr, table, noun in (("hair", cs.HAIR, "hair"), ("eyes", cs.EYES, "eyes"), ("skin", cs.SKIN, "skin"))}
    return {**colour, **details,
            "mouth": {"smiling": ["a smiling face"], "frowning": ["a frowning face"], "open": [FACE, "an open mouth"]},
            "face_shape": {s: [cs._article(f"a {s} face")] for s in cs.SHAPE},
            "glasses": {"yes": [FACE, "wearing glasses"], "no": [FACE]}}


def readout_probes(part: str = "val", per_phrase: int = 8, seed: int = 0) -> list[tuple[list[str], str, str]]:
    """(paraphrased caption phrases, attribute, wanted value): up to ``per_phrase`` distinct paraphrases of each
    canonical detail (said as its own phrase, or merged into the face phrase where the vocabulary allows)."""
    rng = np.random.default_rng(seed)
    out: list[tuple[list[str], str, str]] = []
    for attr, values in canonical_groups().items():
        for value, phrases in values.items():
            detail = phrases[-1]
            if detail == FACE:
                continue
            seen: set[tuple[str, ...]] = set()
            for _ in range(per_phrase * 6):
                if len(seen) >= per_phrase:
                    break
                merged = cs.merged_phrase(detail, rng, part) if phrases[0] == FACE and rng.random() < 0.3 else None
                para = [merged] if merged else [p if p == FACE else cs.paraphrase_phrase(p, rng, part) for p in phrases]
                if all(para) and tuple(para) not in seen:
                    seen.add(tuple(para))
                    out.append((para, attr, value))
    return out


def _summary(encoder: Any, captions: list[list[str]]) -> np.ndarray:
    """(N, 2D): each caption's pooled token and its mean token, from ``encoder`` (torch, eval mode)."""
    import torch

    from engines.diffusion.clue_distill import pair_arrays

    vectors, _, mask = pair_arrays([(c, c) for c in captions], encoder.config.max_words)
    with torch.no_grad():
        tokens, full_mask, pooled = encoder(torch.from_numpy(vectors), torch.from_numpy(mask))
        mean = (tokens * full_mask[..., None]).sum(1) / full_mask.sum(1, keepdim=True)
    return torch.cat([pooled, mean], dim=1).numpy()


def readout_accuracy(student: Any, teacher: Any, probes: list[tuple[list[str], str, str]]) -> dict[str, Any]:
    """Share of ``probes`` whose student encoding is nearest the teacher's encoding of the wanted value's
    canonical caption (among that attribute's values): {"mean", "per_attribute", "n"}."""
    groups = canonical_groups()
    names = [(a, v) for a, values in groups.items() for v in values]
    canon = _summary(teacher, [groups[a][v] for a, v in names])
    index = {name: i for i, name in enumerate(names)}
    got = _summary(student, [p for p, _, _ in probes])
    right: dict[str, list[bool]] = {}
    for row, (_, attr, value) in zip(got, probes):
        rows = [index[(attr, v)] for v in groups[attr]]
        dist = ((canon[rows] - row) ** 2).sum(axis=1)
        right.setdefault(attr, []).append(list(groups[attr])[int(np.argmin(dist))] == value)
    per = {a: round(float(np.mean(r)), 4) for a, r in right.items()}
    return {"mean": round(float(np.mean([x for r in right.values() for x in r])), 4), "per_attribute": per,
            "n": len(probes)}
