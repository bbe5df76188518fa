"""A decoder-only GPT you can train, inspect and export.

The parameter names and layout follow GPT-2 (``transformer.wte``, ``transformer.h.0.attn.c_attn``, …)
so GPT-2 family weights load into it (see :mod:`engines.llm.hf_gpt2`; GPT-2 stores its
linear layers transposed, the loader turns them round). Attention is written out by hand
(scores → causal mask → softmax) so every layer's attention weights can be returned, and
the forward pass takes and returns a key/value cache for fast generation.

torch is imported when this module is imported: import it lazily from GUI code.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from engines.core.model_io import ModelFileError, load_model, save_model
from engines.llm.gpt_config import SHAPE_FIELDS, GPTConfig

__all__ = ["GPT", "GPTConfig", "build_gpt", "gpt_from_tensors", "load_gpt", "save_gpt"]

ARCHITECTURE = "gpt"

# One layer's cache: keys and values, each (B, heads, T_past, head_dim)
LayerKV = tuple[torch.Tensor, torch.Tensor]


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.head_dim = config.head_dim
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, past: LayerKV | None = None):
        """x (B, T, C) → (y (B, T, C), (k, v) each (B, heads, T_past+T, head_dim), att (B, heads, T, T_past+T))."""
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, self.head_dim).transpose(1, 2)  # (B, heads, T, hd)
        k = k.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)  # (B, heads, Tk, hd)
            v = torch.cat([past[1], v], dim=2)
        t_keys = k.shape[2]
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))  # (B, heads, T, Tk)
        # query i sits at absolute position (Tk - T + i); it may look at keys 0 .. that position
        q_pos = torch.arange(T, device=x.device) + (t_keys - T)
        k_pos = torch.arange(t_keys, device=x.device)
        future = k_pos.unsqueeze(0) > q_pos.unsqueeze(1)  # (T, Tk)
        scores = scores.masked_fill(future, float("-inf"))
        att = F.softmax(scores, dim=-1)  # (B, heads, T, Tk); each row sums to 1
        y = self.attn_dropout(att) @ v  # (B, heads, T, hd)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y)), (k, v), att


class MLP(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # GPT-2's "gelu_new" is the tanh approximation
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        eps = config.layer_norm_epsilon
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=eps, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=eps, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, past: LayerKV | None = None):
        a, present, att = self.attn(self.ln_1(x), past)
        x = x + a
        x = x + self.mlp(self.ln_2(x))
        return x, present, att


class GPT(nn.Module):
    """Token ids (B, T) → next-token logits (B, T, vocab), with an optional KV cache and attention maps."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon, bias=config.bias),
            )
        )
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # tied, as in GPT-2
        self.apply(self._init_weights)
        # residual projections start smaller so deep stacks begin near the identity (GPT-2 paper)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self) -> int:
        """Number of distinct parameters (the tied output layer is counted once)."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor,
        past_kv: list[LayerKV] | None = None,
        return_attention: bool = False,
    ):
        """Run the model.

        ``idx`` (B, T) int64 token ids; ``past_kv`` the cache from an earlier call (one (k, v)
        per layer, each (B, heads, T_past, head_dim)) or None. Returns
        ``(logits (B, T, vocab), present_kv, attention)`` where ``present_kv`` covers
        T_past+T positions and ``attention`` is a list with one (B, heads, T, T_past+T)
        tensor per layer when ``return_attention`` is true, else None.
        """
        B, T = idx.shape
        t_past = 0 if past_kv is None else past_kv[0][0].shape[2]
        if not torch.jit.is_tracing() and t_past + T > self.config.block_size:
            raise ValueError(
                f"{t_past + T} tokens do not fit the context window of {self.config.block_size} tokens"
            )
        pos = torch.arange(T, device=idx.device) + t_past  # (T,)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        present: list[LayerKV] = []
        attentions: list[torch.Tensor] = []
        for i, block in enumerate(self.transformer.h):
            x, kv, att = block(x, None if past_kv is None else past_kv[i])
            present.append(kv)
            if return_attention:
                attentions.append(att)
        logits = self.lm_head(self.transformer.ln_f(x))
        return logits, present, (attentions if return_attention else None)

    # --- weights on disk ------------------------------------------------------------------

    def weights_for_saving(self) -> dict[str, torch.Tensor]:
        """State dict without the tied output layer (it is the token embedding)."""
        return {k: v for k, v in self.state_dict().items() if k != "lm_head.weight"}


def build_gpt(config: GPTConfig, seed: int | None = None) -> GPT:
    if seed is not None:
        torch.manual_seed(seed)
    return GPT(config)


def save_gpt(model: GPT, folder: str | Path, extra_config: dict[str, Any] | None = None) -> Path:
    """Write ``folder/model.safetensors`` + ``folder/config.json`` (architecture ``gpt``), atomically."""
    config = {**model.config.to_dict(), "parameters": model.num_parameters(), **(extra_config or {})}
    return save_model(folder, model.weights_for_saving(), config, ARCHITECTURE)


def gpt_from_tensors(config: GPTConfig, tensors: dict[str, Any], path: str | Path = "model.safetensors") -> GPT:
    """A GPT holding ``tensors`` (numpy or torch, GPT names, linear weights (out, in)); checks every name and shape.

    A config far bigger than the tensors is refused before anything is allocated (``invalid_config``)."""
    held = sum(int(np.prod(t.shape)) for t in tensors.values())
    wanted = config.estimated_parameters()
    if wanted > 2 * held + 1_000_000:
        raise ModelFileError(
            "invalid_config", Path(path).with_name("config.json"),
            f"it describes a model of about {wanted:,} parameters but {Path(path).name} holds {held:,}",
        )
    model = GPT(config)
    own = model.state_dict()
    wanted = {k for k in own if k != "lm_head.weight"}
    missing = sorted(wanted - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    if missing or unexpected:
        detail = []
        if missing:
            detail.append(f"missing {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''}")
        if unexpected:
            detail.append(f"unexpected {', '.join(unexpected[:4])}{' …' if len(unexpected) > 4 else ''}")
        raise ModelFileError("corrupt", path, "; ".join(detail))
    new_state = {}
    for name in wanted:
        value = torch.as_tensor(tensors[name])
        if tuple(value.shape) != tuple(own[name].shape):
            raise ModelFileError(
                "corrupt", path, f"{name} has shape {tuple(value.shape)}, the config needs {tuple(own[name].shape)}"
            )
        new_state[name] = value.to(own[name].dtype)
    model.load_state_dict(new_state, strict=False)  # lm_head.weight is tied to wte
    model.eval()
    return model


def load_gpt(folder: str | Path) -> GPT:
    """Load a GPT saved by :func:`save_gpt` (in eval mode). Raises ``ModelFileError``."""
    folder = Path(folder)
    raw_config, tensors = load_model(folder, ARCHITECTURE)
    config_path = folder / "config.json"
    missing = [name for name in SHAPE_FIELDS if name not in raw_config]
    if missing:
        raise ModelFileError("invalid_config", config_path, f"it does not give {', '.join(missing)}")
    try:
        config = GPTConfig.from_dict(raw_config)
    except (TypeError, ValueError) as exc:
        raise ModelFileError("invalid_config", config_path, str(exc)) from exc
    return gpt_from_tensors(config, tensors, folder / "model.safetensors")
