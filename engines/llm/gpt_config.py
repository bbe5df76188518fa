"""The shape of a GPT (no torch here, so the ONNX runner can use it without torch)."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

# Sanity bounds: a config file beyond these is refused before anything is allocated.
LIMITS = {"n_layer": 256, "n_head": 256, "n_embd": 16384, "block_size": 65536, "vocab_size": 1_000_000}
SHAPE_FIELDS = tuple(LIMITS)


@dataclass
class GPTConfig:
    """The shape of a GPT. ``block_size`` is the context window in tokens."""

    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    block_size: int = 64
    vocab_size: int = 128
    dropout: float = 0.0
    bias: bool = True
    layer_norm_epsilon: float = 1e-5

    def __post_init__(self) -> None:
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                # ValueError, not TypeError: callers report every bad config field the same way
                raise ValueError(f"{name} must be a whole number, not {value!r}")  # noqa: TRY004
            if value < 1:
                raise ValueError(f"{name} must be at least 1")
            if value > limit:
                raise ValueError(f"{name} is {value:,}; the most this app accepts is {limit:,}")
            setattr(self, name, int(value))
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")

    def estimated_parameters(self) -> int:
        """Roughly how many numbers a model of this shape holds (embeddings + 12·n_embd² per layer)."""
        return (self.vocab_size + self.block_size) * self.n_embd + 12 * self.n_layer * self.n_embd**2

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GPTConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
