"""Checks that only mean something on a machine with a CUDA GPU; they skip cleanly elsewhere."""

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")


def test_auto_picks_the_cuda_gpu_and_names_it():
    from engines.core.device import resolve_device

    device = resolve_device("auto")
    assert device.kind == "cuda" and device.torch_device == "cuda:0"
    assert torch.cuda.get_device_name(0) in device.name


def test_tensor_work_runs_on_the_resolved_device():
    from engines.core.device import resolve_device

    device = torch.device(resolve_device("cuda").torch_device)
    x = torch.randn(256, 256, device=device)
    assert (x @ x.T).device.type == "cuda"
    torch.testing.assert_close((x @ x.T).cpu(), x.cpu() @ x.cpu().T, rtol=1e-3, atol=1e-3)


def test_safetensors_round_trip_from_gpu_tensors(tmp_path):
    from engines.core.model_io import load_model, save_model

    w = torch.randn(8, 4, device="cuda")
    save_model(tmp_path / "m", {"w": w}, {"n": 1}, architecture="toy")
    _, tensors = load_model(tmp_path / "m", "toy")
    torch.testing.assert_close(torch.from_numpy(tensors["w"]), w.cpu())
