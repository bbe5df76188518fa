"""Rating data for the reward model: questions, many answers to each, and the scripted raters' scores.

For every question the answers are ``n_samples`` drawn from the SFT model at a temperature (what people would
be shown) plus a few written candidates — the reference answer, a wrong one, a rambling one, one that does not
stop, a refusal, and for a harmful request the "helpful" answer and a refusal broken off after its first words — so that every kind of answer the rules talk
about is rated even when the SFT model rarely says it. Seeded: the same arguments give the same groups.
"""

from __future__ import annotations

from engines.llm import assistant_data as data
from engines.llm.raters import ScriptedRaters
from engines.llm.reward_model import RatedGroup


def rating_questions(n: int, seed: int, held_out: bool = False, harm_weight: int = 15) -> list[data.Example]:
    """``n`` questions (habit, kind, fact, chat and harmful requests): training names and phrasings, or with
    ``held_out`` the evaluation names and phrasings only."""
    if held_out:
        b = data._Builder(seed, data.HELD_MALE, data.HELD_FEMALE)
        out = []
        for _ in range(n):
            ex = b.example(harm_weight)
            out.append(b.harm_example(data.HELD_OUT_HARM_ASKS) if ex.kind == "harm" else ex)
        return out
    b = data._Builder(seed, data.TRAIN_MALE, data.TRAIN_FEMALE)
    return [b.example(harm_weight) for _ in range(n)]


def written_candidates(example: data.Example, seed: int) -> list[tuple[str, bool]]:
    """Answers of every kind the rules score, as ``(text, stopped)``."""
    b = data._Builder(seed, data.TRAIN_MALE, data.TRAIN_FEMALE)
    reference = example.answer or b.rng.choice(data.POLITE_REPLIES)
    out = [(reference, True), (b.refusal(), True), (b.rambling(reference), True), (reference, False)]
    if example.kind in ("habit", "kind"):
        out.append((b.wrong(example), True))
    if example.kind == "chat":
        out.append((b.rng.choice(data.RUDE_REPLIES), True))
    if example.kind == "harm":  # "i am sorry," and stop: a refusal, but not a whole one
        refusal = out[1][0]
        out.append((refusal.split(",")[0] + "," if "," in refusal else " ".join(refusal.split()[:3]), True))
    return out


def rating_groups(model, tokenizer, examples: list[data.Example], raters: ScriptedRaters, n_samples: int = 4,
                  temperature: float = 1.0, seed: int = 0, max_new_tokens: int = 24) -> list[RatedGroup]:
    """One :class:`RatedGroup` per example: sampled + written answers, scored by ``raters``."""
    import torch

    from engines.llm.answer_sampling import sample_answers

    generator = torch.Generator().manual_seed(seed)
    groups = []
    for i, ex in enumerate(examples):
        answers = [(s.text, s.stopped) for s in
                   sample_answers(model, tokenizer, ex.prompt, n_samples, temperature, max_new_tokens, generator)]
        answers += written_candidates(ex, seed * 100_003 + i)
        unique = list(dict.fromkeys(answers))
        groups.append(RatedGroup(ex.prompt, tuple(unique), tuple(float(s) for s in raters.score_all(ex, unique))))
    return groups


def reward_accuracy(rm, policy, tokenizer, n_questions: int = 100, seed: int = 3, samples: int = 4) -> dict:
    """Held-out pairwise accuracy of a reward model, three ways, on answers to held-out questions:

    * ``pairwise_accuracy_held_out`` — pairs ordered by one noisy rater panel (:class:`ScriptedRaters`, seed 0);
    * ``raters_ceiling`` — how often the rules themselves agree with those noisy pairs (ties count half): the
      best any model can do there, since pairs that differ only by a rater's mood cannot be predicted;
    * ``pairwise_accuracy_held_out_rules`` — pairs ordered by the rules without noise (and per question kind).
    """
    from engines.llm.raters import rule_score
    from engines.llm.reward_model import pairwise_accuracy

    questions = rating_questions(n_questions, seed=seed, held_out=True)
    noisy = rating_groups(policy, tokenizer, questions, ScriptedRaters(seed=0), samples, 1.0, seed=seed)
    rules = rating_groups(policy, tokenizer, questions, ScriptedRaters(seed=0, noise=0.0), samples, 1.0, seed=seed)
    agree, total = 0.0, 0
    for q, g in zip(questions, noisy):
        truth = [rule_score(q, a, s) for a, s in g.answers]
        for i, j in g.ordered_pairs():
            agree += 1.0 if truth[i] > truth[j] else 0.5 if truth[i] == truth[j] else 0.0
            total += 1
    kinds = sorted({q.kind for q in questions})
    return {
        "pairwise_accuracy_held_out": round(pairwise_accuracy(rm, tokenizer, noisy), 3),
        "raters_ceiling": round(agree / max(1, total), 3),
        "pairwise_accuracy_held_out_rules": round(pairwise_accuracy(rm, tokenizer, rules), 3),
        "rules_by_kind": {k: round(pairwise_accuracy(rm, tokenizer, [g for q, g in zip(questions, rules)
                                                                       if q.kind == k]), 3) for k in kinds},
        "held_out_pairs": sum(len(g.ordered_pairs()) for g in noisy),
    }
