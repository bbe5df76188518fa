import json
import os
import pickle

import numpy as np
import pytest

from engines.core.model_io import (
    ModelFileError,
    atomic_path,
    atomic_write_text,
    load_model,
    load_tensors,
    save_model,
    save_tensors,
)


@pytest.fixture
def model_dir(tmp_path):
    tensors = {"w": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.ones(4, dtype=np.float32)}
    return save_model(tmp_path / "m", tensors, {"width": 4}, architecture="toy"), tensors


def test_round_trip_keeps_values_and_config(model_dir):
    folder, tensors = model_dir
    config, loaded = load_model(folder, "toy")
    assert config == {"width": 4, "architecture": "toy"}
    for name, value in tensors.items():
        np.testing.assert_array_equal(loaded[name], value)


def test_torch_tensors_are_accepted(tmp_path):
    torch = pytest.importorskip("torch")
    save_tensors(tmp_path / "t.safetensors", {"x": torch.arange(5, dtype=torch.float32)})
    np.testing.assert_array_equal(load_tensors(tmp_path / "t.safetensors")["x"], np.arange(5, dtype=np.float32))


def test_wrong_architecture_is_named(model_dir):
    folder, _ = model_dir
    with pytest.raises(ModelFileError) as err:
        load_model(folder, "gpt")
    assert err.value.kind == "wrong_architecture" and "'gpt'" in str(err.value) and "'toy'" in str(err.value)


def test_truncated_weights_are_reported_as_truncated(model_dir):
    folder, _ = model_dir
    weights = folder / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[:-10])
    with pytest.raises(ModelFileError) as err:
        load_model(folder, "toy")
    assert err.value.kind == "truncated" and "10 bytes" in str(err.value)


def test_garbage_is_reported_as_corrupt(tmp_path):
    path = tmp_path / "x.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00this is not json")
    with pytest.raises(ModelFileError) as err:
        load_tensors(path)
    assert err.value.kind == "corrupt"


def test_bad_config_json_is_reported(model_dir):
    folder, _ = model_dir
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelFileError) as err:
        load_model(folder, "toy")
    assert err.value.kind == "corrupt" and "config.json" in str(err.value)


def test_size_cap(model_dir):
    folder, _ = model_dir
    with pytest.raises(ModelFileError) as err:
        load_model(folder, "toy", max_bytes=10)
    assert err.value.kind == "too_large"


def test_pickle_checkpoints_are_refused_without_being_opened(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ModelFileError) as err:
        load_tensors(path)
    assert err.value.kind == "unsafe" and "safetensors" in str(err.value)
    assert not (tmp_path / "pwned").exists()


def test_missing_folder(tmp_path):
    with pytest.raises(ModelFileError) as err:
        load_model(tmp_path / "nope", "toy")
    assert err.value.kind == "missing"


def test_atomic_write_keeps_old_content_when_writing_fails(tmp_path):
    path = tmp_path / "settings.json"
    atomic_write_text(path, json.dumps({"v": 1}))
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            tmp.write_text('{"v": 2, "half')
            raise RuntimeError("crash mid-save")
    assert json.loads(path.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp files left behind


def test_atomic_writes_get_ordinary_permissions(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    atomic_write_text(tmp_path / "atomic.txt", "x")
    assert (tmp_path / "atomic.txt").stat().st_mode == plain.stat().st_mode
    os.chmod(plain, 0o640)
    atomic_write_text(plain, "y")  # replacing a file keeps its permissions
    assert plain.stat().st_mode & 0o777 == 0o640
