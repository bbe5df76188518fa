"""A runner for the GPT's ONNX export (:mod:`engines.llm.onnx_graph`): onnxruntime and NumPy, no torch.

The KV cache lives in NumPy buffers with room to spare (:class:`OnnxCache`), one keys and
one values buffer per layer; each call hands them to ONNX Runtime without copying and
writes the new tokens' keys and values into the next free slots, so a token costs the
same whatever the length of the cache, apart from reading it. Room grows
:data:`ROOM_STEP` slots at a time. The graph hands back attention weights only when the
caller asks for them (``with_attention``: the Attention page does; a quality check need not).

Files in the older layout (one ``past`` tensor in, ``present`` out) still run: the runner
reads the layout from the graph's inputs (``stacked``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from engines.llm.onnx_graph import (  # noqa: F401 - export_onnx, OPSET and IR_VERSION are this module's API too
    EXPORT_VERSION, IR_VERSION, METADATA_KEY, OPSET, STACKED_INPUTS, STACKED_OUTPUTS, attention_outputs,
    export_onnx, graph_inputs, new_kv_outputs,
)

ROOM_STEP = 64  # cache slots added at a time: unused slots are masked out but still read


class OnnxCache:
    """The KV cache between calls: per layer a keys buffer (B, heads, head_dim, room), stored transposed, and a
    values buffer (B, heads, room, head_dim), whose first ``length`` slots hold tokens. Opaque to callers.

    A cache and the one made from it share buffers; ``filled`` (shared too) says how far they are written, so
    going on from an older cache a second time (a fork) copies the buffers instead of overwriting newer slots.
    """

    __slots__ = ("buffers", "length", "filled")

    def __init__(self, buffers: list[np.ndarray], length: int, filled: list[int]) -> None:
        self.buffers, self.length, self.filled = buffers, length, filled


def _numpy(value) -> np.ndarray:
    return value if isinstance(value, np.ndarray) else value.numpy()


def _room_for(n: int) -> int:
    return max(1, -(-n // ROOM_STEP)) * ROOM_STEP


class OnnxGPTRunner:
    """Runs an exported GPT with onnxruntime, with the interface of :class:`engines.llm.runners.TorchGPTRunner`.

    ``stacked`` is true for a file in the layout of export version 1 (one cache tensor for all layers).
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
        if self.config is None or not (self.stacked or names == graph_inputs(layers)):
            raise ModelFileError("wrong_architecture", self.path, "this ONNX file is not a GPT exported by AI Lab")
        self._cache_names = graph_inputs(layers)[3:]
        self._kv_names, self._attention_names = new_kv_outputs(layers), attention_outputs(layers)
        # a plain CPU session reads the buffers in place; a GPU one (with its CPU fallback) goes through run()
        self._ort_values = hasattr(self.session, "run_with_ort_values") and not hasattr(self.session, "on_cpu")

    def empty_past(self, batch: int = 1, room: int = ROOM_STEP):
        c = self.config
        if self.stacked:
            return np.zeros((c.n_layer, 2, batch, c.n_head, 0, c.head_dim), dtype=np.float32)
        keys, values = (batch, c.n_head, c.head_dim, _room_for(room)), (batch, c.n_head, _room_for(room), c.head_dim)
        return OnnxCache([np.zeros(keys if i % 2 == 0 else values, np.float32) for i in range(2 * c.n_layer)], 0, [0])

    def past_length(self, past) -> int:
        if past is None:
            return 0
        return int(past.shape[4]) if self.stacked else past.length

    def cache_array(self, past) -> np.ndarray:
        """The cache as one NumPy array (layers, 2, B, heads, P, head_dim), whatever the file's layout (a copy)."""
        if self.stacked:
            return np.array(past)
        n, b = past.length, past.buffers
        return np.stack([np.stack([b[i][..., :n].transpose(0, 1, 3, 2), b[i + 1][:, :, :n]])
                         for i in range(0, len(b), 2)])

    def forward(self, ids, past=None, with_attention: bool | int = True):
        """(logits, present, attention or None): all query rows' attention, none (False) or the last n (an int)."""
        idx = np.asarray(ids, dtype=np.int64)
        if idx.ndim == 1:
            idx = idx[None, :]
        batch, new = idx.shape
        if past is None:
            past = self.empty_past(batch)  # the prompt's keys and values go into room made after the call
        start = self.past_length(past)
        total = start + new
        if total > self.config.block_size:
            raise ValueError(f"{total} tokens do not fit the context window of {self.config.block_size} tokens")
        rows = new if with_attention is True else min(new, int(with_attention))
        if self.stacked:
            out = self.session.run(list(STACKED_OUTPUTS if rows else STACKED_OUTPUTS[:2]), {"idx": idx, "past": past})
            return out[0], out[1], out[2][..., new - rows:, :] if rows else None
        if past.filled[0] != start:  # a cache someone already went on from: go on from a copy
            past = OnnxCache([b.copy() for b in past.buffers], start, [start])
        wanted = ["logits", *self._kv_names, *(self._attention_names if rows else [])]
        feeds = {"idx": idx, "past_length": np.array([start], dtype=np.int64),
                 "attention_rows": np.array([rows], dtype=np.int64)}
        out = self._run(wanted, {**feeds, **dict(zip(self._cache_names, past.buffers))})
        room = past.buffers[0].shape[3]
        attention = None
        if rows:  # (B, heads, rows, room + T) per layer → the filled slots and the new tokens
            attention = np.empty((len(self._attention_names), batch, self.config.n_head, rows, total), np.float32)
            for layer, value in enumerate(out[1 + len(self._kv_names):]):
                a = _numpy(value)
                attention[layer, ..., :start], attention[layer, ..., start:] = a[..., :start], a[..., room:]
        return _numpy(out[0]), self._write(past, out[1:1 + len(self._kv_names)], total), attention

    def _write(self, past: OnnxCache, kv: list, total: int) -> OnnxCache:
        """The new tokens' keys and values written into the next free slots (in more room when needed)."""
        start, buffers, filled = past.length, past.buffers, past.filled
        room = buffers[0].shape[3]
        if total > room:
            grown = []
            for i, b in enumerate(buffers):
                shape = list(b.shape)
                shape[3 if i % 2 == 0 else 2] = _room_for(total)
                g = np.zeros(shape, np.float32)
                if i % 2 == 0:
                    g[..., :start] = b[..., :start]
                else:
                    g[:, :, :start] = b[:, :, :start]
                grown.append(g)
            buffers, filled = grown, [start]
        for i, (b, value) in enumerate(zip(buffers, map(_numpy, kv))):
            if i % 2 == 0:
                b[..., start:total] = value
            else:
                b[:, :, start:total] = value
        filled[0] = total
        return OnnxCache(buffers, total, filled)

    def _run(self, names: list[str], feeds: dict) -> list:
        if not self._ort_values:
            return self.session.run(names, feeds)
        from onnxruntime import OrtValue

        return list(self.session.run_with_ort_values(names, {k: OrtValue.ortvalue_from_numpy(v)
                                                             for k, v in feeds.items()}))


def onnx_size_mb(path: str | Path) -> float:
    return os.path.getsize(path) / 1e6
