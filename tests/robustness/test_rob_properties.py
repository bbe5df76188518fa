"""Property-based tests (hypothesis): tokenizers, samplers, noise schedules and vector maths keep their promises
for arbitrary input, not just the hand-picked cases in tests/engines."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engines.diffusion.schedule import NoiseSchedule, cosine_betas, linear_betas, q_sample
from engines.embeddings.projection import axes_projection, orthonormalise, pca_projection
from engines.embeddings.vectors import WordVectors
from engines.llm.sampling import filter_probs, next_token_probs, softmax
from engines.llm.storyworld import generate_story_world
from engines.llm.tokenizers import BPETokenizer, WordTokenizer

# ROB_MAX_EXAMPLES=1000 for a longer hunt; 50 keeps the everyday run fast.
SETTINGS = settings(max_examples=int(os.environ.get("ROB_MAX_EXAMPLES", "50")), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text that a user can paste: any Unicode scalar value except lone surrogates (which a str can hold but
# no file or clipboard can).
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200)
finite = st.floats(-30.0, 30.0, allow_nan=False, allow_infinity=False, width=32)
logit_arrays = arrays(np.float32, st.integers(1, 60), elements=finite)


# --- tokenizers -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def story() -> str:
    return generate_story_world(seed=3, target_chars=40_000)


@pytest.fixture(scope="module")
def bpe(story) -> BPETokenizer:
    return BPETokenizer.train(story, vocab_size=400)


@pytest.fixture(scope="module")
def words(story) -> WordTokenizer:
    return WordTokenizer.train(story, max_vocab=300)


@SETTINGS
@given(text=any_text)
def test_bpe_round_trips_any_text(bpe, text):
    ids = bpe.encode(text)
    assert bpe.decode(ids) == text
    assert all(0 <= i < bpe.vocab_size for i in ids)


@SETTINGS
@given(text=any_text)
def test_word_spans_cover_every_visible_character_and_ids_are_in_range(words, text):
    spans = words.spans(text)
    covered: set[int] = set()
    last_end = 0
    for start, end, token_id, unknown in spans:
        assert last_end <= start < end <= len(text)  # in order, never overlapping
        last_end = end
        covered |= set(range(start, end))
        assert 0 <= token_id < words.vocab_size
        assert unknown == (token_id == words.unk_id)
    visible = {i for i, ch in enumerate(text) if not ch.isspace()}
    assert visible <= covered
    assert all(text[i] == "\n" for i in covered - visible)  # line breaks are tokens too
    ids = words.encode(text)
    assert [s[2] for s in spans] == ids
    assert all(0 <= i < words.vocab_size for i in ids)


# --- sampling ---------------------------------------------------------------------------------------

@SETTINGS
@given(logits=logit_arrays, temperature=st.floats(0.05, 5.0))
def test_softmax_is_a_distribution(logits, temperature):
    p = softmax(logits, temperature)
    assert np.all(p >= 0) and np.isclose(p.sum(), 1.0)


@SETTINGS
@given(logits=logit_arrays, seed=st.integers(0, 2**32 - 1),
       top_k=st.one_of(st.none(), st.integers(1, 80)), top_p=st.one_of(st.none(), st.floats(0.01, 1.0)))
def test_temperature_zero_is_argmax_and_probabilities_sum_to_one(logits, seed, top_k, top_p):
    greedy = next_token_probs(logits, 0.0, top_k, top_p, np.random.default_rng(seed))
    assert greedy.token_id == int(np.argmax(logits))
    sampled = next_token_probs(logits, 1.0, top_k, top_p, np.random.default_rng(seed))
    probs = filter_probs(softmax(logits), top_k, top_p)
    assert np.isclose(probs.sum(), 1.0)
    assert probs[sampled.token_id] > 0  # never picks a filtered-out token
    assert all(c.prob > 0 for c in sampled.candidates)


@SETTINGS
@given(logits=logit_arrays, k=st.integers(1, 80))
def test_top_k_keeps_exactly_the_k_best(logits, k):
    probs = softmax(logits)
    kept = filter_probs(probs, top_k=k)
    assert np.isclose(kept.sum(), 1.0)
    n = min(k, len(probs))
    assert np.count_nonzero(kept) <= n  # (underflowed probabilities may count as zero)
    kept_ids = np.flatnonzero(kept)
    if len(kept_ids) and len(kept_ids) < len(probs):
        dropped = np.setdiff1d(np.arange(len(probs)), kept_ids)
        assert probs[kept_ids].min() >= probs[dropped].max()  # ties aside, the best ones stay
    strictly_positive = np.count_nonzero(probs)
    assert np.count_nonzero(kept) == min(n, strictly_positive)


@SETTINGS
@given(logits=logit_arrays, p=st.floats(0.01, 0.99))
def test_top_p_keeps_the_smallest_set_reaching_p(logits, p):
    probs = softmax(logits)
    kept = filter_probs(probs, top_p=p)
    assert np.isclose(kept.sum(), 1.0)
    kept_ids = np.flatnonzero(kept)
    mass = probs[kept_ids].sum()
    assert mass >= p - 1e-9 or len(kept_ids) == len(probs)
    if len(kept_ids) > 1:  # dropping the least likely kept token would fall short of p
        assert mass - probs[kept_ids].min() < p + 1e-9
    if len(kept_ids) < len(probs):
        dropped = np.setdiff1d(np.arange(len(probs)), kept_ids)
        assert probs[kept_ids].min() >= probs[dropped].max()


# --- noise schedules --------------------------------------------------------------------------------

@SETTINGS
@given(kind=st.sampled_from(["linear", "cosine"]), steps=st.integers(2, 2000))
def test_alpha_bar_strictly_decreases_inside_zero_one(kind, steps):
    abar = NoiseSchedule.make(kind, steps).alphas_cumprod
    assert np.all(abar > 0) and np.all(abar < 1)
    assert np.all(np.diff(abar) < 0)


@SETTINGS
@given(steps=st.integers(2, 1000), start=st.floats(1e-5, 1e-2), width=st.floats(1e-4, 0.2))
def test_linear_betas_stay_valid(steps, start, width):
    betas = linear_betas(steps, start, start + width)
    assert np.all(betas > 0) and np.all(betas < 1)
    assert np.all(np.diff(cosine_betas(steps)) >= -1e-12)


@SETTINGS
@given(kind=st.sampled_from(["linear", "cosine"]), t=st.integers(0, 999),
       x0=st.floats(-1, 1), seed=st.integers(0, 1000))
def test_q_sample_mean_and_variance_follow_the_formula(kind, t, x0, seed):
    schedule = NoiseSchedule.make(kind, 1000)
    abar = schedule.alphas_cumprod[t]
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((4000, 1, 1, 1))
    clean = np.full_like(noise, x0)
    x = q_sample(schedule, clean, np.full(4000, t), noise)
    # exact per sample: x = sqrt(ᾱ)·x0 + sqrt(1 − ᾱ)·ε
    np.testing.assert_allclose(x, np.sqrt(abar) * x0 + np.sqrt(1 - abar) * noise, rtol=1e-6, atol=1e-9)
    # and so its mean and variance are sqrt(ᾱ)·x0 and 1 − ᾱ (up to sampling error)
    assert abs(x.mean() - np.sqrt(abar) * x0) < 5 * np.sqrt(1 - abar) / np.sqrt(4000) + 1e-9
    assert abs(x.var() - (1 - abar)) < 0.15 * (1 - abar) + 1e-9


# --- vector maths -----------------------------------------------------------------------------------

def _store(seed: int, n: int = 40, d: int = 8) -> WordVectors:
    rng = np.random.default_rng(seed)
    return WordVectors([f"w{i}" for i in range(n)], rng.standard_normal((n, d)).astype(np.float32))


@SETTINGS
@given(seed=st.integers(0, 10_000), a=st.integers(0, 39), b=st.integers(0, 39))
def test_cosine_is_between_minus_one_and_one(seed, a, b):
    store = _store(seed)
    sim = store.similarity(f"w{a}", f"w{b}")
    assert -1.0 - 1e-5 <= sim <= 1.0 + 1e-5
    if a == b:
        assert sim == pytest.approx(1.0, abs=1e-5)
    scores = store.cosine_scores(store.vectors[a])
    assert np.all(scores <= 1 + 1e-5) and np.all(scores >= -1 - 1e-5)


@SETTINGS
@given(seed=st.integers(0, 10_000), idx=st.lists(st.integers(0, 39), min_size=3, max_size=3),
       method=st.sampled_from(["add", "mul"]))
def test_analogy_never_answers_with_a_query_word(seed, idx, method):
    store = _store(seed)
    a, b, c = (f"w{i}" for i in idx)
    result = store.analogy(a, b, c, topn=10, method=method)
    answers = [w for w, _ in result.answers]
    assert answers and not {a, b, c} & set(answers)


@SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(4, 60), d=st.integers(3, 20))
def test_pca_axes_are_orthonormal(seed, n, d):
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d)
    proj = pca_projection(vectors)
    np.testing.assert_allclose(proj.basis @ proj.basis.T, np.eye(3), atol=1e-4)
    assert proj(vectors).shape == (n, 3)


@SETTINGS
@given(seed=st.integers(0, 10_000), pairs=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)),
                                                    min_size=1, max_size=3))
def test_user_axes_are_orthonormal_or_refused(seed, pairs):
    assume(all(a != b for a, b in pairs))
    store = _store(seed)
    axes = [f"w{a}:w{b}" for a, b in pairs]
    try:
        proj = axes_projection(store, axes)
    except ValueError as exc:  # two axes pointing the same way
        assert "same way" in str(exc)
        return
    np.testing.assert_allclose(proj.basis @ proj.basis.T, np.eye(3), atol=1e-4)


@SETTINGS
@given(m=arrays(np.float64, st.tuples(st.integers(1, 5), st.just(6)), elements=st.floats(-5, 5)))
def test_orthonormalise_gives_orthonormal_rows(m):
    basis = orthonormalise(m)
    assert basis.shape[0] <= min(m.shape)
    np.testing.assert_allclose(basis @ basis.T, np.eye(basis.shape[0]), atol=1e-8)
