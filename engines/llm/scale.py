"""Why now: scale. The same GPT trained at several sizes on the same story-world text, compared.

Every size sees the same text, the same seed and the same number of tokens; only the width and depth change.
This module holds that recipe, the training job for one size (used by ``tools/train_scale.py`` for the shipped
runs and by the app to rerun the smallest one live), the compute estimate FLOPs ≈ 6·N·D, a power-law fit
``loss ≈ a · x^(−alpha)`` done as a straight line on log–log axes, and the reader of the shipped runs
(``assets/llm/scale/runs.json``).
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job, Log, Progress, map_events
from engines.core.paths import assets_dir

RUNS_FILE = "llm/scale/runs.json"
CORPUS_CHARS = 8_000_000
CORPUS_SEED = 0


@dataclass(frozen=True)
class Size:
    name: str
    n_layer: int
    n_head: int
    n_embd: int


# Four sizes, each about four times the parameters of the one before (≈10k → ≈485k with the story-world words).
SIZES = (Size("XS", 1, 2, 16), Size("S", 2, 2, 32), Size("M", 3, 4, 64), Size("L", 4, 4, 96))
# The same for every size: the steps × batch × context fix the token budget D.
RECIPE = dict(block_size=64, batch_size=32, max_steps=1200, lr=3e-3, warmup_steps=50, dropout=0.0,
              doc_start_fraction=0.25, eval_interval=100, eval_batches=8, sample_interval=0, seed=0)
# Prompts whose right next word needs a look back past the name to the word that says what the name is.
SKILL_PROMPTS = (
    ("my dog's name is ben. ben likes to play", "fetch"),
    ("my brother's name is ben. ben likes to play", "soccer"),
    ("my dog's name is ben. he is very happy. ben likes to play", "fetch"),
    ("my sister's name is mia. she is very happy. mia likes to play", "soccer"),
    ("my brother's name is tom. my dog's name is max. max likes to play", "fetch"),
    ("my dog's name is max. my brother's name is tom. tom likes to play", "soccer"),
)


def size_by_name(name: str) -> Size:
    for size in SIZES:
        if size.name.lower() == name.lower():
            return size
    raise ValueError(f"unknown size {name!r}; choose one of {', '.join(s.name for s in SIZES)}")


def tokens_per_run(recipe: dict[str, Any] = RECIPE) -> int:
    """The token budget D: every size reads this many tokens."""
    return int(recipe["max_steps"] * recipe["batch_size"] * recipe["block_size"])


def training_flops(parameters: int, tokens: int) -> float:
    """Compute of training: about 6 multiply-adds' worth of FLOPs per parameter per token (forward + backward)."""
    return 6.0 * float(parameters) * float(tokens)


@dataclass(frozen=True)
class PowerLaw:
    """``y ≈ floor + a · x^(−alpha)``. ``floor`` is the part of the loss no model size removes (0 for a pure
    power law); ``r2`` measures the fit on log y."""

    a: float
    alpha: float
    floor: float
    r2: float

    def __call__(self, x):
        return self.floor + self.a * np.power(np.asarray(x, dtype=float), -self.alpha)


def fit_power_law(x, y, with_floor: bool = True) -> PowerLaw:
    """Fit ``y ≈ floor + a · x^(−alpha)`` by least squares on log y.

    For each trial floor (0 up to just under the smallest y) the rest, y − floor, is a straight line on log–log
    axes (fitted exactly by least squares); the floor whose curve is closest to the points wins. ``with_floor``
    False fits a pure power law (floor 0). Needs at least two points with x, y > 0.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 2:
        raise ValueError("a power law needs at least two positive points")
    lx, ly = np.log(x[keep]), np.log(y[keep])
    floors = np.linspace(0.0, 0.98 * float(np.min(y[keep])), 197) if with_floor and keep.sum() > 2 else [0.0]
    best = None
    for floor in floors:
        slope, intercept = np.polyfit(lx, np.log(y[keep] - floor), 1)
        predicted = np.log(floor + np.exp(intercept + slope * lx))
        error = float(np.sum((ly - predicted) ** 2))
        if best is None or error < best[0]:
            best = (error, float(floor), float(slope), float(intercept))
    error, floor, slope, intercept = best
    total = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - error / total if total > 0 else 1.0
    return PowerLaw(a=float(math.exp(intercept)), alpha=float(-slope), floor=floor, r2=r2)


def scale_corpus():
    """(ids, tokenizer, doc_starts, text) of the story-world text every size trains on (deterministic)."""
    from engines.llm.storyworld import generate_story_world
    from engines.llm.tokenizers import WordTokenizer

    text = generate_story_world(seed=CORPUS_SEED, target_chars=CORPUS_CHARS)
    tokenizer = WordTokenizer.train(text, max_vocab=5000)
    ids = np.asarray(tokenizer.encode(text), dtype=np.int64)
    nl = tokenizer.encode("\n")[0]
    blank = (ids[:-2] == nl) & (ids[1:-1] == nl)
    doc_starts = np.concatenate([[0], np.nonzero(blank)[0] + 2])
    return ids, tokenizer, doc_starts, text


def skill_table(folder: str | Path) -> list[dict[str, Any]]:
    """The model's top next word and the probability of the right one for each of :data:`SKILL_PROMPTS`."""
    from engines.llm.generate import next_token_distribution
    from engines.llm.model_store import load_model_tokenizer
    from engines.llm.runners import load_runner

    runner = load_runner(folder, "torch", "cpu", threads=1)
    tokenizer = load_model_tokenizer(folder)
    rows = []
    for prompt, expected in SKILL_PROMPTS:
        candidates = next_token_distribution(runner, tokenizer, prompt, top=50)["candidates"]
        right = next((float(c["prob"]) for c in candidates if c["text"].strip() == expected), 0.0)
        rows.append({"prompt": prompt, "expected": expected, "top": candidates[0]["text"].strip(),
                     "top_prob": round(float(candidates[0]["prob"]), 3), "right_prob": round(right, 3)})
    return rows


def train_size(size_name: str, out_dir: str | Path | None = None, max_steps: int | None = None,
               cancel: CancelToken | None = None, corpus=None) -> Job[dict[str, Any]]:
    """Train one size with :data:`RECIPE` and return its run record.

    Yields the training job's events (``Progress`` carries ``tokens`` and ``flops`` so far besides the loss) and a
    ``Log`` before the skill check. The record: ``size``, ``shape``, ``parameters``, ``tokens``, ``flops``,
    ``val_loss``, ``curve`` (list of ``{tokens, flops, val_loss}``), ``skill`` (see :func:`skill_table`) and
    ``wall_time_s``. ``out_dir`` None trains in a temporary folder.
    """
    from engines.llm.train import TrainConfig, train_gpt

    size = size_by_name(size_name)
    recipe = {**RECIPE, **({"max_steps": int(max_steps)} if max_steps else {})}
    ids, tokenizer, doc_starts, _ = corpus or scale_corpus()
    config = TrainConfig(n_layer=size.n_layer, n_head=size.n_head, n_embd=size.n_embd, device="cpu",
                         checkpoint_interval=recipe["max_steps"], preset=f"scale-{size.name}", **recipe)
    tokens_per_step = config.batch_size * config.block_size
    curve: list[dict[str, float]] = []
    parameters = [0]

    def with_compute(event):
        if isinstance(event, Progress) and parameters[0]:
            tokens = event.step * tokens_per_step
            metrics = {**event.metrics, "tokens": tokens, "flops": training_flops(parameters[0], tokens)}
            if event.step % config.eval_interval == 0 and "val_loss" in event.metrics:
                curve.append({"tokens": tokens, "flops": metrics["flops"],
                              "val_loss": float(event.metrics["val_loss"])})
            return Progress(event.step, event.total, metrics, event.message)
        return event

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(out_dir) if out_dir is not None else Path(tmp)
        from engines.llm.gpt import GPT, GPTConfig

        parameters[0] = GPT(GPTConfig(n_layer=size.n_layer, n_head=size.n_head, n_embd=size.n_embd,
                                      block_size=config.block_size, vocab_size=tokenizer.vocab_size)).num_parameters()
        result = yield from map_events(train_gpt(ids, config, folder, tokenizer=tokenizer, cancel=cancel,
                                                 doc_starts=doc_starts), with_compute)
        yield Log(f"{size.name}: checking the look-back skill on {len(SKILL_PROMPTS)} prompts")
        skill = skill_table(folder)
    tokens = result.steps * tokens_per_step
    return {"size": size.name, "shape": {"n_layer": size.n_layer, "n_head": size.n_head, "n_embd": size.n_embd},
            "parameters": int(result.parameters), "tokens": int(tokens),
            "flops": training_flops(result.parameters, tokens), "val_loss": round(float(result.val_loss), 4),
            "train_loss": round(float(result.loss), 4), "curve": curve, "skill": skill,
            "wall_time_s": round(float(result.elapsed_s), 1)}


def load_runs(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The shipped runs, smallest first ([] when the file is missing)."""
    path = Path(path) if path is not None else assets_dir() / RUNS_FILE
    if not path.is_file():
        return []
    runs = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
    return sorted(runs, key=lambda r: r["parameters"])


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Fits of final validation loss against parameters and against compute, plus the skill score per size."""
    if len(runs) < 2:
        return {"runs": len(runs)}
    params = [r["parameters"] for r in runs]
    losses = [r["val_loss"] for r in runs]
    by_params = fit_power_law(params, losses)
    by_flops = fit_power_law([r["flops"] for r in runs], losses)
    skill = {r["size"]: sum(row["top"] == row["expected"] for row in r.get("skill", [])) for r in runs}
    pure = fit_power_law(params, losses, with_floor=False)
    return {"runs": len(runs), "loss_vs_parameters": vars(by_params), "loss_vs_flops": vars(by_flops),
            "pure_power_law_vs_parameters": vars(pure),
            "skill_right": skill, "skill_total": len(SKILL_PROMPTS)}
