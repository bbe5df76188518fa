"""A tiny PNG writer and reader (zlib only): 8-bit grey/RGB/RGBA, with tEXt settings.

Enough for saving samples with their prompt/seed/steps/guidance in the file and for
reading a user's picture back (non-interlaced 8-bit PNGs; palette images too).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPES = {1: 0, 3: 2, 4: 6}  # channels → PNG colour type


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(image: np.ndarray, text: dict[str, str] | None = None) -> bytes:
    """uint8 (H, W) or (H, W, C) with C in 1/3/4 → PNG bytes; ``text`` goes into tEXt chunks."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ValueError("encode_png needs uint8 pixels")
    if img.ndim == 2:
        img = img[:, :, None]
    h, w, c = img.shape
    if c not in _COLOUR_TYPES:
        raise ValueError(f"cannot write {c} channels")
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))  # filter type 0 per row
    out = [SIGNATURE, _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, _COLOUR_TYPES[c], 0, 0, 0))]
    for key, value in (text or {}).items():
        out.append(_chunk(b"tEXt", key.encode("latin-1")[:79] + b"\x00" + str(value).encode("latin-1", "replace")))
    out.append(_chunk(b"IDAT", zlib.compress(raw, 9)))
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


def write_png(path: str | Path, image: np.ndarray, text: dict[str, str] | None = None) -> None:
    """Write a PNG atomically (see :func:`encode_png`)."""
    from engines.core.model_io import atomic_write_bytes

    atomic_write_bytes(path, encode_png(image, text))


def _unfilter(data: bytes, h: int, stride: int, bpp: int) -> np.ndarray:
    out = np.zeros((h, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    pos = 0
    for y in range(h):
        ftype = data[pos]
        line = np.frombuffer(data, np.uint8, stride, pos + 1).astype(np.int32)
        pos += stride + 1
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 0xFF
        else:
            cur = np.zeros(stride, np.int32)
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                b = prev[x]
                if ftype == 1:
                    pred = a
                elif ftype == 3:
                    pred = (a + b) // 2
                else:  # Paeth
                    c = prev[x - bpp] if x >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + pred) & 0xFF
        out[y] = cur
        prev = cur
    return out


def decode_png(blob: bytes) -> tuple[np.ndarray, dict[str, str]]:
    """PNG bytes → (uint8 (H, W, C), tEXt dict). Supports 8-bit, non-interlaced images."""
    if not blob.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    pos, idat, text, palette = 8, [], {}, None
    width = height = ctype = 0
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        kind = blob[pos + 4:pos + 8]
        data = blob[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data)
            if depth != 8 or interlace:
                raise ValueError("only 8-bit non-interlaced PNGs are supported")
        elif kind == b"PLTE":
            palette = np.frombuffer(data, np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"tEXt":
            key, _, value = data.partition(b"\x00")
            text[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"IEND":
            break
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    rows = _unfilter(zlib.decompress(b"".join(idat)), height, width * channels, channels)
    image = rows.reshape(height, width, channels)
    if ctype == 3 and palette is not None:
        image = palette[image[:, :, 0]]
    return image, text


def read_png(path: str | Path) -> tuple[np.ndarray, dict[str, str]]:
    return decode_png(Path(path).read_bytes())
