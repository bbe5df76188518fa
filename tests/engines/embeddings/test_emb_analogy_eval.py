"""Analogy accuracy follows gensim's rules (b − a + c, query words excluded, restricted vocabulary)."""

import numpy as np
import pytest

from engines.embeddings.analogy_eval import evaluate_analogies
from engines.embeddings.vectors import WordVectors

QUESTIONS = """: royals
man king woman queen
woman queen man king
: fruit
apple apples pear pears
: unknown
man king dragon wyvern
"""


@pytest.fixture
def setup(tmp_path):
    words = ["man", "woman", "king", "queen", "apple", "pear", "apples", "pears"]
    vectors = np.array([[0.1, 0.9, 0.1, 0, 0], [0.1, 0.1, 0.9, 0, 0], [0.9, 0.9, 0.1, 0, 0],
                        [0.9, 0.1, 0.9, 0, 0], [0, 0, 0, 1, 0], [0, 0.1, 0, 1, 0], [0, 0, 0, 1, 1],
                        [0, 0.1, 0, 0.2, 1]], dtype=np.float32)
    path = tmp_path / "q.txt"
    path.write_text(QUESTIONS)
    return WordVectors(words, vectors), path


def test_sections_and_skips(setup):
    store, path = setup
    score = evaluate_analogies(store, path)
    names = [s.name for s in score.sections]
    assert names == ["royals", "fruit", "unknown"]
    assert score.sections[0].correct == 2
    assert score.skipped == 1 and score.questions == 4
    assert score.total == 3


def test_same_numbers_as_gensim(setup):
    gensim = pytest.importorskip("gensim")
    store, path = setup
    kv = gensim.models.KeyedVectors(vector_size=store.dims)
    kv.add_vectors(store.words, store.vectors)
    total, sections = kv.evaluate_word_analogies(str(path))
    ours = evaluate_analogies(store, path)
    assert ours.accuracy == pytest.approx(total)
    for mine, theirs in zip(ours.sections, sections):
        assert (mine.correct, mine.incorrect) == (len(theirs["correct"]), len(theirs["incorrect"]))
