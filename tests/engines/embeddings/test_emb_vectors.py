"""The vector store answers like gensim: nearest words, analogies (3CosAdd/3CosMul), odd one out, clear OOV errors."""

import numpy as np
import pytest

from engines.embeddings.vectors import OutOfVocabularyError, WordVectors

# royalty, masculinity, femininity, fruitiness
TINY = {
    "king": (0.9, 0.9, 0.1, 0.0), "queen": (0.9, 0.1, 0.9, 0.0), "man": (0.1, 0.9, 0.1, 0.0),
    "woman": (0.1, 0.1, 0.9, 0.0), "prince": (0.7, 0.8, 0.1, 0.1), "apple": (0.0, 0.0, 0.1, 0.9),
    "pear": (0.0, 0.1, 0.0, 0.9), "banana": (0.05, 0.0, 0.05, 0.95),
}


@pytest.fixture
def store():
    return WordVectors(list(TINY), np.array(list(TINY.values()), dtype=np.float32))


def test_analogy_king_man_woman_gives_queen(store):
    result = store.analogy("king", "man", "woman", expected="queen")
    assert result.top == "queen"
    assert result.expected_rank == 1
    assert {"king", "man", "woman"}.isdisjoint(w for w, _ in result.answers)
    unit = store.unit
    query = unit[store.index("king")] - unit[store.index("man")] + unit[store.index("woman")]
    expected_score = unit[store.index("queen")] @ query / np.linalg.norm(query)
    assert result.answers[0][1] == pytest.approx(float(expected_score), abs=1e-5)
    mul = store.analogy("king", "man", "woman", method="mul")
    assert mul.top == "queen"


def test_query_words_can_be_kept(store):
    kept = store.analogy("king", "man", "woman", exclude_query=False, topn=len(store))
    assert {"king", "woman"} & {w for w, _ in kept.answers}


def test_most_similar_matches_a_brute_force_cosine(store):
    unit = store.vectors / np.linalg.norm(store.vectors, axis=1, keepdims=True)
    scores = unit @ unit[store.index("apple")]
    order = [store.words[i] for i in np.argsort(-scores) if store.words[i] != "apple"][:3]
    answers = store.most_similar("apple", topn=3)
    assert [w for w, _ in answers] == order
    assert answers[0][1] == pytest.approx(float(np.sort(scores)[-2]), abs=1e-6)
    assert store.most_similar(positive=["king"], negative=["man"], topn=1)[0][0] == "queen"


def test_rank_of_an_unlikely_answer(store):
    result = store.analogy("king", "man", "woman", expected="banana")
    assert result.expected_rank > 1
    assert result.expected_rank <= len(store) - 3


def test_similarity_and_odd_one_out(store):
    assert store.similarity("apple", "pear") > store.similarity("apple", "king")
    assert store.similarity("king", "king") == pytest.approx(1.0)
    assert store.doesnt_match(["apple", "pear", "banana", "king"]) == "king"
    ranked = store.odd_one_out(["apple", "pear", "queen"])
    assert ranked[0][0] == "queen" and ranked[0][1] < ranked[-1][1]


def test_unknown_words_raise_a_helpful_key_error(store):
    with pytest.raises(KeyError) as info:
        store.analogy("kign", "man", "woman")
    err = info.value
    assert isinstance(err, OutOfVocabularyError)
    assert "'kign' is not in the vocabulary" in str(err)
    assert "king" in err.suggestions
    with pytest.raises(OutOfVocabularyError, match="did you mean 'queen'"):
        store.most_similar("Queen")
    assert "xyzzy" not in store and "king" in store


def test_bad_shapes_and_methods_are_refused(store):
    with pytest.raises(ValueError):
        WordVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError):
        store.analogy("king", "man", "woman", method="median")


def test_nearest_to_a_raw_vector(store):
    vec = store["king"] - store["man"] + store["woman"]
    assert store.nearest(vec, topn=1, exclude=("king", "man", "woman"))[0][0] == "queen"
