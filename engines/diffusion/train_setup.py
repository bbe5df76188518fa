"""The model a diffusion training run builds: its configuration (UNet, caption encoder, noise schedule, data and
training settings, as saved beside the weights), fine-tuning from another model's weights, and where it is saved.
The run itself is :func:`engines.diffusion.train.train_job`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engines.core.jobs import Log
from engines.diffusion.captions import EncoderConfig, WordVectors

if TYPE_CHECKING:
    from engines.diffusion.train import TrainConfig
    from engines.diffusion.train_data import TrainData


def _encoder_config(config: TrainConfig) -> EncoderConfig:
    if config.word_source == "minilm":
        from engines.diffusion.minilm_clue import MAX_PHRASES, MINILM_DIM

        return EncoderConfig(word_dim=MINILM_DIM, d_model=config.d_model, layers=config.encoder_layers,
                             max_words=MAX_PHRASES, input_norm=True)
    return EncoderConfig(d_model=config.d_model, layers=config.encoder_layers)


def model_config(config: TrainConfig, in_channels: int, words: WordVectors, data: TrainData) -> dict[str, Any]:
    from engines.diffusion.unet import UNetConfig

    return {
        "name": (config.dataset + ("-minilm" if config.word_source == "minilm" else "")
                 if config.dataset in ("faces", "digits") else Path(config.dataset).name),
        "unet": UNetConfig(in_channels=in_channels, image_size=config.image_size, channels=tuple(config.channels),
                           context_dim=config.d_model, time_dim=config.time_dim).to_dict(),
        "encoder": _encoder_config(config).to_dict(),
        "schedule": {"kind": config.schedule, "num_timesteps": config.num_timesteps},
        "prediction": "epsilon",
        "data": data.info,
        "default_prompts": data.grid_prompts[:4],
        "vocab": list(words.words),
        "word_source": words.source,
        "training": config.to_dict(),
    }


def start_from(folder: str, unet: Any, encoder: Any, words: WordVectors):
    """Job helper: copy a trained model's weights into ``unet``/``encoder`` (fine-tuning); its word table
    replaces ``words`` when it covers the same words. Shapes must match: a clear error says which do not."""
    from engines.diffusion.pipeline import load_torch_modules

    config, src_unet, src_encoder, src_words = load_torch_modules(folder)
    want = {k: tuple(v.shape) for k, v in unet.state_dict().items()}
    have = {k: tuple(v.shape) for k, v in src_unet.state_dict().items()}
    if want != have:
        differ = sorted(k for k in set(want) | set(have) if want.get(k) != have.get(k))[:3]
        raise ValueError(f"cannot start from {folder}: its UNet has other shapes ({', '.join(differ)} …); "
                         f"use the same channels and sizes it was trained with")
    unet.load_state_dict(src_unet.state_dict())
    # the caption encoder: every tensor whose shape matches (all of it for the same clue; for another clue,
    # e.g. MiniLM phrases instead of GloVe words, the input layer and positions start fresh)
    mine, theirs = encoder.state_dict(), src_encoder.state_dict()
    same = {k: v for k, v in theirs.items() if k in mine and tuple(mine[k].shape) == tuple(v.shape)}
    fresh = sorted(set(mine) - set(same))
    encoder.load_state_dict({**mine, **same})
    if fresh:
        yield Log(f"caption encoder: {len(same)} tensors copied, new: {', '.join(fresh)}")
    if tuple(src_words.words) == tuple(words.words):
        words = WordVectors(words.words, src_words.vectors.astype(np.float32), words.source)
    yield Log(f"starting from the weights of {folder} ({config.get('trained_steps', '?')} steps trained)")
    return words


def schedule_betas(mconfig: dict[str, Any]) -> np.ndarray:
    from engines.diffusion.schedule import NoiseSchedule

    return NoiseSchedule.from_config(mconfig["schedule"]).betas


def default_out(config: TrainConfig) -> Path:
    from engines.core.paths import user_models_dir

    name = config.dataset if config.dataset in ("faces", "digits") else Path(config.dataset).name
    return user_models_dir() / "diffusion" / name
