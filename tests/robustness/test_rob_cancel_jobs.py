"""Cancelling every kind of job mid-way ends it within a moment and leaves nothing half-done.

(GPT training and generation are cancelled in test_rob_inputs_llm.py.)"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rob_helpers import run_and_cancel_after

from engines.core.jobs import CancelToken


def test_cancelling_skipgram_training_ends_promptly_and_keeps_what_it_learned():
    from engines.embeddings.corpus import builtin_corpus
    from engines.embeddings.skipgram import SkipGramConfig, train_skipgram

    cancel = CancelToken()
    job = train_skipgram(builtin_corpus(sentences=300), SkipGramConfig(steps=10**7, batch_size=64, frame_every=5),
                         cancel=cancel)
    run_and_cancel_after(job, cancel, n_events=10)
    # the Stop button (``stop``) ends it early too, with a result
    stopped = {"now": False}
    events = 0

    def stop():
        return stopped["now"]

    from engines.core.jobs import run_job

    def on_event(_e):
        nonlocal events
        events += 1
        if events == 10:
            stopped["now"] = True

    result = run_job(train_skipgram(builtin_corpus(sentences=300),
                                    SkipGramConfig(steps=10**7, batch_size=64, frame_every=5), stop=stop),
                     None, on_event)
    assert len(result.vectors) >= 4 and np.isfinite(result.vectors.vectors).all()


def test_cancelling_the_playground_ends_promptly():
    from engines.neuralnet.playground import PlaygroundConfig, train_playground

    cancel = CancelToken()
    job = train_playground(PlaygroundConfig(epochs=None, n_points=200, grid_size=20, frame_every=2), cancel)
    run_and_cancel_after(job, cancel, n_events=6)


def test_cancelling_digit_training_ends_promptly():
    from engines.neuralnet.digits import DigitsConfig, train_digits

    cancel = CancelToken()
    job = train_digits(DigitsConfig(epochs=10_000, hidden=16), cancel)
    run_and_cancel_after(job, cancel, n_events=3)


@pytest.fixture(scope="module")
def tiny_diffusion(tmp_path_factory):
    from engines.diffusion.captions import WordVectors
    from engines.diffusion.pipeline import build_modules, load_diffusion_model, save_diffusion_model

    torch.manual_seed(0)
    config = {
        "name": "tiny",
        "unet": {"in_channels": 1, "image_size": 8, "channels": [4, 8, 8], "time_dim": 16,
                 "context_dim": 16, "heads": 2, "groups": 4, "film": True, "cross_attention": True},
        "encoder": {"word_dim": 8, "d_model": 16, "layers": 1, "heads": 2, "max_words": 4},
        "schedule": {"kind": "cosine", "num_timesteps": 1000},
    }
    unet, encoder = build_modules(config)
    words = WordVectors(("a", "red", "circle"), np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32),
                        "learned")
    folder = save_diffusion_model(tmp_path_factory.mktemp("diff") / "tiny", unet, encoder, words, config)
    return load_diffusion_model(folder, backend="torch")


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
def test_cancelling_diffusion_sampling_ends_promptly(tiny_diffusion, sampler):
    from engines.diffusion.sample import SampleSettings, sample_job

    cancel = CancelToken()
    job = sample_job(tiny_diffusion, SampleSettings(prompts=("a red circle", "zebra"), steps=1000, sampler=sampler),
                     cancel)
    run_and_cancel_after(job, cancel, n_events=6)
