"""The clue readout (which canonical caption a paraphrase is read as) and the contrastive distillation term."""

import re

import numpy as np
import torch

from engines.diffusion import clue_synonyms as cs
from engines.diffusion.captions import EncoderConfig, build_encoder
from engines.diffusion.clue_distill import contrast_loss
from engines.diffusion.clue_readout import canonical_groups, readout_accuracy, readout_probes
from engines.diffusion.synonym_prompts import NEW_WORDS


def test_readout_probes_say_each_detail_with_validation_words_only():
    probes = readout_probes("val", per_phrase=4)
    assert len(probes) > 80
    assert {a for _, a, _ in probes} == set(canonical_groups()) and len({(a, v) for _, a, v in probes}) >= 25
    lists = {"hat": cs.COLOURS, "background": cs.COLOURS, "hair": cs.HAIR, "eyes": cs.EYES, "skin": cs.SKIN}
    held_out = set(NEW_WORDS)
    for phrases, attr, value in probes:
        text = " ".join(phrases)
        assert not held_out & set(re.findall(r"[a-z]+", text)), text  # never a held-out synonym prompt's word
        if attr in lists:  # the colour word is one of that list's validation words, never a training one
            items = lists[attr][value]
            used = [w for w in items if f" {w} " in f" {text} "]
            used = [w for w in used if not any(w != u and f" {w} " in f" {u} " for u in used)]  # "jet" in "jet black"
            assert used and all(w in cs.split(items, "val") for w in used), (text, used)


def test_readout_is_perfect_for_the_teacher_on_plain_captions_and_chance_for_a_blind_student():
    torch.manual_seed(0)
    teacher = build_encoder(EncoderConfig(word_dim=384, d_model=16, layers=1, heads=2, max_words=8)).eval()
    groups = canonical_groups()
    plain = [(phrases, a, v) for a, values in groups.items() for v, phrases in values.items() if phrases != ["a face"]]
    assert readout_accuracy(teacher, teacher, plain)["mean"] == 1.0
    blind = build_encoder(EncoderConfig(word_dim=384, d_model=16, layers=1, heads=2, max_words=8)).eval()
    with torch.no_grad():
        blind.proj.weight.zero_()  # reads nothing of the phrases: every caption of one length encodes alike
    result = readout_accuracy(blind, teacher, readout_probes("val", per_phrase=4))
    assert result["mean"] < 0.6 and set(result["per_attribute"]) == set(groups)


def test_contrast_term_prefers_the_own_teacher_token_and_ignores_copies():
    target = torch.tensor([[[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]])  # token 0 of both is one token
    mask = torch.ones(2, 2)
    own = contrast_loss(target.clone(), target, mask, 0.1)
    swapped = contrast_loss(target[[1, 0]].clone(), target, mask, 0.1)  # each reads as the other caption
    halfway = target.clone()
    halfway[:, 1] = torch.tensor([0.5, 0.5])
    between = contrast_loss(halfway, target, mask, 0.1)
    assert float(own) < float(between) < float(swapped)
    assert float(own) < 0.1  # the copy of token 0 is not a rival of itself (counted, it would add log 2 = 0.69)
    masked = torch.tensor([[1.0, 1.0], [1.0, 0.0]])  # padding takes no part
    assert np.isfinite(float(contrast_loss(halfway, target, masked, 0.1)))
