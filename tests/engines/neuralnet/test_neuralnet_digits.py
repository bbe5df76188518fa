"""The image-classifier page: real digits, a classifier that learns them, and "draw a digit"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engines.core.assets import AssetRegistry  # noqa: E402
from engines.core.jobs import CancelToken, Frame, JobCancelled, Progress, collect, run_job  # noqa: E402
from engines.core.model_io import ModelFileError, load_tensors  # noqa: E402
from engines.neuralnet.digits import (  # noqa: E402
    ASSET_NAME, DigitsConfig, load_classifier, load_digits, predict_drawing, save_classifier, train_digits,
)
from engines.neuralnet.drawing import drawing_to_digit, upscale_digit  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained():
    torch.set_num_threads(1)
    events, result = collect(train_digits(DigitsConfig()))
    return events, result


def test_asset_is_verified_and_holds_the_real_digits():
    registry = AssetRegistry()
    info = registry.info(ASSET_NAME)
    assert info.licence == "CC BY 4.0" and "scikit-learn" in info.provenance
    tensors = load_tensors(registry.path(ASSET_NAME))  # sha256-checked
    assert tensors["images"].shape == (1797, 8, 8) and tensors["images"].dtype == np.uint8
    assert tensors["images"].max() == 16
    assert sorted(np.unique(tensors["labels"]).tolist()) == list(range(10))
    assert int(tensors["is_test"].sum()) == 360 == info.metrics["n_test"]
    data = load_digits()
    assert data.train_images.shape == (1437, 8, 8) and 0.0 <= data.train_images.min() <= data.train_images.max() <= 1
    assert np.bincount(data.test_labels).min() >= 35  # stratified: every digit is tested


def test_classifier_reaches_95_percent_and_reports_its_insides(trained):
    events, result = trained
    assert result.test_accuracy >= 0.95, f"test accuracy {result.test_accuracy:.3f}"
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.step for p in progress] == list(range(1, 16))
    assert {"train_loss", "test_accuracy"} <= progress[-1].metrics.keys()
    frame = [e for e in events if isinstance(e, Frame)][-1].payload
    assert frame["confusion"].shape == (10, 10) and frame["confusion"].sum() == 360
    assert np.trace(frame["confusion"]) / 360 == pytest.approx(result.test_accuracy)
    assert frame["first_layer"].shape == (64, 8, 8)
    assert len(frame["test_accuracy"]) == 15


def test_same_seed_same_curve():
    def curve(seed: int) -> list[float]:
        _, result = collect(train_digits(DigitsConfig(epochs=3, seed=seed)))
        return result.history.train_loss + result.history.test_accuracy

    assert curve(5) == curve(5)
    assert curve(5) != curve(6)


def test_cancel_stops_training_midway():
    cancel = CancelToken()
    seen: list[int] = []

    def on_event(event):
        if isinstance(event, Progress):
            seen.append(event.step)
            if event.step == 2:
                cancel.cancel()

    with pytest.raises(JobCancelled):
        run_job(train_digits(DigitsConfig(epochs=50), cancel), cancel, on_event)
    assert seen == [1, 2]


def test_cnn_option_trains_and_shows_kernels():
    events, result = collect(train_digits(DigitsConfig(model="cnn", epochs=2)))
    assert result.test_accuracy > 0.8
    assert [e for e in events if isinstance(e, Frame)][-1].payload["first_layer"].shape == (8, 3, 3)


def test_drawing_of_a_real_test_digit_is_recognised(trained):
    _, result = trained
    data = load_digits()
    right = 0
    for i in range(10):
        drawing = upscale_digit(data.test_images[i] * 16, 280)  # (280, 280) white on black
        probs = predict_drawing(result.classifier, drawing)
        assert probs.shape == (10,) and probs.sum() == pytest.approx(1.0)
        right += int(probs.argmax() == data.test_labels[i])
    assert right >= 8
    # black ink on white paper, as uint8, is read the same way once told so
    paper = (255 - upscale_digit(data.test_images[0] * 16, 140) * 255).astype(np.uint8)
    from_paper = drawing_to_digit(paper, ink="dark").astype(int)
    from_screen = drawing_to_digit(upscale_digit(data.test_images[0] * 16, 140)).astype(int)
    assert np.abs(from_paper - from_screen).max() <= 1  # uint8 rounding of the paper copy


def test_drawing_is_centred_and_scaled_like_the_uci_digits():
    canvas = np.zeros((280, 280))
    canvas[40:120, 200:220] = 1.0  # a small thin bar in a corner: a "1"
    digit = drawing_to_digit(canvas)
    assert digit.shape == (8, 8) and digit.dtype == np.uint8 and digit.max() <= 16
    assert (digit[0] > 0).any() and (digit[7] > 0).any()  # fills the height
    assert (digit[:, 3:5] > 0).all() and (digit[:, :2] == 0).all()  # centred and thin
    assert not drawing_to_digit(np.zeros((50, 50))).any()


def test_save_load_round_trip_gives_identical_predictions(trained, tmp_path):
    _, result = trained
    save_classifier(tmp_path / "clf", result.classifier, {"test_accuracy": result.test_accuracy})
    loaded, config = load_classifier(tmp_path / "clf")
    images = load_digits().test_images
    assert config["architecture"] == "digits-mlp"
    assert np.array_equal(loaded.predict_proba(images), result.classifier.predict_proba(images))
    (tmp_path / "clf" / "config.json").write_text(json.dumps({"architecture": "playground-mlp"}))
    with pytest.raises(ModelFileError):
        load_classifier(tmp_path / "clf")


def test_cli_json():
    proc = subprocess.run([sys.executable, "-m", "engines.neuralnet", "digits", "--epochs", "3", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["model"] == "mlp" and report["epochs"] == 3 and 0.8 < report["test_accuracy"] <= 1.0
    assert len(report["confusion"]) == 10 and len(report["history"]["test_accuracy"]) == 3
