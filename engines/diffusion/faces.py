"""Procedural captioned faces, 32×32 RGB, drawn with NumPy (no downloads, no Pillow).

Every face has attribute labels and a plain English caption, e.g.
"a smiling round face with tan skin, black hair and blue eyes, wearing glasses and a red hat, on a pink background".

Attributes (:data:`ATTRIBUTES`): face shape, skin colour, hair colour, eye colour, mouth
(smiling / frowning / open), glasses, hat (none or its colour) and background colour.
Drawing happens at 64×64 and is averaged down to 32×32 for soft edges. Everything is
seeded: the same seed gives the same pixels, labels and captions.

Some attribute pairs are never shown in training (:data:`HOLDOUT_PAIRS`), so evaluation
can ask for a combination the model never saw ("a smiling face in a red hat").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ATTRIBUTES: dict[str, tuple] = {
    "face_shape": ("round", "oval", "square"),
    "skin": ("pale", "tan", "brown", "dark"),
    "hair": ("black", "brown", "blonde", "red", "grey"),
    "eyes": ("blue", "green", "brown"),
    "mouth": ("smiling", "frowning", "open"),
    "glasses": (False, True),
    "hat": ("none", "red", "blue", "green", "yellow", "purple"),
    "background": ("white", "pink", "blue", "green", "yellow"),
}
ATTRIBUTE_NAMES = tuple(ATTRIBUTES)

# Pairs of (attribute, value) that never appear together in training images.
HOLDOUT_PAIRS: tuple[tuple[tuple[str, object], tuple[str, object]], ...] = (
    (("mouth", "smiling"), ("hat", "red")),
    (("hair", "blonde"), ("glasses", True)),
    (("face_shape", "square"), ("background", "pink")),
)

SKIN = {"pale": (1.0, 0.87, 0.77), "tan": (0.86, 0.66, 0.47), "brown": (0.60, 0.40, 0.26), "dark": (0.33, 0.21, 0.13)}
HAIR = {"black": (0.07, 0.06, 0.06), "brown": (0.42, 0.25, 0.12), "blonde": (0.96, 0.84, 0.40),
        "red": (0.80, 0.26, 0.08), "grey": (0.66, 0.66, 0.68)}
EYES = {"blue": (0.10, 0.40, 1.0), "green": (0.05, 0.70, 0.15), "brown": (0.38, 0.20, 0.06)}
HAT = {"red": (0.92, 0.10, 0.10), "blue": (0.10, 0.20, 0.92), "green": (0.10, 0.70, 0.20),
       "yellow": (0.98, 0.86, 0.08), "purple": (0.56, 0.16, 0.78)}
BACKGROUND = {"white": (0.97, 0.97, 0.97), "pink": (1.0, 0.72, 0.80), "blue": (0.62, 0.78, 1.0),
              "green": (0.68, 0.92, 0.66), "yellow": (1.0, 0.95, 0.55)}
SIZE = 32
_S = 2  # supersampling factor


@dataclass(frozen=True)
class FaceSet:
    """``images`` uint8 (N, 32, 32, 3); ``labels`` int64 (N, len(ATTRIBUTES)) value indices; ``captions``."""

    images: np.ndarray
    labels: np.ndarray
    captions: list[str]

    def attributes(self, i: int) -> dict[str, object]:
        return labels_to_attributes(self.labels[i])


def attributes_to_labels(attrs: dict[str, object]) -> np.ndarray:
    return np.array([ATTRIBUTES[name].index(attrs[name]) for name in ATTRIBUTE_NAMES], np.int64)


def labels_to_attributes(labels: np.ndarray) -> dict[str, object]:
    return {name: ATTRIBUTES[name][int(v)] for name, v in zip(ATTRIBUTE_NAMES, labels)}


def is_held_out(attrs: dict[str, object]) -> bool:
    """True when ``attrs`` contains one of the :data:`HOLDOUT_PAIRS`."""
    return any(attrs[a] == va and attrs[b] == vb for (a, va), (b, vb) in HOLDOUT_PAIRS)


def random_attributes(rng: np.random.Generator) -> dict[str, object]:
    return {name: values[int(rng.integers(len(values)))] for name, values in ATTRIBUTES.items()}


def caption_for(attrs: dict[str, object], rng: np.random.Generator | None = None, drop: float = 0.0) -> str:
    """Plain English caption of ``attrs``; with ``drop`` > 0 each detail is left out with that chance
    (short captions teach the model that unmentioned details may be anything)."""

    def keep() -> bool:
        return rng is None or drop <= 0 or rng.random() >= drop

    mouth = attrs["mouth"]
    adjective = f"{mouth} " if mouth in ("smiling", "frowning") and keep() else ""
    shape = f"{attrs['face_shape']} " if keep() else ""
    text = f"a {adjective}{shape}face"
    features = []
    if keep():
        features.append(f"{attrs['skin']} skin")
    if keep():
        features.append(f"{attrs['hair']} hair")
    if keep():
        features.append(f"{attrs['eyes']} eyes")
    if mouth == "open" and keep():
        features.append("an open mouth")
    if features:
        text += " with " + (features[0] if len(features) == 1 else ", ".join(features[:-1]) + " and " + features[-1])
    wearing = []
    if attrs["glasses"] and keep():
        wearing.append("glasses")
    if attrs["hat"] != "none" and keep():
        wearing.append(f"a {attrs['hat']} hat")
    if wearing:
        text += ", wearing " + " and ".join(wearing)
    if keep():
        text += f", on a {attrs['background']} background"
    return text.replace("a oval", "an oval")


def _grid() -> tuple[np.ndarray, np.ndarray]:
    n = SIZE * _S
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) + 0.5
    return yy, xx


_YY, _XX = _grid()


def _paint(canvas: np.ndarray, mask: np.ndarray, colour: tuple[float, float, float]) -> None:
    canvas[mask] = colour


def draw_face(attrs: dict[str, object], rng: np.random.Generator) -> np.ndarray:
    """Draw one face → uint8 (32, 32, 3). ``rng`` adds small jitter in position, size and colour."""
    yy, xx = _YY, _XX
    jit = lambda c, s=0.04: tuple(np.clip(np.asarray(c) + rng.normal(0, s, 3), 0, 1))  # noqa: E731
    canvas = np.empty((SIZE * _S, SIZE * _S, 3), np.float32)
    canvas[:] = jit(BACKGROUND[attrs["background"]], 0.03)
    cx = 32 + rng.uniform(-3, 3)
    cy = 36 + rng.uniform(-2, 2)
    scale = rng.uniform(0.92, 1.06)
    shape = attrs["face_shape"]
    rx, ry, power = {"round": (17, 17, 2), "oval": (14, 20, 2), "square": (16, 17.5, 5)}[shape]
    rx, ry = rx * scale, ry * scale
    dx, dy = (xx - cx) / rx, (yy - cy) / ry
    face = np.abs(dx) ** power + np.abs(dy) ** power <= 1.0
    hair_colour = jit(HAIR[attrs["hair"]])
    # hair: a cap behind the head, a little wider than the face and only above the ears
    hair_back = (((xx - cx) / (rx * 1.18)) ** 2 + ((yy - (cy - 2)) / (ry * 1.12)) ** 2 <= 1.0) & (yy < cy + ry * 0.2)
    _paint(canvas, hair_back, hair_colour)
    _paint(canvas, face, jit(SKIN[attrs["skin"]], 0.03))
    fringe = face & (yy < cy - ry * 0.5 + 2 * np.sin((xx - cx) / 3.0))
    _paint(canvas, fringe, hair_colour)
    # eyes: white with a coloured iris
    ey = cy - ry * 0.12
    eye_colour = jit(EYES[attrs["eyes"]], 0.03)
    for side in (-1, 1):
        ex = cx + side * rx * 0.42
        r2 = (xx - ex) ** 2 + (yy - ey) ** 2
        _paint(canvas, r2 <= 4.8**2, (0.98, 0.98, 0.98))
        _paint(canvas, r2 <= 3.4**2, eye_colour)
        _paint(canvas, r2 <= 1.2**2, (0.02, 0.02, 0.02))
        if attrs["glasses"]:
            _paint(canvas, (r2 <= 7.2**2) & (r2 >= 5.6**2), (0.1, 0.1, 0.12))
    if attrs["glasses"]:
        bridge = (np.abs(yy - ey) <= 0.9) & (np.abs(xx - cx) <= rx * 0.42 - 5.6)
        _paint(canvas, bridge, (0.1, 0.1, 0.12))
    # mouth
    my = cy + ry * 0.5
    mouth_colour = (0.55, 0.08, 0.10)
    mouth = attrs["mouth"]
    if mouth == "smiling":
        r = np.sqrt((xx - cx) ** 2 + (yy - (my - 5)) ** 2)
        _paint(canvas, (r >= 6.5) & (r <= 8.8) & (yy >= my - 2.5), mouth_colour)
    elif mouth == "frowning":
        r = np.sqrt((xx - cx) ** 2 + (yy - (my + 6)) ** 2)
        _paint(canvas, (r >= 6.5) & (r <= 8.8) & (yy <= my + 1.5), mouth_colour)
    else:
        _paint(canvas, ((xx - cx) / 5.0) ** 2 + ((yy - my) / 4.2) ** 2 <= 1.0, (0.30, 0.02, 0.04))
    # hat: a brim across the forehead and a crown above it
    if attrs["hat"] != "none":
        hat_colour = jit(HAT[attrs["hat"]], 0.03)
        brim_y = cy - ry * 0.72
        brim = (np.abs(yy - brim_y) <= 2.2) & (np.abs(xx - cx) <= rx * 1.25)
        crown = (yy <= brim_y) & (yy >= brim_y - 13 * scale) & (np.abs(xx - cx) <= rx * 0.78)
        _paint(canvas, brim | crown, hat_colour)
    small = canvas.reshape(SIZE, _S, SIZE, _S, 3).mean(axis=(1, 3))
    return np.clip(np.round(small * 255), 0, 255).astype(np.uint8)


def generate_faces(n: int, seed: int = 0, holdout: str = "exclude", caption_drop: float = 0.0) -> FaceSet:
    """``n`` faces from ``seed``.

    ``holdout``: ``"exclude"`` skips faces with a held-out pair (training data), ``"only"``
    makes only such faces (evaluation), ``"any"`` ignores the rule.
    """
    if holdout not in ("exclude", "only", "any"):
        raise ValueError(f"holdout must be exclude, only or any, not {holdout!r}")
    rng = np.random.default_rng(seed)
    images = np.empty((n, SIZE, SIZE, 3), np.uint8)
    labels = np.empty((n, len(ATTRIBUTES)), np.int64)
    captions = []
    for i in range(n):
        while True:
            attrs = random_attributes(rng)
            if holdout == "only":
                # force one held-out pair in, so evaluation sees only unseen combinations
                (a, va), (b, vb) = HOLDOUT_PAIRS[int(rng.integers(len(HOLDOUT_PAIRS)))]
                attrs[a], attrs[b] = va, vb
                break
            if holdout == "any" or not is_held_out(attrs):
                break
        images[i] = draw_face(attrs, rng)
        labels[i] = attributes_to_labels(attrs)
        captions.append(caption_for(attrs, rng, caption_drop))
    return FaceSet(images, labels, captions)


def caption_vocabulary() -> list[str]:
    """Every word a face caption can contain (sorted)."""
    from engines.diffusion.captions import tokenize

    words: set[str] = set()
    rng = np.random.default_rng(0)
    for _ in range(400):
        words.update(tokenize(caption_for(random_attributes(rng))))
    for name in ("skin", "hair", "eyes", "hat", "background", "face_shape", "mouth"):
        words.update(str(v) for v in ATTRIBUTES[name])
    words.update(["a", "face", "with", "skin", "hair", "eyes", "and", "an", "open", "mouth", "wearing",
                  "glasses", "hat", "on", "background"])
    words.discard("none")
    words.discard("true")
    words.discard("false")
    return sorted(words)
