"""The GPT as an ONNX graph (KV cache in and out, attention out) and a runner for it.

Graph (one file, dynamic batch / new-token / cache lengths)::

    inputs   idx       int64   (B, T)
             past      float32 (layers, 2, B, heads, P, head_dim)   # 2 = keys, values; P may be 0
    outputs  logits    float32 (B, T, vocab)
             present   float32 (layers, 2, B, heads, P+T, head_dim)
             attention float32 (layers, B, heads, T, P+T)

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
INPUTS = ("idx", "past")
OUTPUTS = ("logits", "present", "attention")
METADATA_KEY = "gpt_config"


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

        def forward(self, idx, past):
            past_kv = [(past[i, 0], past[i, 1]) for i in range(cfg.n_layer)]
            logits, present, attention = self.gpt(idx, past_kv, return_attention=True)
            present_t = torch.stack([torch.stack([k, v]) for k, v in present])
            return logits, present_t, torch.stack(attention)

    idx = torch.zeros((1, 3), dtype=torch.long)
    past = torch.zeros((cfg.n_layer, 2, 1, cfg.n_head, 2, cfg.head_dim))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer warnings
        torch.onnx.export(
            _Wrapper(model),
            (idx, past),
            str(tmp),
            dynamo=False,
            opset_version=OPSET,
            input_names=list(INPUTS),
            output_names=list(OUTPUTS),
            dynamic_axes={
                "idx": {0: "batch", 1: "new_tokens"},
                "past": {2: "batch", 4: "past_tokens"},
                "logits": {0: "batch", 1: "new_tokens"},
                "present": {2: "batch", 4: "total_tokens"},
                "attention": {1: "batch", 3: "new_tokens", 4: "total_tokens"},
            },
        )
        proto = onnx.load(str(tmp))
        proto.ir_version = IR_VERSION
        entry = proto.metadata_props.add()
        entry.key = METADATA_KEY
        entry.value = json.dumps(cfg.to_dict(), sort_keys=True)
        onnx.checker.check_model(proto)
        onnx.save(proto, str(tmp))
    return path


class OnnxGPTRunner:
    """Runs an exported GPT with onnxruntime, with the interface of :class:`engines.llm.runners.TorchGPTRunner`."""

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
        if METADATA_KEY not in meta or names != list(INPUTS):
            raise ModelFileError("wrong_architecture", self.path, "this ONNX file is not a GPT exported by AI Lab")
        self.config = GPTConfig.from_dict(json.loads(meta[METADATA_KEY]))

    def empty_past(self, batch: int = 1) -> np.ndarray:
        c = self.config
        return np.zeros((c.n_layer, 2, batch, c.n_head, 0, c.head_dim), dtype=np.float32)

    def past_length(self, past) -> int:
        return 0 if past is None else int(past.shape[4])

    def forward(self, ids, past=None, with_attention: bool = True):
        idx = np.asarray(ids, dtype=np.int64)
        if idx.ndim == 1:
            idx = idx[None, :]
        if past is None:
            past = self.empty_past(idx.shape[0])
        if past.shape[4] + idx.shape[1] > self.config.block_size:
            total = past.shape[4] + idx.shape[1]
            raise ValueError(f"{total} tokens do not fit the context window of {self.config.block_size} tokens")
        logits, present, attention = self.session.run(list(OUTPUTS), {"idx": idx, "past": past})
        return logits, present, attention if with_attention else None


def onnx_size_mb(path: str | Path) -> float:
    return os.path.getsize(path) / 1e6
