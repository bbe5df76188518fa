"""The model store: which models are listed, opening one once per process, and the backend choice."""

from types import SimpleNamespace

from engines.diffusion import model_store


def test_shipped_models_are_listed_and_opened_once(tmp_path, monkeypatch):
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path))
    keys = [e.key for e in model_store.list_models()]
    assert keys[:2] == ["faces", "digits"]
    from engines.core.paths import assets_dir

    assert ("faces-minilm" in keys) == (assets_dir() / "diffusion" / "faces-minilm" / "config.json").is_file()
    first = model_store.get_model("digits", "onnx", "cpu", 1)
    assert model_store.get_model("digits", "onnx", "cpu", 1) is first  # cached, not loaded again
    assert model_store.default_prompts("digits")[0] == "the digit zero"


def test_a_users_broken_folder_is_listed_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path))
    broken = tmp_path / "models" / "diffusion" / "broken"
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{", encoding="utf-8")
    entry = model_store.list_models()[-1]
    assert entry.user and entry.key == str(broken) and "can't be used" in entry.error


def test_sampling_backend_uses_torch_only_on_a_gpu_when_asked():
    gpu = SimpleNamespace(kind="cuda", torch_device="cuda:0")
    assert model_store.sampling_backend("torch", gpu) == ("torch", "cuda:0")
    assert model_store.sampling_backend("onnx", gpu) == ("onnx", "cpu")
    assert model_store.sampling_backend("torch", SimpleNamespace(kind="cpu", torch_device="cpu")) == ("onnx", "cpu")
    assert model_store.sampling_backend("torch", None) == ("onnx", "cpu")


def test_a_model_trained_again_replaces_its_old_weights_in_memory(tmp_path):
    # Issue 21: each retraining of "Mine: …" loaded the new weights beside the old ones, which stayed for good.
    import os
    import shutil

    from engines.diffusion.pipeline import resolve_model_path

    folder = tmp_path / "my-digits"
    shutil.copytree(resolve_model_path("digits"), folder, ignore=shutil.ignore_patterns("judge"))
    weights = folder / "model.safetensors"
    models = []
    for round_ in range(3):
        os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9 * (round_ + 1)))
        models.append(model_store.get_model(str(folder), "onnx", "cpu", 1))
        assert model_store.get_model(str(folder), "onnx", "cpu", 1) is models[-1]  # still cached while unchanged
    assert models[0] is not models[1] is not models[2]  # the new weights are loaded each time…
    assert [k for k in model_store._models if k[0] == str(folder)] == [(str(folder), "onnx", "cpu",
                                                                        weights.stat().st_mtime_ns)]  # …only once
