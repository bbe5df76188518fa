"""The settings of a GPT training run (:class:`TrainConfig`, its presets and learning-rate schedule) and what a
finished run reports (:class:`TrainResult`); used by :mod:`engines.llm.train`."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

# Model and schedule sizes. "tiny" trains in seconds on a laptop CPU; "small" is
# close to nanoGPT's CPU shakespeare_char recipe (about 3 minutes there).
PRESETS: dict[str, dict[str, Any]] = {
    "tiny": dict(n_layer=2, n_head=2, n_embd=64, block_size=64, batch_size=16, max_steps=500, lr=3e-3),
    "small": dict(n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12, max_steps=2000, lr=1e-3),
    "medium": dict(n_layer=6, n_head=6, n_embd=192, block_size=128, batch_size=24, max_steps=4000, lr=6e-4),
    "large": dict(n_layer=6, n_head=6, n_embd=384, block_size=256, batch_size=32, max_steps=5000, lr=6e-4),
}


@dataclass
class TrainConfig:
    """Everything a training run needs besides the data. Build one with :meth:`preset`."""

    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    block_size: int = 64
    dropout: float = 0.0
    bias: bool = True
    batch_size: int = 16
    max_steps: int = 500
    lr: float = 3e-3
    min_lr_ratio: float = 0.1
    schedule: str = "cosine"  # "cosine" or "const"
    warmup_steps: int = 20
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    val_fraction: float = 0.1
    eval_interval: int = 100
    eval_batches: int = 4
    sample_interval: int = 200
    sample_tokens: int = 40
    checkpoint_interval: int = 250
    # Share of each batch's windows that begin where a document begins (needs ``doc_starts``): a prompt typed
    # into the app sits at position 0, so the model must have seen texts open there, not only mid-stream.
    doc_start_fraction: float = 0.0
    # Wall-clock bound (0: none): training stops after this many seconds, and the cosine schedule follows whichever of
    # steps or time is further along, so a run on a busy CPU still ends at the low learning rate.
    time_budget_s: float = 0.0
    seed: int = 1337
    device: str = "cpu"
    preset: str = "custom"

    @classmethod
    def preset_config(cls, name: str, **overrides: Any) -> TrainConfig:
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        return cls(**{**PRESETS[name], "preset": name, **overrides})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def lr_at(self, step: int, time_fraction: float = 0.0) -> float:
        """Learning rate for ``step`` (0-based): linear warm-up, then constant or cosine down to ``min_lr_ratio``;
        ``time_fraction`` (share of ``time_budget_s`` used) moves the cosine on when it is ahead of the steps."""
        if self.warmup_steps and step < self.warmup_steps:
            return self.lr * (step + 1) / self.warmup_steps
        if self.schedule == "const":
            return self.lr
        span = max(1, self.max_steps - self.warmup_steps)
        progress = min(1.0, max((step - self.warmup_steps) / span, time_fraction))
        low = self.lr * self.min_lr_ratio
        return low + 0.5 * (1.0 + math.cos(math.pi * progress)) * (self.lr - low)


@dataclass
class TrainResult:
    folder: Path
    steps: int
    loss: float
    val_loss: float
    tokens_per_s: float
    parameters: int
    elapsed_s: float


def with_overrides(config: TrainConfig, **overrides: Any) -> TrainConfig:
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})
