"""``python -m engines.llm tokens|ngram|storyworld --json`` from a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "engines.llm", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_tokens_word_json():
    out = run("tokens", "--text", "My dog's name is Zed.", "--tokenizer", "word", "--chars", "100000", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["tokenizer"] == "word"
    assert [t["token"] for t in report["tokens"]] == ["my", "dog", "'s", "name", "is", "<unk>", "."]
    assert [t["unknown"] for t in report["tokens"]].count(True) == report["n_unknown"] == 1
    assert report["tokens"][5]["text"] == "Zed" and report["ids"][5] == 1


def test_tokens_bpe_json_and_saved_tokenizer(tmp_path):
    text = "ben likes to play fetch 🙂"
    out = run("tokens", "--text", text, "--tokenizer", "bpe", "--vocab-size", "500", "--chars", "100000",
              "--save", str(tmp_path / "tok"), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["decoded"] == text and report["n_unknown"] == 0 and report["vocab_size"] <= 500
    again = json.loads(run("tokens", "--text", text, "--tokenizer-dir", str(tmp_path / "tok"), "--json").stdout)
    assert again["ids"] == report["ids"]


def test_ngram_json():
    out = run("ngram", "--corpus", "storyworld", "--chars", "200000", "--context", "how are", "--top", "3", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["next"][0]["word"] == "you" and report["n_used"] == 2 and report["seen"]
    assert int(report["dense"][1]["cells"]) == report["vocab_size"] ** 2
    out = run("ngram", "--chars", "200000", "--context", "ben likes to play", "--top", "2", "--json")
    assert {row["word"] for row in json.loads(out.stdout)["next"]} == {"fetch", "soccer"}


def test_storyworld_and_errors(tmp_path):
    path = tmp_path / "story.txt"
    out = run("storyworld", "--out", str(path), "--seed", "2", "--chars", "5000", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["bytes"] == path.stat().st_size > 5000
    short = tmp_path / "short.txt"
    short.write_text("too short", encoding="utf-8")
    out = run("ngram", "--corpus", str(short), "--context", "a")
    assert out.returncode == 2 and "too short" in out.stderr
    out = run("ngram", "--corpus", str(tmp_path / "missing.txt"), "--context", "a")
    assert out.returncode == 2 and "does not exist" in out.stderr


def test_download_gpt2_offline_says_so_plainly(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "AI_LAB_DATA_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "engines.llm", "download-gpt2", "--out", str(tmp_path / "gpt2")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ") and "Traceback" not in proc.stderr
    assert not (tmp_path / "gpt2" / "model.safetensors").exists()
