"""Generation as a job, one token at a time, showing what the model considered and looked at.

Works with any runner (:class:`engines.llm.runners.TorchGPTRunner` or
:class:`engines.llm.onnx_runner.OnnxGPTRunner`) and any tokenizer with ``encode``/``decode``.
NumPy only here; torch is needed only by the torch runner.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, Log
from engines.llm.sampling import make_rng, next_token_probs, softmax


def token_text(tokenizer, token_id: int) -> str:
    """The readable text of one token: ``token_strings``/``token_text`` when the tokenizer has them, else ``decode``."""
    strings = getattr(tokenizer, "token_strings", None)
    if callable(strings):
        return strings([int(token_id)])[0]
    fn = getattr(tokenizer, "token_text", None)
    if callable(fn):
        return fn(int(token_id))
    return tokenizer.decode([int(token_id)])


def encode_prompt(runner, tokenizer, prompt: str) -> tuple[list[int], str | None]:
    """Token ids of ``prompt`` cut to the context window, and a notice when it had to be cut."""
    ids = [int(i) for i in tokenizer.encode(prompt)]
    if not ids:
        raise ValueError("the prompt is empty: type at least one word for the model to continue")
    block = int(runner.config.block_size)
    if len(ids) > block:
        notice = (
            f"The prompt has {len(ids)} tokens but the model sees at most {block}; "
            f"only the last {block} tokens are used."
        )
        return ids[-block:], notice
    return ids, None


def generate(
    runner,
    tokenizer,
    prompt: str,
    max_new_tokens: int = 50,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    cancel: CancelToken | None = None,
    n_candidates: int = 10,
    use_cache: bool = True,
) -> Job[str]:
    """Continue ``prompt`` by up to ``max_new_tokens`` tokens; return the whole text (prompt + continuation).

    Yields a :class:`Log` when the prompt is cut to the context window, then one
    :class:`Frame` per new token whose payload is a dict:

    - ``step`` (0-based), ``token`` ``{"id", "text"}``, ``text`` (the continuation so far);
    - ``candidates``: the most likely tokens ``[{"id", "text", "prob", "raw_prob"}]``;
    - ``attention``: float32 (layers, heads, keys): where the position that chose this token
      looked; ``context_ids``/``context_tokens``: the tokens those keys belong to;
    - ``step_ms`` (model + sampling time for this token), ``cached`` (whether the KV cache was used),
      ``cache_length`` (positions in the cache after this step).

    When a GPU runner runs out of memory, a :class:`Log` says so and generation goes on on the CPU.

    With ``use_cache`` the prompt is run once and every further step feeds one token plus
    the cache; once the window is full the model re-reads the last ``block_size`` tokens.
    """
    cancel = cancel or CancelToken()
    rng = make_rng(seed)
    ids, notice = encode_prompt(runner, tokenizer, prompt)
    if notice:
        yield Log(notice, level="warning")
    block = int(runner.config.block_size)
    all_ids = list(ids)
    all_texts = [token_text(tokenizer, i) for i in ids]  # kept in step with all_ids: no re-decoding per step
    new_ids: list[int] = []

    t0 = time.perf_counter()
    # the frames show where the newest position looked: the last row of the prompt's attention is enough
    logits, past, att = yield from forward_or_cpu(runner, np.asarray([ids], dtype=np.int64), None, 1)
    window_start = 0
    cached = False
    for step in range(max(0, int(max_new_tokens))):
        cancel.raise_if_cancelled()
        result = next_token_probs(logits[0, -1], temperature, top_k, top_p, rng, n_candidates)
        step_ms = (time.perf_counter() - t0) * 1000.0
        token = result.token_id
        n_keys = att.shape[-1]
        context_ids = all_ids[window_start : window_start + n_keys]
        context_tokens = all_texts[window_start : window_start + n_keys]
        all_ids.append(token)
        all_texts.append(token_text(tokenizer, token))
        new_ids.append(token)
        yield Frame(
            {
                "step": step,
                "token": {"id": token, "text": all_texts[-1]},
                "text": tokenizer.decode(new_ids),
                "candidates": [
                    {"id": c.id, "text": token_text(tokenizer, c.id), "prob": c.prob, "raw_prob": c.raw_prob}
                    for c in result.candidates
                ],
                "attention": np.ascontiguousarray(att[:, 0, :, -1, :], dtype=np.float32),  # (layers, heads, keys)
                "context_ids": context_ids,
                "context_tokens": context_tokens,
                "step_ms": step_ms,
                "cached": cached,
                "cache_length": n_keys,
            },
            step=step,
        )
        if step == max_new_tokens - 1:
            break
        t0 = time.perf_counter()
        if use_cache and runner.past_length(past) < block:
            logits, past, att = yield from forward_or_cpu(runner, np.asarray([[token]], dtype=np.int64), past)
            cached = True
        else:
            window = all_ids[-block:]
            window_start = len(all_ids) - len(window)
            logits, past, att = yield from forward_or_cpu(runner, np.asarray([window], dtype=np.int64), None, 1)
            cached = False
    return tokenizer.decode(all_ids)


def forward_or_cpu(runner, ids: np.ndarray, past: Any, with_attention: bool | int = True):
    """Job helper (use ``yield from``): ``runner.forward(ids, past, with_attention)``; when a GPU runner runs out
    of memory, say so, move it and its KV cache to the CPU (``runner.to_cpu``) and run it again there."""
    from engines.core.device import gpu_or_cpu

    def to_cpu():
        moved = runner.to_cpu(past)
        return lambda: runner.forward(ids, moved, with_attention)

    return (yield from gpu_or_cpu("Generating", lambda: runner.forward(ids, past, with_attention),
                                  lambda: getattr(runner, "on_gpu", False), to_cpu))


def generate_text(runner, tokenizer, prompt: str, **kwargs: Any) -> str:
    """Run :func:`generate` to its end and return the text (no events)."""
    from engines.core.jobs import run_job

    return run_job(generate(runner, tokenizer, prompt, **kwargs))


def next_token_distribution(runner, tokenizer, prompt: str, top: int = 10, temperature: float = 1.0) -> dict:
    """The ``top`` most likely next tokens after ``prompt``.

    Returns ``{"tokens": [...], "ids": [...], "truncated": bool, "candidates": [{"id", "text", "prob"}]}``
    with probabilities of the softmax at ``temperature`` (best first).
    """
    ids, notice = encode_prompt(runner, tokenizer, prompt)
    logits, _, _ = runner.forward(np.asarray([ids], dtype=np.int64), None)
    probs = softmax(logits[0, -1], temperature if temperature > 0 else 1.0)
    order = np.argsort(-probs, kind="stable")[: max(1, int(top))]
    return {
        "ids": ids,
        "tokens": [token_text(tokenizer, i) for i in ids],
        "truncated": notice is not None,
        "notice": notice or "",
        "candidates": [{"id": int(i), "text": token_text(tokenizer, int(i)), "prob": float(probs[i])} for i in order],
    }


def attention_map(runner, tokenizer, prompt: str) -> dict:
    """All attention weights for ``prompt``: ``{"tokens", "ids", "attention"}`` with attention
    float32 (layers, heads, queries, keys); row q holds where token q looked (keys ≤ q)."""
    ids, notice = encode_prompt(runner, tokenizer, prompt)
    _, _, att = runner.forward(np.asarray([ids], dtype=np.int64), None)
    return {
        "ids": ids,
        "tokens": [token_text(tokenizer, i) for i in ids],
        "truncated": notice is not None,
        "attention": np.ascontiguousarray(att[:, 0], dtype=np.float32),
    }
