import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from engines.core.device import DeviceError, DeviceInfo, resolve_backend, resolve_device
from engines.core.model_io import ModelFileError
from engines.core.onnx_session import create_session, providers_for

CPU = DeviceInfo("cpu", "CPU", "cpu")


def test_cpu_is_always_there_and_auto_picks_something_real():
    assert resolve_device("cpu") == CPU
    auto = resolve_device("auto")
    assert auto.kind in {"cpu", "cuda", "mps"} and auto.name


def test_missing_gpu_falls_back_to_cpu_with_a_note(monkeypatch):
    import engines.core.device as device

    monkeypatch.setattr(device, "available_devices", lambda: {"cpu": "CPU"})
    chosen = device.resolve_device("cuda")
    assert chosen.kind == "cpu" and "not available" in chosen.note
    assert device.resolve_device("auto").kind == "cpu"


def test_auto_prefers_cuda_then_mps(monkeypatch):
    import engines.core.device as device

    monkeypatch.setattr(device, "available_devices", lambda: {"cpu": "CPU", "mps": "MPS", "cuda": "CUDA: X"})
    assert device.resolve_device("auto").torch_device == "cuda:0"
    monkeypatch.setattr(device, "available_devices", lambda: {"cpu": "CPU", "mps": "MPS"})
    assert device.resolve_device("auto").kind == "mps"


def test_unknown_names_are_errors():
    with pytest.raises(DeviceError):
        resolve_device("tpu")
    with pytest.raises(DeviceError):
        resolve_backend("tensorflow")


def test_backend_falls_back_when_not_installed(monkeypatch):
    import engines.core.device as device

    monkeypatch.setattr(device, "torch_available", lambda: False)
    assert device.resolve_backend("torch")[0] == "onnx"
    assert device.resolve_backend("onnx") == ("onnx", "")


def _tiny_model(path, external_location=None):
    """y = x @ W with W 4×2; optionally W stored as external data at ``external_location``."""
    weight = numpy_helper.from_array(np.arange(8, dtype=np.float32).reshape(4, 2), name="W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by older ONNX Runtime releases too (GPU machines may have one)
    if external_location is not None:
        weight.data_location = TensorProto.EXTERNAL
        entry = weight.external_data.add()
        entry.key, entry.value = "location", external_location
        weight.ClearField("raw_data")
        model.graph.ClearField("initializer")
        model.graph.initializer.append(weight)
    onnx.save(model, str(path))
    return path


def test_session_uses_explicit_cpu_provider_and_computes(tmp_path):
    session = create_session(_tiny_model(tmp_path / "m.onnx"), CPU, threads=1)
    assert session.get_providers() == ["CPUExecutionProvider"]
    (y,) = session.run(None, {"x": np.ones((1, 4), dtype=np.float32)})
    np.testing.assert_allclose(y, [[12.0, 16.0]])


def test_cuda_provider_only_when_present():
    providers = providers_for(DeviceInfo("cuda", "CUDA", "cuda:0"))
    import onnxruntime as ort

    assert providers[-1] == "CPUExecutionProvider"
    assert ("CUDAExecutionProvider" in providers) == ("CUDAExecutionProvider" in ort.get_available_providers())


def test_external_data_outside_the_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"\0" * 32)
    folder = tmp_path / "models"
    folder.mkdir()
    path = _tiny_model(folder / "evil.onnx", external_location="../secret.bin")
    with pytest.raises(ModelFileError) as err:
        create_session(path, CPU)
    assert err.value.kind == "unsafe" and "outside its folder" in str(err.value)


def test_corrupt_and_oversized_onnx_files(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage that is not protobuf" * 3)
    with pytest.raises(ModelFileError) as err:
        create_session(bad, CPU)
    assert err.value.kind == "corrupt"
    with pytest.raises(ModelFileError) as err:
        create_session(_tiny_model(tmp_path / "m.onnx"), CPU, max_bytes=10)
    assert err.value.kind == "too_large"
