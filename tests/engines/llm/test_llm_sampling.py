"""Sampling: greedy, temperature, top-k, top-p and seeds."""

import numpy as np
import pytest

from engines.llm.sampling import filter_probs, make_rng, next_token_probs, softmax

LOGITS = np.log(np.array([0.05, 0.5, 0.15, 0.3], dtype=np.float32))


def test_temperature_zero_is_greedy_and_identical_every_time():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=500).astype(np.float32)
    a = next_token_probs(logits, temperature=0)
    b = next_token_probs(logits, temperature=0, rng=make_rng(123))
    assert a.token_id == b.token_id == int(np.argmax(logits))
    assert a == b
    assert a.candidates[0].id == a.token_id
    assert a.candidates[0].prob == pytest.approx(softmax(logits)[a.token_id])


def test_greedy_ties_pick_the_first():
    assert next_token_probs(np.array([1.0, 3.0, 3.0]), temperature=0).token_id == 1


def test_top_k_keeps_the_k_most_likely():
    probs = filter_probs(softmax(LOGITS), top_k=2)
    assert set(np.flatnonzero(probs)) == {1, 3}
    assert probs.sum() == pytest.approx(1.0)
    assert probs[1] == pytest.approx(0.5 / 0.8)


@pytest.mark.parametrize(
    "top_p, kept", [(0.4, {1}), (0.5, {1}), (0.7, {1, 3}), (0.8, {1, 3}), (0.81, {1, 3, 2}), (1.0, {0, 1, 2, 3})]
)
def test_top_p_keeps_the_smallest_nucleus(top_p, kept):
    probs = filter_probs(softmax(LOGITS), top_p=top_p)
    assert set(np.flatnonzero(probs)) == kept
    assert probs.sum() == pytest.approx(1.0)


def test_top_k_and_top_p_together():
    probs = filter_probs(softmax(LOGITS), top_k=3, top_p=0.95)
    assert set(np.flatnonzero(probs)) == {1, 2, 3}


def test_sampled_tokens_stay_inside_the_kept_set():
    rng = make_rng(0)
    chosen = {next_token_probs(LOGITS, 1.0, top_k=2, rng=rng).token_id for _ in range(200)}
    assert chosen == {1, 3}


def test_the_same_seed_gives_the_same_tokens():
    logits = np.random.default_rng(1).normal(size=50).astype(np.float32)

    def draw(seed):
        rng = make_rng(seed)
        return [next_token_probs(logits, 1.2, top_p=0.9, rng=rng).token_id for _ in range(30)]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_sampling_follows_the_probabilities():
    rng = make_rng(42)
    counts = np.bincount([next_token_probs(LOGITS, 1.0, rng=rng).token_id for _ in range(4000)], minlength=4)
    np.testing.assert_allclose(counts / 4000, [0.05, 0.5, 0.15, 0.3], atol=0.03)


def test_low_temperature_sharpens_and_high_flattens():
    cold = next_token_probs(LOGITS, 0.3, rng=make_rng(0)).candidates
    hot = next_token_probs(LOGITS, 3.0, rng=make_rng(0)).candidates
    assert cold[0].id == hot[0].id == 1
    assert cold[0].prob > 0.5 > hot[0].prob
    assert cold[0].raw_prob == pytest.approx(0.5, rel=1e-5)


def test_candidates_are_sorted_and_limited():
    logits = np.random.default_rng(3).normal(size=100)
    result = next_token_probs(logits, 1.0, rng=make_rng(0), n_candidates=7)
    probs = [c.prob for c in result.candidates]
    assert len(probs) == 7 and probs == sorted(probs, reverse=True)
    assert result.kept == 100


def test_torch_logits_are_accepted():
    torch = pytest.importorskip("torch")
    assert next_token_probs(torch.tensor([0.0, 2.0, 1.0]), temperature=0).token_id == 1


def test_negative_temperature_is_refused():
    with pytest.raises(ValueError):
        next_token_probs(LOGITS, temperature=-1)
