"""Distilling the MiniLM clue: the student learns to read paraphrases as the teacher reads the plain words."""

import numpy as np
import torch

from engines.core.jobs import collect
from engines.diffusion.captions import EncoderConfig, build_encoder
from engines.diffusion.clue_distill import DistillConfig, distill_job, distill_loss, make_pairs, probe_prompts


def _arrays(rng, n, shift):
    """Made-up 384-d "phrase vectors": the student's input is the teacher's plus a fixed paraphrase shift."""
    teacher = rng.standard_normal((n, 4, 384)).astype(np.float32)
    mask = np.ones((n, 4), np.float32)
    mask[: n // 2, 2:] = 0
    return (teacher + shift) * mask[..., None], teacher * mask[..., None], mask


def test_distillation_brings_the_student_to_the_teacher_and_leaves_the_teacher_alone():
    torch.manual_seed(0)
    enc = build_encoder(EncoderConfig(word_dim=384, d_model=16, layers=1, heads=2, max_words=4))
    before = {k: v.clone() for k, v in enc.state_dict().items()}
    rng = np.random.default_rng(0)
    shift = rng.standard_normal(384).astype(np.float32)
    train, val = _arrays(rng, 64, shift), _arrays(rng, 16, shift)
    cfg = DistillConfig(steps=150, batch_size=16, lr=3e-3)
    _, result = collect(distill_job(enc, train, val, cfg))
    assert result["loss_end"] < 0.3 * result["loss_start"]  # the paraphrase shift is learned away
    for k, v in enc.state_dict().items():  # the teacher (the model being distilled) is not changed in place
        assert torch.equal(v, before[k]), k
    # identical inputs give zero loss: canonical captions need not move
    s, t, m = (torch.from_numpy(a) for a in val)
    assert float(distill_loss(enc, enc, t, t, m)) == 0.0


def test_pairs_hold_paraphrases_and_canonical_captions_but_never_a_held_out_combination():
    pairs = make_pairs(300, 0, "train", DistillConfig())
    assert pairs[0] == ([], [])  # the empty caption ("no clue") keeps its encoding too
    assert sum(a != c for a, c in pairs) > 150 and sum(a == c for a, c in pairs) > 20
    smiling_red = [c for _, c in pairs if any("smiling" in p for p in c) and any("red hat" in p for p in c)]
    assert not smiling_red
    assert all(a for a, _ in pairs[1:])  # every caption says something


def test_probe_prompts_use_only_validation_words():
    from engines.diffusion import clue_synonyms as cs

    val = probe_prompts("val")
    assert len(val) > 30 and {a for _, a, _ in val} >= {"hat", "background", "hair", "mouth", "glasses"}
    lists = {"hat": cs.COLOURS, "background": cs.COLOURS, "hair": cs.HAIR, "eyes": cs.EYES, "skin": cs.SKIN,
             "mouth": cs.MOUTH, "face_shape": cs.SHAPE}
    for prompt, attr, value in val:
        items = lists[attr][value] if attr in lists else (*cs.GLASSES, *cs.GLASSES_FACE)
        used = [w for w in items if f" {w} " in f" {prompt} "]
        used = [w for w in used if not any(w != u and f" {w} " in f" {u} " for u in used)]  # "coal" in "coal black"
        assert used and all(w in cs.split(items, "val") for w in used), (prompt, used)


def test_score_history_keeps_every_earlier_score_in_order():
    from engines.diffusion.clue_distill import score_history

    old = {"synonym_mean_accuracy_first_score": 0.477, "synonym_mean_accuracy_before_distillation": 0.488,
           "clue_distillation_first": {"synonym_mean_accuracy": 0.578}, "synonym_mean_accuracy": 0.621}
    history = score_history(old, "third pass", 0.7)
    assert [s for _, s in history] == [0.477, 0.488, 0.578, 0.621, 0.7]
    # a later pass carries the recorded history on instead of rebuilding it
    again = score_history({**old, "synonym_mean_accuracy_history": history, "synonym_mean_accuracy": 0.7}, "4th", 0.6)
    assert [s for _, s in again] == [0.477, 0.488, 0.578, 0.621, 0.7, 0.6] and again[-1][0] == "4th"


def test_mixing_blends_only_paraphrases_of_the_same_plain_phrase():
    from engines.diffusion.clue_distill import mix_paraphrases

    gen = torch.Generator().manual_seed(0)
    teacher = torch.zeros(2, 3, 8)
    teacher[0, 0] = teacher[1, 1] = 1.0  # two ways of saying one phrase ...
    teacher[0, 1] = teacher[1, 0] = 2.0  # ... and two of another; the third token is padding
    student = torch.randn(2, 3, 8)
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    assert torch.equal(mix_paraphrases(student, teacher, mask, 0.0, gen), student)
    out = mix_paraphrases(student, teacher, mask, 1.0, gen)
    assert not torch.equal(out, student) and torch.equal(out[:, 2], student[:, 2])
    for (a, b) in (((0, 0), (1, 1)), ((0, 1), (1, 0))):  # each result lies on the segment between the partners
        d = student[b] - student[a]
        share = float((out[a] - student[a]) @ d / (d @ d))
        assert 0.0 <= share <= 1.0 and torch.allclose(out[a], student[a] + share * d, atol=1e-5)
