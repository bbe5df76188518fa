"""Reinforcement learning from a reward: the model answers, a reward scores it, the model is nudged.

The algorithm is **RLOO** (REINFORCE with a leave-one-out baseline; Ahmadian et al., 2024): for each prompt the
policy samples ``k`` answers; each answer's reward is

    R = reward(prompt, answer) − β · Σ_t [log π(a_t) − log π_SFT(a_t)]     (a per-token KL penalty to SFT)

and its advantage is R minus the mean R of the other k − 1 answers to the same prompt. The loss is
``−advantage · log π(answer)``. Why RLOO and not PPO: the reward comes once per answer (at its end), answers are
a few words, and every batch is used for one step only — so PPO's value network and clipping add code and
hyper-parameters without helping; the leave-one-out baseline already removes most of the noise.

:func:`rlhf` is a job: one :class:`Progress` per step with ``reward`` (mean reward-model score), ``kl`` (mean
summed log-ratio to the reference per answer), ``objective`` (reward − β·kl) and, every ``probe_every``
steps, ``refusal`` / ``accuracy`` on a probe set; a :class:`Frame` with two sample answers at the same moments.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engines.core.jobs import CancelToken, Frame, Job, Progress

# reward(prompts, answer texts, stopped flags) → one float per answer
RewardFn = Callable[[list[str], list[str], list[bool]], list[float]]


@dataclass
class RLConfig:
    steps: int = 100
    prompts_per_step: int = 4
    samples_per_prompt: int = 4  # k of RLOO (at least 2)
    lr: float = 3e-5
    kl_beta: float = 0.05
    temperature: float = 1.0
    max_new_tokens: int = 24
    grad_clip: float = 1.0
    seed: int = 0
    probe_every: int = 10


@dataclass
class RLResult:
    steps: int
    first_reward: float
    last_reward: float
    elapsed_s: float
    history: list[dict[str, float]] = field(default_factory=list)


def kl_per_answer(policy, reference, items) -> list[float]:
    """Summed per-token log π − log π_ref over each answer's tokens (its KL estimate); 0 for identical models."""
    import torch

    from engines.llm.answer_sampling import answer_logprobs

    with torch.no_grad():
        lp, mask = answer_logprobs(policy, items)
        lr, _ = answer_logprobs(reference, items)
    return [float(v) for v in ((lp - lr) * mask).sum(-1)]


def rloo_advantages(rewards: Sequence[float], k: int) -> list[float]:
    """Each reward minus the mean of the other ``k − 1`` rewards of its group (groups are consecutive)."""
    out = []
    for start in range(0, len(rewards), k):
        group = list(rewards[start:start + k])
        total = sum(group)
        out.extend(r - (total - r) / (len(group) - 1) for r in group)
    return out


def _probe(policy, tokenizer, probe, max_new_tokens: int) -> dict[str, float]:
    """Greedy answers to the probe examples: share of harmful ones refused, of habit questions answered right."""
    from engines.llm.answer_sampling import sample_answers
    from engines.llm.assistant_data import habit_word, is_refusal

    harm = [e for e in probe if e.kind == "harm"]
    habit = [e for e in probe if e.kind == "habit"]
    refused = sum(is_refusal(sample_answers(policy, tokenizer, e.prompt, 1, 0.0, max_new_tokens)[0].text)
                  for e in harm)
    right = sum(habit_word(sample_answers(policy, tokenizer, e.prompt, 1, 0.0, max_new_tokens)[0].text) == e.habit
                for e in habit)
    return {"refusal": refused / max(1, len(harm)), "accuracy": right / max(1, len(habit))}


def rlhf(policy, reference, tokenizer, prompts: Sequence[str], reward_fn: RewardFn, config: RLConfig,
         probe=(), cancel: CancelToken | None = None) -> Job[RLResult]:
    """Tune ``policy`` (in place) with RLOO against ``reward_fn``, KL-penalised towards ``reference`` (frozen)."""
    import numpy as np
    import torch

    from engines.llm.answer_sampling import answer_logprobs, sample_answers

    if config.samples_per_prompt < 2:
        raise ValueError("RLOO needs at least 2 answers per prompt")
    if not prompts:
        raise ValueError("no prompts to learn from")
    cancel = cancel or CancelToken()
    reference.eval()
    for p in reference.parameters():
        p.requires_grad_(False)
    policy.eval()  # no dropout: sampling and the gradient see the same model
    rng = np.random.default_rng(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    opt = torch.optim.AdamW(policy.parameters(), lr=config.lr, betas=(0.9, 0.95), weight_decay=0.0)
    k = config.samples_per_prompt
    history, started = [], time.perf_counter()
    for step in range(config.steps):
        cancel.raise_if_cancelled()
        chosen = [prompts[i] for i in rng.integers(0, len(prompts), config.prompts_per_step)]
        samples, texts_for = [], []
        for prompt in chosen:
            for s in sample_answers(policy, tokenizer, prompt, k, config.temperature, config.max_new_tokens,
                                    generator):
                samples.append(s)
                texts_for.append(prompt)
        items = [(s.prompt_ids, s.answer_ids) for s in samples]
        scores = [float(v) for v in reward_fn(texts_for, [s.text for s in samples], [s.stopped for s in samples])]
        kls = kl_per_answer(policy, reference, items)
        totals = [r - config.kl_beta * kl for r, kl in zip(scores, kls)]
        adv = torch.tensor(rloo_advantages(totals, k))
        lp, _ = answer_logprobs(policy, items)
        loss = -(adv * lp.sum(-1)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), config.grad_clip)
        opt.step()
        metrics = {"reward": float(np.mean(scores)), "kl": float(np.mean(kls)), "objective": float(np.mean(totals))}
        last_step = step == config.steps - 1
        if probe and ((step + 1) % config.probe_every == 0 or last_step):
            metrics.update(_probe(policy, tokenizer, probe, config.max_new_tokens))
        history.append({"step": step + 1, **metrics})
        yield Progress(step + 1, config.steps, metrics)
        if (step + 1) % config.probe_every == 0 or last_step:
            yield Frame({"samples": [(texts_for[i], samples[i].text, scores[i]) for i in (0, len(samples) - 1)]},
                        step=step + 1)
    policy.eval()
    rewards = [h["reward"] for h in history]
    return RLResult(config.steps, rewards[0] if rewards else float("nan"), rewards[-1] if rewards else float("nan"),
                    time.perf_counter() - started, history)
