"""The clue: a caption becomes numbers the UNet can read.

1. **Words → vectors.** Each word gets a vector. With the shipped GloVe vectors
   (``assets/embeddings/glove-6b-50d-50k.safetensors`` via ``engines.embeddings``) a word
   that never appeared in a training caption is read as whatever its vector lies nearest,
   right or wrong: "grinning" lands near "smiling", but in 50-d GloVe "crimson" lies nearer
   "purple" than "red" and "rose" nearer "blue" than "pink". Without GloVe the model learns
   its own table for the caption vocabulary only, and unknown words are dropped.
   :mod:`engines.diffusion.minilm_clue` is the other clue: one MiniLM sentence vector per phrase.
2. **Vectors → tokens.** A small trainable transformer (2 layers) mixes the words, so
   "red hat" and "red background" differ. A learned start token is always present; its
   output is the pooled caption vector, and the empty caption (only that token) is the
   "no clue" input used for classifier-free guidance.

:func:`tokenize` splits text into words; :class:`WordTable` maps words to vectors.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

GLOVE_ASSET = "embeddings/glove-6b-50d-50k.safetensors"
WORD_DIM = 50
ENCODER_ARCHITECTURE = "ai-lab-caption-encoder"
_WORD_RE = re.compile(r"[a-z]+|[0-9]")
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def tokenize(text: str) -> list[str]:
    """Lower-case words of ``text``; punctuation dropped, each digit read as its word ("7" → "seven")."""
    return [_DIGIT_WORDS[int(w)] if w.isdigit() else w for w in _WORD_RE.findall(text.lower())]


@dataclass(frozen=True)
class WordVectors:
    """A vocabulary with one vector per word: ``vectors`` (V, dim) float32."""

    words: tuple[str, ...]
    vectors: np.ndarray
    source: str  # "glove" or "learned"

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def get(self, word: str) -> np.ndarray | None:
        i = self.index.get(word)
        return None if i is None else self.vectors[i]


def _words_from_metadata(meta: dict[str, str]) -> list[str] | None:
    import json

    for key in ("words", "vocab", "vocabulary", "tokens"):
        if key in meta:
            text = meta[key]
            try:
                value = json.loads(text)
                if isinstance(value, list):
                    return [str(w) for w in value]
            except json.JSONDecodeError:
                return text.split("\n")
    return None


def _glove_from_file(path: Path) -> WordVectors | None:
    """Read a word-vector safetensors file: a 2-D float tensor plus its words (metadata or a sibling file)."""
    import json

    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:
        meta = fh.metadata() or {}
        names = list(fh.keys())
        matrix_name = next((n for n in ("vectors", "embeddings", "weight", "emb") if n in names), None)
        if matrix_name is None:
            matrix_name = next((n for n in names if len(fh.get_slice(n).get_shape()) == 2), None)
        if matrix_name is None:
            return None
        vectors = np.asarray(fh.get_tensor(matrix_name), dtype=np.float32)
    words = _words_from_metadata(meta)
    if words is None:
        for sibling in (path.with_suffix(".words.txt"), path.with_suffix(".txt"), path.with_suffix(".json"),
                        path.parent / "words.txt", path.with_name(path.stem + "-words.txt")):
            if sibling.is_file():
                text = sibling.read_text(encoding="utf-8")
                if sibling.suffix == ".json":
                    data = json.loads(text)
                    words = data.get("words") if isinstance(data, dict) else data
                else:
                    words = text.splitlines()
                break
    if not words or len(words) != len(vectors):
        return None
    return WordVectors(tuple(words), vectors, "glove")


def _glove_from_embeddings_engine() -> WordVectors | None:
    """The shipped 50k-word GloVe cut through ``engines.embeddings`` (sha256-verified there).

    Always the shipped cut, never the optional 400k package, so a model trained on one
    machine reads the same vectors on every other."""
    try:
        from engines.embeddings.glove import load_shipped_glove
    except Exception:
        return None
    try:
        found = load_shipped_glove()
    except Exception:
        return None
    return WordVectors(tuple(str(w) for w in found.words), np.asarray(found.vectors, np.float32), "glove")


@functools.lru_cache(maxsize=2)
def load_glove(assets_root: str | None = None) -> WordVectors | None:
    """The shipped GloVe 50-d vectors, or None when neither the engine nor the asset is there."""
    found = _glove_from_embeddings_engine()
    if found is not None:
        return found
    from engines.core.paths import assets_dir

    path = (Path(assets_root) if assets_root else assets_dir()) / GLOVE_ASSET
    if not path.is_file():
        return None
    try:
        return _glove_from_file(path)
    except Exception:
        return None


def load_word_vectors(caption_vocab: list[str], prefer: str = "glove", seed: int = 0,
                      assets_root: str | None = None) -> WordVectors:
    """Vectors for ``caption_vocab``: GloVe rows when available (``prefer="glove"``), else random
    starting vectors that training will learn (``source="learned"``)."""
    glove = load_glove(assets_root) if prefer == "glove" else None
    if glove is not None and glove.vectors.shape[1] == WORD_DIM:
        rng = np.random.default_rng(seed)
        rows = []
        for word in caption_vocab:
            v = glove.get(word)
            rows.append(v if v is not None else rng.normal(0, 0.3, WORD_DIM).astype(np.float32))
        return WordVectors(tuple(caption_vocab), np.stack(rows).astype(np.float32), "glove")
    rng = np.random.default_rng(seed)
    vectors = rng.normal(0, 0.5, (len(caption_vocab), WORD_DIM)).astype(np.float32)
    return WordVectors(tuple(caption_vocab), vectors, "learned")


@dataclass
class EncoderConfig:
    word_dim: int = WORD_DIM
    d_model: int = 64
    layers: int = 2
    heads: int = 4
    max_words: int = 32
    input_norm: bool = False  # MiniLM clue: subtract a fixed centre and scale (buffers set before training)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EncoderConfig":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class PromptVectors:
    """Turns prompts into padded word-vector batches using the model's table (+ GloVe for new words)."""

    def __init__(self, table: WordVectors, max_words: int, use_glove: bool) -> None:
        self.table = table
        self.max_words = max_words
        self.use_glove = use_glove

    def lookup(self, word: str) -> np.ndarray | None:
        v = self.table.get(word)
        if v is None and self.use_glove:
            glove = load_glove()
            v = glove.get(word) if glove is not None else None
        return v

    def cosines(self, word: str, others: list[str]) -> dict[str, float]:
        """Cosine between ``word``'s vector and each of ``others`` that has one; {} if ``word`` has none."""
        v = self.lookup(word)
        rows = {o: u for o in others if (u := self.lookup(o)) is not None} if v is not None else {}
        if not rows:
            return {}
        m = np.stack(list(rows.values()))
        norms = np.linalg.norm(m, axis=1) * (float(np.linalg.norm(v)) or 1.0)
        cos = m @ v / np.where(norms > 0, norms, 1.0)
        return {o: float(c) for o, c in zip(rows, cos)}

    def nearest_known(self, word: str) -> tuple[str, float] | None:
        """For a word outside the model's table: the table word whose vector points most nearly the same
        way (cosine), i.e. the training word it will most likely be read as; None for table or unknown words."""
        if self.table.get(word) is not None:
            return None
        cos = self.cosines(word, list(self.table.words))
        if not cos:
            return None
        best = max(cos, key=cos.get)
        return best, cos[best]

    def new_words(self, prompt: str) -> list[tuple[str, str, float]]:
        """(word, nearest training word, cosine) for each word the model never saw but the word vectors know."""
        found = []
        for w in dict.fromkeys(tokenize(prompt)):
            near = self.nearest_known(w)
            if near is not None:
                found.append((w, near[0], round(near[1], 3)))
        return found

    def words_used(self, prompt: str) -> tuple[list[str], list[str]]:
        """(words that have a vector, words ignored because nothing knows them)."""
        known, unknown = [], []
        for w in tokenize(prompt):
            (known if self.lookup(w) is not None else unknown).append(w)
        return known[: self.max_words], unknown

    def batch(self, prompts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """→ vectors (B, L, word_dim) float32 and mask (B, L) float32, L = max_words."""
        B, L = len(prompts), self.max_words
        vectors = np.zeros((B, L, self.table.vectors.shape[1]), np.float32)
        mask = np.zeros((B, L), np.float32)
        for b, prompt in enumerate(prompts):
            known, _ = self.words_used(prompt)
            for i, w in enumerate(known):
                vectors[b, i] = self.lookup(w)
                mask[b, i] = 1.0
        return vectors, mask


def build_encoder(config: EncoderConfig):
    """The trainable caption transformer (torch imported here)."""
    import torch
    from torch import nn

    from engines.diffusion.unet import attention

    class EncoderLayer(nn.Module):
        def __init__(self, d: int, heads: int) -> None:
            super().__init__()
            self.heads = heads
            self.norm1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.norm2 = nn.LayerNorm(d)
            self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

        def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=2)
            x = x + self.proj(attention(q, k, v, self.heads, mask))
            return x + self.ff(self.norm2(x))

    class CaptionEncoder(nn.Module):
        """vectors (B, L, word_dim), mask (B, L) → tokens (B, L+1, D), mask (B, L+1), pooled (B, D)."""

        def __init__(self, cfg: EncoderConfig) -> None:
            super().__init__()
            self.config = cfg
            self.start = nn.Parameter(torch.randn(cfg.word_dim) * 0.1)
            self.proj = nn.Linear(cfg.word_dim, cfg.d_model)
            self.pos = nn.Parameter(torch.randn(cfg.max_words + 1, cfg.d_model) * 0.02)
            self.layers = nn.ModuleList([EncoderLayer(cfg.d_model, cfg.heads) for _ in range(cfg.layers)])
            self.norm = nn.LayerNorm(cfg.d_model)
            if cfg.input_norm:
                self.register_buffer("in_centre", torch.zeros(cfg.word_dim))
                self.register_buffer("in_scale", torch.ones(1))

        def forward(self, vectors: torch.Tensor, mask: torch.Tensor):
            B, L, _ = vectors.shape
            if self.config.input_norm:
                vectors = (vectors - self.in_centre.to(vectors.dtype)) * self.in_scale.to(vectors.dtype) * mask[..., None]
            start = self.start.to(vectors.dtype).expand(B, 1, -1)
            x = self.proj(torch.cat([start, vectors], dim=1)) + self.pos[: L + 1].to(vectors.dtype)
            full_mask = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)  # start token always present
            for layer in self.layers:
                x = layer(x, full_mask)
            x = self.norm(x)
            return x, full_mask, x[:, 0]

    return CaptionEncoder(config)
