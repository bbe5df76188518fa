"""Exports: the ONNX graph computes what NumPy computes; safetensors reload predicts the same."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engines.core.model_io import ModelFileError, save_model
from engines.neuralnet.export import (
    ARCHITECTURE,
    OnnxPlaygroundModel,
    export_onnx,
    load_playground_model,
    save_playground_model,
)
from engines.neuralnet.features import FEATURES, feature_matrix
from engines.neuralnet.playground import Playground, PlaygroundConfig


def trained(**overrides) -> Playground:
    pg = Playground(PlaygroundConfig(**overrides))
    pg.step(5)
    return pg


@pytest.mark.parametrize("overrides", [
    {},
    {"dataset": "spiral", "n_classes": 4, "activation": "relu", "features": FEATURES, "hidden_layers": (6, 5, 3)},
    {"dataset": "plane", "activation": "sigmoid", "features": ("x1x2", "sinx2", "x1")},
    {"dataset": "gauss", "activation": "linear", "hidden_layers": ()},
])
def test_onnx_output_equals_numpy_forward(tmp_path, overrides):
    pg = trained(**overrides)
    path = export_onnx(pg.model, tmp_path / "net.onnx")
    runner = OnnxPlaygroundModel(path)
    points = np.random.default_rng(0).uniform(-6, 6, (400, 2)).astype(np.float32)
    outputs = runner.run(points)
    acts, _ = pg.model.forward(feature_matrix(points.astype(np.float64), pg.model.features))
    assert list(outputs) == ["output"] + [f"hidden_{i}" for i in range(len(acts) - 2)]
    np.testing.assert_allclose(outputs["output"], acts[-1], atol=1e-5, rtol=0)
    for i, numpy_hidden in enumerate(acts[1:-1]):
        np.testing.assert_allclose(outputs[f"hidden_{i}"], numpy_hidden, atol=1e-5, rtol=0)
    np.testing.assert_allclose(runner.predict(points), pg.model.predict(points), atol=1e-5, rtol=0)


def test_safetensors_round_trip_gives_the_same_predictions(tmp_path):
    pg = trained(dataset="spiral", n_classes=3, features=("x1", "x2", "sinx1"), hidden_layers=(5, 4))
    folder = save_playground_model(tmp_path / "model", pg.model, {"dataset": "spiral", "epochs": pg.epoch})
    model, config = load_playground_model(folder)
    points = np.random.default_rng(1).uniform(-6, 6, (200, 2))
    assert np.array_equal(model.predict(points), pg.model.predict(points))
    assert config["architecture"] == ARCHITECTURE and config["epochs"] == 5
    assert config["layer_sizes"] == [3, 5, 4, 3] and model.task == "multiclass"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]


def test_loading_refuses_other_models_and_broken_configs(tmp_path):
    save_model(tmp_path / "other", {"w": np.zeros(2)}, {}, "something-else")
    with pytest.raises(ModelFileError, match="different kind of model"):
        load_playground_model(tmp_path / "other")
    folder = save_playground_model(tmp_path / "bad", trained().model)
    config = json.loads((folder / "config.json").read_text())
    config["layer_sizes"] = [2, 9, 1]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="do not match"):
        load_playground_model(folder)
