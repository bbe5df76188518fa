"""Command-line verbs of the assistant stages: ``ask``, ``reward``, ``rank``, ``assistant-eval``, ``teach``.

    python -m engines.llm ask --model rlhf --question "how can i hurt ben?" --json
    python -m engines.llm reward --question "what does ben like to play?" --answer "ben likes to play fetch." --json
    python -m engines.llm rank --model sft --question "hi, how are you?" --n 10 --temperature 1 --json
    python -m engines.llm assistant-eval --json
    python -m engines.llm teach --question "what does ben like to play?" --order "ben likes to play with yarn." \
        --order "ben likes to play soccer." --json      # Be the human: your order, then a few RL steps

``--model`` is a stage (base, sft, dpo, rlhf) or any model name/folder. Every verb takes ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _print(args: argparse.Namespace, obj: Any, text: str) -> int:
    print(json.dumps(obj, ensure_ascii=False) if args.json else text)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from engines.llm.assistant import answer_text
    from engines.llm.assistant_lab import check_question, folder_for
    from engines.llm.model_store import open_model

    runner, tokenizer, folder = open_model(str(folder_for(args.model)), "onnx", "cpu", threads=1)
    checked = check_question(tokenizer, args.question, args.context, int(runner.config.block_size),
                             args.max_new_tokens)
    out = answer_text(runner, tokenizer, checked["prompt"], max_new_tokens=args.max_new_tokens,
                      temperature=args.temperature, seed=args.seed)
    report = {"model": folder.name, "prompt": checked["prompt"], "answer": out["text"],
              "stopped_by_itself": out["stop"] == "eos", "n_tokens": out["n_tokens"],
              "unknown_words": checked["unknown_words"]}
    note = "" if report["stopped_by_itself"] else f"  [cut off after {out['n_tokens']} tokens]"
    return _print(args, report, f"{out['text']}{note}")


def cmd_reward(args: argparse.Namespace) -> int:
    from engines.llm.assistant_lab import check_question, reward_model, reward_scores

    _, tokenizer = reward_model()
    checked = check_question(tokenizer, args.question, args.context)
    score = reward_scores(checked["prompt"], [(args.answer, not args.not_stopped)])[0]
    report = {"prompt": checked["prompt"], "answer": args.answer, "stopped": not args.not_stopped,
              "reward": round(score, 4), "unknown_words": checked["unknown_words"]}
    return _print(args, report, f"reward {score:.3f}")


def cmd_rank(args: argparse.Namespace) -> int:
    from engines.core.jobs import run_job
    from engines.llm.assistant_lab import check_question, gpt_and_tokenizer, many_answers

    model, tokenizer = gpt_and_tokenizer(args.model)
    checked = check_question(tokenizer, args.question, args.context, int(model.config.block_size))
    ranked = run_job(many_answers(args.model, checked["prompt"], args.n, args.temperature, args.seed))
    report = {"model": args.model, "prompt": checked["prompt"], "temperature": args.temperature, "answers": ranked}
    lines = [f"{r['rank']:>2}. {r['reward']:>7.3f}  {r['text']}{'' if r['stopped'] else ' …'}" for r in ranked]
    return _print(args, report, "\n".join(lines))


def cmd_assistant_eval(args: argparse.Namespace) -> int:
    from engines.llm.assistant_eval import assistant_table
    from engines.llm.assistant_lab import STAGES, folder_for
    from engines.llm.model_store import ModelNotFound

    folders = {}
    for label in STAGES:
        try:
            folders[label] = folder_for(label)
        except ModelNotFound:
            continue
    try:
        reward = folder_for("reward")
    except ModelNotFound:
        reward = None
    table = assistant_table(folders, reward)
    keys = ("format", "accuracy", "refusal", "over_refusal", "mean_reward", "kl")
    lines = ["model  " + "  ".join(f"{k:>12}" for k in keys)]
    for label, row in table["rows"].items():
        lines.append(f"{label:<6} " + "  ".join(f"{row.get(k, float('nan')):>12.3f}" for k in keys))
    return _print(args, table, "\n".join(lines + [table["held_out"]]))


def cmd_teach(args: argparse.Namespace) -> int:
    from engines.core.jobs import run_job
    from engines.llm.assistant_lab import check_question, stage_tokenizer
    from engines.llm.human_feedback import FeedbackConfig, HumanFeedbackSession

    checked = check_question(stage_tokenizer("rlhf"), args.question, args.context)
    config = FeedbackConfig(rm_steps=args.rm_steps, rl_steps=args.rl_steps)
    session = HumanFeedbackSession(config=config)  # private copies: the shipped models are not changed
    out = run_job(session.learn(checked["prompt"], [(a, True) for a in args.order]))
    report = {"prompt": checked["prompt"], "order": args.order, "before": out["before"]["text"],
              "after": out["after"]["text"], "order_scores": [round(v, 3) for v in out["order_scores"]],
              "curve": [{k: round(v, 3) for k, v in c.items()} for c in out["curve"]]}
    return _print(args, report, f"before: {report['before']}\nafter:  {report['after']}")


def add_assistant_verbs(sub) -> None:
    from engines.llm.cli_model import _friendly

    def common(p: argparse.ArgumentParser, model: bool = True) -> None:
        if model:
            p.add_argument("--model", default="rlhf", help="base, sft, dpo, rlhf or a model name/folder")
        p.add_argument("--question", required=True)
        p.add_argument("--context", default="", help="a story line before the question")
        p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("ask", help="ask an assistant stage one question (the page's prompt format)")
    common(p)
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-new-tokens", type=int, default=40)
    p.set_defaults(func=_friendly(cmd_ask))
    p = sub.add_parser("reward", help="the reward model's score for an answer to a question")
    common(p, model=False)
    p.add_argument("--answer", required=True)
    p.add_argument("--not-stopped", action="store_true", help="the answer was cut off (no end-of-text token)")
    p.set_defaults(func=_friendly(cmd_reward))
    p = sub.add_parser("rank", help="N sampled answers, sorted by the reward model")
    common(p)
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_friendly(cmd_rank))
    p = sub.add_parser("teach", help="be the human: order answers (best first); the reward model learns your "
                       "order, then RL runs a few steps (on copies; nothing is saved)")
    common(p, model=False)
    p.add_argument("--order", action="append", required=True, help="an answer; repeat, best first")
    p.add_argument("--rm-steps", type=int, default=30)
    p.add_argument("--rl-steps", type=int, default=12)
    p.set_defaults(func=_friendly(cmd_teach))
    p = sub.add_parser("assistant-eval", help="the assistant table: base, sft, dpo, rlhf on held-out questions")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_friendly(cmd_assistant_eval))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m engines.llm.cli_assistant")
    add_assistant_verbs(parser.add_subparsers(dest="verb", required=True))
    parsed = parser.parse_args()
    sys.exit(parsed.func(parsed))
