"""Playground datasets: shapes, seeds, classes, splits, and the CSV loader's error messages."""

from __future__ import annotations

import numpy as np
import pytest

from engines.neuralnet.datasets import (
    DATASETS,
    DatasetConfig,
    DatasetFileError,
    load_csv,
    make_dataset,
    make_split,
    train_test_split,
)


@pytest.mark.parametrize("name", DATASETS)
def test_every_dataset_has_the_asked_shape_and_is_seeded(name):
    data = make_dataset(DatasetConfig(name=name, n_points=201, noise=0.1, seed=4))
    assert data.points.shape == (201, 2) and data.labels.shape == (201,)
    assert np.isfinite(data.points).all()
    assert np.abs(data.points).max() < 9
    again = make_dataset(DatasetConfig(name=name, n_points=201, noise=0.1, seed=4))
    other = make_dataset(DatasetConfig(name=name, n_points=201, noise=0.1, seed=5))
    assert np.array_equal(data.points, again.points) and np.array_equal(data.labels, again.labels)
    assert not np.array_equal(data.points, other.points)


@pytest.mark.parametrize("name", ["circle", "xor", "gauss", "spiral"])
def test_binary_datasets_have_balanced_0_1_labels(name):
    data = make_dataset(DatasetConfig(name=name, n_points=400))
    assert data.task == "binary" and data.n_classes == 2
    assert set(np.unique(data.labels)) == {0, 1}
    assert 0.4 < data.labels.mean() < 0.6


def test_clean_circle_and_xor_follow_their_rule():
    circle = make_dataset(DatasetConfig(name="circle"))
    radius = np.hypot(*circle.points.T)
    assert (radius[circle.labels == 1] < 2.5).all() and (radius[circle.labels == 0] > 3.5).all()
    xor = make_dataset(DatasetConfig(name="xor"))
    same_sign = xor.points[:, 0] * xor.points[:, 1] > 0
    assert np.array_equal(same_sign, xor.labels == 1)


def test_noise_blurs_the_classes():
    clean = make_dataset(DatasetConfig(name="circle", noise=0.0))
    noisy = make_dataset(DatasetConfig(name="circle", noise=0.5))
    inner_clean = np.hypot(*clean.points[clean.labels == 1].T).max()
    inner_noisy = np.hypot(*noisy.points[noisy.labels == 1].T).max()
    assert inner_noisy > inner_clean + 1


@pytest.mark.parametrize("name", ["spiral", "gauss"])
def test_multiclass_variants(name):
    data = make_dataset(DatasetConfig(name=name, n_points=300, n_classes=3))
    assert data.task == "multiclass" and data.n_classes == 3
    assert np.bincount(data.labels).tolist() == [100, 100, 100]
    with pytest.raises(ValueError, match="two classes"):
        make_dataset(DatasetConfig(name="circle", n_classes=3))


def test_regression_datasets_have_numbers_for_labels():
    data = make_dataset(DatasetConfig(name="plane"))
    assert data.task == "regression" and data.labels.dtype == np.float64
    assert data.labels.min() < -0.5 and data.labels.max() > 0.5


def test_split_is_disjoint_complete_and_seeded():
    data = make_dataset(DatasetConfig(n_points=100))
    train, test = train_test_split(data, 0.3, seed=1)
    assert len(train) == 70 and len(test) == 30
    together = np.concatenate([train.points, test.points])
    assert len(np.unique(together, axis=0)) == 100
    train2, _ = train_test_split(data, 0.3, seed=1)
    assert np.array_equal(train.points, train2.points)
    a, b = make_split(DatasetConfig(n_points=10, test_fraction=0.5))
    assert len(a) == len(b) == 5


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="unknown dataset 'moons'"):
        make_dataset(DatasetConfig(name="moons"))


# --- CSV -------------------------------------------------------------------------------------

def write(tmp_path, text, name="points.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_header_comments_and_minus_one_labels(tmp_path):
    path = write(tmp_path, "# my points\nx,y,label\n0,0,-1\n1,1,1\n\n2,0.5,1\n-1,-2,-1\n")
    data = load_csv(path)
    assert data.task == "binary" and data.n_classes == 2
    assert data.points.tolist() == [[0, 0], [1, 1], [2, 0.5], [-1, -2]]
    assert data.labels.tolist() == [0, 1, 1, 0]


def test_csv_multiclass_and_regression(tmp_path):
    multi = load_csv(write(tmp_path, "0,0,0\n1,0,1\n0,1,2\n1,1,2\n"))
    assert multi.task == "multiclass" and multi.n_classes == 3
    reg = load_csv(write(tmp_path, "0 0 0.5\n1 0 1.25\n0 1 -0.5\n1 1 2\n", "reg.txt"))
    assert reg.task == "regression" and reg.labels.tolist() == [0.5, 1.25, -0.5, 2]


@pytest.mark.parametrize("text, message", [
    ("0,0,0\n1,1\n2,2,1\n3,3,0\n", r"line 2: found 2 values, but each line needs exactly three: x,y,label"),
    ("0,0,0\n1,1,1,1\n2,2,1\n3,3,0\n", r"line 2: found 4 values"),
    ("0,0,0\n1,abc,1\n2,2,1\n3,3,0\n", r"line 2: 'abc' is not a number"),
    ("x,y,label\nfoo,bar,baz\n1,1,1\n", r"line 2: 'foo' is not a number"),
    ("0,0,0\nnan,1,1\n2,2,1\n3,3,0\n", r"line 2: values must be finite"),
    ("x,y,label\n0,0,1\n1,1,0\n", r"has 2 data rows; at least 4"),
    ("", r"has 0 data rows"),
    ("0,0,1\n1,1,1\n2,2,1\n3,3,1\n", r"every point has label 1; a classifier needs two classes"),
])
def test_csv_malformed_files_get_clear_messages(tmp_path, text, message):
    with pytest.raises(DatasetFileError, match=message):
        load_csv(write(tmp_path, text))


def test_csv_fractional_label_for_classification(tmp_path):
    path = write(tmp_path, "0,0,0\n1,1,0.5\n2,2,1\n3,3,0\n")
    with pytest.raises(ValueError, match="label 0.5 is not a whole number"):
        load_csv(path, task="classification")


def test_csv_not_text_or_missing(tmp_path):
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ValueError, match="not a UTF-8 text file"):
        load_csv(binary)
    with pytest.raises(ValueError, match="no such file"):
        load_csv(tmp_path / "nope.csv")
