"""Shared fixtures for the diffusion engine tests: a tiny random model folder (torch + ONNX)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

TINY_VOCAB = ["a", "blue", "circle", "red", "square", "the"]


def tiny_config(in_channels: int = 3, image_size: int = 16) -> dict:
    return {
        "name": "tiny",
        "unet": {"in_channels": in_channels, "image_size": image_size, "channels": [8, 16, 16], "time_dim": 32,
                 "context_dim": 32, "heads": 2, "groups": 4, "film": True, "cross_attention": True},
        "encoder": {"word_dim": 50, "d_model": 32, "layers": 1, "heads": 2, "max_words": 8},
        "schedule": {"kind": "cosine", "num_timesteps": 1000},
    }


def make_tiny_folder(folder, seed: int = 0, onnx: bool = True):
    from engines.diffusion.captions import WordVectors
    from engines.diffusion.pipeline import build_modules, save_diffusion_model

    torch.manual_seed(seed)
    config = tiny_config()
    unet, encoder = build_modules(config)
    with torch.no_grad():  # the real init zeroes the last conv; parity needs non-trivial outputs
        unet.conv_out.weight.normal_(0, 0.2)
        unet.conv_out.bias.normal_(0, 0.1)
    rng = np.random.default_rng(seed)
    words = WordVectors(tuple(TINY_VOCAB), rng.normal(0, 0.5, (len(TINY_VOCAB), 50)).astype(np.float32), "learned")
    save_diffusion_model(folder, unet, encoder, words, config)
    if onnx:
        from engines.diffusion.onnx_export import export_onnx

        export_onnx(folder, unet, encoder)
    return folder


@pytest.fixture(scope="session")
def tiny_model_folder(tmp_path_factory):
    return make_tiny_folder(tmp_path_factory.mktemp("tiny-diffusion"))
