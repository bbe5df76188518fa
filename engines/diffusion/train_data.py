"""The training data of a captioned diffusion model: pictures and their captions as word ids.

``prepare_data`` builds the set named by :class:`engines.diffusion.train.TrainConfig`: ``faces``
(procedural, each picture with a few caption variants where details are randomly left out), ``digits``
(the real 8×8 digits, upsampled) or a folder of PNGs (captions from the file names). Captions become
word ids over the set's vocabulary (0 = padding), or phrase ids when the clue is MiniLM's phrase vectors.
Everything is NumPy on the CPU; :func:`engines.diffusion.train.train_job` copies it to its device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engines.diffusion.captions import tokenize

if TYPE_CHECKING:
    from engines.diffusion.train import TrainConfig


@dataclass
class TrainData:
    images: np.ndarray  # (N, C, S, S) float32 in −1..1
    caption_ids: np.ndarray  # (N, K, L) int64, 0 = padding, word i ↦ i + 1
    vocab: list[str]
    grid_prompts: list[str]
    info: dict[str, Any] = field(default_factory=dict)


def _ids(captions: list[str], vocab: list[str], max_words: int, split=tokenize) -> np.ndarray:
    index = {w: i + 1 for i, w in enumerate(vocab)}
    out = np.zeros((len(captions), max_words), np.int64)
    for n, caption in enumerate(captions):
        ids = [index[w] for w in split(caption) if w in index][:max_words]
        out[n, : len(ids)] = ids
    return out


def prepare_data(config: TrainConfig, max_words: int = 32) -> TrainData:
    """Build the training set named by ``config.dataset`` (NumPy, on the CPU)."""
    rng = np.random.default_rng(config.data_seed + 1)
    if config.dataset == "faces":
        from engines.diffusion import faces

        fs = faces.generate_faces(config.n_images, seed=config.data_seed, holdout="exclude")
        images = fs.images.astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0
        vocab = faces.caption_vocabulary()
        variants = [fs.captions] + [
            [faces.caption_for(fs.attributes(i), rng, config.caption_drop) for i in range(len(fs.captions))]
            for _ in range(max(0, config.caption_variants - 1))]
        grid_rng = np.random.default_rng(1234)
        grid_prompts = [faces.caption_for(faces.random_attributes(grid_rng)) for _ in range(config.grid_size)]
        info = {"provenance": f"procedural captioned faces, engines.diffusion.faces.generate_faces("
                              f"{config.n_images}, seed={config.data_seed}, holdout='exclude')",
                "licence": "MIT (this project; generated data)",
                "holdout_pairs": [[list(a), list(b)] for a, b in faces.HOLDOUT_PAIRS]}
    elif config.dataset == "digits":
        from engines.diffusion import digits_data

        d = digits_data.load_captioned_digits("train", config.image_size)
        images, vocab = d.images, digits_data.caption_vocabulary()
        variants = [d.captions]
        grid_prompts = [digits_data.caption_for_digit(k % 10) for k in range(config.grid_size)]
        info = {"provenance": digits_data.PROVENANCE + f" to {config.image_size}×{config.image_size}; train split",
                "licence": digits_data.LICENCE}
    else:
        images, captions = _folder_images(Path(config.dataset), config.image_size)
        vocab = sorted({w for c in captions for w in tokenize(c)})
        variants = [captions]
        grid_prompts = [captions[i % len(captions)] for i in range(config.grid_size)]
        info = {"provenance": f"the user's images in {config.dataset}", "licence": "the user's own"}
    split = tokenize
    if config.word_source == "minilm":  # the "words" are the captions' phrases, each read by MiniLM
        from engines.diffusion.minilm_clue import MAX_PHRASES, split_phrases

        split, max_words = split_phrases, MAX_PHRASES
        vocab = sorted({p for v in variants for c in v for p in split_phrases(c)})
    ids = np.stack([_ids(v, vocab, max_words, split) for v in variants], axis=1)  # (N, K, L)
    return TrainData(images.astype(np.float32), ids, vocab, grid_prompts, info)


def _folder_images(folder: Path, size: int) -> tuple[np.ndarray, list[str]]:
    """PNG files in ``folder`` → (N, 3, size, size) in −1..1 and captions from their names."""
    from engines.diffusion.digits_data import resize_matrix
    from engines.diffusion.png import read_png

    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png")
    if not files:
        raise ValueError(f"no .png files in {folder}")
    images, captions = [], []
    for path in files:
        img, _ = read_png(path)
        img = img[:, :, :3] if img.shape[2] >= 3 else np.repeat(img[:, :, :1], 3, axis=2)
        ry, rx = resize_matrix(img.shape[0], size), resize_matrix(img.shape[1], size)
        small = np.einsum("ij,jkc,lk->ilc", ry, img.astype(np.float32), rx)
        images.append(small.transpose(2, 0, 1) / 127.5 - 1.0)
        captions.append(" ".join(tokenize(path.stem.replace("_", " ").replace("-", " "))))
    return np.clip(np.stack(images), -1, 1), captions
