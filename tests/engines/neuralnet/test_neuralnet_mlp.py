"""The NumPy network: backprop matches finite differences, and a hidden layer learns XOR."""

from __future__ import annotations

import numpy as np
import pytest

from engines.neuralnet.features import feature_matrix
from engines.neuralnet.mlp import MLP, encode_targets
from engines.neuralnet.neuron import truth_table
from engines.neuralnet.playground import Playground, PlaygroundConfig


def numeric_gradient(model: MLP, x, t, layer: int, eps: float = 1e-6) -> np.ndarray:
    w = model.weights[layer]
    grad = np.zeros_like(w)
    for idx in np.ndindex(*w.shape):
        old = w[idx]
        w[idx] = old + eps
        up = model.loss(x, t)
        w[idx] = old - eps
        down = model.loss(x, t)
        w[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("task, n_out", [("binary", 1), ("multiclass", 3), ("regression", 1)])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_backprop_matches_finite_differences(task, n_out, activation):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3))
    labels = rng.integers(0, n_out if task == "multiclass" else 2, 12)
    if task == "regression":
        labels = rng.normal(size=12)
    t = encode_targets(labels, task, n_out)
    model = MLP.create([5, 4], n_out, activation, task, features=("x1", "x2", "x1x2"), seed=1)
    grads_w, grads_b = model.gradients(x, t)
    for layer in range(3):
        assert grads_w[layer] == pytest.approx(numeric_gradient(model, x, t, layer), abs=1e-6)
        assert grads_b[layer].shape == model.biases[layer].shape


def test_hidden_layer_learns_the_xor_truth_table():
    rows, targets = truth_table("xor", 2)
    model = MLP.create([4], 1, "tanh", "binary", seed=0)
    t = targets.reshape(-1, 1)
    rng = np.random.default_rng(0)
    for _ in range(1500):
        model.sgd_epoch(rows, t, learning_rate=0.5, batch_size=4, rng=rng)
    assert ((model.predict_features(rows)[:, 0] > 0.5) == targets.astype(bool)).all()


def test_hidden_layers_learn_the_xor_dataset():
    pg = Playground(PlaygroundConfig(dataset="xor", hidden_layers=(4, 2), seed=0))
    pg.step(300)
    assert pg.accuracy("test") > 0.95


def test_no_hidden_layer_cannot_learn_xor():
    pg = Playground(PlaygroundConfig(dataset="xor", hidden_layers=(), seed=0))
    pg.step(100)
    assert pg.accuracy("test") < 0.75


def test_regularization_shrinks_weights():
    plain = Playground(PlaygroundConfig(dataset="gauss", seed=0))
    l2 = Playground(PlaygroundConfig(dataset="gauss", seed=0, regularization="l2", regularization_rate=0.03))
    l1 = Playground(PlaygroundConfig(dataset="gauss", seed=0, regularization="l1", regularization_rate=0.03))
    for pg in (plain, l2, l1):
        pg.step(60)

    def size(pg):
        return sum(float(np.abs(w).sum()) for w in pg.model.weights)

    assert size(l2) < size(plain) and size(l1) < size(plain)


def test_predict_applies_features():
    model = MLP.create([3], 1, features=("x1sq", "x2sq"), seed=0)
    pts = np.array([[1.0, 2.0], [-3.0, 0.5]])
    assert np.array_equal(model.predict(pts), model.predict_features(feature_matrix(pts, ("x1sq", "x2sq"))))
    assert model.layer_sizes == [2, 3, 1]
