"""The real 8×8 handwritten digits (UCI, via scikit-learn; CC BY 4.0), upsampled, with captions.

Captions are "the digit seven" etc. Images are float32 (N, 1, S, S) in −1..1 (ink bright),
upsampled from 8×8 with bilinear interpolation (S = 32 by default, or 16).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
PROVENANCE = ("UCI ML hand-written digits (8×8, 1797 images) as shipped in scikit-learn, "
              "assets/neuralnet/digits.safetensors; upsampled bilinearly")
LICENCE = "CC BY 4.0 (UCI Machine Learning Repository dataset)"


def caption_for_digit(label: int) -> str:
    return f"the digit {NUMBER_WORDS[int(label)]}"


def digit_from_prompt(prompt: str) -> int | None:
    """The digit a prompt asks for ("the digit 7" or "the digit seven"), or None."""
    from engines.diffusion.captions import tokenize

    for word in tokenize(prompt):
        if word in NUMBER_WORDS:
            return NUMBER_WORDS.index(word)
    for ch in prompt:
        if ch.isdigit():
            return int(ch)
    return None


def caption_vocabulary() -> list[str]:
    return sorted({"the", "digit", *NUMBER_WORDS})


def resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) bilinear resampling matrix (half-pixel centres, edges clamped)."""
    m = np.zeros((n_out, n_in), np.float32)
    for i in range(n_out):
        src = (i + 0.5) * n_in / n_out - 0.5
        lo = int(np.floor(src))
        frac = src - lo
        for j, w in ((lo, 1 - frac), (lo + 1, frac)):
            m[i, min(max(j, 0), n_in - 1)] += w
    return m


def upsample(images: np.ndarray, size: int = 32) -> np.ndarray:
    """(N, h, w) → (N, size, size) bilinear."""
    ry = resize_matrix(images.shape[1], size)
    rx = resize_matrix(images.shape[2], size)
    return np.einsum("ij,njk,lk->nil", ry, images.astype(np.float32), rx)


@dataclass(frozen=True)
class CaptionedDigits:
    """``images`` float32 (N, 1, S, S) in −1..1, ``labels`` int64 (N,), ``captions``."""

    images: np.ndarray
    labels: np.ndarray
    captions: list[str]


def load_captioned_digits(split: str = "train", size: int = 32, assets_root: str | None = None) -> CaptionedDigits:
    """The shipped digits' ``train`` or ``test`` split, upsampled to ``size``."""
    from engines.neuralnet.digits import load_digits

    data = load_digits(assets_root)
    images, labels = (data.train_images, data.train_labels) if split == "train" else (data.test_images, data.test_labels)
    big = np.clip(upsample(np.asarray(images), size), 0.0, 1.0) * 2.0 - 1.0
    return CaptionedDigits(big[:, None].astype(np.float32), np.asarray(labels, np.int64),
                           [caption_for_digit(int(k)) for k in labels])
