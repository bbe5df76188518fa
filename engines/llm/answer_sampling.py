"""Many answers to one prompt at once, from a torch GPT: what the raters see and what RL learns from.

* :func:`sample_answers` — ``n`` answers to one prompt at a temperature, in one batch (the prompt is the same
  for all rows, so no padding is needed), each ending at ``<eos>`` or after ``max_new_tokens``.
* :func:`sequence_batch` / :func:`answer_logprobs` — prompt + answer id lists → padded tensors and the
  log-probability of every answer token (the ``<eos>`` counts as an answer token when the model stopped).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sampled:
    prompt_ids: tuple[int, ...]
    answer_ids: tuple[int, ...]  # ends with <eos> when ``stopped``
    text: str
    stopped: bool


def sample_answers(model, tokenizer, prompt: str, n: int, temperature: float = 1.0, max_new_tokens: int = 24,
                   generator=None) -> list[Sampled]:
    """``n`` answers to ``prompt`` sampled from ``model`` (torch GPT, eval mode, no gradients)."""
    import torch

    eos = int(tokenizer.eos_id)
    prompt_ids = [int(i) for i in tokenizer.encode(prompt)]
    block = int(model.config.block_size)
    prompt_ids = prompt_ids[-(block - max_new_tokens):]
    rows = torch.tensor([prompt_ids] * n, dtype=torch.long)
    out = torch.zeros((n, 0), dtype=torch.long)
    done = torch.zeros(n, dtype=torch.bool)
    with torch.no_grad():
        logits, past, _ = model(rows)
        for _ in range(max_new_tokens):
            last = logits[:, -1, :].float()
            if temperature <= 0:
                token = last.argmax(-1)
            else:
                token = torch.multinomial(torch.softmax(last / temperature, -1), 1, generator=generator).squeeze(1)
            token = torch.where(done, torch.full_like(token, eos), token)
            out = torch.cat([out, token[:, None]], 1)
            done |= token == eos
            if bool(done.all()):
                break
            logits, past, _ = model(token[:, None], past)
    answers = []
    for row in out.tolist():
        stopped = eos in row
        ids = row[: row.index(eos) + 1] if stopped else row
        text = tokenizer.decode(ids[:-1] if stopped else ids)
        answers.append(Sampled(tuple(prompt_ids), tuple(ids), text, stopped))
    return answers


def sequence_batch(items: list[tuple[tuple[int, ...], tuple[int, ...]]], pad_id: int = 0):
    """x, y (B, T) and mask (B, T) for ``(prompt_ids, answer_ids)`` items: mask is 1 where y is an answer token."""
    import torch

    seqs = [list(p) + list(a) for p, a in items]
    T = max(len(s) for s in seqs) - 1
    x = torch.full((len(seqs), T), pad_id, dtype=torch.long)
    y = torch.full((len(seqs), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), T))
    for row, ((p, a), s) in enumerate(zip(items, seqs)):
        n = len(s) - 1
        x[row, :n] = torch.tensor(s[:-1])
        y[row, :n] = torch.tensor(s[1:])
        mask[row, len(p) - 1:n] = 1.0
    return x, y, mask


def answer_logprobs(model, items: list[tuple[tuple[int, ...], tuple[int, ...]]]):
    """``(logp (B, T), mask (B, T))``: log-probability of each answer token under ``model`` (with gradients)."""
    from engines.llm.assistant import token_logprobs

    x, y, mask = sequence_batch(items)
    return token_logprobs(model, x, y) * mask, mask
