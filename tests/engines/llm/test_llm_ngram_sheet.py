"""The spreadsheet window: row numbers in base V, counts read from the sparse tables, rows growing as V ** n."""

from __future__ import annotations

import pytest

from engines.llm.ngram_sheet import row_context, row_number, sheet_window, vocabulary_by_frequency
from engines.llm.ngrams import NGramModel

TEXT = ("the dog likes to play fetch . the kid likes to play soccer . the dog likes to play fetch .\n"
        "the cat likes to sleep .")


@pytest.fixture(scope="module")
def model():
    return NGramModel.from_text(TEXT)


def test_row_numbers_round_trip_in_frequency_order(model):
    vocab = vocabulary_by_frequency(model)
    assert vocab[0] in (".", "the", "likes", "to")  # the most frequent words come first
    rank = {w: i for i, w in enumerate(vocab)}
    for n in (1, 2, 3):
        for index in (0, 1, len(vocab) ** n - 1, len(vocab) ** n // 3):
            assert row_number(row_context(index, vocab, n), rank) == index


def test_window_reads_the_counts_of_the_sparse_table(model):
    window = sheet_window(model, "the dog likes to play".split(), 2, rows=5, columns=4)
    assert window.row_contexts[window.focus] == ("to", "play")
    assert window.columns[:2] == ("fetch", "soccer")  # the focus row's own next words first
    assert window.count(("to", "play"), "fetch") == 2 and window.count(("to", "play"), "soccer") == 1
    assert window.total_rows == model.vocab_size ** 2 and window.filled_cells == model.filled_cells(2)
    for i, context in enumerate(window.row_contexts):
        for j, word in enumerate(window.columns):
            assert window.counts[i, j] == model.tables[2].get(context, {}).get(word, 0)


def test_unknown_word_gives_no_focus_and_the_window_stays_inside_the_table(model):
    window = sheet_window(model, ["zebra"], 1, rows=1000, columns=1000)
    assert window.focus is None and window.first_row == 0
    assert window.counts.shape == (model.vocab_size, model.vocab_size)  # never more than the whole table
    with pytest.raises(ValueError):
        sheet_window(model, ["the"], 0, rows=3, columns=3)
