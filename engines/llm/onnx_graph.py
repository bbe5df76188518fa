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

The graph is written node by node (:mod:`engines.llm.onnx_build`), with ONNX Runtime's fused
LayerNorm and GELU operators (version 4; version 3 was traced from torch: the same layout, about
twice as many operators per token).

Files exported before this layout (:data:`EXPORT_VERSION` 1: one ``past`` tensor
(layers, 2, B, heads, P, head_dim) in, ``present`` and the stacked ``attention`` out) still run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from engines.core.model_io import atomic_path

OPSET = 17
# IR version 8 is the oldest that carries opset 17: older onnxruntime builds can still read the file.
IR_VERSION = 8
METADATA_KEY = "gpt_config"
# Bumped when the graph's layout changes: exports kept in the user data folder are named after it.
EXPORT_VERSION = 4
# an export kept in the user data folder: NAME-KEY.vN.onnx (version 3 and before: NAME-KEY.onnx), its int8 copy
# NAME-KEY.vN.int8.onnx and that copy's check report NAME-KEY.vN.int8.json (see engines.llm.runners.onnx_cache_path)
CACHED_EXPORT = re.compile(r"^.+-[0-9a-f]{16}(?:\.v(\d+))?(?:\.int8)?\.(?:onnx|json)$")
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


def export_onnx(model, path: str | Path, fused: bool = True) -> Path:
    """Write ``model`` (an :class:`engines.llm.gpt.GPT`) to ``path`` as ONNX, atomically. Returns the path.

    The graph is written by :func:`engines.llm.onnx_build.build_graph` (``fused``: with ONNX Runtime's fused
    LayerNorm and GELU operators; False: standard operators only)."""
    import onnx

    from engines.llm.onnx_build import build_graph

    cfg = model.config
    weights = {name: t.detach().cpu().float().numpy() for name, t in model.state_dict().items()}
    proto = build_graph(weights, cfg, fused=fused)
    proto.metadata_props.add(key=METADATA_KEY, value=json.dumps(cfg.to_dict(), sort_keys=True))
    onnx.checker.check_model(proto)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        onnx.save(proto, str(tmp))
    remove_stale_exports(path)
    return path


def remove_stale_exports(written: str | Path) -> list[Path]:
    """When ``written`` is a cached export of this version, delete the cached exports of older versions beside it
    (and their int8 copies and reports: they are never read again, and GPT-2's take ~800 MB). Returns them."""
    written = Path(written)
    match = CACHED_EXPORT.match(written.name)
    if not match or match.group(1) != str(EXPORT_VERSION):
        return []
    removed = []
    for other in written.parent.iterdir():
        old = CACHED_EXPORT.match(other.name)
        if old and int(old.group(1) or 0) < EXPORT_VERSION and other.is_file():
            other.unlink(missing_ok=True)
            removed.append(other)
    return removed
