"""Downloads and copied folders take one path: staged, checked, installed in one rename, then exported."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")
hub = pytest.importorskip("huggingface_hub")
torch.set_num_threads(1)

from gpt2_folders import tiny_gpt2  # noqa: E402

from engines.core.jobs import CancelToken, JobCancelled, Progress, collect, run_job  # noqa: E402
from engines.llm import gpt2_install  # noqa: E402
from engines.llm.model_store import list_models  # noqa: E402


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AI_LAB_ASSETS", str(tmp_path / "no-assets"))
    return tmp_path / "data"


def user_listed():
    return [m["name"] for m in list_models() if m["source"] == "user"]


def fake_hub(monkeypatch, write):
    def snapshot_download(**kwargs):
        Path(kwargs["local_dir"]).mkdir(parents=True, exist_ok=True)
        write(Path(kwargs["local_dir"]))
        return kwargs["local_dir"]

    monkeypatch.setattr(hub, "snapshot_download", snapshot_download)


def test_download_installs_checks_and_exports_with_progress(data_dir, monkeypatch):
    from engines.llm.gpt2_int8 import export_paths, read_report

    fake_hub(monkeypatch, tiny_gpt2)
    events, folder = collect(gpt2_install.download_job("gpt2"))
    assert folder == gpt2_install.target_for("gpt2") and user_listed() == ["gpt2"]
    fp32, int8 = export_paths(folder)
    assert fp32.is_file() and int8.is_file() and read_report(int8) is not None
    steps = [e for e in events if isinstance(e, Progress)]
    assert steps and steps[-1].step == steps[-1].total  # a bar that ends full
    assert not any((folder.parent / gpt2_install.STAGING).iterdir())  # no staging left behind


def test_a_download_that_breaks_halfway_is_never_listed(data_dir, monkeypatch):
    def half(folder):
        tiny_gpt2(folder, tokenizer=False)
        (folder / "model.safetensors").write_bytes(b"\0" * 10)
        raise ConnectionError("the line went dead")

    fake_hub(monkeypatch, half)
    with pytest.raises(Exception, match="offline|reached"):
        run_job(gpt2_install.download_job("gpt2"))
    assert user_listed() == [] and not gpt2_install.target_for("gpt2").exists()


def test_an_invalid_download_is_refused_before_it_appears(data_dir, monkeypatch):
    fake_hub(monkeypatch, lambda folder: tiny_gpt2(folder, tokenizer=False))
    with pytest.raises(gpt2_install.GPT2FolderError, match="tokenizer.json"):
        run_job(gpt2_install.download_job("distilgpt2", export=False))
    assert user_listed() == []


def test_giving_up_before_install_adds_nothing(data_dir, monkeypatch):
    gate = gpt2_install.Gate()
    fake_hub(monkeypatch, lambda folder: (tiny_gpt2(folder), gate.close()))  # the user closes mid-download
    with pytest.raises(JobCancelled):
        run_job(gpt2_install.download_job("gpt2", cancel=CancelToken(), gate=gate))
    assert user_listed() == []


def test_cli_import_uses_the_same_path_and_reports_the_precision(data_dir, tmp_path):
    source = tiny_gpt2(tmp_path / "somewhere" / "my-gpt2")
    env = {**os.environ, "AI_LAB_DATA_DIR": str(data_dir), "AI_LAB_ASSETS": str(tmp_path / "no-assets")}
    proc = subprocess.run([sys.executable, "-m", "engines.llm", "import-gpt2", str(source), "--json"],
                          capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert Path(report["folder"]).parent == data_dir / "models" and report["precision"] in ("fp32", "int8")
    assert report["precision"] == ("int8" if report["int8_check"]["passed"] else "fp32")
    bad = subprocess.run([sys.executable, "-m", "engines.llm", "import-gpt2", str(tmp_path), "--json"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "config.json" in bad.stderr and "Traceback" not in bad.stderr
