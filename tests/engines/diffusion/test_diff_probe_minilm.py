"""tools/probe_minilm_tokens.py --variant: which MiniLM copy the probe reads (int8 shipped, fp32 built by the user)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from engines.embeddings import minilm

ROOT = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("probe_minilm_tokens", ROOT / "tools" / "probe_minilm_tokens.py")
probe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(probe)


def test_int8_is_the_shipped_model():
    model, tokenizer = probe.model_files("int8")
    assert model.name == "model-int8.onnx" and model.is_file()
    assert tokenizer.name == "tokenizer.json" and tokenizer.parent == model.parent


def test_fp32_reads_the_users_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(minilm.FP32_ENV, str(tmp_path))
    for name in ("model.onnx", "tokenizer.json"):
        (tmp_path / name).write_bytes(b"")
    assert probe.model_files("fp32") == (tmp_path / "model.onnx", tmp_path / "tokenizer.json")


def test_missing_fp32_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv(minilm.FP32_ENV, str(tmp_path))
    with pytest.raises(SystemExit, match="build_sentence_encoder"):
        probe.model_files("fp32")
    with pytest.raises(SystemExit):
        probe.main(["--variant", "fp16"])
