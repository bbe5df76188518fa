"""Skip-gram brings words that share contexts together, emits frames, stops early, and saves loadable vectors."""

import threading

import numpy as np
import pytest

from engines.core.jobs import CancelToken, Frame, JobCancelled, Progress, collect, run_job
from engines.embeddings.corpus import Corpus, EXAMPLE_SENTENCE, builtin_corpus, context_window, tokenize
from engines.embeddings.loaders import load_vectors
from engines.embeddings.skipgram import SkipGramConfig, save_skipgram, train_skipgram


@pytest.fixture(autouse=True)
def one_thread():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)


def synthetic_corpus(seed=0, n=1500):
    """'dog'/'cat' always appear with pet words, 'monday'/'tuesday' with calendar words."""
    rng = np.random.default_rng(seed)
    pets = ["fed", "the", "X", "purred", "sleeps", "warm"]
    days = ["on", "X", "morning", "the", "meeting", "starts"]
    tokens = []
    for _ in range(n):
        if rng.random() < 0.5:
            template, word = pets, rng.choice(["dog", "cat"])
        else:
            template, word = days, rng.choice(["monday", "tuesday"])
        tokens += [word if t == "X" else t for t in template]
    return Corpus("synthetic", tokens, ("dog", "cat", "monday", "tuesday", "fed", "meeting"))


def test_words_that_share_contexts_move_closer():
    corpus = synthetic_corpus()
    config = SkipGramConfig(dims=8, steps=300, frame_every=100, batch_size=256, min_count=1, seed=0)
    events, result = collect(train_skipgram(corpus, config))
    v = result.vectors
    same_group = min(v.similarity("dog", "cat"), v.similarity("monday", "tuesday"))
    across = max(v.similarity("dog", "monday"), v.similarity("cat", "tuesday"))
    assert same_group > across + 0.3
    losses = [e.metrics["loss"] for e in events if isinstance(e, Progress)]
    assert losses[-1] < losses[0]
    frames = [e.payload for e in events if isinstance(e, Frame)]
    assert len(frames) == 4  # the start and every 100 steps
    last = frames[-1]
    assert last["coords"].shape == (6, 3) and last["words"][:2] == ["dog", "cat"]
    assert last["neighbours"]["dog"][0][0] == "cat"
    # frames are aligned: the picture moves a little between late frames, not a jump
    drift = np.linalg.norm(frames[-1]["coords"] - frames[-2]["coords"], axis=1).mean()
    spread = np.linalg.norm(frames[-1]["coords"] - frames[-1]["coords"].mean(0), axis=1).mean()
    assert drift < spread


def test_stop_and_cancel_end_early_with_what_was_learned(tmp_path):
    corpus = builtin_corpus(sentences=400)
    stop = threading.Event()
    seen = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, Progress) and event.step >= 100:
            stop.set()

    config = SkipGramConfig(steps=5000, frame_every=50, batch_size=128)
    result = run_job(train_skipgram(corpus, config, stop=stop.is_set), on_event=on_event)
    assert 100 <= result.steps_done < 200
    folder = save_skipgram(result, tmp_path / "vectors")
    loaded = load_vectors(folder)
    assert loaded.words == result.vectors.words
    np.testing.assert_allclose(loaded.vectors, result.vectors.vectors)

    cancel = CancelToken()
    job = train_skipgram(corpus, config, cancel)
    with pytest.raises(JobCancelled):
        run_job(job, cancel, on_event=lambda e: cancel.cancel() if isinstance(e, Progress) else None)


def test_context_window_is_the_words_either_side():
    tokens = EXAMPLE_SENTENCE.split()
    focus = tokens.index("learning")
    assert [w for _, w, _ in context_window(tokens, focus, 2)] == ["method", "for", "high", "quality"]
    assert [o for _, _, o in context_window(tokens, 0, 3)] == [1, 2, 3]
    with pytest.raises(IndexError):
        context_window(tokens, 99, 2)


def test_tokenize_and_tiny_corpus_errors():
    assert tokenize("The King's dog, don't RUN!") == ["the", "king's", "dog", "don't", "run"]
    with pytest.raises(ValueError, match="more text"):
        collect(train_skipgram(Corpus("tiny", ["a", "b"]), SkipGramConfig(steps=10)))
