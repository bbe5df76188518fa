"""The n-gram spreadsheet: next-word tables, back-off, and how dense tables explode."""

import time

import pytest

from engines.core.jobs import CancelToken, JobCancelled, Progress, collect
from engines.llm.ngrams import (
    NGramModel,
    build_ngrams_job,
    cells_needed,
    dense_bytes,
    explosion_table,
    human_bytes,
)
from engines.llm.storyworld import generate_story_world
from engines.llm.tokenizers import split_words


@pytest.fixture(scope="module")
def model() -> NGramModel:
    return NGramModel.from_text(generate_story_world(seed=0, target_chars=300_000))


def test_three_words_cannot_tell_fetch_from_soccer(model):
    for context in ("ben likes to play", "my dog's name is ben. ben likes to play",
                    "my brother's name is ben. ben likes to play"):
        table = model.next_word_table(context, top=5)
        assert table.n_used == 3 and table.context_used == ("likes", "to", "play") and table.seen
        probs = {word: prob for word, prob, _ in table}
        assert 0.35 < probs["fetch"] < 0.65 and 0.35 < probs["soccer"] < 0.65
        assert {table[0][0], table[1][0]} == {"fetch", "soccer"}
        assert abs(sum(p for _, p, _ in model.next_word_table(context, top=100)) - 1) < 1e-9


def test_how_are_you(model):
    table = model.next_word_table("hey, how are", top=3)
    assert table.rows[0][0] == "you"
    assert table.context_used == (",", "how", "are") or table.context_used[-2:] == ("how", "are")
    assert model.next_word_table(["how", "are"], top=1).rows[0][0] == "you"
    assert "seen" in table.message


def test_unseen_context_backs_off_and_says_so(model):
    table = model.next_word_table("purple elephants play", top=3)
    assert not table.seen
    assert table.context_used == ("play",) and table.n_used == 1
    assert "never appears" in table.message and "backed off" in table.message
    nothing = model.next_word_table("zzzz qqqq", top=3)
    assert nothing.n_used == 0 and not nothing.seen and nothing.rows  # plain word frequencies
    assert "nor its last word" in nothing.message
    assert model.next_word_table("", top=2).n_used == 0
    long = model.next_word_table("my dog's name is ben. ben likes to play", top=2)
    assert "only the last 3 words" in long.message
    assert long.to_dict()["next"][0]["word"] in ("fetch", "soccer")


def test_dense_tables_explode():
    assert cells_needed(50_000, 2) == 2.5e9
    assert cells_needed(50_000, 3) == 50_000**3 == 1.25e14
    assert dense_bytes(50_000, 2) == 10e9
    assert human_bytes(10e9) == "10 GB" and human_bytes(512) == "512 bytes"
    rows = explosion_table(50_000, max_n=4)
    assert [r["context_words"] for r in rows] == [0, 1, 2, 3] and rows[3]["memory"] == "25 EB"
    with pytest.raises(ValueError):
        cells_needed(10, 0)


def test_sparse_tables_fill_a_tiny_part(model):
    v = model.vocab_size
    assert 200 < v < 1000
    for k in (1, 2, 3):
        assert 0 < model.filled_cells(k) < cells_needed(v, k + 1) / 20  # sparse: a few percent at most


def test_building_is_fast_and_a_cancellable_job():
    words = split_words(generate_story_world(seed=1, target_chars=1_000_000))
    start = time.perf_counter()
    events, model = collect(build_ngrams_job(words, CancelToken()))
    assert time.perf_counter() - start < 10
    assert [e.step for e in events if isinstance(e, Progress)] == [1, 2, 3, 4]
    assert model.n_words > 150_000
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(JobCancelled):
        collect(build_ngrams_job(words, cancel))
    lines = NGramModel.from_words(["a", "b", "\n", "c", "d"])
    assert lines.next_word_table("b").n_used == 0  # n-grams never cross a line break
    assert lines.next_word_table("c").rows == [("d", 1.0, 1)]
