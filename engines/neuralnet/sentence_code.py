"""A sentence in 3 numbers: squeeze a 6-word sentence through a 3-number bottleneck and back.

Every sentence has the shape ``the <animal> <verb> <preposition> the <place>`` over a
12-word vocabulary, so there are 3·3·2·3 = 54 of them. Each position is one-hot
(6 × 12 = 72 inputs); the encoder maps them to 3 numbers, the decoder back to one
softmax over the vocabulary per position. It trains on a fixed subset of the sentences;
:func:`round_trip` says which words survive, for a trained sentence or a new one. A tiny,
honest picture of compression: familiar sentences come back, new ones often lose words.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Job, Progress

ANIMALS = ("cat", "dog", "bird")
VERBS = ("sat", "slept", "ran")
PREPOSITIONS = ("on", "under")
PLACES = ("mat", "bed", "rug")
VOCAB = ("the", *ANIMALS, *VERBS, *PREPOSITIONS, *PLACES)  # 12 words
SENTENCE_LENGTH = 6
CODE_SIZE = 3


def all_sentences() -> list[tuple[str, ...]]:
    """The 54 sentences of the little language, in a fixed order."""
    return [("the", a, v, p, "the", pl) for a, v, p, pl in itertools.product(ANIMALS, VERBS, PREPOSITIONS, PLACES)]


def training_sentences(n: int = 24, seed: int = 0) -> list[tuple[str, ...]]:
    """A fixed, seeded choice of ``n`` sentences to learn (the rest stay unseen)."""
    everything = all_sentences()
    pick = np.random.default_rng(seed).permutation(len(everything))[:n]
    return [everything[i] for i in sorted(pick)]


def tokenize(sentence: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    words = tuple(sentence.lower().split()) if isinstance(sentence, str) else tuple(w.lower() for w in sentence)
    if len(words) != SENTENCE_LENGTH:
        raise ValueError(f"a sentence here has exactly {SENTENCE_LENGTH} words, not {len(words)}")
    unknown = [w for w in words if w not in VOCAB]
    if unknown:
        raise ValueError(f"unknown word(s) {', '.join(unknown)}; the vocabulary is {', '.join(VOCAB)}")
    return words


def one_hot(sentences: list[tuple[str, ...]]) -> np.ndarray:
    """Sentences → float32 ``(N, 6 * 12)``: one 12-long one-hot block per position."""
    index = {w: i for i, w in enumerate(VOCAB)}
    x = np.zeros((len(sentences), SENTENCE_LENGTH, len(VOCAB)), dtype=np.float32)
    for n, words in enumerate(sentences):
        for pos, w in enumerate(words):
            x[n, pos, index[w]] = 1.0
    return x.reshape(len(sentences), -1)


@dataclass
class SentenceConfig:
    n_train: int = 24
    hidden: int = 32
    steps: int = 800
    learning_rate: float = 0.01
    seed: int = 0


@dataclass
class SentenceCodec:
    """Encoder 72 → hidden → 3 and decoder 3 → hidden → 72 (torch modules), plus what it learnt from."""

    encoder: Any
    decoder: Any
    trained_on: list[tuple[str, ...]]

    def encode(self, sentence: str | tuple[str, ...]) -> np.ndarray:
        """A 6-word sentence → its 3 numbers ``(3,)``."""
        import torch

        with torch.no_grad():
            return self.encoder(torch.as_tensor(one_hot([tokenize(sentence)]))).numpy()[0]

    def decode(self, code: np.ndarray) -> tuple[str, ...]:
        """3 numbers → the 6 most likely words, one per position."""
        import torch

        with torch.no_grad():
            logits = self.decoder(torch.as_tensor(np.asarray(code, dtype=np.float32).reshape(1, CODE_SIZE)))
        best = logits.numpy().reshape(SENTENCE_LENGTH, len(VOCAB)).argmax(axis=1)
        return tuple(VOCAB[i] for i in best)


@dataclass(frozen=True)
class RoundTrip:
    original: tuple[str, ...]
    code: tuple[float, float, float]
    decoded: tuple[str, ...]
    survived: tuple[bool, ...]  # per position
    seen_in_training: bool

    @property
    def n_survived(self) -> int:
        return sum(self.survived)


def round_trip(codec: SentenceCodec, sentence: str | tuple[str, ...]) -> RoundTrip:
    """Encode ``sentence`` to 3 numbers, decode them, and compare word by word."""
    words = tokenize(sentence)
    code = codec.encode(words)
    decoded = codec.decode(code)
    return RoundTrip(words, tuple(float(c) for c in code), decoded,
                     tuple(a == b for a, b in zip(words, decoded)), words in codec.trained_on)


def train_sentence_codec(config: SentenceConfig | None = None,
                         cancel: CancelToken | None = None) -> Job[SentenceCodec]:
    """Full-batch training on the training sentences; yields ``Progress(step, steps, {loss,
    word_accuracy})`` every 50 steps and returns the :class:`SentenceCodec`."""
    import torch
    from torch import nn

    config = config or SentenceConfig()
    cancel = cancel or CancelToken()
    sentences = training_sentences(config.n_train, config.seed)
    x = torch.as_tensor(one_hot(sentences))  # (N, 72)
    target = x.reshape(-1, SENTENCE_LENGTH, len(VOCAB)).argmax(dim=2)  # (N, 6) word ids
    saved = torch.random.get_rng_state()
    torch.manual_seed(config.seed)
    try:
        width = SENTENCE_LENGTH * len(VOCAB)
        encoder = nn.Sequential(nn.Linear(width, config.hidden), nn.Tanh(), nn.Linear(config.hidden, CODE_SIZE))
        decoder = nn.Sequential(nn.Linear(CODE_SIZE, config.hidden), nn.Tanh(), nn.Linear(config.hidden, width))
    finally:
        torch.random.set_rng_state(saved)
    optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=config.learning_rate)
    for step in range(1, config.steps + 1):
        cancel.raise_if_cancelled()
        logits = decoder(encoder(x)).reshape(-1, SENTENCE_LENGTH, len(VOCAB))  # (N, 6, 12)
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(VOCAB)), target.reshape(-1))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 50 == 0 or step == config.steps:
            accuracy = float((logits.argmax(dim=2) == target).float().mean())
            yield Progress(step, config.steps, {"loss": loss.item(), "word_accuracy": accuracy})
    encoder.eval()
    decoder.eval()
    return SentenceCodec(encoder, decoder, sentences)
