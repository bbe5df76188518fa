"""Tempo as its own clue: the bpm in a caption ("… at 128 bpm") as numbers the music model can use.

The caption encoder reads "128" as three digit words, which is a hard way to learn a tempo. So the
engine also reads the bpm out of the caption (:func:`parse_bpm`), turns it into smooth features of
log-tempo (:func:`tempo_features`: sines and cosines, so 120 and 124 bpm look alike) and a small
network (two layers) turns those into a vector that is **added to the caption's start token and
pooled vector** — the pooled vector joins the UNet's time embedding (FiLM), the start token is
one of the words cross-attention looks at. A caption without a bpm (and the empty "no clue"
caption of guidance) adds nothing.

The network's last layer starts at zero, so a model that gains it behaves exactly as before until
it is fine-tuned. Its weights live beside the others in ``model.safetensors`` as ``tempo.*`` and run
in NumPy (a few hundred multiply-adds), so the ONNX files of the UNet and encoder do not change.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

PREFIX = "tempo."
FREQUENCIES = 8  # sin/cos of π·k·u for k = 1…8, plus u itself → 17 features
HIDDEN = 64
LO_BPM, HI_BPM = 60.0, 180.0  # u = 0 at 60 bpm, 1 at 180 bpm (log scale)
_BPM_RE = re.compile(r"(\d+(?:\.\d+)?)\s*bpm\b", re.IGNORECASE)


def parse_bpm(text: str) -> float | None:
    """The tempo a caption asks for ("an edm track at 128 bpm" → 128.0), or None when it names none
    (or an implausible one, outside 20–400 bpm)."""
    found = _BPM_RE.search(text or "")
    if not found:
        return None
    bpm = float(found.group(1))
    return bpm if 20.0 <= bpm <= 400.0 else None


def tempo_features(bpms: Any) -> np.ndarray:
    """bpm values (B,) (NaN = none named) → (B, 2·FREQUENCIES + 1) float32 features; rows of NaN give zeros."""
    b = np.asarray(bpms, np.float64).reshape(-1)
    have = np.isfinite(b)
    u = np.log(np.where(have, b, LO_BPM) / LO_BPM) / np.log(HI_BPM / LO_BPM)
    k = np.arange(1, FREQUENCIES + 1)
    feats = np.concatenate([u[:, None], np.sin(np.pi * u[:, None] * k), np.cos(np.pi * u[:, None] * k)], axis=1)
    return (feats * have[:, None]).astype(np.float32)


def prompt_bpms(prompts: list[str]) -> np.ndarray:
    """(B,) the bpm each prompt names, NaN where none."""
    return np.array([np.nan if (b := parse_bpm(p)) is None else b for p in prompts], np.float64)


def mixed_bpm(a: float | None, b: float | None, w: float) -> float:
    """The tempo of a mix (1 − w)·A + w·B: between the two on a log scale; the one named when only one is; else NaN."""
    if a is not None and b is not None:
        return float(np.exp((1 - w) * np.log(a) + w * np.log(b)))
    return float(a if a is not None else b if b is not None else np.nan)


def build_tempo_module(d_model: int, seed: int = 0):
    """A fresh torch module: features → d_model, last layer zero (adds nothing until trained)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(2 * FREQUENCIES + 1, HIDDEN), nn.SiLU(), nn.Linear(HIDDEN, d_model))
    nn.init.zeros_(net[2].weight)
    nn.init.zeros_(net[2].bias)
    return net


def module_tensors(module: Any) -> dict[str, np.ndarray]:
    return {PREFIX + k: v.detach().cpu().numpy().astype(np.float32) for k, v in module.state_dict().items()}


def config_entry() -> dict[str, Any]:
    return {"frequencies": FREQUENCIES, "hidden": HIDDEN, "range_bpm": [LO_BPM, HI_BPM],
            "added_to": "the caption's start token and pooled vector"}


class TempoClue:
    """The trained tempo network in NumPy: prompts → (B, D) vectors to add to the caption's numbers."""

    def __init__(self, tensors: dict[str, np.ndarray]) -> None:
        self.w1, self.b1 = tensors[PREFIX + "0.weight"], tensors[PREFIX + "0.bias"]
        self.w2, self.b2 = tensors[PREFIX + "2.weight"], tensors[PREFIX + "2.bias"]

    @staticmethod
    def from_tensors(tensors: dict[str, np.ndarray]) -> "TempoClue | None":
        """The clue saved among a model's tensors, or None for a model trained without one."""
        return TempoClue(tensors) if PREFIX + "0.weight" in tensors else None

    def vectors(self, bpms: np.ndarray) -> np.ndarray:
        feats = tempo_features(bpms)
        h = feats @ self.w1.T + self.b1
        h = h / (1 + np.exp(-h))  # SiLU
        out = h @ self.w2.T + self.b2
        return (out * np.isfinite(np.asarray(bpms, np.float64))[:, None]).astype(np.float32)

    def add_to(self, enc: Any, prompts: list[str]) -> Any:
        """``enc`` (EncodedPrompts of ``prompts``) with each prompt's tempo vector added to token 0 and pooled."""
        return self.add(enc, prompt_bpms(prompts))

    def add(self, enc: Any, bpms: np.ndarray) -> Any:
        """``enc`` with the tempo vector of each row's bpm (NaN = none) added to token 0 and pooled."""
        bpms = np.asarray(bpms, np.float64)
        if not np.isfinite(bpms).any():
            return enc
        v = self.vectors(bpms)
        enc.tokens = enc.tokens.copy()
        enc.tokens[:, 0] += v
        enc.pooled = enc.pooled + v
        return enc
