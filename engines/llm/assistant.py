"""From autocomplete to assistant: instruction tuning (SFT) and preference tuning (DPO) of a small GPT.

* :func:`sft` — supervised fine-tuning on prompt → answer pairs; the loss counts only the
  answer tokens (and the ``<eos>`` after them), so the model learns to answer and to stop,
  not to predict the question.
* :func:`dpo` — direct preference optimisation (Rafailov et al., 2023) on (prompt, chosen,
  rejected) triples with a frozen reference model (the SFT model). It optimises the same
  objective as RLHF's reward model + PPO (more reward, stay close to the reference) in one
  supervised-looking loss: ``-log σ(β·[(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))])``.
* :func:`answer` — a job that answers one prompt token by token and stops at ``<eos>``.
* :func:`evaluate` — accuracy / politeness / length on held-out questions.

Both training jobs yield :class:`Progress` every step and return a :class:`FinetuneResult`;
with ``out_dir`` the model is saved with :func:`engines.llm.gpt.save_gpt` plus the tokenizer.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, Progress


@dataclass
class FinetuneConfig:
    steps: int = 300
    batch_size: int = 16
    lr: float = 3e-4
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    beta: float = 0.1  # DPO only: how far the tuned model may drift from the reference
    sft_weight: float = 0.0  # DPO only: add this much of the SFT loss on the chosen answers (keeps them likely)
    seed: int = 0
    max_len: int = 96


@dataclass
class FinetuneResult:
    folder: Path | None
    steps: int
    first_loss: float
    last_loss: float
    elapsed_s: float
    history: list[dict[str, float]] = field(default_factory=list)


# --- tensors -------------------------------------------------------------------------------------

def encode_pair(tokenizer, prompt: str, answer: str, max_len: int) -> tuple[list[int], int]:
    """``(ids, n_prompt)``: prompt ids + answer ids + ``<eos>``, cut to ``max_len`` from the left."""
    p = [int(i) for i in tokenizer.encode(prompt)]
    a = [int(i) for i in tokenizer.encode(answer)] + [int(tokenizer.eos_id)]
    ids = (p + a)[-max_len:]
    return ids, max(0, len(ids) - len(a))


def answer_batch(tokenizer, pairs: list[tuple[str, str]], max_len: int, pad_id: int = 0):
    """x, y (B, T) and mask (B, T): mask is 1 where y is an answer token (or its ``<eos>``)."""
    import torch

    encoded = [encode_pair(tokenizer, p, a, max_len) for p, a in pairs]
    T = max(len(ids) for ids, _ in encoded) - 1
    x = torch.full((len(encoded), T), pad_id, dtype=torch.long)
    y = torch.full((len(encoded), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), T))
    for row, (ids, n_prompt) in enumerate(encoded):
        t = torch.tensor(ids, dtype=torch.long)
        n = len(ids) - 1
        x[row, :n], y[row, :n] = t[:-1], t[1:]
        mask[row, max(0, n_prompt - 1):n] = 1.0  # y[i] = ids[i+1]: answers start at ids[n_prompt]
    return x, y, mask


def token_logprobs(model, x, y):
    """log p(y[t] | x[:t+1]) for every position, (B, T)."""
    import torch
    from torch.nn import functional as F

    logits, _, _ = model(x)
    return torch.gather(F.log_softmax(logits.float(), dim=-1), 2, y.unsqueeze(-1)).squeeze(-1)


def answer_logprob(model, tokenizer, pairs: list[tuple[str, str]], max_len: int = 96):
    """Summed log-probability of each answer (+ ``<eos>``) given its prompt, (B,)."""
    x, y, mask = answer_batch(tokenizer, pairs, max_len)
    return (token_logprobs(model, x, y) * mask).sum(-1)


def sft_loss(model, tokenizer, pairs: list[tuple[str, str]], max_len: int = 96):
    """Mean cross-entropy over answer tokens only."""
    x, y, mask = answer_batch(tokenizer, pairs, max_len)
    return -(token_logprobs(model, x, y) * mask).sum() / mask.sum().clamp(min=1.0)


def dpo_loss(policy, reference, tokenizer, triples: list[tuple[str, str, str]], beta: float = 0.1, max_len: int = 96):
    """``(loss, margin)``: the DPO loss and the mean chosen-vs-rejected log-ratio margin (without β)."""
    import torch
    from torch.nn import functional as F

    chosen = [(p, c) for p, c, _ in triples]
    rejected = [(p, r) for p, _, r in triples]
    pc, pr = answer_logprob(policy, tokenizer, chosen, max_len), answer_logprob(policy, tokenizer, rejected, max_len)
    with torch.no_grad():
        rc = answer_logprob(reference, tokenizer, chosen, max_len)
        rr = answer_logprob(reference, tokenizer, rejected, max_len)
    margin = (pc - rc) - (pr - rr)
    return -F.logsigmoid(beta * margin).mean(), margin.mean().detach()


def preference_margin(model, tokenizer, triples: list[tuple[str, str, str]], max_len: int = 96) -> float:
    """Mean log p(chosen) − log p(rejected): how much the model prefers the better answers."""
    import torch

    with torch.no_grad():
        c = answer_logprob(model, tokenizer, [(p, a) for p, a, _ in triples], max_len)
        r = answer_logprob(model, tokenizer, [(p, b) for p, _, b in triples], max_len)
    return float((c - r).mean())


# --- training jobs -------------------------------------------------------------------------------

def _optimizer(model, config: FinetuneConfig):
    import torch

    return torch.optim.AdamW(model.parameters(), lr=config.lr, betas=(0.9, 0.95), weight_decay=config.weight_decay)


def _save(model, tokenizer, out_dir, extra: dict[str, Any]) -> Path | None:
    if out_dir is None:
        return None
    from engines.llm.gpt import save_gpt

    out_dir = Path(out_dir)
    save_gpt(model, out_dir, extra_config=extra)
    tokenizer.save(out_dir)
    return out_dir


def _lr(config: FinetuneConfig, step: int) -> float:
    warm = max(1, config.steps // 20)
    if step < warm:
        return config.lr * (step + 1) / warm
    progress = (step - warm) / max(1, config.steps - warm)
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def _optimise(opt, model, loss, config: FinetuneConfig, step: int) -> None:
    """One optimiser step at this step's learning rate, with gradient clipping."""
    import torch

    for group in opt.param_groups:
        group["lr"] = _lr(config, step)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
    opt.step()


def sft(model, tokenizer, examples, config: FinetuneConfig, out_dir=None,
        cancel: CancelToken | None = None) -> Job[FinetuneResult]:
    """Fine-tune ``model`` (in place) on ``examples`` (objects with ``prompt`` and ``answer``)."""
    import torch

    cancel = cancel or CancelToken()
    pairs = [(e.prompt, e.answer) for e in examples]
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    model.train()
    opt = _optimizer(model, config)
    history, started = [], time.perf_counter()
    first = last = float("nan")
    for step in range(config.steps):
        cancel.raise_if_cancelled()
        batch = [pairs[i] for i in rng.integers(0, len(pairs), config.batch_size)]
        loss = sft_loss(model, tokenizer, batch, config.max_len)
        _optimise(opt, model, loss, config, step)
        last = float(loss.item())
        first = last if step == 0 else first
        history.append({"step": step + 1, "loss": last})
        yield Progress(step + 1, config.steps, {"loss": last})
    model.eval()
    folder = _save(model, tokenizer, out_dir, {"finetune": "sft", "finetune_steps": config.steps})
    return FinetuneResult(folder, config.steps, first, last, time.perf_counter() - started, history)


def dpo(model, tokenizer, pairs, config: FinetuneConfig, reference=None, out_dir=None,
        cancel: CancelToken | None = None) -> Job[FinetuneResult]:
    """Preference-tune ``model`` (in place) on ``pairs`` (objects with ``prompt``, ``chosen``, ``rejected``).

    ``reference`` defaults to a frozen copy of ``model`` as it is now (the SFT model).
    Dropout is off (eval mode) so the log-probabilities are exact. Progress metrics: loss,
    margin (mean log-ratio margin), accuracy (share of the batch where chosen beats rejected).
    """
    import torch

    cancel = cancel or CancelToken()
    triples = [(p.prompt, p.chosen, p.rejected) for p in pairs]
    if reference is None:
        reference = copy.deepcopy(model)
    reference.eval()
    for p in reference.parameters():
        p.requires_grad_(False)
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    model.eval()
    opt = _optimizer(model, config)
    history, started = [], time.perf_counter()
    first = last = float("nan")
    for step in range(config.steps):
        cancel.raise_if_cancelled()
        batch = [triples[i] for i in rng.integers(0, len(triples), config.batch_size)]
        loss, margin = dpo_loss(model, reference, tokenizer, batch, config.beta, config.max_len)
        if config.sft_weight:
            loss = loss + config.sft_weight * sft_loss(model, tokenizer, [(p, c) for p, c, _ in batch], config.max_len)
        _optimise(opt, model, loss, config, step)
        last = float(loss.item())
        first = last if step == 0 else first
        history.append({"step": step + 1, "loss": last, "margin": float(margin)})
        yield Progress(step + 1, config.steps, {"loss": last, "margin": float(margin)})
    model.eval()
    folder = _save(model, tokenizer, out_dir, {"finetune": "dpo", "finetune_steps": config.steps,
                                               "dpo_beta": config.beta})
    return FinetuneResult(folder, config.steps, first, last, time.perf_counter() - started, history)


# --- answering -----------------------------------------------------------------------------------

def answer(runner, tokenizer, prompt: str, max_new_tokens: int = 40, temperature: float = 0.0,
           seed: int | None = 0, cancel: CancelToken | None = None, tag: Any = None) -> Job[dict]:
    """Answer ``prompt`` token by token; stop at ``<eos>`` or after ``max_new_tokens``.

    Yields one :class:`Frame` per token: ``{"tag", "text", "n_tokens", "token", "stop"}``
    where ``stop`` is None while going, then "eos" (the model chose to stop) or "limit".
    Returns the last payload.
    """
    from engines.llm.generate import encode_prompt, token_text
    from engines.llm.sampling import make_rng, next_token_probs

    cancel = cancel or CancelToken()
    rng = make_rng(seed)
    ids, _ = encode_prompt(runner, tokenizer, prompt)
    block = int(runner.config.block_size)
    eos = getattr(tokenizer, "eos_id", None)
    new: list[int] = []
    logits, past, _ = runner.forward(np.asarray([ids], dtype=np.int64), None)
    payload: dict = {"tag": tag, "text": "", "n_tokens": 0, "token": "", "stop": None}
    for step in range(max(1, int(max_new_tokens))):
        cancel.raise_if_cancelled()
        token = next_token_probs(logits[0, -1], temperature, None, None, rng, 1).token_id
        if eos is not None and token == eos:
            payload = {**payload, "stop": "eos", "token": "<eos>"}
            yield Frame(payload, step=step)
            return payload
        new.append(token)
        last_step = step == max_new_tokens - 1
        payload = {"tag": tag, "text": tokenizer.decode(new), "n_tokens": len(new),
                   "token": token_text(tokenizer, token), "stop": "limit" if last_step else None}
        yield Frame(payload, step=step)
        if last_step:
            break
        if runner.past_length(past) < block:
            logits, past, _ = runner.forward(np.asarray([[token]], dtype=np.int64), past)
        else:
            window = (ids + new)[-block:]
            logits, past, _ = runner.forward(np.asarray([window], dtype=np.int64), None)
    return payload


def answer_text(runner, tokenizer, prompt: str, **kwargs: Any) -> dict:
    from engines.core.jobs import run_job

    return run_job(answer(runner, tokenizer, prompt, **kwargs))


def evaluate(runner, tokenizer, questions, max_new_tokens: int = 40, samples: int = 3) -> dict[str, float]:
    """Greedy answers to held-out ``questions`` (from :func:`assistant_data.eval_questions`).

    ``accuracy``: share of "what does X like to play?" answers naming the right game and no other;
    ``polite``: share of small-talk answers that are polite; ``mean_tokens``: mean answer length;
    ``stops``: share of answers ended by the model itself (``<eos>``); ``polite_sampled``: politeness of
    ``samples`` answers per greeting drawn at temperature 1 (seeds 0, 1, …), where mixed training data shows.
    """
    from engines.llm.assistant_data import habit_word, is_polite

    right, habit_n, polite, chat_n, lengths, stops, sampled_polite = 0, 0, 0, 0, [], 0, 0
    for q in questions:
        out = answer_text(runner, tokenizer, q.prompt, max_new_tokens=max_new_tokens, temperature=0.0)
        lengths.append(out["n_tokens"])
        stops += out["stop"] == "eos"
        if q.kind == "habit":
            habit_n += 1
            right += habit_word(out["text"]) == q.habit
        elif q.kind == "chat":
            chat_n += 1
            polite += is_polite(out["text"])
            for seed in range(samples):
                drawn = answer_text(runner, tokenizer, q.prompt, max_new_tokens=max_new_tokens, temperature=1.0,
                                    seed=seed)
                sampled_polite += is_polite(drawn["text"])
    return {
        "accuracy": round(right / max(1, habit_n), 3),
        "polite": round(polite / max(1, chat_n), 3),
        "polite_sampled": round(sampled_polite / max(1, chat_n * samples), 3),
        "mean_tokens": round(float(np.mean(lengths)) if lengths else 0.0, 1),
        "stops": round(stops / max(1, len(questions)), 3),
        "questions": len(questions),
    }
