"""A small conditional UNet that predicts the noise in a 32×32 (or 16×16) image.

Inputs: ``x`` (B, C, H, W), timestep ``t`` (B,) float, caption tokens ``context``
(B, L, D) with ``context_mask`` (B, L) (1 = a real token) and a pooled caption vector
``pooled`` (B, D). Output: predicted noise ε̂ (B, C, H, W).

How the caption steers the picture ("the clue"):

* **FiLM**: the pooled caption vector is added to the sinusoidal time embedding; every
  residual block turns that into a per-channel scale and shift of its features.
* **Cross-attention**: at the 8×8 level every pixel looks at the caption's word tokens
  (queries from pixels, keys/values from words), so "red hat" can land on the hat.

Layout (channels c0, c1, c2 — default 32, 64, 128; ~2.5 M parameters)::

    conv_in → Res(c0) ─┐ ↓ Res(c1) ─┐ ↓ Res(c2)+Attn ─┐ → mid Res+Attn
    conv_out ← Res(c0) ←┘ ↑ Res(c1) ←┘ ↑ Res(c2)+Attn ←┘

Attention is written out with matmul/softmax (no fused kernels) so ONNX export is plain.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

ARCHITECTURE = "ai-lab-diffusion-unet"
MASK_FILL = -1e4  # added to attention scores of padding; finite so fp16/bf16 stay NaN-free


@dataclass
class UNetConfig:
    in_channels: int = 3
    image_size: int = 32
    channels: tuple[int, int, int] = (32, 64, 128)
    time_dim: int = 128
    context_dim: int = 64
    heads: int = 4
    groups: int = 8
    film: bool = True
    cross_attention: bool = True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["channels"] = list(self.channels)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "UNetConfig":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "channels" in known:
            known["channels"] = tuple(int(c) for c in known["channels"])
        return cls(**known)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding of timesteps ``t`` (B,) → (B, dim): sin/cos at geometric frequencies."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None, :]  # (B, half)
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int,
              key_mask: torch.Tensor | None = None) -> torch.Tensor:
    """Multi-head attention. q (B, Nq, D), k/v (B, Nk, D), key_mask (B, Nk) 1=keep → (B, Nq, D)."""
    B, Nq, D = q.shape
    Nk = k.shape[1]
    hd = D // heads
    q = q.reshape(B, Nq, heads, hd).transpose(1, 2)  # (B, h, Nq, hd)
    k = k.reshape(B, Nk, heads, hd).transpose(1, 2)
    v = v.reshape(B, Nk, heads, hd).transpose(1, 2)
    scores = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(hd))  # (B, h, Nq, Nk)
    if key_mask is not None:
        scores = scores + (1.0 - key_mask.to(scores.dtype))[:, None, None, :] * MASK_FILL
    weights = torch.softmax(scores, dim=-1)
    return torch.matmul(weights, v).transpose(1, 2).reshape(B, Nq, D)


class ResBlock(nn.Module):
    """GroupNorm → SiLU → conv, FiLM from the embedding, GroupNorm → SiLU → conv, plus a skip."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, groups: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(min(groups, c_in), c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.film = nn.Linear(emb_dim, 2 * c_out)
        self.norm2 = nn.GroupNorm(min(groups, c_out), c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(F.silu(emb)).chunk(2, dim=1)  # (B, c_out) each
        h = self.norm2(h) * (1 + scale[:, :, None, None]) + shift[:, :, None, None]
        h = self.conv2(F.silu(h))
        return h + self.skip(x)


class AttentionBlock(nn.Module):
    """Self-attention over pixels, then cross-attention from pixels to caption tokens, then an MLP."""

    def __init__(self, channels: int, context_dim: int, heads: int, groups: int, cross: bool) -> None:
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(min(groups, channels), channels)
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        self.cross = cross
        if cross:
            self.norm_c = nn.LayerNorm(channels)
            self.q_c = nn.Linear(channels, channels)
            self.kv_c = nn.Linear(context_dim, 2 * channels)
            self.proj_c = nn.Linear(channels, channels)
        self.norm_ff = nn.LayerNorm(channels)
        self.ff = nn.Sequential(nn.Linear(channels, 2 * channels), nn.GELU(), nn.Linear(2 * channels, channels))

    def forward(self, x: torch.Tensor, context: torch.Tensor, context_mask: torch.Tensor) -> torch.Tensor:
        B, C, H, W = x.shape
        h = self.norm(x).flatten(2).transpose(1, 2)  # (B, HW, C)
        q, k, v = self.qkv(h).chunk(3, dim=2)
        tokens = x.flatten(2).transpose(1, 2) + self.proj(attention(q, k, v, self.heads))
        if self.cross:
            kc, vc = self.kv_c(context).chunk(2, dim=2)  # (B, L, C)
            qc = self.q_c(self.norm_c(tokens))
            tokens = tokens + self.proj_c(attention(qc, kc, vc, self.heads, context_mask))
        tokens = tokens + self.ff(self.norm_ff(tokens))
        return tokens.transpose(1, 2).reshape(B, C, H, W)


class ConditionalUNet(nn.Module):
    def __init__(self, config: UNetConfig) -> None:
        super().__init__()
        self.config = config
        c0, c1, c2 = config.channels
        td, g = config.time_dim, config.groups
        self.time_mlp = nn.Sequential(nn.Linear(td, td), nn.SiLU(), nn.Linear(td, td))
        self.caption_to_emb = nn.Linear(config.context_dim, td)
        self.conv_in = nn.Conv2d(config.in_channels, c0, 3, padding=1)
        self.down0 = ResBlock(c0, c0, td, g)
        self.pool0 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.down1 = ResBlock(c0, c1, td, g)
        self.pool1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.down2 = ResBlock(c1, c2, td, g)
        self.attn_down2 = AttentionBlock(c2, config.context_dim, config.heads, g, config.cross_attention)
        self.mid = ResBlock(c2, c2, td, g)
        self.attn_mid = AttentionBlock(c2, config.context_dim, config.heads, g, config.cross_attention)
        self.up2 = ResBlock(c2 + c2, c2, td, g)
        self.attn_up2 = AttentionBlock(c2, config.context_dim, config.heads, g, config.cross_attention)
        self.unpool1 = nn.ConvTranspose2d(c2, c2, 4, stride=2, padding=1)
        self.up1 = ResBlock(c2 + c1, c1, td, g)
        self.unpool0 = nn.ConvTranspose2d(c1, c1, 4, stride=2, padding=1)
        self.up0 = ResBlock(c1 + c0, c0, td, g)
        self.norm_out = nn.GroupNorm(min(g, c0), c0)
        self.conv_out = nn.Conv2d(c0, config.in_channels, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor, context: torch.Tensor, context_mask: torch.Tensor,
                pooled: torch.Tensor) -> torch.Tensor:
        emb = self.time_mlp(timestep_embedding(t, self.config.time_dim).to(x.dtype))  # (B, td)
        if self.config.film:
            emb = emb + self.caption_to_emb(pooled)
        h0 = self.down0(self.conv_in(x), emb)  # (B, c0, H, W)
        h1 = self.down1(self.pool0(h0), emb)  # (B, c1, H/2, W/2)
        h2 = self.attn_down2(self.down2(self.pool1(h1), emb), context, context_mask)  # (B, c2, H/4, W/4)
        m = self.attn_mid(self.mid(h2, emb), context, context_mask)
        u2 = self.attn_up2(self.up2(torch.cat([m, h2], 1), emb), context, context_mask)
        u1 = self.unpool1(u2)  # learned 2× upsampling (nearest-neighbour backward is slow on CPU)
        u1 = self.up1(torch.cat([u1, h1], 1), emb)
        u0 = self.unpool0(u1)
        u0 = self.up0(torch.cat([u0, h0], 1), emb)
        return self.conv_out(F.silu(self.norm_out(u0)))


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
