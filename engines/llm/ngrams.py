"""The spreadsheet: next-word count tables for 1, 2 and 3 words of context, and why they explode.

A bigram table has one row per word and one column per possible next word: with a 50,000
word vocabulary that is 50,000² = 2.5 billion cells, and a 4-gram table (3 words of context)
50,000⁴. Real text fills almost none of them, so the tables here are sparse (a dict from
context to a Counter of next words) — and they still cannot tell "fetch" from "soccer"
after "ben likes to play": three words of context do not reach back to "dog".

Words come from :func:`engines.llm.tokenizers.split_words` (lowercase words and punctuation);
n-grams never cross a line break.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field

from engines.core.jobs import CancelToken, Log, Progress
from engines.llm.tokenizers import split_words

MAX_CONTEXT = 3
_BREAK = "\n"


def cells_needed(vocab_size: int, n: int) -> int:
    """Cells of a dense n-gram table: ``vocab_size ** n`` (n − 1 words of context × every next word)."""
    if vocab_size < 0 or n < 1:
        raise ValueError("vocab_size must be ≥ 0 and n ≥ 1")
    return int(vocab_size) ** int(n)


def context_to_outnumber(vocab_size: int, count: float) -> int:
    """The fewest words of context whose dense table has more cells than ``count`` (e.g. the atoms of the Earth)."""
    if vocab_size < 2:
        raise ValueError("vocab_size must be at least 2")
    words = 0
    while cells_needed(vocab_size, words + 1) <= count:
        words += 1
    return words


def dense_bytes(vocab_size: int, n: int, bytes_per_cell: int = 4) -> int:
    """Memory a dense table of 4-byte counts would take."""
    return cells_needed(vocab_size, n) * bytes_per_cell


def human_bytes(n_bytes: float) -> str:
    """``2.5e9 * 4`` → ``"10 GB"`` (decimal units, as disks are sold)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"):
        if abs(n_bytes) < 1000 or unit == "YB":
            return f"{n_bytes:.0f} {unit}" if unit == "bytes" else f"{n_bytes:.3g} {unit}"
        n_bytes /= 1000
    raise AssertionError("unreachable")


def explosion_table(vocab_size: int, max_n: int = 4, bytes_per_cell: int = 4) -> list[dict[str, object]]:
    """One row per n: cells and memory of a dense table, e.g. for a 50k vocabulary."""
    rows = []
    for n in range(1, max_n + 1):
        cells = cells_needed(vocab_size, n)
        rows.append({"n": n, "context_words": n - 1, "cells": cells, "bytes": cells * bytes_per_cell,
                     "memory": human_bytes(cells * bytes_per_cell)})
    return rows


@dataclass
class NextWordTable:
    """The ranked next words after a context, and which context was actually used."""

    context: tuple[str, ...]  # the words asked about (at most MAX_CONTEXT of them count)
    context_used: tuple[str, ...]  # the longest tail of ``context`` that the corpus contains
    rows: list[tuple[str, float, int]] = field(default_factory=list)  # (word, probability, count)
    total: int = 0  # how often ``context_used`` was followed by any word

    @property
    def n_used(self) -> int:
        """Words of context used (0 = plain word frequencies)."""
        return len(self.context_used)

    @property
    def seen(self) -> bool:
        """True when the full (last ``MAX_CONTEXT`` words of the) context occurs in the corpus."""
        return self.context_used == self.context[-MAX_CONTEXT:] if self.context else True

    @property
    def message(self) -> str:
        asked = " ".join(self.context[-MAX_CONTEXT:])
        used = " ".join(self.context_used)
        head = ""
        if len(self.context) > MAX_CONTEXT:
            head = f"only the last {MAX_CONTEXT} words count: '{asked}'. "
        if not self.context:
            return "no context: plain word frequencies"
        if self.seen:
            return head + f"'{asked}' was seen {self.total} times"
        if self.context_used:
            return head + f"'{asked}' never appears in the corpus; backed off to '{used}' ({self.total} times)"
        return head + f"'{asked}' never appears in the corpus, nor its last word; showing plain word frequencies"

    def __iter__(self) -> Iterator[tuple[str, float, int]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> tuple[str, float, int]:
        return self.rows[i]

    def to_dict(self) -> dict[str, object]:
        return {"context": list(self.context), "context_used": list(self.context_used), "n_used": self.n_used,
                "seen": self.seen, "total": self.total, "message": self.message,
                "next": [{"word": w, "prob": p, "count": c} for w, p, c in self.rows]}


class NGramModel:
    """Sparse count tables ``tables[k][context of k words] → Counter(next word)`` for k = 0..max_context."""

    def __init__(self, tables: list[dict[tuple[str, ...], Counter[str]]]) -> None:
        self.tables = tables
        self.max_context = len(tables) - 1

    @classmethod
    def from_text(cls, text: str, max_context: int = MAX_CONTEXT) -> NGramModel:
        return cls.from_words(split_words(text), max_context)

    @classmethod
    def from_words(cls, words: Sequence[str], max_context: int = MAX_CONTEXT) -> NGramModel:
        model: NGramModel | None = None
        job = build_ngrams_job(words, CancelToken(), max_context)
        try:
            while True:
                next(job)
        except StopIteration as stop:
            model = stop.value
        assert model is not None
        return model

    @property
    def vocab_size(self) -> int:
        return len(self.tables[0].get((), ()))

    @property
    def n_words(self) -> int:
        return sum(self.tables[0].get((), Counter()).values())

    def filled_cells(self, context_words: int) -> int:
        """Non-zero cells of the table with ``context_words`` words of context."""
        return sum(len(c) for c in self.tables[context_words].values())

    def next_word_table(self, context: str | Sequence[str], top: int = 10) -> NextWordTable:
        """Ranked next words after ``context`` (text or words) using its longest seen tail (≤ 3 words)."""
        words = tuple(split_words(context) if isinstance(context, str) else (w.lower() for w in context))
        words = tuple(w for w in words if w != _BREAK)
        tail = words[-self.max_context:] if self.max_context else ()
        for k in range(len(tail), -1, -1):
            ctx = tail[len(tail) - k:]
            counts = self.tables[k].get(ctx)
            if counts:
                total = sum(counts.values())
                ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[: max(0, top)]
                return NextWordTable(words, ctx, [(w, c / total, c) for w, c in ranked], total)
        return NextWordTable(words, (), [], 0)


def build_ngrams_job(words: Sequence[str], cancel: CancelToken,
                     max_context: int = MAX_CONTEXT) -> Generator[Progress | Log, None, NGramModel]:
    """A job that counts the tables for 0..``max_context`` words of context; returns the :class:`NGramModel`."""
    if not 0 <= max_context <= 6:
        raise ValueError("max_context must be between 0 and 6")
    tables: list[dict[tuple[str, ...], Counter[str]]] = []
    for k in range(max_context + 1):
        cancel.raise_if_cancelled()
        # count (k+1)-grams at C speed, then regroup them by their first k words
        grams = Counter(zip(*(words[i:] for i in range(k + 1))))
        table: dict[tuple[str, ...], Counter[str]] = {}
        for gram, count in grams.items():
            if _BREAK in gram:
                continue
            table.setdefault(gram[:-1], Counter())[gram[-1]] = count
        tables.append(table)
        yield Progress(k + 1, max_context + 1, {"contexts": float(len(table))}, f"{k} words of context")
    yield Log(f"counted {len(words)} words, {len(tables[0].get((), ()))} distinct")
    return NGramModel(tables)
