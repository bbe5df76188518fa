"""The model verbs of the LLM command line: models, train, next, generate, attention (JSON output parses)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from engines.llm.cli_model import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
CORPUS = "the dog likes to play fetch. the kid likes to play soccer. hey, how are you? i am fine. " * 20


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    old = os.environ.get("AI_LAB_DATA_DIR")
    os.environ["AI_LAB_DATA_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("AI_LAB_DATA_DIR", None)
    else:
        os.environ["AI_LAB_DATA_DIR"] = old


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus") / "story.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    out = data_dir / "models" / "tiny-test"
    code = main(["train", "--corpus", str(corpus), "--preset", "tiny", "--steps", "60", "--out", str(out),
                 "--quiet", "--json", "--threads", "1"])
    assert code == 0
    return out


def test_train_json_summary(trained, capsys):
    # the fixture trained already; train 10 more steps from its checkpoint and read the summary
    corpus = trained.parent.parent / "c.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    code, out, _ = run_cli(capsys, "train", "--corpus", corpus, "--preset", "tiny", "--steps", 70, "--out", trained,
                           "--resume", "--quiet", "--json", "--threads", 1)
    summary = json.loads(out)
    assert code == 0 and summary["status"] == "done" and summary["steps"] == 70
    assert summary["loss"] < 3.0 and summary["parameters"] > 0


def test_models_lists_user_models(trained, capsys):
    code, out, _ = run_cli(capsys, "models", "--json")
    models = {m["name"]: m for m in json.loads(out)["models"]}
    assert code == 0 and "tiny-test" in models
    entry = models["tiny-test"]
    assert entry["source"] == "user" and entry["kind"] == "gpt" and entry["parameters"] > 10_000


def test_next_by_name(trained, capsys):
    code, out, _ = run_cli(capsys, "next", "--model", "tiny-test", "--prompt", "the dog likes to pl", "--top", 4,
                           "--json")
    result = json.loads(out)
    assert code == 0 and len(result["candidates"]) == 4
    probs = [c["prob"] for c in result["candidates"]]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
    assert result["tokens"] == list("the dog likes to pl")


def test_generate_is_deterministic_at_temperature_zero_on_both_backends(trained, capsys):
    args = ["generate", "--model", trained, "--prompt", "the kid", "--max-new-tokens", 15, "--temperature", 0,
            "--json", "--threads", 1]
    code, out, _ = run_cli(capsys, *args)
    first = json.loads(out)
    assert code == 0 and len(first["steps"]) == 15 and first["backend"] == "torch"
    assert first["text"] == "the kid" + first["continuation"]
    _, out, _ = run_cli(capsys, *args)
    assert json.loads(out)["text"] == first["text"]
    code, out, _ = run_cli(capsys, *args, "--backend", "onnx")
    onnx = json.loads(out)
    assert code == 0 and onnx["backend"] == "onnx" and onnx["text"] == first["text"]


def test_attention_json(trained, capsys):
    code, out, _ = run_cli(capsys, "attention", "--model", trained, "--prompt", "hey, how", "--json")
    result = json.loads(out)
    att = np.array(result["attention"])
    assert code == 0 and att.shape == (2, 2, 8, 8)  # tiny preset: 2 layers, 2 heads; 8 characters
    np.testing.assert_allclose(att.sum(-1), 1.0, atol=1e-4)
    assert np.triu(att, k=1).max() == 0  # no token looks at a later one


def test_unknown_model_is_a_clear_error(data_dir, capsys):
    code, _, err = run_cli(capsys, "next", "--model", "no-such-model", "--prompt", "x")
    assert code == 2 and "no model called 'no-such-model'" in err


def test_listing_models_does_not_load_torch(trained):
    env = {**os.environ, "AI_LAB_DATA_DIR": str(trained.parent.parent)}
    code = ("import sys; import engines.llm.cli_model as c; c.main(['models', '--json']); "
            "assert 'torch' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "tiny-test" in proc.stdout


def test_training_on_an_empty_file_is_a_clear_error(data_dir, tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    code, _, err = run_cli(capsys, "train", "--corpus", empty, "--out", tmp_path / "m", "--quiet")
    assert code == 2 and "empty" in err


def test_a_hugging_face_gpt2_folder_works_as_a_model(data_dir, tmp_path, capsys):
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    from engines.llm.tokenizers import BPETokenizer

    tokenizer = BPETokenizer.train(CORPUS, vocab_size=300, min_frequency=1)
    cfg = transformers.GPT2Config(n_layer=1, n_head=2, n_embd=16, vocab_size=tokenizer.vocab_size, n_positions=32,
                                  bos_token_id=0, eos_token_id=0)
    torch.manual_seed(0)
    folder = data_dir / "models" / "hf-tiny"
    transformers.GPT2LMHeadModel(cfg).save_pretrained(folder, safe_serialization=True)
    (folder / "tokenizer.json").write_text(tokenizer.hf.to_str(), encoding="utf-8")  # just as on the Hub

    code, out, _ = run_cli(capsys, "models", "--json")
    entry = {m["name"]: m for m in json.loads(out)["models"]}["hf-tiny"]
    assert entry["kind"] == "gpt2 (Hugging Face)" and entry["parameters"] > 0
    code, out, _ = run_cli(capsys, "next", "--model", "hf-tiny", "--prompt", "the dog likes", "--top", 3, "--json")
    result = json.loads(out)
    assert code == 0 and len(result["candidates"]) == 3
    assert "".join(result["tokens"]) == "the dog likes"


def test_runs_as_a_module(trained):
    env = {**os.environ, "AI_LAB_DATA_DIR": str(trained.parent.parent)}
    proc = subprocess.run([sys.executable, "-m", "engines.llm.cli_model", "models", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "tiny-test" in {m["name"] for m in json.loads(proc.stdout)["models"]}


def test_the_cli_offers_every_training_preset():
    from engines.llm.cli_model import PRESET_NAMES
    from engines.llm.train import PRESETS

    assert tuple(PRESETS) == PRESET_NAMES


def test_training_never_overwrites_a_model_by_accident(trained, tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    code, _, err = run_cli(capsys, "train", "--corpus", corpus, "--out", trained, "--steps", 5, "--quiet")
    assert code == 2 and "--resume" in err and "--overwrite" in err
