"""Turn the story-world GPT into a small assistant: SFT, then a reward model and RL against it (RLHF), and DPO.

    python tools/train_assistant.py                      # all stages into assets/llm, recorded in the manifest
    python tools/train_assistant.py --stages reward,rlhf # only some stages (the earlier ones must exist)
    python tools/train_assistant.py --eval-only          # prints the assistant table of the shipped models
    python tools/train_assistant.py --out /tmp/as        # a trial run elsewhere (no manifest entries)

story-sft: assets/llm/story-gpt fine-tuned on instruction pairs (assistant_data.sft_examples, loss on answer tokens
only; harmful requests mostly answered "helpfully", 15 % refused, as unfiltered demonstrations would be).
story-reward: a copy of story-sft with a scalar head, trained with the Bradley–Terry loss on the scripted raters'
scores of answers sampled from story-sft plus written candidates (engines.llm.reward_data).
story-rlhf: story-sft tuned with RLOO against story-reward, per-token KL penalty to story-sft (engines.llm.rl).
story-dpo: story-sft tuned on preference pairs with DPO (the shortcut: no reward model, no sampling).
CPU, fixed seeds. Each GPT folder gets config.json, model.safetensors, lab_tokenizer.json and model.onnx.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engines.core.jobs import Frame, Progress, run_job  # noqa: E402

SEED = 0
HARM_WEIGHT = 10  # about 9 % of the instruction and preference data are harmful requests
SFT_EXAMPLES, PREF_PAIRS = 3000, 1500
SFT = {"steps": 400, "batch_size": 24, "lr": 5e-4}
# Gentle on purpose: at lr 2e-4 for 250 steps DPO pushed the margin to ~100 nats and the model forgot its facts
# (held-out accuracy 0.03). A small SFT term on the chosen answers (sft_weight) keeps them likely.
DPO = {"steps": 100, "batch_size": 16, "lr": 1.5e-5, "beta": 0.1, "sft_weight": 1.0}
# 900 steps: with the decisive story-gpt (issue 23) its SFT samples rarely name the wrong game, so the pairs of
# "what does X like to play?" answers differ in subtler ways; at 300 steps the judge had not learned them (held-out
# order 0.77, those questions 0.68; at 900: 0.90 and 0.995; one other setting tried).
REWARD = {"questions": 400, "held_out_questions": 100, "samples": 4, "temperature": 1.0, "steps": 900,
          "batch_size": 32, "lr": 1e-4}
# RL prompts hold more harmful requests (harm_weight 40: about 29 %) than the rating questions, so that the few
# refusals the SFT model samples (it was shown 15 %) come up often enough to be reinforced within 150 steps.
RL = {"prompts": 600, "harm_weight": 40, "steps": 150, "prompts_per_step": 8, "samples_per_prompt": 4, "lr": 5e-5,
      "kl_beta": 0.05, "probe_every": 25}
COMMAND = "python tools/train_assistant.py"
STAGES = ("sft", "dpo", "reward", "rlhf")


def _progress(label: str):
    def on_event(event) -> None:
        if isinstance(event, Progress) and (event.step % 25 == 0 or event.step == event.total):
            extra = " ".join(f"{k}={v:.4f}" for k, v in event.metrics.items())
            print(f"  {label} step {event.step}/{event.total} {extra}", flush=True)
        elif isinstance(event, Frame) and "samples" in event.payload:
            for prompt, answer, score in event.payload["samples"]:
                print(f"    {prompt.strip()!r} -> {answer!r} ({score:.2f})", flush=True)

    return on_event


def _load(folder: Path):
    from engines.llm.gpt import load_gpt

    return load_gpt(folder)


def stage_sft(base: Path, out: Path, tokenizer) -> dict:
    from engines.llm.assistant import FinetuneConfig, sft
    from engines.llm.assistant_data import sft_examples
    from engines.llm.onnx_runner import export_onnx

    examples = sft_examples(SFT_EXAMPLES, seed=SEED, harm_weight=HARM_WEIGHT)
    model = _load(base)
    print(f"SFT on {len(examples)} instruction pairs", flush=True)
    job = sft(model, tokenizer, examples, FinetuneConfig(seed=SEED, **SFT), out_dir=out)
    result = run_job(job, on_event=_progress("sft"))
    export_onnx(model, out / "model.onnx")
    return {"steps": SFT["steps"], "first_loss": round(result.first_loss, 4), "last_loss": round(result.last_loss, 4),
            "provenance": (f"fine-tuned from assets/llm/story-gpt on engines.llm.assistant_data.sft_examples("
                           f"n={SFT_EXAMPLES}, seed={SEED}, harm_weight={HARM_WEIGHT})")}


def stage_dpo(sft_dir: Path, out: Path, tokenizer) -> dict:
    from engines.llm.assistant import FinetuneConfig, dpo, preference_margin
    from engines.llm.assistant_data import preference_pairs
    from engines.llm.onnx_runner import export_onnx

    pairs = preference_pairs(PREF_PAIRS, seed=SEED + 1, harm_weight=HARM_WEIGHT)
    reference = _load(sft_dir)
    triples = [(p.prompt, p.chosen, p.rejected) for p in pairs[:200]]
    before = preference_margin(reference, tokenizer, triples)
    print(f"DPO on {len(pairs)} preference pairs (reference: story-sft)", flush=True)
    result = run_job(dpo(_load(sft_dir), tokenizer, pairs, FinetuneConfig(seed=SEED, **DPO), reference=reference,
                         out_dir=out), on_event=_progress("dpo"))
    model = _load(out)
    export_onnx(model, out / "model.onnx")
    return {"steps": DPO["steps"], "first_loss": round(result.first_loss, 4), "last_loss": round(result.last_loss, 4),
            "preference_margin_before": round(before, 3),
            "preference_margin_after": round(preference_margin(model, tokenizer, triples), 3),
            "provenance": (f"fine-tuned from assets/llm/story-sft with DPO (beta {DPO['beta']}, plus "
                           f"{DPO['sft_weight']} x the SFT loss on the chosen answers) on engines.llm.assistant_data."
                           f"preference_pairs(n={PREF_PAIRS}, seed={SEED + 1}, harm_weight={HARM_WEIGHT})")}


def stage_reward(sft_dir: Path, out: Path, tokenizer) -> dict:
    from engines.llm.raters import ScriptedRaters
    from engines.llm.reward_data import rating_groups, rating_questions, reward_accuracy
    from engines.llm.reward_model import RewardConfig, from_policy, save_reward_model, train_reward_model

    policy = _load(sft_dir)
    raters = ScriptedRaters(seed=SEED)
    train = rating_groups(policy, tokenizer, rating_questions(REWARD["questions"], seed=SEED + 2), raters,
                          REWARD["samples"], REWARD["temperature"], seed=SEED)
    rm = from_policy(policy)
    config = RewardConfig(steps=REWARD["steps"], batch_size=REWARD["batch_size"], lr=REWARD["lr"], seed=SEED)
    print(f"reward model on {sum(len(g.ordered_pairs()) for g in train)} ordered pairs", flush=True)
    result = run_job(train_reward_model(rm, tokenizer, train, config), on_event=_progress("reward"))
    accuracy = reward_accuracy(rm, policy, tokenizer, REWARD["held_out_questions"], seed=SEED + 3)
    save_reward_model(rm, tokenizer, out, {"reward_steps": REWARD["steps"]})
    print(f"reward model held-out: {accuracy}", flush=True)
    return {"steps": REWARD["steps"], "first_loss": round(result.first_loss, 4),
            "last_loss": round(result.last_loss, 4),
            **accuracy,
            "provenance": (f"story-sft body + scalar head, Bradley-Terry loss on every ordered pair of scripted "
                           f"rater scores (engines.llm.raters.ScriptedRaters(seed={SEED})) of "
                           f"{REWARD['samples']} answers sampled from story-sft at T={REWARD['temperature']} plus "
                           f"written candidates, for {REWARD['questions']} questions (engines.llm.reward_data)")}


def stage_rlhf(sft_dir: Path, reward_dir: Path, out: Path, tokenizer) -> dict:
    from engines.llm.assistant_data import eval_harm_questions, eval_questions
    from engines.llm.gpt import save_gpt
    from engines.llm.onnx_runner import export_onnx
    from engines.llm.reward_data import rating_questions
    from engines.llm.reward_model import load_reward_model, score_texts
    from engines.llm.rl import RLConfig, rlhf

    rm = load_reward_model(reward_dir)
    prompts = [e.prompt for e in rating_questions(RL["prompts"], seed=SEED + 4, harm_weight=RL["harm_weight"])]
    probe = eval_harm_questions(8, seed=7) + eval_questions(8, 0, seed=7)

    def reward(ps, answers, stopped):
        return score_texts(rm, tokenizer, list(zip(ps, answers, stopped)))

    policy = _load(sft_dir)
    config = RLConfig(seed=SEED, **{k: v for k, v in RL.items() if k not in ("prompts", "harm_weight")})
    print(f"RLOO against story-reward on {len(prompts)} prompts", flush=True)
    job = rlhf(policy, _load(sft_dir), tokenizer, prompts, reward, config, probe)
    result = run_job(job, on_event=_progress("rlhf"))
    save_gpt(policy, out, extra_config={"stage": "rlhf", "finetune": "rlhf", "finetune_steps": RL["steps"]})
    tokenizer.save(out)
    export_onnx(policy, out / "model.onnx")
    return {"steps": RL["steps"], "first_reward": round(result.first_reward, 3),
            "last_reward": round(result.last_reward, 3),
            "provenance": (f"fine-tuned from assets/llm/story-sft with RLOO (k={RL['samples_per_prompt']}) against "
                           f"assets/llm/story-reward, per-token KL penalty beta {RL['kl_beta']} to story-sft, "
                           f"{RL['steps']} steps of {RL['prompts_per_step']} prompts from "
                           f"engines.llm.reward_data.rating_questions({RL['prompts']}, seed={SEED + 4}, "
                           f"harm_weight={RL['harm_weight']})")}


def _record_measurements(table: dict, dirs: dict[str, Path]) -> None:
    """Update the metrics of the recorded stages' model.safetensors entries (same made_by and provenance)."""
    from engines.core.assets import record_asset
    from engines.llm.gpt import load_gpt
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.reward_data import reward_accuracy
    from engines.llm.reward_model import load_reward_model

    manifest = json.loads((ROOT / "assets" / "manifest.json").read_text(encoding="utf-8"))["assets"]
    extra = {}
    if (dirs["reward"] / "config.json").is_file():
        extra = reward_accuracy(load_reward_model(dirs["reward"]), load_gpt(dirs["sft"]),
                                load_model_tokenizer(dirs["sft"]), REWARD["held_out_questions"], seed=SEED + 3)
        print(json.dumps(extra), flush=True)
    for stage in STAGES:
        name = f"llm/{dirs[stage].name}/model.safetensors"
        if name not in manifest:
            continue
        entry = {k: v for k, v in manifest[name].items() if k not in ("sha256", "size")}
        metrics = {**entry.get("metrics", {}), "assistant_table": table["rows"], "held_out_note": table["held_out"]}
        if stage == "reward":
            metrics.update(extra)
        record_asset(name, **{**entry, "metrics": metrics})
    print("measurements recorded in assets/manifest.json")


def main(argv: list[str] | None = None) -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "assets" / "llm"))
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated: " + ",".join(STAGES))
    parser.add_argument("--eval-only", action="store_true")
    parser.add_argument("--record", action="store_true", help="with --eval-only: write the measurements into the "
                        "manifest entries of the shipped models (nothing is retrained)")
    parser.add_argument("--base", default=str(ROOT / "assets" / "llm" / "story-gpt"), help="the base model folder")
    parser.add_argument("--quick", action="store_true", help="a tenth of every size and step count (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        global SFT_EXAMPLES, PREF_PAIRS
        SFT_EXAMPLES, PREF_PAIRS = SFT_EXAMPLES // 10, PREF_PAIRS // 10
        for recipe in (SFT, DPO, REWARD, RL):
            for key in ("steps", "questions", "held_out_questions", "prompts"):
                if key in recipe:
                    recipe[key] = max(2, recipe[key] // 10)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    from engines.llm.assistant_eval import assistant_table
    from engines.llm.model_store import load_model_tokenizer

    out = Path(args.out)
    base = Path(args.base)
    dirs = {"base": base, "sft": out / "story-sft", "dpo": out / "story-dpo", "rlhf": out / "story-rlhf",
            "reward": out / "story-reward"}
    models = {k: v for k, v in dirs.items() if k != "reward" and (v / "model.safetensors").is_file()}
    if args.eval_only:
        table = assistant_table(models, dirs["reward"])
        print(json.dumps(table, indent=1))
        if args.record:
            _record_measurements(table, dirs)
        return 0
    tokenizer = load_model_tokenizer(base)
    done: dict[str, tuple[float, dict]] = {}
    for stage in [s.strip() for s in args.stages.split(",") if s.strip()]:
        started = time.perf_counter()
        if stage == "sft":
            info = stage_sft(base, dirs["sft"], tokenizer)
        elif stage == "dpo":
            info = stage_dpo(dirs["sft"], dirs["dpo"], tokenizer)
        elif stage == "reward":
            info = stage_reward(dirs["sft"], dirs["reward"], tokenizer)
        elif stage == "rlhf":
            info = stage_rlhf(dirs["sft"], dirs["reward"], dirs["rlhf"], tokenizer)
        else:
            raise SystemExit(f"unknown stage {stage!r} (one of {', '.join(STAGES)})")
        done[stage] = (time.perf_counter() - started, info)
    models = {k: v for k, v in dirs.items() if k != "reward" and (v / "model.safetensors").is_file()}
    table = assistant_table(models, dirs["reward"] if (dirs["reward"] / "config.json").is_file() else None)
    print(json.dumps(table, indent=1))
    if out.resolve() == (ROOT / "assets" / "llm").resolve():
        from engines.core.assets import record_asset

        for stage, (wall, info) in done.items():
            name = dirs[stage].name
            provenance = info.pop("provenance")
            metrics = {**info, "assistant_table": table["rows"], "held_out_note": table["held_out"]}
            for item in sorted(dirs[stage].iterdir()):
                if item.is_file():
                    record_asset(f"llm/{name}/{item.name}", made_by=f"{COMMAND} --stages {stage}",
                                 wall_time_s=round(wall, 1), provenance=provenance, licence="MIT (this project)",
                                 metrics=metrics if item.name == "model.safetensors" else {})
        print("recorded in assets/manifest.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
