"""Turn a drawing (any size) into an 8×8, 16-grey-level digit the way the UCI digits were made.

The UCI "optdigits" images came from NIST forms: each digit was cropped to its bounding
box, scaled to fill a 32×32 frame, and the frame cut into 4×4 blocks whose "on" pixels
were counted (0..16). Here the same steps run on a NumPy array, area-averaging instead of
counting so that grey (anti-aliased) strokes work too; a binary drawing gives the same
counts. NumPy only: no torch, no imaging library.
"""

from __future__ import annotations

import numpy as np

DIGIT_SIZE = 8
GREY_LEVELS = 16  # the digits hold values 0..16
INK_THRESHOLD = 0.05  # of full ink: fainter pixels do not widen the bounding box
INKS = ("light", "dark")


def area_weights(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` matrix whose row ``i`` averages the input pixels covering output cell ``i``.

    Works for shrinking and enlarging: each entry is the overlap of input pixel ``j`` with
    output cell ``i`` (in input-pixel units) divided by the cell's width.
    """
    scale = n_in / n_out
    edges_out = np.arange(n_out + 1) * scale  # cell boundaries in input coordinates
    lo = np.maximum(edges_out[:-1, None], np.arange(n_in)[None, :])
    hi = np.minimum(edges_out[1:, None], np.arange(1, n_in + 1)[None, :])
    return np.clip(hi - lo, 0.0, None) / scale


def area_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Area-average resample of ``image (H, W)`` to ``(height, width)``."""
    rows = area_weights(image.shape[0], height)  # (height, H)
    cols = area_weights(image.shape[1], width)  # (width, W)
    return rows @ image @ cols.T


def normalise_ink(image: np.ndarray, ink: str = "light") -> np.ndarray:
    """Any grey image ``(H, W)`` (uint8 0..255, or floats) → float ink amount in 0..1.

    ``ink="light"`` means white strokes on black (the digits' own convention);
    ``"dark"`` means black strokes on white paper, which are inverted.
    """
    if ink not in INKS:
        raise ValueError(f"ink must be one of {INKS}, not {ink!r}")
    array = np.asarray(image)
    if array.ndim == 3:  # RGB(A) → grey, ignoring alpha
        array = array[..., :3].mean(axis=2)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {np.asarray(image).shape}")
    values = array.astype(np.float64)
    if np.issubdtype(array.dtype, np.integer):
        values = values / 255.0
    elif values.max(initial=0.0) > 1.0:
        values = values / values.max()
    values = np.clip(values, 0.0, 1.0)
    return 1.0 - values if ink == "dark" else values


def drawing_to_digit(image: np.ndarray, ink: str = "light") -> np.ndarray:
    """A drawing ``(H, W)`` → uint8 ``(8, 8)`` with values 0..16, like one UCI digit.

    The ink's bounding box is centred in a square (keeping the aspect ratio: a "1" stays
    thin), the square is scaled onto the 8×8 grid by area-averaging, and each cell is
    rounded to one of 17 levels. A blank drawing gives all zeros.
    """
    ink_map = normalise_ink(image, ink)
    rows = np.flatnonzero(ink_map.max(axis=1) > INK_THRESHOLD)
    cols = np.flatnonzero(ink_map.max(axis=0) > INK_THRESHOLD)
    if rows.size == 0:
        return np.zeros((DIGIT_SIZE, DIGIT_SIZE), dtype=np.uint8)
    crop = ink_map[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    side = max(crop.shape)
    square = np.zeros((side, side))
    top, left = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
    square[top : top + crop.shape[0], left : left + crop.shape[1]] = crop
    small = area_resize(square, DIGIT_SIZE, DIGIT_SIZE)  # mean ink per cell, 0..1
    return np.clip(np.rint(small * GREY_LEVELS), 0, GREY_LEVELS).astype(np.uint8)


def upscale_digit(digit: np.ndarray, size: int = 280) -> np.ndarray:
    """An 8×8 digit (0..16) → ``(size, size)`` float image in 0..1 (nearest neighbour), for tests and demos."""
    digit = np.asarray(digit, dtype=np.float64) / GREY_LEVELS
    index = (np.arange(size) * digit.shape[0]) // size
    return digit[index][:, index]
