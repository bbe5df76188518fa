"""tools/tune_guidance.py's bookkeeping: sweep keys, the choice, and never reusing another model's scores."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("tune_guidance", ROOT / "tools" / "tune_guidance.py")
tune = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tune)


def test_keys_round_trip_and_old_keys_mean_the_classic_recipe():
    assert tune.parse_key(tune.sweep_key("karras40", 3.0)) == ("karras40", 3.0)
    assert tune.parse_key("1.5") == ("trailing", 1.5)


def test_choice_takes_the_best_score_and_breaks_ties_plainly():
    assert tune.choose({"trailing@1.5": 0.91, "karras40@4": 0.97, "karras80@3": 0.95}) == ("karras40", 4.0)
    assert tune.choose({"karras40@4": 0.9, "karras40@2": 0.9}) == ("karras40", 2.0)
    assert tune.choose({"karras80@2": 0.9, "trailing@2": 0.9}) == ("trailing", 2.0)
    assert tune.choose({"karras40@2": 1.0, "karras40c5@2": 1.0}) == ("karras40c5", 2.0)


def test_an_earlier_sweep_is_reused_only_for_the_same_weights_and_settings(tmp_path):
    folder = tmp_path / "diffusion" / "faces"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"weights one")
    args = argparse.Namespace(val_seed=100, val_n=40, steps=50, backend="onnx")
    sweep = {"validation_seed": 100, "prompts_per_split": 40, "steps": 50, "backend": "onnx",
             "weights": tune.weights_id(folder), "scores": {"trailing@1.5": 0.9, "karras40@3": 0.95}}
    (folder / "config.json").write_text(json.dumps({"guidance_sweep": sweep}))
    assert tune._earlier_sweep(folder, args) == {"trailing@1.5": 0.9, "karras40@3": 0.95}
    assert tune._earlier_sweep(folder, argparse.Namespace(**{**vars(args), "val_n": 64})) == {}
    (folder / "model.onnx").write_bytes(b"weights two")  # retrained: the old scores say nothing about it
    assert tune._earlier_sweep(folder, args) == {}
