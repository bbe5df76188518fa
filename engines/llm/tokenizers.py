"""Tokenizers: text → numbers → text. Every word (or piece of a word) gets a number.

Three kinds share one interface (:class:`Tokenizer`):

* :class:`WordTokenizer` — the simplest idea: lowercase, split into words and punctuation,
  number the ``max_vocab`` most frequent words; anything else becomes ``<unk>``.
* :class:`BPETokenizer` — byte-level BPE trained here with Hugging Face ``tokenizers``
  (like GPT-2's): no unknown tokens, any string round-trips exactly.
* :class:`HFTokenizer` — a ``tokenizer.json`` from a Hugging Face folder (e.g. GPT-2's).

Common interface: ``encode(text) -> list[int]``, ``decode(ids) -> str``, ``vocab_size``,
``token_strings(ids)`` (readable text of each token), ``spans(text)`` →
``[(start, end, id, is_unknown)]`` character spans for colouring, ``save(folder)`` and
:func:`load_tokenizer` (``folder``) which picks the right class.

Files: ``lab_tokenizer.json`` names the kind (and, for words, holds the vocabulary); BPE
tokenizers also write the standard ``tokenizer.json``. All writes are atomic.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from engines.core.model_io import atomic_write_json, atomic_write_text

META_NAME = "lab_tokenizer.json"
HF_NAME = "tokenizer.json"
MAX_TOKENIZER_BYTES = 64 * 1024**2

PAD, UNK, EOS = "<pad>", "<unk>", "<eos>"
BPE_EOS = "<|endoftext|>"

# Words (letters/digits), English contractions split off like GPT-2 does ("dog's" → "dog" "'s"),
# newlines kept as tokens, any other non-space character alone.
_WORD_RE = re.compile(r"'(?:s|t|re|ve|m|ll|d)(?!\w)|\w+|\n|[^\w\s]", re.IGNORECASE)
_NO_SPACE_BEFORE = set(".,!?;:)]}%") | {"\n"}
_NO_SPACE_AFTER = set("([{") | {"\n"}


class TokenizerError(ValueError):
    """A tokenizer folder or file that cannot be used."""


Span = tuple[int, int, int, bool]


class Tokenizer(Protocol):
    kind: str

    @property
    def vocab_size(self) -> int: ...

    @property
    def eos_id(self) -> int | None: ...

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def token_strings(self, ids: Sequence[int]) -> list[str]: ...

    def spans(self, text: str) -> list[Span]: ...

    def save(self, folder: str | Path) -> Path: ...


# Words counted per call when a tokenizer is trained: Counter counts a whole list in C without letting other
# threads run, so counting millions of words in one call froze the window for seconds (monkey seed 9).
COUNT_CHUNK = 50_000


def split_words(text: str) -> list[str]:
    """``"My dog's name is Ben."`` → ``["my", "dog", "'s", "name", "is", "ben", "."]``."""
    return [m.group().lower() for m in _WORD_RE.finditer(text)]


def join_words(words: Iterable[str]) -> str:
    """Inverse of :func:`split_words` up to normalisation (lowercase, single spaces)."""
    out: list[str] = []
    prev = "\n"
    for word in words:
        if not word:
            continue
        if out and prev not in _NO_SPACE_AFTER and word not in _NO_SPACE_BEFORE and not word.startswith("'"):
            out.append(" ")
        out.append(word)
        prev = word
    return "".join(out)


# --- word level ---------------------------------------------------------------------------------

class WordTokenizer:
    """Numbers the most frequent words; ids 0, 1, 2 are ``<pad>``, ``<unk>``, ``<eos>``."""

    kind = "word"
    specials = (PAD, UNK, EOS)

    def __init__(self, vocab: Sequence[str]) -> None:
        if list(vocab[: len(self.specials)]) != list(self.specials):
            raise TokenizerError(f"a word vocabulary must start with {', '.join(self.specials)}")
        if len(set(vocab)) != len(vocab):
            raise TokenizerError("the word vocabulary has duplicates")
        self.vocab: list[str] = list(vocab)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.pad_id, self.unk_id = self.index[PAD], self.index[UNK]

    @classmethod
    def train(cls, text: str, max_vocab: int = 5000, min_count: int = 1) -> WordTokenizer:
        """Keep the ``max_vocab`` (specials included) most frequent words seen at least ``min_count`` times."""
        if max_vocab <= len(cls.specials):
            raise ValueError(f"max_vocab must be more than {len(cls.specials)}")
        words = split_words(text)
        counts: Counter[str] = Counter()
        for start in range(0, len(words), COUNT_CHUNK):  # one long C call would hold the GIL: the window froze
            counts.update(words[start:start + COUNT_CHUNK])
        ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls([*cls.specials, *ranked[: max_vocab - len(cls.specials)]])

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    @property
    def eos_id(self) -> int:
        return self.index[EOS]

    def encode(self, text: str) -> list[int]:
        return [self.index.get(w, self.unk_id) for w in split_words(text)]

    def decode(self, ids: Sequence[int]) -> str:
        return join_words(self.vocab[i] if 0 <= i < len(self.vocab) else UNK
                          for i in ids if i not in (self.pad_id, self.eos_id))

    def token_strings(self, ids: Sequence[int]) -> list[str]:
        return [self.vocab[i] if 0 <= i < len(self.vocab) else UNK for i in ids]

    def spans(self, text: str) -> list[Span]:
        out = []
        for m in _WORD_RE.finditer(text):
            token_id = self.index.get(m.group().lower(), self.unk_id)
            out.append((m.start(), m.end(), token_id, token_id == self.unk_id))
        return out

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        atomic_write_json(folder / META_NAME, {"kind": self.kind, "lowercase": True, "vocab": self.vocab})
        return folder

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> WordTokenizer:
        vocab = meta.get("vocab")
        if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
            raise TokenizerError("the word tokenizer file has no list of words")
        return cls(vocab)


# --- Hugging Face tokenizers (GPT-2 style tokenizer.json, and our own byte-level BPE) ------------

class HFTokenizer:
    """A Hugging Face ``tokenizers.Tokenizer`` behind the common interface."""

    kind = "hf"

    def __init__(self, hf: Any) -> None:
        self.hf = hf
        unk = getattr(hf.model, "unk_token", None)
        self.unk_id: int | None = hf.token_to_id(unk) if unk else None

    @classmethod
    def from_file(cls, path: str | Path) -> HFTokenizer:
        from tokenizers import Tokenizer as _HF

        path = Path(path)
        _check_file(path)
        try:
            return cls(_HF.from_str(path.read_text(encoding="utf-8")))
        except Exception as exc:  # noqa: BLE001 - the Rust side raises a plain Exception
            raise TokenizerError(f"{path.name} is not a valid Hugging Face tokenizer: {exc}") from exc

    @property
    def vocab_size(self) -> int:
        return self.hf.get_vocab_size(with_added_tokens=True)

    @property
    def eos_id(self) -> int | None:
        for name in (BPE_EOS, "</s>", EOS):
            token_id = self.hf.token_to_id(name)
            if token_id is not None:
                return token_id
        return None

    def encode(self, text: str) -> list[int]:
        return list(self.hf.encode(text, add_special_tokens=False).ids)

    def decode(self, ids: Sequence[int]) -> str:
        # keep special tokens so that decode(encode(t)) == t even when t spells one out
        return self.hf.decode(list(ids), skip_special_tokens=False)

    def token_strings(self, ids: Sequence[int]) -> list[str]:
        """The readable text of each token (a piece of a multi-byte character shows as "�")."""
        return [self.hf.decode([i], skip_special_tokens=False) for i in ids]

    def raw_tokens(self, ids: Sequence[int]) -> list[str]:
        """The tokens as the vocabulary spells them (GPT-2 shows a leading space as "Ġ")."""
        return [self.hf.id_to_token(i) or "" for i in ids]

    def spans(self, text: str) -> list[Span]:
        """Character spans; tokens holding parts of one multi-byte character share its span."""
        enc = self.hf.encode(text, add_special_tokens=False)
        return [(int(s), int(e), int(i), self.unk_id is not None and i == self.unk_id)
                for i, (s, e) in zip(enc.ids, enc.offsets)]

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        atomic_write_text(folder / HF_NAME, self.hf.to_str())
        atomic_write_json(folder / META_NAME, {"kind": self.kind, "file": HF_NAME})
        return folder


class BPETokenizer(HFTokenizer):
    """Byte-level BPE (GPT-2's scheme) trained by this project; no unknown tokens, exact round trips."""

    kind = "bpe"

    @classmethod
    def train(cls, text: str | Iterable[str], vocab_size: int = 2000, min_frequency: int = 2) -> BPETokenizer:
        """Learn merges from ``text`` up to ``vocab_size`` tokens (256 bytes + 1 special + merges).

        A small corpus can run out of pairs seen ``min_frequency`` times: the vocabulary is then smaller.
        """
        from tokenizers import Tokenizer as _HF
        from tokenizers import decoders, models, pre_tokenizers, trainers

        if vocab_size < 258:
            raise ValueError("a byte-level BPE vocabulary needs at least 258 tokens (256 bytes, 1 special, 1 merge)")
        hf = _HF(models.BPE())
        hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        hf.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[BPE_EOS],
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        chunks = text.splitlines(keepends=True) if isinstance(text, str) else text
        hf.train_from_iterator(chunks, trainer=trainer)
        return cls(hf)


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise TokenizerError(f"{path} does not exist")
    if path.stat().st_size > MAX_TOKENIZER_BYTES:
        raise TokenizerError(f"{path.name} is larger than {MAX_TOKENIZER_BYTES // 1024**2} MB; refusing to read it")


def load_tokenizer(folder: str | Path) -> WordTokenizer | BPETokenizer | HFTokenizer:
    """Open the tokenizer saved in ``folder`` (ours, or a Hugging Face folder's ``tokenizer.json``)."""
    folder = Path(folder)
    if folder.is_file():  # a tokenizer.json given directly
        return HFTokenizer.from_file(folder)
    meta_path = folder / META_NAME
    if meta_path.is_file():
        _check_file(meta_path)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise TokenizerError(f"{meta_path.name} is not valid JSON ({exc})") from exc
        kind = meta.get("kind") if isinstance(meta, dict) else None
        if kind == "word":
            return WordTokenizer.from_meta(meta)
        if kind in ("bpe", "hf"):
            name = Path(str(meta.get("file", HF_NAME))).name  # a plain file name: never a path outside the folder
            tok = HFTokenizer.from_file(folder / name)
            return BPETokenizer(tok.hf) if kind == "bpe" else tok
        raise TokenizerError(f"{meta_path.name} names an unknown tokenizer kind {kind!r}")
    if (folder / HF_NAME).is_file():
        return HFTokenizer.from_file(folder / HF_NAME)
    raise TokenizerError(f"no tokenizer in {folder} (expected {META_NAME} or {HF_NAME})")
