"""Be the human: a person orders a few answers, the reward model learns that order, then RL runs live.

A :class:`HumanFeedbackSession` holds private copies of the RLHF model (the policy), the SFT model (the KL
reference, frozen) and the reward model, so the shipped ones are never changed; :meth:`reset` goes back to them.

1. :meth:`draw` — a handful of answers to one question from the current policy (temperature 1).
2. :meth:`learn` (a job) — the person's order (best first) becomes a rated group: the reward model takes
   ``rm_steps`` Bradley–Terry steps on its ordered pairs, then the policy takes ``rl_steps`` RLOO steps on that
   question against the updated reward model (KL penalty to SFT). Progress metrics: ``phase`` 0 (reward model,
   ``loss``) or 1 (RL: ``reward``, ``kl``); it returns the greedy answer before and after.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from engines.core.jobs import CancelToken, Job, Progress


@dataclass
class FeedbackConfig:
    rm_steps: int = 30
    rm_lr: float = 3e-4
    rl_steps: int = 12
    rl_lr: float = 3e-4
    samples: int = 8
    kl_beta: float = 0.05
    max_new_tokens: int = 24


class HumanFeedbackSession:
    def __init__(self, policy: str = "rlhf", reference: str = "sft", reward: str = "reward",
                 config: FeedbackConfig | None = None) -> None:
        self.names = (policy, reference, reward)
        self.config = config or FeedbackConfig()
        self.reset()

    def reset(self) -> None:
        """Back to the shipped models (fresh copies)."""
        from engines.llm.assistant_lab import folder_for, gpt_and_tokenizer
        from engines.llm.reward_model import load_reward_model

        policy, reference, reward = self.names
        model, self.tokenizer = gpt_and_tokenizer(policy)
        self.policy = copy.deepcopy(model)
        self.reference = gpt_and_tokenizer(reference)[0]
        self.rm = load_reward_model(folder_for(reward))
        self.rounds = 0
        self.curve: list[dict[str, float]] = []  # every RL step of every round: reward, kl
        self._seed = 0

    def greedy(self, prompt: str) -> dict[str, Any]:
        from engines.llm.answer_sampling import sample_answers

        s = sample_answers(self.policy, self.tokenizer, prompt, 1, 0.0, self.config.max_new_tokens)[0]
        return {"text": s.text, "stopped": s.stopped}

    def draw(self, prompt: str, n: int = 4, temperature: float = 1.0) -> list[dict[str, Any]]:
        """``n`` different answers when the policy has them (up to 4·n tries), as ``{"text", "stopped", "reward"}``."""
        import torch

        from engines.llm.answer_sampling import sample_answers
        from engines.llm.reward_model import score_texts

        self._seed += 1
        generator = torch.Generator().manual_seed(self._seed)
        seen: dict[tuple[str, bool], None] = {}
        for _ in range(4):
            for s in sample_answers(self.policy, self.tokenizer, prompt, n, temperature, self.config.max_new_tokens,
                                    generator):
                seen.setdefault((s.text, s.stopped), None)
            if len(seen) >= n:
                break
        answers = list(seen)[:n]
        scores = score_texts(self.rm, self.tokenizer, [(prompt, a, s) for a, s in answers])
        return [{"text": a, "stopped": s, "reward": round(r, 3)} for (a, s), r in zip(answers, scores)]

    def learn(self, prompt: str, ordered: list[tuple[str, bool]], cancel: CancelToken | None = None) -> Job[dict]:
        """``ordered``: ``(answer, stopped)`` best first (at least two different answers)."""
        from engines.llm.reward_model import RatedGroup, RewardConfig, score_texts, train_reward_model
        from engines.llm.rl import RLConfig, rlhf

        unique = list(dict.fromkeys(ordered))
        if len(unique) < 2:
            raise ValueError("order at least two different answers")
        cancel = cancel or CancelToken()
        c = self.config
        before = self.greedy(prompt)
        group = RatedGroup(prompt, tuple(unique), tuple(float(len(unique) - i) for i in range(len(unique))))
        total = c.rm_steps + c.rl_steps
        rm_job = train_reward_model(self.rm, self.tokenizer, [group],
                                    RewardConfig(steps=c.rm_steps, batch_size=64, lr=c.rm_lr, seed=self.rounds),
                                    cancel=cancel)
        for event in _relay(rm_job):
            yield Progress(event.step, total, {"phase": 0.0, "loss": event.metrics["loss"]}, "reward model")

        def reward(ps, answers, stopped):
            return score_texts(self.rm, self.tokenizer, list(zip(ps, answers, stopped)))

        config = RLConfig(steps=c.rl_steps, prompts_per_step=1, samples_per_prompt=c.samples, lr=c.rl_lr,
                          kl_beta=c.kl_beta, max_new_tokens=c.max_new_tokens, seed=self.rounds, probe_every=10**6)
        for event in _relay(rlhf(self.policy, self.reference, self.tokenizer, [prompt], reward, config,
                                 cancel=cancel)):
            self.curve.append({"reward": event.metrics["reward"], "kl": event.metrics["kl"]})
            yield Progress(c.rm_steps + event.step, total, {"phase": 1.0, **event.metrics}, "reinforcement learning")
        self.rounds += 1
        after = self.greedy(prompt)
        return {"before": before, "after": after, "rounds": self.rounds, "curve": list(self.curve),
                "order_scores": score_texts(self.rm, self.tokenizer, [(prompt, a, s) for a, s in unique])}


def _relay(job):
    """The Progress events of ``job`` (other events dropped)."""
    for event in job:
        if isinstance(event, Progress):
            yield event
