"""The reward model: the same kind of transformer as the assistant, with one number as output.

Its body is a copy of the SFT model (it already reads the story world); a linear head turns the last
position's hidden state — right after the answer's ``<eos>``, or its last word when it did not stop — into a score.

It is trained with the **pairwise Bradley–Terry loss** on every ordered pair of answers to the same question
whose rater scores differ: ``-log σ(r(better) − r(worse))``. Why pairs, not regression onto the 1–10 scores:
people agree far more on which of two answers is better than on the number to give one (each rater has their
own scale), and RL only needs to know which answers are better; so only the order within one question is used,
as in InstructGPT. The scores therefore mean something only relative to each other (higher = better).

Saved like a GPT (``save_gpt``) with the head's weights in ``config.json`` (``reward_head``, 129 numbers).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engines.core.jobs import CancelToken, Job, Progress


class RewardModel(nn.Module):
    """``body`` (a GPT) + ``head`` (Linear n_embd → 1); :meth:`forward` gives one score per row."""

    def __init__(self, body) -> None:
        super().__init__()
        self.body = body
        self.head = nn.Linear(body.config.n_embd, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, idx, lengths):
        """``idx`` (B, T) right-padded ids, ``lengths`` (B,) → scores (B,) read at position ``lengths - 1``."""
        t = self.body.transformer
        T = idx.shape[1]
        x = t.drop(t.wte(idx) + t.wpe(torch.arange(T, device=idx.device)))
        for block in t.h:
            x, _, _ = block(x)
        h = t.ln_f(x)
        last = h[torch.arange(idx.shape[0]), lengths - 1]
        return self.head(last).squeeze(-1)


def from_policy(model) -> RewardModel:
    """A reward model whose body is a copy of ``model`` (the SFT model) and whose head starts at zero."""
    return RewardModel(copy.deepcopy(model))


def encode(tokenizer, prompt: str, answer: str, stopped: bool = True, block: int = 128) -> list[int]:
    ids = [int(i) for i in tokenizer.encode(prompt)] + [int(i) for i in tokenizer.encode(answer)]
    if stopped:
        ids.append(int(tokenizer.eos_id))
    return ids[-block:]


def score_ids(rm: RewardModel, seqs: list[list[int]]):
    """Scores (B,) for id lists (with gradients when enabled)."""
    import torch

    lengths = torch.tensor([len(s) for s in seqs])
    idx = torch.zeros((len(seqs), int(lengths.max())), dtype=torch.long)
    for row, s in enumerate(seqs):
        idx[row, : len(s)] = torch.tensor(s)
    return rm(idx, lengths)


def score_texts(rm: RewardModel, tokenizer, items: list[tuple[str, str, bool]]) -> list[float]:
    """The reward model's score for each ``(prompt, answer, stopped)``."""
    import torch

    block = int(rm.body.config.block_size)
    with torch.no_grad():
        return [float(v) for v in score_ids(rm, [encode(tokenizer, p, a, s, block) for p, a, s in items])]


@dataclass(frozen=True)
class RatedGroup:
    """Answers to one prompt with their scores: ``answers`` are ``(text, stopped)``; ``scores`` 1 … 10."""

    prompt: str
    answers: tuple[tuple[str, bool], ...]
    scores: tuple[float, ...]

    def ordered_pairs(self) -> list[tuple[int, int]]:
        """``(better, worse)`` index pairs: every pair whose scores differ."""
        n = len(self.answers)
        return [(i, j) for i in range(n) for j in range(n) if self.scores[i] > self.scores[j]]


@dataclass
class RewardConfig:
    steps: int = 300
    batch_size: int = 32  # ordered pairs per step
    lr: float = 3e-4
    seed: int = 0


@dataclass
class RewardResult:
    steps: int
    first_loss: float
    last_loss: float
    elapsed_s: float
    history: list[dict[str, float]] = field(default_factory=list)


def _pairs(groups: list[RatedGroup]) -> list[tuple[str, tuple[str, bool], tuple[str, bool]]]:
    return [(g.prompt, g.answers[i], g.answers[j]) for g in groups for i, j in g.ordered_pairs()]


def pair_loss(rm: RewardModel, tokenizer, pairs) -> tuple:
    """``(loss, accuracy)``: Bradley–Terry loss and the share of pairs the model already orders right."""
    from torch.nn import functional as F

    block = int(rm.body.config.block_size)
    better = score_ids(rm, [encode(tokenizer, p, a, s, block) for p, (a, s), _ in pairs])
    worse = score_ids(rm, [encode(tokenizer, p, a, s, block) for p, _, (a, s) in pairs])
    diff = better - worse
    return -F.logsigmoid(diff).mean(), float((diff > 0).float().mean())


def train_reward_model(rm: RewardModel, tokenizer, groups: list[RatedGroup], config: RewardConfig,
                       cancel: CancelToken | None = None) -> Job[RewardResult]:
    """Train ``rm`` in place on every ordered pair of ``groups``; Progress metrics: loss, accuracy (the batch's)."""
    import torch

    cancel = cancel or CancelToken()
    pairs = _pairs(groups)
    if not pairs:
        raise ValueError("no two answers with different scores: nothing to learn from")
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    rm.eval()  # no dropout: the scores of the two answers of a pair are compared exactly
    opt = torch.optim.AdamW(rm.parameters(), lr=config.lr, betas=(0.9, 0.95), weight_decay=0.0)
    history, started, first, last = [], time.perf_counter(), float("nan"), float("nan")
    for step in range(config.steps):
        cancel.raise_if_cancelled()
        batch = [pairs[i] for i in rng.integers(0, len(pairs), min(config.batch_size, len(pairs)))]
        loss, acc = pair_loss(rm, tokenizer, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(rm.parameters(), 1.0)
        opt.step()
        last = float(loss.item())
        first = last if step == 0 else first
        history.append({"step": step + 1, "loss": last, "accuracy": acc})
        yield Progress(step + 1, config.steps, {"loss": last, "accuracy": acc})
    return RewardResult(config.steps, first, last, time.perf_counter() - started, history)


def pairwise_accuracy(rm: RewardModel, tokenizer, groups: list[RatedGroup], chunk: int = 64) -> float:
    """Share of ordered pairs (scores differ) that ``rm`` scores in the same order."""
    import torch

    pairs = _pairs(groups)
    right = 0
    with torch.no_grad():
        for start in range(0, len(pairs), chunk):
            _, acc = pair_loss(rm, tokenizer, pairs[start:start + chunk])
            right += acc * len(pairs[start:start + chunk])
    return right / max(1, len(pairs))


def save_reward_model(rm: RewardModel, tokenizer, folder: str | Path, extra: dict | None = None) -> Path:
    from engines.llm.gpt import save_gpt

    folder = Path(folder)
    head = [float(v) for v in rm.head.weight.detach().flatten()] + [float(rm.head.bias.detach())]
    save_gpt(rm.body, folder, extra_config={"stage": "reward", "reward_head": head, **(extra or {})})
    tokenizer.save(folder)
    return folder


def load_reward_model(folder: str | Path) -> RewardModel:
    import torch

    from engines.core.model_io import load_config
    from engines.llm.gpt import load_gpt

    folder = Path(folder)
    head = load_config(folder).get("reward_head")
    body = load_gpt(folder)
    if not isinstance(head, list) or len(head) != body.config.n_embd + 1:
        raise ValueError(f"{folder} is not a reward model (no reward_head of {body.config.n_embd + 1} numbers)")
    rm = RewardModel(body)
    with torch.no_grad():
        rm.head.weight.copy_(torch.tensor(head[:-1]).view(1, -1))
        rm.head.bias.fill_(head[-1])
    return rm.eval()
