"""A GPT training run's checkpoint on disk: model and tokenizer, the optimizer with the random state, and
``train_state.json`` (step, losses, training time so far, the TrainConfig), written last as the marker of a whole
checkpoint. Every file is written atomically; no pickle. Used by :mod:`engines.llm.train`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from engines.core.model_io import atomic_write_json, load_tensors, save_tensors
from engines.core.optimizer_state import optimizer_tensors, random_state_tensors, restore_optimizer
from engines.llm.train_config import TrainConfig

STATE_FILE = "train_state.json"
OPTIMIZER_FILE = "optimizer.safetensors"


def save_optimizer(optimizer, path: Path, batch_generator=None) -> None:
    """AdamW state, plus the random state (:func:`random_state_tensors`) when ``batch_generator`` is given."""
    tensors, groups = optimizer_tensors(optimizer, "state")
    if batch_generator is not None:
        tensors.update(random_state_tensors(batch_generator))
    save_tensors(path, tensors, metadata={"param_groups": json.dumps(groups)})


def load_optimizer(optimizer, path: Path) -> None:
    """Restore AdamW state saved by :func:`save_optimizer` (safetensors; no pickle)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:
        meta = fh.metadata() or {}
    restore_optimizer(optimizer, load_tensors(path), json.loads(meta["param_groups"]), "state")


def save_checkpoint(folder: Path, model, optimizer, tokenizer, config: TrainConfig, step: int, metrics: dict,
                    batch_generator=None, elapsed_s: float = 0.0) -> None:
    """Model, tokenizer and optimizer (and random state) first, then ``train_state.json`` (the marker of a whole
    checkpoint; ``elapsed_s`` is the training time so far, which ``time_budget_s`` counts across resumes)."""
    from engines.llm.gpt import save_gpt

    save_gpt(model, folder, extra_config={"trained_steps": step, "train_preset": config.preset})
    if tokenizer is not None and hasattr(tokenizer, "save"):
        tokenizer.save(folder)
    save_optimizer(optimizer, folder / OPTIMIZER_FILE, batch_generator)
    atomic_write_json(folder / STATE_FILE, {"step": step, "metrics": metrics, "elapsed_s": round(elapsed_s, 3),
                                            "train_config": asdict(config)})


def read_train_state(folder: str | Path) -> dict[str, Any] | None:
    path = Path(folder) / STATE_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
