"""The GPT as an ONNX graph whose KV cache stays put: the layout, and the export (needs torch).

Graph (one file; dynamic batch B, new tokens T, cache capacity N; L layers)::

    inputs   idx              int64   (B, T)
             past_length      int64   (1,)                 # how many cache slots hold tokens (P ≤ N)
             attention_rows   int64   (1,)                 # R: the last R new tokens' attention comes out
             past_key_t_0 …   float32 (B, heads, head_dim, N)   # keys, stored transposed
             past_value_0 …   float32 (B, heads, N, head_dim)
    outputs  logits           float32 (B, T, vocab)
             key_t_0 …        float32 (B, heads, head_dim, T)   # the new tokens' keys and values only
             value_0 …        float32 (B, heads, T, head_dim)
             attention_0 …    float32 (B, heads, R, N + T)      # slots P..N-1 get weight 0

The cache is a set of buffers with room for N positions that the runner
(:class:`engines.llm.onnx_runner.OnnxGPTRunner`) fills as tokens come: a call reads them and
returns only the new tokens' keys and values, which the runner writes into the next free
slots. Nothing copies the whole cache on each token (a graph that takes ``past`` and returns
``present = concat(past, new)`` does, once per layer per token). Keys are stored transposed
so that query × keys is a plain matrix-vector product. The slots past ``past_length`` are
masked out; the attention weights are the model's own (the same numbers as
:meth:`engines.llm.gpt.GPT.forward`, tested), computed over the cache plus the new tokens.
With ``attention_rows`` 0 they are not kept (a prompt's maps are layers × heads × T² numbers).

Files exported before this layout (:data:`EXPORT_VERSION` 1: one ``past`` tensor
(layers, 2, B, heads, P, head_dim) in, ``present`` and the stacked ``attention`` out) still run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from engines.core.model_io import atomic_path

OPSET = 17
# IR version 8 is the oldest that carries opset 17: older onnxruntime builds can still read the file.
IR_VERSION = 8
METADATA_KEY = "gpt_config"
# Bumped when the graph's layout changes: exports kept in the user data folder are named after it.
EXPORT_VERSION = 3
STACKED_INPUTS = ("idx", "past")  # the layout of version 1 (shipped model.onnx files may still have it)
STACKED_OUTPUTS = ("logits", "present", "attention")


def cache_inputs(n_layer: int) -> list[str]:
    return [name for i in range(n_layer) for name in (f"past_key_t_{i}", f"past_value_{i}")]


def new_kv_outputs(n_layer: int) -> list[str]:
    return [name for i in range(n_layer) for name in (f"key_t_{i}", f"value_{i}")]


def attention_outputs(n_layer: int) -> list[str]:
    return [f"attention_{i}" for i in range(n_layer)]


def graph_inputs(n_layer: int) -> list[str]:
    return ["idx", "past_length", "attention_rows", *cache_inputs(n_layer)]


def _attend(attn, x, keys_t, values, past_length, rows):
    """One attention layer over the cache slots (masked from ``past_length`` on) and the new tokens (causal).

    The queries come out of ``c_attn`` already divided by √head_dim (:func:`export_onnx` folds that into the
    weights), so query × keys is a plain product: ONNX Runtime's fast path for one query row needs no scale.
    """
    import torch
    from torch.nn import functional as F

    B, T, C = x.shape
    nh, hd = attn.n_head, attn.head_dim
    q, k, v = attn.c_attn(x).split(C, dim=2)
    q = q.view(B, T, nh, hd).transpose(1, 2)  # (B, heads, T, hd)
    k_t = k.view(B, T, nh, hd).permute(0, 2, 3, 1)  # (B, heads, hd, T)
    v = v.view(B, T, nh, hd).transpose(1, 2)  # (B, heads, T, hd)
    slots = keys_t.shape[3]
    old = (q @ keys_t).masked_fill(torch.arange(slots) >= past_length, float("-inf"))  # (B, heads, T, N)
    new = q @ k_t  # (B, heads, T, T)
    new = new.masked_fill(torch.arange(T).unsqueeze(0) > torch.arange(T).unsqueeze(1), float("-inf"))
    att = F.softmax(torch.cat([old, new], dim=-1), dim=-1)
    y = att[..., :slots] @ values + att[..., slots:] @ v  # (B, heads, T, hd)
    y = y.transpose(1, 2).contiguous().view(B, T, C)
    return attn.c_proj(y), k_t, v, att.index_select(2, torch.arange(rows[0]) + (T - rows[0]))  # the last rows


def export_onnx(model, path: str | Path) -> Path:
    """Write ``model`` (an :class:`engines.llm.gpt.GPT`) to ``path`` as ONNX, atomically. Returns the path."""
    import copy
    import warnings

    import onnx
    import torch
    from torch import nn

    model = copy.deepcopy(model).cpu().float().eval()
    cfg = model.config
    with torch.no_grad():  # the 1/√head_dim of attention goes into the query weights (see _attend)
        for block in model.transformer.h:
            block.attn.c_attn.weight[:cfg.n_embd] /= math.sqrt(cfg.head_dim)
            if block.attn.c_attn.bias is not None:
                block.attn.c_attn.bias[:cfg.n_embd] /= math.sqrt(cfg.head_dim)

    class _CachedGPT(nn.Module):
        def __init__(self, gpt) -> None:
            super().__init__()
            self.gpt = gpt

        def forward(self, idx, past_length, rows, *cache):
            tr = self.gpt.transformer
            x = tr.wte(idx) + tr.wpe(torch.arange(idx.shape[1]) + past_length)
            kv, attentions = [], []
            for i, block in enumerate(tr.h):
                a, k_t, v, att = _attend(block.attn, block.ln_1(x), cache[2 * i], cache[2 * i + 1], past_length, rows)
                x = x + a
                x = x + block.mlp(block.ln_2(x))
                kv += [k_t, v]
                attentions.append(att)
            return (self.gpt.lm_head(tr.ln_f(x)), *kv, *attentions)

    inputs, kv_names, att_names = graph_inputs(cfg.n_layer), new_kv_outputs(cfg.n_layer), attention_outputs(cfg.n_layer)
    cache = [torch.zeros((1, cfg.n_head, cfg.head_dim, 4)) if i % 2 == 0 else torch.zeros((1, cfg.n_head, 4, cfg.head_dim))
             for i in range(2 * cfg.n_layer)]
    axes = {"idx": {0: "batch", 1: "new_tokens"}, "logits": {0: "batch", 1: "new_tokens"}}
    for i, name in enumerate(inputs[3:]):
        axes[name] = {0: "batch", 3 if i % 2 == 0 else 2: "slots"}
    for i, name in enumerate(kv_names):
        axes[name] = {0: "batch", 3 if i % 2 == 0 else 2: "new_tokens"}
    axes.update({n: {0: "batch", 2: "rows", 3: "keys"} for n in att_names})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
        torch.onnx.export(_CachedGPT(model), (torch.zeros((1, 3), dtype=torch.long), torch.tensor([2]), torch.tensor([3]), *cache),
                          str(tmp), dynamo=False, opset_version=OPSET, input_names=inputs,
                          output_names=["logits", *kv_names, *att_names], dynamic_axes=axes)
        proto = onnx.load(str(tmp))
        proto.ir_version = IR_VERSION
        proto.metadata_props.add(key=METADATA_KEY, value=json.dumps(cfg.to_dict(), sort_keys=True))
        onnx.checker.check_model(proto)
        onnx.save(proto, str(tmp))
    return path
