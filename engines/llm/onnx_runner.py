"""The GPT as an ONNX graph (KV cache in and out, attention out) and a runner for it.

Graph (one file, dynamic batch / new-token / cache lengths; L layers)::

    inputs   idx                 int64   (B, T)
             past_key_0 … _L-1   float32 (B, heads, P, head_dim)      # P may be 0
             past_value_0 …      float32 (B, heads, P, head_dim)
    outputs  logits              float32 (B, T, vocab)
             present_key_0 …     float32 (B, heads, P+T, head_dim)
             present_value_0 …   float32 (B, heads, P+T, head_dim)
             attention_0 …       float32 (B, heads, T, P+T)

One key and one value tensor per layer: between calls the runner keeps the cache as ONNX
Runtime values (never copied into NumPy, never stacked), and asks for the attention outputs
only when the caller wants them. Files exported before this layout (one ``past`` tensor
(layers, 2, B, heads, P, head_dim) in, ``present`` and the stacked ``attention`` out) still
run: the runner reads the layout from the graph's inputs.

The GPT config travels in the model's metadata (``gpt_config``), so the runner needs
only the ``.onnx`` file. :func:`export_onnx` needs torch; :class:`OnnxGPTRunner` only
onnxruntime and NumPy.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from engines.core.model_io import atomic_path

OPSET = 17
# IR version 8 is the oldest that carries opset 17: older onnxruntime builds can still read the file.
IR_VERSION = 8
METADATA_KEY = "gpt_config"
# Bumped when the graph's layout changes: exports kept in the user data folder are named after it.
EXPORT_VERSION = 2
STACKED_INPUTS = ("idx", "past")  # the layout before version 2 (shipped files may still have it)
STACKED_OUTPUTS = ("logits", "present", "attention")


def cache_names(n_layer: int, prefix: str) -> list[str]:
    """``prefix`` "past" or "present" → [key_0, value_0, key_1, value_1, …] names."""
    return [f"{prefix}_{kind}_{i}" for i in range(n_layer) for kind in ("key", "value")]


def attention_names(n_layer: int) -> list[str]:
    return [f"attention_{i}" for i in range(n_layer)]


def export_onnx(model, path: str | Path) -> Path:
    """Write ``model`` (an :class:`engines.llm.gpt.GPT`) to ``path`` as ONNX, atomically. Returns the path."""
    import copy
    import warnings

    import onnx
    import torch
    from torch import nn

    model = copy.deepcopy(model).cpu().float().eval()
    cfg = model.config

    class _Wrapper(nn.Module):
        def __init__(self, gpt) -> None:
            super().__init__()
            self.gpt = gpt

        def forward(self, idx, *past):
            past_kv = [(past[2 * i], past[2 * i + 1]) for i in range(cfg.n_layer)]
            logits, present, attention = self.gpt(idx, past_kv, return_attention=True)
            return (logits, *[t for kv in present for t in kv], *attention)

    past_names, present_names = cache_names(cfg.n_layer, "past"), cache_names(cfg.n_layer, "present")
    att_names = attention_names(cfg.n_layer)
    idx = torch.zeros((1, 3), dtype=torch.long)
    past = tuple(torch.zeros((1, cfg.n_head, 2, cfg.head_dim)) for _ in past_names)
    axes = {"idx": {0: "batch", 1: "new_tokens"}, "logits": {0: "batch", 1: "new_tokens"}}
    axes.update({n: {0: "batch", 2: "past_tokens"} for n in past_names})
    axes.update({n: {0: "batch", 2: "total_tokens"} for n in present_names})
    axes.update({n: {0: "batch", 2: "new_tokens", 3: "total_tokens"} for n in att_names})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
        torch.onnx.export(
            _Wrapper(model),
            (idx, *past),
            str(tmp),
            dynamo=False,
            opset_version=OPSET,
            input_names=["idx", *past_names],
            output_names=["logits", *present_names, *att_names],
            dynamic_axes=axes,
        )
        proto = onnx.load(str(tmp))
        proto.ir_version = IR_VERSION
        entry = proto.metadata_props.add()
        entry.key = METADATA_KEY
        entry.value = json.dumps(cfg.to_dict(), sort_keys=True)
        onnx.checker.check_model(proto)
        onnx.save(proto, str(tmp))
    return path


class OnnxCache:
    """A KV cache between calls of :class:`OnnxGPTRunner`: ``values`` (key, value per layer, as ONNX Runtime
    values or NumPy arrays, as ONNX Runtime made them) covering ``length`` positions. Opaque to callers."""

    __slots__ = ("values", "length")

    def __init__(self, values: list, length: int) -> None:
        self.values, self.length = values, length


def _numpy(value) -> np.ndarray:
    return value if isinstance(value, np.ndarray) else value.numpy()


class OnnxGPTRunner:
    """Runs an exported GPT with onnxruntime, with the interface of :class:`engines.llm.runners.TorchGPTRunner`.

    ``stacked`` is true for a file in the layout before :data:`EXPORT_VERSION` 2 (one cache tensor for all layers).
    """

    backend = "onnx"

    def __init__(self, path: str | Path, device=None, threads: int = 1, trusted: bool = False) -> None:
        from engines.core.device import resolve_device
        from engines.core.model_io import ModelFileError
        from engines.core.onnx_session import create_session
        from engines.llm.gpt_config import GPTConfig

        self.path = Path(path)
        self.device = device or resolve_device("cpu")
        self.session = create_session(self.path, self.device, threads=threads, trusted=trusted)
        meta = self.session.get_modelmeta().custom_metadata_map
        names = [i.name for i in self.session.get_inputs()]
        self.config = GPTConfig.from_dict(json.loads(meta[METADATA_KEY])) if METADATA_KEY in meta else None
        layers = self.config.n_layer if self.config else 0
        self.stacked = names == list(STACKED_INPUTS)
        if self.config is None or not (self.stacked or names == ["idx", *cache_names(layers, "past")]):
            raise ModelFileError("wrong_architecture", self.path, "this ONNX file is not a GPT exported by AI Lab")
        self._past_names = cache_names(layers, "past")
        self._present_names = cache_names(layers, "present")
        self._attention_names = attention_names(layers)
        # a plain CPU session keeps the cache as ONNX Runtime values; a GPU one (with its CPU fallback) takes NumPy
        self._ort_values = hasattr(self.session, "run_with_ort_values") and not hasattr(self.session, "on_cpu")

    def empty_past(self, batch: int = 1):
        c = self.config
        if self.stacked:
            return np.zeros((c.n_layer, 2, batch, c.n_head, 0, c.head_dim), dtype=np.float32)
        empty = np.zeros((batch, c.n_head, 0, c.head_dim), dtype=np.float32)
        return OnnxCache([empty] * len(self._past_names), 0)

    def past_length(self, past) -> int:
        if past is None:
            return 0
        return int(past.shape[4]) if self.stacked else past.length

    def cache_array(self, past) -> np.ndarray:
        """The cache as one NumPy array (layers, 2, B, heads, P, head_dim), whatever the file's layout (a copy)."""
        if self.stacked:
            return np.array(past)
        arrays = [_numpy(v) for v in past.values]
        return np.stack([np.stack(arrays[2 * i:2 * i + 2]) for i in range(self.config.n_layer)])

    def forward(self, ids, past=None, with_attention: bool = True):
        """(logits, present, attention or None); attention is computed into the answer only when asked for."""
        idx = np.asarray(ids, dtype=np.int64)
        if idx.ndim == 1:
            idx = idx[None, :]
        if past is None:
            past = self.empty_past(idx.shape[0])
        total = self.past_length(past) + idx.shape[1]
        if total > self.config.block_size:
            raise ValueError(f"{total} tokens do not fit the context window of {self.config.block_size} tokens")
        if self.stacked:
            wanted = list(STACKED_OUTPUTS if with_attention else STACKED_OUTPUTS[:2])
            out = self.session.run(wanted, {"idx": idx, "past": past})
            return out[0], out[1], out[2] if with_attention else None
        wanted = ["logits", *self._present_names, *(self._attention_names if with_attention else [])]
        out = self._run(wanted, {"idx": idx, **dict(zip(self._past_names, past.values))})
        n = 1 + len(self._present_names)
        attention = np.stack([_numpy(a) for a in out[n:]]) if with_attention else None
        return _numpy(out[0]), OnnxCache(out[1:n], total), attention

    def _run(self, names: list[str], feeds: dict) -> list:
        if not self._ort_values:
            return self.session.run(names, {k: _numpy(v) for k, v in feeds.items()})
        from onnxruntime import OrtValue

        values = {k: v if isinstance(v, OrtValue) else OrtValue.ortvalue_from_numpy(v) for k, v in feeds.items()}
        return list(self.session.run_with_ort_values(names, values))


def onnx_size_mb(path: str | Path) -> float:
    return os.path.getsize(path) / 1e6
