"""What the assistant page and the CLI do with the shipped assistant models, without a window.

* :data:`STAGES` — the four stages (base · SFT · DPO · RLHF) and their folders; :data:`REWARD_MODEL`.
* :func:`check_question` — the prompt in the project's format, or a clear ``ValueError`` (empty, too long); the
  words the model does not know are reported, not refused.
* :func:`reward_scores` — the shipped reward model's scores for answers to one prompt (cached model).
* :func:`ask_stages` — a job: one prompt answered by several stages token by token, then scored.
* :func:`many_answers` — a job: N answers sampled from one stage at a temperature, ranked by the reward model.

Models are opened once and kept (torch, CPU, eval mode); :func:`forget_models` drops them (Reset).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from engines.core.jobs import CancelToken, Frame, Job, Progress

STAGES = {"base": "story-gpt", "sft": "story-sft", "dpo": "story-dpo", "rlhf": "story-rlhf"}
REWARD_MODEL = "story-reward"
MAX_NEW_TOKENS = 40


def folder_for(name: str):
    """A stage name (base, sft, dpo, rlhf, reward) or any model name/folder → its folder."""
    from engines.llm.model_store import resolve_model

    name = {**STAGES, "reward": REWARD_MODEL}.get(name, name)
    return resolve_model(name)


@lru_cache(maxsize=8)
def _gpt(folder: str):
    from engines.llm.gpt import load_gpt
    from engines.llm.model_store import load_model_tokenizer

    return load_gpt(folder).eval(), load_model_tokenizer(folder)


def gpt_and_tokenizer(name: str):
    """``(torch GPT, tokenizer)`` of a stage or model name, opened once."""
    return _gpt(str(folder_for(name)))


@lru_cache(maxsize=4)
def _tokenizer(folder: str):
    from engines.llm.model_store import load_model_tokenizer

    return load_model_tokenizer(folder)


def stage_tokenizer(name: str):
    """The tokenizer of a stage (no torch needed; opened once)."""
    return _tokenizer(str(folder_for(name)))


@lru_cache(maxsize=2)
def _reward(folder: str):
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.reward_model import load_reward_model

    return load_reward_model(folder), load_model_tokenizer(folder)


def reward_model():
    """``(reward model, tokenizer)`` of the shipped reward model (ModelNotFound when it is not installed)."""
    return _reward(str(folder_for("reward")))


def forget_models() -> None:
    _gpt.cache_clear()
    _tokenizer.cache_clear()
    _reward.cache_clear()


def check_question(tokenizer, question: str, context: str = "", block_size: int = 128,
                   max_new_tokens: int = MAX_NEW_TOKENS) -> dict[str, Any]:
    """``{"prompt", "unknown_words"}`` for a question (and optional context line) in the project's format."""
    from engines.llm.assistant_data import format_prompt, unknown_words

    if not question.strip():
        raise ValueError("the question is empty: type a question, e.g. 'what does ben like to play?'")
    prompt = format_prompt(question, context)
    n = len(tokenizer.encode(prompt))
    room = block_size - max_new_tokens
    if n > room:
        raise ValueError(f"the question and context are {n} tokens long; these models read at most {room} "
                         f"before answering (their window is {block_size} tokens, {max_new_tokens} kept for the "
                         f"answer). Shorten it.")
    unknown = sorted(unknown_words(tokenizer, [prompt])) if hasattr(tokenizer, "index") else []
    return {"prompt": prompt, "unknown_words": unknown}


def reward_scores(prompt: str, answers: list[tuple[str, bool]]) -> list[float]:
    """The reward model's score for each ``(answer, stopped)`` to ``prompt`` (higher = better)."""
    from engines.llm.reward_model import score_texts

    rm, tokenizer = reward_model()
    return score_texts(rm, tokenizer, [(prompt, a, s) for a, s in answers])


def many_answers(name: str, prompt: str, n: int = 10, temperature: float = 1.0, seed: int = 0,
                 max_new_tokens: int = MAX_NEW_TOKENS, cancel: CancelToken | None = None) -> Job[list[dict]]:
    """Sample ``n`` answers from stage ``name`` and rank them by the reward model (best first).

    Yields a Progress per answer; returns ``[{"text", "stopped", "reward", "rank"}]``.
    """
    import torch

    from engines.llm.answer_sampling import sample_answers

    if not 1 <= n <= 50:
        raise ValueError("ask for between 1 and 50 answers")
    cancel = cancel or CancelToken()
    model, tokenizer = gpt_and_tokenizer(name)
    generator = torch.Generator().manual_seed(int(seed))
    drawn = []
    for i in range(n):
        cancel.raise_if_cancelled()
        drawn += sample_answers(model, tokenizer, prompt, 1, temperature, max_new_tokens, generator)
        yield Progress(i + 1, n + 1, message="sampling")
    scores = reward_scores(prompt, [(s.text, s.stopped) for s in drawn])
    yield Progress(n + 1, n + 1, message="scored")
    ranked = sorted(({"text": s.text, "stopped": s.stopped, "reward": round(r, 3)} for s, r in zip(drawn, scores)),
                    key=lambda row: -row["reward"])
    return [{**row, "rank": i + 1} for i, row in enumerate(ranked)]


def recorded_table() -> dict[str, dict[str, float]]:
    """The assistant table (one row per stage) tools/train_assistant.py recorded in the manifest ({} when absent)."""
    import json

    from engines.core.paths import assets_dir

    try:
        data = json.loads((assets_dir() / "manifest.json").read_text(encoding="utf-8"))["assets"]
    except (OSError, KeyError, TypeError, ValueError):
        return {}
    rows: dict[str, dict[str, float]] = {}
    extra = {}
    for folder in ("story-sft", "story-dpo", "story-reward", "story-rlhf"):  # the last one recorded wins
        metrics = data.get(f"llm/{folder}/model.safetensors", {}).get("metrics", {})
        if isinstance(metrics.get("assistant_table"), dict):
            rows = dict(metrics["assistant_table"])
        if folder == "story-reward" and "pairwise_accuracy_held_out" in metrics:
            extra = {"reward_model": {"pairwise_accuracy": metrics["pairwise_accuracy_held_out"],
                                      "rules": metrics.get("pairwise_accuracy_held_out_rules"),
                                      "ceiling": metrics.get("raters_ceiling")}}
    return {**rows, **extra}


def ask_stages(open_runner, names, prompt, temperature, seed, max_tokens, cancel: CancelToken, epoch: int = 0):
    """A job: answer ``prompt`` with every model in turn, one token each round; one Frame per token.

    ``open_runner(name)`` gives ``(runner, tokenizer, folder)`` (the page passes its cached opener). When all are
    done each answer gets ``reward``: the reward model's score (None when it is not installed, or when PyTorch
    is not: the answers come from ONNX runners, the reward model runs in torch).

    The payload holds every column's state (frames may be coalesced): ``{"epoch", "answers": {name: {...}}}``
    where each answer is ``{"text", "n_tokens", "stop"}`` or ``{"missing": True}``. Returns the last payload.
    """
    from engines.llm.assistant import answer
    from engines.llm.model_store import ModelNotFound

    jobs, answers = {}, {}
    for name in names:
        try:
            runner, tokenizer, _ = open_runner(name)
        except (ModelNotFound, FileNotFoundError):
            answers[name] = {"missing": True, "text": "", "n_tokens": 0, "stop": "missing"}
            continue
        answers[name] = {"text": "", "n_tokens": 0, "stop": None}
        jobs[name] = answer(runner, tokenizer, prompt, max_new_tokens=max_tokens, temperature=temperature,
                            seed=seed, cancel=cancel, tag=name)
    payload = {"epoch": epoch, "answers": answers}
    step = 0
    while jobs:
        for name in list(jobs):
            cancel.raise_if_cancelled()
            try:
                event = next(jobs[name])
            except StopIteration:
                del jobs[name]
                continue
            if isinstance(event, Frame):
                answers[name] = {k: event.payload[k] for k in ("text", "n_tokens", "stop")}
                if event.payload["stop"] is not None:
                    del jobs[name]
                payload = {"epoch": epoch, "answers": {k: dict(v) for k, v in answers.items()}}
                yield Frame(payload, step=step)
                step += 1
    done = [n for n, a in answers.items() if not a.get("missing")]
    try:
        scores = reward_scores(prompt, [(answers[n]["text"], answers[n]["stop"] == "eos") for n in done])
    except (ModelNotFound, FileNotFoundError, ImportError):  # not installed, or no PyTorch (the lite build)
        scores = [None] * len(done)
    for name, score in zip(done, scores):
        answers[name]["reward"] = score
    return {"epoch": epoch, "answers": answers}
