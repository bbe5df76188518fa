"""Export the UNet and the caption encoder to ONNX, and check that ONNX Runtime agrees.

``model.onnx`` inputs: x (B, C, H, W), t (B,), context (B, L, D), context_mask (B, L),
pooled (B, D) → noise (B, C, H, W). ``encoder.onnx``: vectors (B, L, 50), mask (B, L) →
tokens (B, L+1, D), token_mask (B, L+1), pooled (B, D). Batch and caption length are dynamic.

Opset 17 through the TorchScript exporter (``dynamo=False``: no onnxscript needed), and
the IR version is pinned to 8 so older ONNX Runtime releases read the files too.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.model_io import atomic_path

OPSET = 17
IR_VERSION = 8


def _export(module: Any, args: tuple, path: Path, input_names: list[str], output_names: list[str],
            dynamic_axes: dict[str, dict[int, str]]) -> None:
    import onnx
    import torch

    module = module.eval()
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_kwargs: dict[str, Any] = dict(input_names=input_names, output_names=output_names,
                                             dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
        try:
            torch.onnx.export(module, args, str(tmp), dynamo=False, **export_kwargs)
        except TypeError:  # an old torch without the dynamo switch
            torch.onnx.export(module, args, str(tmp), **export_kwargs)
        model = onnx.load(str(tmp))
        model.ir_version = IR_VERSION
        onnx.checker.check_model(model)
        onnx.save(model, str(tmp))


def export_onnx(folder: str | Path, unet: Any, encoder: Any) -> tuple[Path, Path]:
    """Write ``folder/model.onnx`` and ``folder/encoder.onnx`` (atomically) from torch modules on any device."""
    import copy

    import torch

    from engines.diffusion.pipeline import ENCODER_ONNX, UNET_ONNX

    folder = Path(folder)
    unet = copy.deepcopy(unet).float().cpu().eval()
    encoder = copy.deepcopy(encoder).float().cpu().eval()
    cfg, ecfg = unet.config, encoder.config
    B, L = 2, 5
    vectors = torch.randn(B, L, ecfg.word_dim)
    mask = torch.ones(B, L)
    mask[1, 3:] = 0
    with torch.no_grad():
        tokens, full_mask, pooled = encoder(vectors, mask)
    _export(encoder, (vectors, mask), folder / ENCODER_ONNX, ["vectors", "mask"], ["tokens", "token_mask", "pooled"],
            {"vectors": {0: "batch", 1: "words"}, "mask": {0: "batch", 1: "words"},
             "tokens": {0: "batch", 1: "tokens"}, "token_mask": {0: "batch", 1: "tokens"}, "pooled": {0: "batch"}})
    x = torch.randn(B, cfg.in_channels, cfg.image_size, cfg.image_size)
    t = torch.tensor([10.0, 500.0])
    _export(unet, (x, t, tokens, full_mask, pooled), folder / UNET_ONNX,
            ["x", "t", "context", "context_mask", "pooled"], ["noise"],
            {"x": {0: "batch"}, "t": {0: "batch"}, "context": {0: "batch", 1: "tokens"},
             "context_mask": {0: "batch", 1: "tokens"}, "pooled": {0: "batch"}, "noise": {0: "batch"}})
    return folder / UNET_ONNX, folder / ENCODER_ONNX


def export_model_folder(folder: str | Path) -> tuple[Path, Path]:
    """Export the ONNX files of a saved model folder (reads its safetensors weights)."""
    from engines.diffusion.pipeline import load_torch_modules

    _, unet, encoder, _ = load_torch_modules(folder)
    return export_onnx(folder, unet, encoder)


def onnx_parity(folder: str | Path, prompts: tuple[str, ...] = ("", "a test caption"), seed: int = 0) -> dict[str, float]:
    """Largest |torch − onnx| of the encoder outputs and of the predicted noise on random inputs."""
    from engines.diffusion.pipeline import load_diffusion_model

    torch_model = load_diffusion_model(folder, "torch")
    onnx_model = load_diffusion_model(folder, "onnx")
    enc_t, enc_o = torch_model.encode(list(prompts)), onnx_model.encode(list(prompts))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((len(prompts), *torch_model.image_shape)).astype(np.float32)
    t = np.linspace(0, torch_model.schedule.num_timesteps - 1, len(prompts)).round()
    eps_t = torch_model.predict_noise(x, t, enc_t)
    eps_o = onnx_model.predict_noise(x, t, enc_t)
    return {"encoder_max_abs_diff": float(np.abs(enc_t.tokens - enc_o.tokens).max()),
            "unet_max_abs_diff": float(np.abs(eps_t - eps_o).max())}
