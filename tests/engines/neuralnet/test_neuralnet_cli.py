"""``python -m engines.neuralnet``: every verb's --json output parses and says the right thing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engines.neuralnet", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_neuron_json():
    proc = run_cli("neuron", "--inputs", "1,0,1", "--weights", "0.5,0.5,0.5", "--threshold", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["weighted_sum"] == 1.0 and report["fires"] is True and report["output"] == 1.0
    proc = run_cli("neuron", "--inputs", "1,0", "--preset", "and", "--activation", "sigmoid", "--json")
    report = json.loads(proc.stdout)
    assert report["fires"] is False and 0 < report["output"] < 0.5


def test_playground_json_and_exports(tmp_path):
    onnx_path = tmp_path / "net.onnx"
    proc = run_cli("playground", "--dataset", "gauss", "--layers", "3", "--epochs", "20", "--seed", "1",
                   "--save", str(tmp_path / "model"), "--onnx", str(onnx_path), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["epochs"] == 20 and report["layer_sizes"] == [2, 3, 1]
    assert report["test_loss"] < 0.2 and report["epochs_per_second"] > 0
    assert (tmp_path / "model" / "model.safetensors").is_file() and onnx_path.is_file()


def test_perceptron_json_reports_xor_failure():
    proc = run_cli("perceptron", "--gate", "xor", "--max-epochs", "20", "--json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["converged"] is False and report["epochs"] == 20


def test_bad_input_gives_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("0,0\n")
    proc = run_cli("playground", "--csv", str(bad), "--epochs", "1")
    assert proc.returncode == 2
    assert "line 1: found 2 values" in proc.stderr and "Traceback" not in proc.stderr
