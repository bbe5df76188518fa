"""The spreadsheet itself: a window onto the dense next-word table, rows × columns of real counts.

The full table for ``n`` words of context has one row for *every* possible context, ``V ** n`` rows
(V = vocabulary size), and one column per possible next word (V columns). Rows are numbered as a
spreadsheet would number them: contexts in order of their words' frequency ranks (the most common
word first), so row 1 is "the the…" and the typed context sits at a row number that grows as ``V ** n``.
:func:`sheet_window` cuts out the few rows around the typed context and reads their counts from the
sparse tables of :class:`engines.llm.ngrams.NGramModel`; nothing dense is ever built.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engines.llm.ngrams import NGramModel


@dataclass(frozen=True)
class SheetWindow:
    """Rows ``first_row … first_row + len(row_contexts) − 1`` (0-based) of the table with ``n_context`` words."""

    n_context: int
    vocab_size: int
    total_rows: int  # V ** n_context
    first_row: int
    row_contexts: tuple[tuple[str, ...], ...]
    focus: int | None  # index in row_contexts of the typed context, None when it has an unknown word
    columns: tuple[str, ...]  # next words shown, the typed context's own next words first
    counts: np.ndarray  # (rows, columns) int64
    filled_cells: int  # non-zero cells in the whole table

    @property
    def total_cells(self) -> int:
        return self.total_rows * self.vocab_size

    def count(self, context: Sequence[str], word: str) -> int:
        """The shown count in the row of ``context`` and the column of ``word`` (KeyError if not shown)."""
        return int(self.counts[self.row_contexts.index(tuple(context)), self.columns.index(word)])


def vocabulary_by_frequency(model: NGramModel) -> tuple[str, ...]:
    """Every word of the table, most frequent first (ties alphabetical): the order of rows and columns."""
    unigrams: Counter[str] = model.tables[0].get((), Counter())
    return tuple(w for w, _ in sorted(unigrams.items(), key=lambda wc: (-wc[1], wc[0])))


def row_number(context: Sequence[str], rank: dict[str, int]) -> int:
    """0-based row of ``context`` in the dense table: its words' ranks read as digits in base V."""
    index, v = 0, len(rank)
    for word in context:
        index = index * v + rank[word]
    return index


def row_context(index: int, vocab: Sequence[str], n: int) -> tuple[str, ...]:
    """The context of 0-based row ``index`` in the table with ``n`` words of context (inverse of row_number)."""
    v, words = len(vocab), []
    for _ in range(n):
        index, digit = divmod(index, v)
        words.append(vocab[digit])
    return tuple(reversed(words))


def sheet_window(model: NGramModel, context: Sequence[str], n_context: int, rows: int, columns: int,
                 vocab: Sequence[str] | None = None) -> SheetWindow:
    """``rows`` × ``columns`` of the dense table with ``n_context`` words of context, around the typed context.

    ``context`` is the words typed so far (its last ``n_context`` words pick the focus row). The window is
    centred on that row when it can be; columns start with that row's next words, most frequent first,
    then the rest of the vocabulary by frequency.
    """
    if not 1 <= n_context <= model.max_context:
        raise ValueError(f"n_context must be between 1 and {model.max_context}")
    vocab = tuple(vocab) if vocab is not None else vocabulary_by_frequency(model)
    rank = {w: i for i, w in enumerate(vocab)}
    v = len(vocab)
    total = v ** n_context
    rows, columns = max(1, min(rows, total)), max(1, min(columns, v))
    table = model.tables[n_context]
    tail = tuple(w.lower() for w in context if w != "\n")[-n_context:]
    known = len(tail) == n_context and all(w in rank for w in tail)
    focus_row = row_number(tail, rank) if known else 0
    first = min(max(0, focus_row - rows // 2), total - rows)

    own = table.get(tail, Counter()) if known else Counter()
    leading = [w for w, _ in sorted(own.items(), key=lambda wc: (-wc[1], rank[wc[0]]))]
    chosen = set(leading)
    shown_columns = tuple((leading + [w for w in vocab if w not in chosen])[:columns])
    col_of = {w: j for j, w in enumerate(shown_columns)}

    contexts = tuple(row_context(first + i, vocab, n_context) for i in range(rows))
    counts = np.zeros((rows, columns), dtype=np.int64)
    for i, ctx in enumerate(contexts):
        for word, count in table.get(ctx, {}).items():
            j = col_of.get(word)
            if j is not None:
                counts[i, j] = count
    return SheetWindow(n_context, v, total, first, contexts, focus_row - first if known else None, shown_columns,
                       counts, model.filled_cells(n_context))
