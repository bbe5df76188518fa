"""The MiniLM clue: a caption becomes one sentence vector per phrase, from all-MiniLM-L6-v2.

The GloVe clue (:mod:`engines.diffusion.captions`) gives each *word* a 50-d vector; in that
space "crimson" lies nearer "purple" than "red". Here the caption is cut into its phrases
("a smiling square face", "grey hair", "wearing a red hat", "on a pink background") and each
phrase is read by the project's own MiniLM sentence encoder (:mod:`engines.embeddings.minilm`,
the shipped int8 ONNX copy, 384 numbers per phrase). A sentence encoder was trained so that
phrases meaning the same land close together, so "a crimson hat" lands next to "a red hat".

Why pooled phrase vectors and not MiniLM's per-token hidden states: the shipped encoder returns
the pooled vector only (one implementation, one 23 MB file shared with the Embeddings tab), the
pooled vector is the one MiniLM was trained to make meaningful, and a caption here is a list of
independent details, so one vector per detail still lets the UNet's cross-attention look at
"the hair" and "the hat" separately. Measured (``tools/probe_minilm_tokens.py``): the colour word's
own token states, at any of MiniLM's layers, tell a detail's value no better than the pooled phrase vector
(hat colour 0.67–0.70 vs 0.68 by cross-validation over the synonym vocabulary). The small caption
transformer then mixes the phrase vectors exactly as it mixes GloVe word vectors.

Captions are a finite set: each distinct phrase is encoded once and kept (:func:`phrase_vectors`).
"""

from __future__ import annotations

import re
import threading

import numpy as np

MINILM_DIM = 384
MAX_PHRASES = 8
# commas, "and", "with", and before "wearing" / "on a": where training captions start a new detail
_SPLIT_RE = re.compile(r",|;|\band\b|\bwith\b|(?=\bwearing\b)|(?=\bon an?\b)")
_SPACE_RE = re.compile(r"\s+")
_cache: dict[str, np.ndarray] = {}
_lock = threading.Lock()


def split_phrases(text: str) -> list[str]:
    """A caption's phrases: split at commas, "and" and "with", and before "wearing" and "on a" (so a caption
    typed without commas splits like the training captions); lower-case, spaces tidied, empties dropped.

    "a round face with tan skin, blue eyes and an open mouth, wearing glasses"
    → ["a round face", "tan skin", "blue eyes", "an open mouth", "wearing glasses"]."""
    parts = (_SPACE_RE.sub(" ", p).strip(" .!?") for p in _SPLIT_RE.split(text.lower()))
    return [p for p in parts if p]


def phrase_vectors(phrases: list[str]) -> np.ndarray:
    """MiniLM vectors (len(phrases), 384), unit length; each distinct phrase is encoded once per process."""
    with _lock:
        missing = list(dict.fromkeys(p for p in phrases if p not in _cache))
        if missing:
            from engines.embeddings.minilm import load_minilm

            for phrase, vector in zip(missing, load_minilm("int8", "onnx").encode(missing)):
                _cache[phrase] = vector
        if not phrases:
            return np.zeros((0, MINILM_DIM), np.float32)
        return np.stack([_cache[p] for p in phrases]).astype(np.float32)


def input_normalisation(vectors: np.ndarray) -> tuple[np.ndarray, float]:
    """(centre, scale) that make the training phrases' vectors mean 0 with root-mean-square 1 per number.

    MiniLM vectors of short phrases about faces all point roughly the same way (cosines 0.5–0.9); taking
    the common part away and scaling up makes "red hat" and "blue hat" differ by a usable amount. The
    same fixed map is applied to every phrase, new ones included, so their distances keep their order."""
    centre = vectors.mean(axis=0).astype(np.float32)
    rms = float(np.sqrt(np.mean((vectors - centre) ** 2))) or 1.0
    return centre, 1.0 / rms


def minilm_table(phrases: list[str]):
    """The training phrases' MiniLM vectors as a :class:`~engines.diffusion.captions.WordVectors` table."""
    from engines.diffusion.captions import WordVectors

    return WordVectors(tuple(phrases), phrase_vectors(list(phrases)), "minilm")


class PhraseVectors:
    """Prompts → padded phrase-vector batches (the MiniLM counterpart of ``captions.PromptVectors``).

    Every phrase has a vector (MiniLM reads any text), so nothing is ever ignored; ``new_words`` lists
    the phrases no training caption had, with the training phrase nearest to each (cosine)."""

    def __init__(self, table, max_words: int) -> None:
        self.table = table
        self.max_words = max_words

    def lookup(self, phrase: str) -> np.ndarray:
        v = self.table.get(phrase)
        return v if v is not None else phrase_vectors([phrase])[0]

    def cosines(self, phrase: str, others: list[str]) -> dict[str, float]:
        """Cosine between ``phrase``'s vector and each of ``others`` (MiniLM vectors have length 1)."""
        if not others:
            return {}
        v = self.lookup(phrase)
        m = np.stack([self.lookup(o) for o in others])
        return {o: float(c) for o, c in zip(others, m @ v)}

    def nearest_known(self, phrase: str) -> tuple[str, float] | None:
        if self.table.get(phrase) is not None:
            return None
        cos = self.cosines(phrase, list(self.table.words))
        best = max(cos, key=cos.get)
        return best, cos[best]

    def new_words(self, prompt: str) -> list[tuple[str, str, float]]:
        """(phrase, nearest training phrase, cosine) for each phrase of ``prompt`` outside the training captions."""
        found = []
        for p in dict.fromkeys(split_phrases(prompt)):
            near = self.nearest_known(p)
            if near is not None:
                found.append((p, near[0], round(near[1], 3)))
        return found

    def words_used(self, prompt: str) -> tuple[list[str], list[str]]:
        """(the phrases read, at most ``max_words``; phrases ignored: always none)."""
        return split_phrases(prompt)[: self.max_words], []

    def batch(self, prompts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """→ vectors (B, L, 384) float32 and mask (B, L) float32, L = max_words."""
        used = [self.words_used(p)[0] for p in prompts]
        phrase_vectors([p for ps in used for p in ps if self.table.get(p) is None])  # one MiniLM call for all new
        vectors = np.zeros((len(prompts), self.max_words, self.table.vectors.shape[1]), np.float32)
        mask = np.zeros((len(prompts), self.max_words), np.float32)
        for b, phrases in enumerate(used):
            for i, p in enumerate(phrases):
                vectors[b, i] = self.lookup(p)
                mask[b, i] = 1.0
        return vectors, mask
