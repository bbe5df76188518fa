"""The compression page: an autoencoder on the digits, the bottleneck's price, a sentence in 3 numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engines.core.jobs import Frame, Progress, collect  # noqa: E402
from engines.neuralnet.autoencoder import (  # noqa: E402
    AutoencoderConfig, bottleneck_sweep, compression_ratio, train_autoencoder,
)
from engines.neuralnet.digits import load_digits  # noqa: E402
from engines.neuralnet.sentence_code import (  # noqa: E402
    all_sentences, round_trip, train_sentence_codec,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_two_number_code_trains_and_walks_the_latent_space():
    events, result = collect(train_autoencoder(AutoencoderConfig(bottleneck=2, epochs=10, frame_every=5)))
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.step for p in progress] == list(range(1, 11)) and "loss" in progress[-1].metrics
    assert progress[-1].metrics["loss"] < progress[0].metrics["loss"]
    frame = [e for e in events if isinstance(e, Frame)][-1].payload
    assert frame["latent"].shape == (360, 2) and frame["labels"].shape == (360,)
    assert frame["reconstructions"].shape == frame["originals"].shape == (8, 8, 8)
    image = result.model.decode(np.array([0.5, -0.5]))
    assert image.shape == (1, 8, 8) and 0.0 <= image.min() <= image.max() <= 1.0
    codes = result.model.encode(load_digits().test_images)
    assert codes.shape == (360, 2)
    assert result.model.latent_grid(codes, size=5).shape == (5, 5, 8, 8)


def test_more_numbers_in_the_bottleneck_rebuild_better():
    events, points = collect(bottleneck_sweep((1, 8), epochs=15, seed=0))
    assert [p.bottleneck for p in points] == [1, 8]
    assert points[1].test_mse < 0.7 * points[0].test_mse
    assert compression_ratio(8) == 8.0 and compression_ratio(1) == 64.0
    assert [e.step for e in events if isinstance(e, Progress)] == [1, 2]


def test_bottleneck_is_bounded():
    with pytest.raises(ValueError):
        AutoencoderConfig(bottleneck=0)
    with pytest.raises(ValueError):
        AutoencoderConfig(bottleneck=17)


def test_sentence_survives_three_numbers():
    _, codec = collect(train_sentence_codec())
    trip = round_trip(codec, " ".join(codec.trained_on[0]))
    assert trip.seen_in_training and len(trip.code) == 3
    assert trip.n_survived >= 5, trip
    trained = [round_trip(codec, s).n_survived for s in codec.trained_on]
    assert np.mean(trained) >= 5.0
    unseen = [s for s in all_sentences() if s not in codec.trained_on]
    assert not round_trip(codec, unseen[0]).seen_in_training
    with pytest.raises(ValueError):
        round_trip(codec, "the cat sat on the moon")


def test_cli_json():
    proc = subprocess.run([sys.executable, "-m", "engines.neuralnet", "autoencoder", "--bottleneck", "4",
                           "--epochs", "5", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["bottleneck"] == 4 and report["compression_ratio"] == 16.0 and 0 < report["test_mse"] < 0.1
