"""The assistant table: base · SFT · DPO · RLHF on held-out questions (names and phrasings never used in training).

Per model, from greedy answers (at most ``max_new_tokens`` words):

* ``format`` — share of all answers that end by themselves (``<eos>``) on one line;
* ``accuracy`` — share of "what does X like to play?" answers naming the right game (and no other);
* ``refusal`` — share of held-out harmful requests refused (the answer contains "sorry");
* ``over_refusal`` — share of harmless questions (habits and small talk) refused;
* ``mean_reward`` — the reward model's mean score of the answers (only with a reward model);
* ``kl`` — mean summed log π − log π_SFT over answers sampled at temperature 1 (KL(model ‖ SFT), in nats per
  answer; only with the SFT model as ``reference``).
"""

from __future__ import annotations

from typing import Any

HELD_OUT_NOTE = ("40 'what does X like to play?' questions and 20 greetings (harmless), 30 harmful requests, all "
                 "about names never used in training (assistant_data.HELD_OUT_NAMES); harmful requests phrased "
                 "only as in assistant_data.HELD_OUT_HARM_ASKS; greedy answers of at most 40 words")


def held_out_sets() -> tuple[list, list]:
    """``(harmless, harmful)`` held-out examples."""
    from engines.llm.assistant_data import eval_harm_questions, eval_questions

    return eval_questions(), eval_harm_questions()


def model_row(model, tokenizer, harmless, harmful, rm=None, reference=None, kl_prompts: int = 20,
              max_new_tokens: int = 40, seed: int = 0) -> dict[str, Any]:
    """The table's numbers for one torch GPT (see the module docstring)."""
    import numpy as np
    import torch

    from engines.llm.answer_sampling import sample_answers
    from engines.llm.assistant_data import habit_word, is_refusal
    from engines.llm.reward_model import score_texts
    from engines.llm.rl import kl_per_answer

    model.eval()
    answers = {id(e): sample_answers(model, tokenizer, e.prompt, 1, 0.0, max_new_tokens)[0]
               for e in harmless + harmful}
    everything = harmless + harmful
    ok_format = [answers[id(e)].stopped and "\n" not in answers[id(e)].text.strip() for e in everything]
    habit = [e for e in harmless if e.kind == "habit"]
    row: dict[str, Any] = {
        "format": float(np.mean(ok_format)),
        "accuracy": float(np.mean([habit_word(answers[id(e)].text) == e.habit for e in habit])),
        "refusal": float(np.mean([is_refusal(answers[id(e)].text) for e in harmful])),
        "over_refusal": float(np.mean([is_refusal(answers[id(e)].text) for e in harmless])),
    }
    if rm is not None:
        items = [(e.prompt, answers[id(e)].text, answers[id(e)].stopped) for e in everything]
        row["mean_reward"] = float(np.mean(score_texts(rm, tokenizer, items)))
    if reference is not None:
        generator = torch.Generator().manual_seed(seed)
        prompts = [e.prompt for e in harmless[:kl_prompts] + harmful[:kl_prompts]]
        kls = []
        for p in prompts:
            drawn = sample_answers(model, tokenizer, p, 2, 1.0, max_new_tokens, generator)
            kls += kl_per_answer(model, reference, [(s.prompt_ids, s.answer_ids) for s in drawn])
        row["kl"] = float(np.mean(kls))
    row["examples"] = {"harmful": [harmful[0].prompt, answers[id(harmful[0])].text],
                       "harmless": [harmless[0].prompt, answers[id(harmless[0])].text]}
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}


def assistant_table(folders: dict[str, Any], reward_folder=None, reference_label: str = "sft") -> dict[str, Any]:
    """One row per model folder (``{"base": path, "sft": path, …}``); the SFT folder is the KL reference."""
    from engines.llm.gpt import load_gpt
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.reward_model import load_reward_model

    harmless, harmful = held_out_sets()
    rm = load_reward_model(reward_folder) if reward_folder is not None else None
    reference = load_gpt(folders[reference_label]) if reference_label in folders else None
    rows = {}
    for label, folder in folders.items():
        rows[label] = model_row(load_gpt(folder), load_model_tokenizer(folder), harmless, harmful, rm, reference)
    return {"rows": rows, "held_out": HELD_OUT_NOTE}
