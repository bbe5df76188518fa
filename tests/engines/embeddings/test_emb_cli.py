"""``python -m engines.embeddings``: analogy, similar, odd, project, train-vectors; --json parses."""

import json
import subprocess
import sys


from engines.embeddings.__main__ import main


def run_json(capsys, *argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_analogy_similar_odd_project(capsys):
    report = run_json(capsys, "analogy", "king", "man", "woman", "--top", "3", "--vocab", "shipped",
                      "--expect", "queen")
    assert report["answers"][0]["word"] == "queen" and len(report["answers"]) == 3
    assert report["expected_rank"] == 1
    report = run_json(capsys, "analogy", "paris", "france", "italy", "--method", "mul", "--vocab", "shipped")
    assert report["answers"][0]["word"] == "rome"
    report = run_json(capsys, "similar", "monday", "--top", "5", "--vocab", "shipped")
    assert "tuesday" in [a["word"] for a in report["answers"]]
    report = run_json(capsys, "odd", "breakfast", "cereal", "dinner", "lunch", "--vocab", "shipped")
    assert report["odd_one_out"] == "cereal"
    report = run_json(capsys, "project", "--words", "king", "queen", "man", "woman", "--axes", "man:woman",
                      "--vocab", "shipped")
    assert report["axes"][0] == "man → woman" and len(report["points"]) == 4
    xyz = {p["word"]: p["xyz"] for p in report["points"]}
    assert xyz["woman"][0] > xyz["man"][0] and xyz["queen"][0] > xyz["king"][0]


def test_unknown_word_is_a_clear_error(capsys):
    assert main(["similar", "kign", "--vocab", "shipped"]) == 2
    err = capsys.readouterr().err
    assert "not in the vocabulary" in err and "'king'" in err


def test_train_vectors_writes_a_loadable_folder(tmp_path, capsys):
    out = tmp_path / "vecs"
    report = run_json(capsys, "train-vectors", "--corpus", "builtin", "--out", str(out), "--steps", "150",
                      "--threads", "1")
    assert report["steps"] == 150 and (out / "model.safetensors").is_file()
    report = run_json(capsys, "similar", "dog", "--vectors", str(out), "--top", "3")
    assert len(report["answers"]) == 3


def test_module_runs_as_a_program():
    proc = subprocess.run([sys.executable, "-m", "engines.embeddings", "analogy", "king", "man", "woman",
                           "--vocab", "shipped", "--json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["answers"][0]["word"] == "queen"
