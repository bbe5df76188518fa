"""A tiny character tokenizer: every distinct character of a text gets a number.

It has the same interface as the project's word and BPE tokenizers
(``encode``, ``decode``, ``vocab_size``, ``save``, ``load``) and is used for tests and
for quick experiments with a char-level GPT.
"""

from __future__ import annotations

import json
from pathlib import Path

from engines.core.model_io import atomic_write_json

TOKENIZER_FILE = "char_tokenizer.json"  # not tokenizer.json: that name means a Hugging Face tokenizer
KIND = "char"


class CharTokenizer:
    """Characters ↔ ids. Characters outside the vocabulary map to ``unk`` (id 0, shown as "?")."""

    UNK = "\ufffd"

    def __init__(self, chars: list[str]) -> None:
        unique = [self.UNK] + [c for c in dict.fromkeys(chars) if c != self.UNK]
        self.chars = unique
        self._ids = {c: i for i, c in enumerate(unique)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        return cls(sorted(set(text)))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        return [self._ids.get(c, 0) for c in text]

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] if 0 <= int(i) < len(self.chars) else self.UNK for i in ids)

    def token_text(self, token_id: int) -> str:
        return self.decode([token_id])

    def save(self, path: str | Path) -> Path:
        """Write the vocabulary as JSON to ``path`` (a file, or a folder → ``folder/tokenizer.json``)."""
        path = Path(path)
        if path.is_dir() or not path.suffix:
            path = path / TOKENIZER_FILE
        atomic_write_json(path, {"type": KIND, "chars": self.chars[1:]})
        return path

    @classmethod
    def load(cls, path: str | Path) -> CharTokenizer:
        path = Path(path)
        if path.is_dir():
            path = path / TOKENIZER_FILE
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("type") != KIND or not isinstance(data.get("chars"), list):
            raise ValueError(f"{path.name} is not a character tokenizer file")
        return cls([str(c) for c in data["chars"]])
