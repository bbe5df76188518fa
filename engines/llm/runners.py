"""Runners: one interface over the PyTorch GPT and its ONNX export.

A runner has ``config`` (a :class:`~engines.llm.gpt.GPTConfig`), ``backend`` ("torch"/"onnx") and::

    logits, present, attention = runner.forward(ids, past)

``ids`` is an int array (B, T); ``past`` is None or the ``present`` of an earlier call
(its type belongs to the runner: treat it as opaque); ``logits`` is float32 NumPy
(B, T, vocab); ``attention`` is float32 NumPy (layers, B, heads, T, T_past+T), or None with
``with_attention=False``, or only the last n query rows (layers, B, heads, n, T_past+T) with
``with_attention=n`` (generation needs the last row of a prompt's maps, not all of them).
``runner.past_length(past)`` says how many positions a cache holds.

The ONNX runner lives in :mod:`engines.llm.onnx_runner` and needs no torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engines.core.model_io import CONFIG_NAME, load_config


class TorchGPTRunner:
    """Runs a :class:`engines.llm.gpt.GPT` with torch (no gradients, eval mode)."""

    backend = "torch"

    def __init__(self, model, device: str = "cpu") -> None:
        import torch

        self._torch = torch
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.config = model.config
        self.on_gpu = self.device.type != "cpu"  # generate() moves to the CPU when the GPU runs out of memory

    def to_cpu(self, past: Any = None) -> Any:
        """Go on on the CPU (after the GPU ran out of memory); returns ``past`` moved there too."""
        from engines.core.device import fall_back_to_cpu

        self.device = fall_back_to_cpu(self.model)
        self.on_gpu = False
        return _to_device(past, self.device)

    def past_length(self, past: Any) -> int:
        return 0 if not past else int(past[0][0].shape[2])

    def forward(self, ids, past: Any = None, with_attention: bool | int = True):
        torch = self._torch
        idx = torch.as_tensor(np.asarray(ids, dtype=np.int64), device=self.device)
        if idx.ndim == 1:
            idx = idx.unsqueeze(0)
        with torch.inference_mode():
            logits, present, attention = self.model(idx, past_kv=past or None, return_attention=with_attention)
            logits_np = logits.float().cpu().numpy()
            att_np = None
            if attention is not None:
                rows = idx.shape[1] if with_attention is True else int(with_attention)
                att_np = torch.stack([a[..., a.shape[2] - rows:, :] for a in attention]).float().cpu().numpy()
        return logits_np, present, att_np


def _to_device(value: Any, device) -> Any:
    """``value`` (a tensor or nested tuples/lists of them, e.g. a KV cache) moved to ``device``."""
    if isinstance(value, (tuple, list)):
        return type(value)(_to_device(v, device) for v in value)
    return value.to(device) if hasattr(value, "to") else value


def is_gpt_folder(folder: str | Path) -> bool:
    try:
        return load_config(folder).get("architecture") == "gpt"
    except Exception:
        return False


def is_hf_gpt2_folder(folder: str | Path) -> bool:
    try:
        return load_config(folder).get("model_type") == "gpt2"
    except Exception:
        return False


def load_runner(folder: str | Path, backend: str = "torch", device: str = "cpu", threads: int = 1):
    """A runner for a model folder: ours (``architecture: gpt``) or a Hugging Face GPT-2 folder.

    ``backend="onnx"`` uses ``folder/model.onnx`` when present, else an export kept in the
    user data folder (made on first use; that needs torch).
    """
    folder = Path(folder)
    config = load_config(folder)
    weights = folder / "model.safetensors"
    if not weights.is_file() and not (backend == "onnx" and (folder / "model.onnx").is_file()):
        from engines.core.model_io import ModelFileError

        raise ModelFileError("missing", weights, f"the folder {folder.name} has a config.json but no weights; "
                                                 "train the model again or delete the folder")
    if backend == "onnx":
        from engines.llm.onnx_runner import OnnxGPTRunner, export_onnx

        onnx_path = folder / "model.onnx"
        if not onnx_path.is_file():
            onnx_path = onnx_cache_path(folder)
            if not onnx_path.is_file():
                export_onnx(_load_torch_model(folder, config), onnx_path)
        from engines.core.device import resolve_device

        return OnnxGPTRunner(onnx_path, resolve_device(device if device != "mps" else "cpu"), threads=threads)
    if backend != "torch":
        raise ValueError(f"unknown backend {backend!r}; choose torch or onnx")
    return TorchGPTRunner(_load_torch_model(folder, config), device)


def onnx_cache_path(folder: Path) -> Path:
    """Where the ONNX export of a model folder is kept (user data; shipped folders stay read-only).

    The name changes whenever the weights file or the export's layout changes, so a stale export is never used.
    """
    import hashlib

    from engines.core.paths import user_data_dir
    from engines.llm.onnx_graph import EXPORT_VERSION

    weights = folder / "model.safetensors"
    stat = weights.stat()
    stamp = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|v{EXPORT_VERSION}"
    key = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    return user_data_dir() / "onnx-cache" / f"{folder.name}-{key}.v{EXPORT_VERSION}.onnx"  # older: remove_stale_exports


def _load_torch_model(folder: Path, config: dict):
    if config.get("architecture") == "gpt":
        from engines.llm.gpt import load_gpt

        return load_gpt(folder)
    if config.get("model_type") == "gpt2":
        from engines.llm.hf_gpt2 import load_hf_gpt2

        return load_hf_gpt2(folder)
    from engines.core.model_io import ModelFileError

    raise ModelFileError("wrong_architecture", folder / CONFIG_NAME, "expected a GPT or a Hugging Face GPT-2 model")
