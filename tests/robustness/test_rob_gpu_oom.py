"""Issue 9: the GPU running out of memory moves a job to the CPU with a message, instead of crashing.

There is no GPU here, so a job is told it got CUDA (its tensors stay on the CPU) and a step is made to
raise the out-of-memory error torch raises. Out of memory on the CPU itself is raised as before.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rob_helpers import TEXT

import engines.core.device as device_mod
from engines.core.device import (
    GPU_OUT_OF_MEMORY_MESSAGE,
    fall_back_to_cpu,
    is_out_of_memory,
    move_optimizer_state,
    out_of_memory_message,
)
from engines.core.jobs import Log, collect, run_job

CUDA_OOM = "CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; 7.79 GiB total capacity)"
MPS_OOM = "MPS backend out of memory (MPS allocated: 17.00 GB, other allocations: 1.2 GB, max allowed: 18.13 GB)."


def pretend_cuda(monkeypatch):
    """Make resolve_device answer CUDA while the tensors stay on the CPU."""
    monkeypatch.setattr(device_mod, "resolve_device",
                        lambda preference="auto": device_mod.DeviceInfo("cuda", "CUDA: simulated", "cpu"))


def oom_logs(events):
    return [e for e in events if isinstance(e, Log) and "out of memory" in e.text.lower()]


# --- the shared helpers ---------------------------------------------------------------------------

@pytest.mark.parametrize("exc", [
    torch.cuda.OutOfMemoryError(CUDA_OOM),
    RuntimeError(CUDA_OOM),
    RuntimeError(MPS_OOM),
    RuntimeError("CUDA error: out of memory"),
] + ([torch.OutOfMemoryError("out of memory")] if hasattr(torch, "OutOfMemoryError") else []))
def test_out_of_memory_errors_are_recognised(exc):
    assert is_out_of_memory(exc)


@pytest.mark.parametrize("exc", [
    RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x16 and 8x16)"),
    MemoryError(),  # host RAM: nothing to fall back to
    ValueError("out of memory"),
    KeyboardInterrupt(),
])
def test_other_errors_are_not_out_of_memory(exc):
    assert not is_out_of_memory(exc)


def test_is_out_of_memory_does_not_import_torch():
    code = ("import sys; from engines.core.device import is_out_of_memory, free_gpu_memory;"
            "assert is_out_of_memory(RuntimeError('CUDA out of memory'));"
            "assert not is_out_of_memory(RuntimeError('other')); free_gpu_memory();"
            "assert 'torch' not in sys.modules, 'torch was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_the_message_is_a_plain_sentence_about_the_cpu():
    assert "out of memory" in GPU_OUT_OF_MEMORY_MESSAGE and "CPU" in GPU_OUT_OF_MEMORY_MESSAGE
    assert out_of_memory_message() == GPU_OUT_OF_MEMORY_MESSAGE
    text = out_of_memory_message("Sampling")
    assert text.startswith("Sampling: the GPU ran out of memory") and "CPU" in text


def _stepped_adamw():
    model = torch.nn.Linear(4, 3)
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)
    model(torch.ones(2, 4)).sum().backward()
    opt.step()
    return model, opt


def test_optimizer_state_moves_with_the_model():
    _, opt = _stepped_adamw()
    move_optimizer_state(opt, torch.device("meta"))  # a device other than the CPU, to see the move
    tensors = [v for state in opt.state.values() for v in state.values() if torch.is_tensor(v)]
    assert len(tensors) == 2 * 3  # step, exp_avg, exp_avg_sq for weight and bias
    assert all(t.device.type == "meta" for t in tensors)
    model, opt = _stepped_adamw()
    assert fall_back_to_cpu(model, optimizers=(opt,)) == torch.device("cpu")
    opt.step()  # still usable afterwards
    assert all(v.device.type == "cpu" for state in opt.state.values() for v in state.values())


# --- LLM: training and generation -----------------------------------------------------------------

def _gpt_job(tmp_path, tokenizer, max_steps=4, device="cpu"):
    from engines.llm.train import TrainConfig, train_gpt

    config = TrainConfig.preset_config(
        "tiny", n_layer=1, n_head=2, n_embd=16, block_size=16, batch_size=4, max_steps=max_steps, lr=3e-3,
        warmup_steps=0, eval_interval=100, eval_batches=1, sample_interval=0, checkpoint_interval=100, device=device)
    ids = np.array(tokenizer.encode(TEXT), dtype=np.int64)
    return train_gpt(ids, config, tmp_path / "run", tokenizer)


def _failing_loss(monkeypatch, fail_on_calls):
    import engines.llm.train as train_mod

    real_loss, calls = train_mod._loss, {"n": 0}

    def loss(model, x, y):
        calls["n"] += 1
        if calls["n"] in fail_on_calls:
            raise torch.cuda.OutOfMemoryError(CUDA_OOM)
        return real_loss(model, x, y)

    monkeypatch.setattr(train_mod, "_loss", loss)
    return calls


def test_gpt_training_moves_model_and_optimizer_to_the_cpu(tmp_path, char_tokenizer, monkeypatch):
    pretend_cuda(monkeypatch)
    _failing_loss(monkeypatch, {3})
    moved = []
    real_fall_back = device_mod.fall_back_to_cpu

    def spy(*modules, optimizers=()):
        moved.append((modules, optimizers))
        return real_fall_back(*modules, optimizers=optimizers)

    monkeypatch.setattr(device_mod, "fall_back_to_cpu", spy)
    events, result = collect(_gpt_job(tmp_path, char_tokenizer))
    assert result.steps == 4 and np.isfinite(result.loss)
    assert len(oom_logs(events)) == 1 and "step 3" in oom_logs(events)[0].text
    assert len(moved) == 1
    (_model,), (optimizer,) = moved[0]
    assert isinstance(optimizer, torch.optim.Optimizer) and optimizer.state  # the state went along


def test_gpt_training_out_of_memory_on_the_cpu_is_raised(tmp_path, char_tokenizer, monkeypatch):
    _failing_loss(monkeypatch, {2})  # device "cpu": nothing to fall back to
    with pytest.raises(torch.cuda.OutOfMemoryError):
        collect(_gpt_job(tmp_path, char_tokenizer))


def test_gpt_training_out_of_memory_again_after_the_fallback_is_raised(tmp_path, char_tokenizer, monkeypatch):
    pretend_cuda(monkeypatch)
    _failing_loss(monkeypatch, {2, 3})  # the GPU fails, then the redone step fails on the CPU as well
    events = []
    with pytest.raises(torch.cuda.OutOfMemoryError):
        run_job(_gpt_job(tmp_path, char_tokenizer), None, events.append)
    assert len(oom_logs(events)) == 1


def test_generation_goes_on_on_the_cpu_with_the_same_text(tiny_gpt, char_tokenizer, monkeypatch):
    from engines.llm.generate import generate
    from engines.llm.runners import TorchGPTRunner

    expected = run_job(generate(TorchGPTRunner(tiny_gpt), char_tokenizer, "the cat", max_new_tokens=8, seed=3))
    runner = TorchGPTRunner(tiny_gpt)
    runner.on_gpu = True  # pretend
    real_forward, calls = runner.forward, {"n": 0}

    def forward(ids, past=None, with_attention=True):
        calls["n"] += 1
        if calls["n"] == 3:  # a step that feeds the KV cache
            assert past
            raise torch.cuda.OutOfMemoryError(CUDA_OOM)
        return real_forward(ids, past, with_attention)

    monkeypatch.setattr(runner, "forward", forward)
    events, text = collect(generate(runner, char_tokenizer, "the cat", max_new_tokens=8, seed=3))
    assert text == expected
    assert len(oom_logs(events)) == 1
    assert runner.on_gpu is False and runner.device.type == "cpu"


def test_generation_out_of_memory_on_the_cpu_is_raised(tiny_gpt, char_tokenizer, monkeypatch):
    from engines.llm.generate import generate
    from engines.llm.runners import TorchGPTRunner

    runner = TorchGPTRunner(tiny_gpt)
    assert runner.on_gpu is False

    def forward(ids, past=None, with_attention=True):
        raise torch.cuda.OutOfMemoryError(CUDA_OOM)

    monkeypatch.setattr(runner, "forward", forward)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        collect(generate(runner, char_tokenizer, "the cat", max_new_tokens=3))


# --- diffusion: training and sampling -------------------------------------------------------------

VOCAB = ["a", "red", "square", "blue", "circle"]


def _diffusion_job(tmp_path, **kw):
    from engines.diffusion.train import TrainConfig, TrainData, _ids, train_job

    images = np.random.default_rng(0).uniform(-1, 1, (4, 3, 16, 16)).astype(np.float32)
    captions = ["a red square", "a blue circle", "a red circle", "a blue square"]
    data = TrainData(images, _ids(captions, VOCAB, 32)[:, None], VOCAB, captions[:2])
    config = {"dataset": "faces", "out": str(tmp_path / "m"), "image_size": 16, "channels": (8, 16, 16),
              "d_model": 16, "time_dim": 32, "encoder_layers": 1, "batch_size": 4, "max_steps": 4,
              "sample_every_s": 0, "checkpoint_every_s": 0, "device": "auto", "word_source": "learned",
              "progress_every": 1, "grid_size": 2, "warmup_steps": 2}
    config.update(kw)
    return train_job(TrainConfig(**config), data=data)


def _failing_unet(monkeypatch, fail, grad: bool | None = None):
    """ConditionalUNet.forward raises CUDA's out-of-memory error on the calls numbered in ``fail``
    (counting only calls with gradients on / off when ``grad`` is given)."""
    from engines.diffusion.unet import ConditionalUNet

    real, calls = ConditionalUNet.forward, {"n": 0}

    def forward(self, *args, **kwargs):
        if grad is None or torch.is_grad_enabled() == grad:
            calls["n"] += 1
            if calls["n"] in fail:
                raise torch.cuda.OutOfMemoryError(CUDA_OOM)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ConditionalUNet, "forward", forward)
    return calls


def test_diffusion_training_falls_back_to_the_cpu_with_a_message(tmp_path, monkeypatch):
    from engines.diffusion.pipeline import load_diffusion_model

    pretend_cuda(monkeypatch)
    _failing_unet(monkeypatch, {2})
    events, result = collect(_diffusion_job(tmp_path))
    assert result.steps == 4 and np.isfinite(result.loss) and not result.cancelled
    logs = oom_logs(events)
    assert len(logs) == 1 and "step 2" in logs[0].text and "CPU" in logs[0].text
    assert [e.step for e in events if type(e).__name__ == "Progress"] == [1, 2, 3, 4]
    load_diffusion_model(result.folder)


def test_diffusion_training_falls_back_when_its_sample_grid_runs_out_of_memory(tmp_path, monkeypatch):
    pretend_cuda(monkeypatch)
    _failing_unet(monkeypatch, {1}, grad=False)  # the first sampling call (no gradients)
    events, result = collect(_diffusion_job(tmp_path, max_steps=2, sample_every_s=1e-9))
    assert result.steps == 2
    assert len(oom_logs(events)) == 1 and oom_logs(events)[0].text.startswith("Sampling")
    assert sum(type(e).__name__ == "Frame" for e in events) == 3  # after steps 1 and 2, and the final grid


def test_diffusion_training_out_of_memory_on_the_cpu_is_raised(tmp_path, monkeypatch):
    _failing_unet(monkeypatch, {2})
    with pytest.raises(torch.cuda.OutOfMemoryError):
        collect(_diffusion_job(tmp_path, device="cpu"))


def _tiny_diffusion_model():
    from engines.diffusion.captions import WordVectors
    from engines.diffusion.pipeline import DiffusionModel, TorchRunner, build_modules

    config = {
        "unet": {"in_channels": 3, "image_size": 8, "channels": [8, 16, 16], "time_dim": 32, "context_dim": 32,
                 "heads": 2, "groups": 4, "film": True, "cross_attention": True},
        "encoder": {"word_dim": 50, "d_model": 32, "layers": 1, "heads": 2, "max_words": 8},
        "schedule": {"kind": "cosine", "num_timesteps": 1000},
    }
    torch.manual_seed(0)
    unet, encoder = build_modules(config)
    with torch.no_grad():
        unet.conv_out.weight.normal_(0, 0.2)
    words = WordVectors(tuple(VOCAB), np.random.default_rng(0).normal(0, 0.5, (len(VOCAB), 50)).astype(np.float32),
                        "learned")
    return DiffusionModel(config, words, TorchRunner(unet, encoder, "cpu"))


@pytest.mark.parametrize("fail_on", [1, 4])  # the first call, or one mid-way through the steps
def test_diffusion_sampling_goes_on_on_the_cpu_with_the_same_picture(monkeypatch, fail_on):
    from engines.diffusion.sample import SampleSettings, sample_job

    settings = SampleSettings(("a red square",), seed=1, steps=6, guidance=3.0)
    model = _tiny_diffusion_model()
    expected = run_job(sample_job(model, settings))
    runner = model.runner
    runner.on_gpu = True  # pretend
    real, calls = runner.unet.forward, {"n": 0}

    def forward(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_on:
            raise RuntimeError(MPS_OOM)
        return real(*args, **kwargs)

    monkeypatch.setattr(runner.unet, "forward", forward)
    events, images = collect(sample_job(model, settings))
    np.testing.assert_allclose(images, expected, atol=1e-5)
    assert len(oom_logs(events)) == 1 and "CPU" in oom_logs(events)[0].text
    assert calls["n"] == 6 + 1
    assert runner.on_gpu is False and runner.device.type == "cpu"


def test_diffusion_sampling_out_of_memory_in_the_encoder_falls_back_too(monkeypatch):
    from engines.diffusion.sample import SampleSettings, sample_job

    model = _tiny_diffusion_model()
    model.runner.on_gpu = True
    real, calls = model.runner.encoder.forward, {"n": 0}

    def forward(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.cuda.OutOfMemoryError(CUDA_OOM)
        return real(*args, **kwargs)

    monkeypatch.setattr(model.runner.encoder, "forward", forward)
    events, images = collect(sample_job(model, SampleSettings(("a blue circle",), steps=3, guidance=1.0)))
    assert images.shape == (1, 3, 8, 8) and len(oom_logs(events)) == 1


def test_diffusion_sampling_out_of_memory_on_the_cpu_is_raised(monkeypatch):
    from engines.diffusion.sample import SampleSettings, sample_job

    model = _tiny_diffusion_model()
    assert model.runner.on_gpu is False

    def forward(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError(CUDA_OOM)

    monkeypatch.setattr(model.runner.unet, "forward", forward)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        run_job(sample_job(model, SampleSettings(("a red square",), steps=3)))


# --- ONNX Runtime on a GPU, and the data copy of diffusion training (issue 21) --------------------------------

ORT_OOM = ("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running Conv node. "
           "Failed to allocate memory for requested buffer of size 536870912")


def _ort_error(text: str):
    from onnxruntime.capi.onnxruntime_pybind11_state import RuntimeException

    return RuntimeException(text)


def test_onnx_runtime_allocation_failures_are_out_of_memory():
    assert is_out_of_memory(_ort_error(ORT_OOM))
    assert is_out_of_memory(_ort_error("CUDA failure 2: out of memory ; GPU=0"))
    assert not is_out_of_memory(_ort_error("[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions"))


@pytest.fixture
def add_onnx(tmp_path):
    """A one-node ONNX model: y = x + x."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "add",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / "add.onnx"
    onnx.save(model, str(path))
    return path


@pytest.fixture
def gpu_listener(monkeypatch):
    """Sessions believe they got CUDA; the sentences told to the app are collected."""
    from engines.core import onnx_session

    monkeypatch.setattr(onnx_session, "providers_for", lambda device: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    heard: list[str] = []
    device_mod.add_fallback_listener(heard.append)
    yield heard
    device_mod.remove_fallback_listener(heard.append)


CUDA = device_mod.DeviceInfo("cuda", "CUDA: simulated", "cpu")


@pytest.mark.filterwarnings("ignore:Specified provider 'CUDAExecutionProvider'")
def test_onnx_session_running_out_of_gpu_memory_goes_on_on_the_cpu(add_onnx, gpu_listener):
    from engines.core.onnx_session import GpuSession, create_session

    session = create_session(add_onnx, CUDA, trusted=True)
    assert isinstance(session, GpuSession)
    x = np.array([1.0, 2.0], dtype=np.float32)
    inner, calls = session._session, {"n": 0}

    class FullGpu:  # the GPU session: its first run cannot get memory
        def run(self, *args, **kwargs):
            calls["n"] += 1
            raise _ort_error(ORT_OOM)

        def __getattr__(self, name):
            return getattr(inner, name)

    session._session = FullGpu()
    (y,) = session.run(None, {"x": x})
    assert np.allclose(y, [2.0, 4.0]) and calls["n"] == 1
    assert session.on_cpu and len(gpu_listener) == 1 and "CPU" in gpu_listener[0] and "add.onnx" in gpu_listener[0]
    (y,) = session.run(None, {"x": x})  # stays on the CPU, told once
    assert np.allclose(y, [2.0, 4.0]) and len(gpu_listener) == 1
    session._session = FullGpu()  # out of memory on the CPU as well: nothing left to fall back to
    with pytest.raises(Exception, match="Failed to allocate"):
        session.run(None, {"x": x})


@pytest.mark.filterwarnings("ignore:Specified provider 'CUDAExecutionProvider'")
def test_onnx_session_too_big_for_the_gpu_opens_on_the_cpu(add_onnx, gpu_listener, monkeypatch):
    import onnxruntime as ort

    from engines.core.onnx_session import GpuSession, create_session

    real = ort.InferenceSession

    def opening(path, sess_options=None, providers=()):
        if "CUDAExecutionProvider" in providers:
            raise _ort_error(ORT_OOM)
        return real(path, sess_options=sess_options, providers=providers)

    monkeypatch.setattr(ort, "InferenceSession", opening)
    session = create_session(add_onnx, CUDA, trusted=True)
    assert not isinstance(session, GpuSession) and session.get_providers() == ["CPUExecutionProvider"]
    assert len(gpu_listener) == 1
    (y,) = session.run(None, {"x": np.array([3.0, 4.0], dtype=np.float32)})
    assert np.allclose(y, [6.0, 8.0])


def test_onnx_sessions_on_the_cpu_are_left_as_they_are(add_onnx):
    from engines.core.onnx_session import GpuSession, create_session

    session = create_session(add_onnx, device_mod.DeviceInfo("cpu", "CPU", "cpu"), trusted=True)
    assert not isinstance(session, GpuSession)


def test_diffusion_training_falls_back_when_the_pictures_do_not_fit_on_the_gpu(tmp_path, monkeypatch):
    pretend_cuda(monkeypatch)
    real_to, calls = torch.Tensor.to, {"n": 0}

    def to(self, *args, **kwargs):
        if tuple(self.shape) == (4, 3, 16, 16) and self.dtype == torch.float32 and calls["n"] == 0:
            calls["n"] += 1
            raise torch.cuda.OutOfMemoryError(CUDA_OOM)
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", to)
    events, result = collect(_diffusion_job(tmp_path, max_steps=2))
    monkeypatch.undo()
    assert calls["n"] == 1 and result.steps == 2 and np.isfinite(result.loss)
    logs = oom_logs(events)
    assert len(logs) == 1 and logs[0].text.startswith("Copying the pictures") and "CPU" in logs[0].text


def test_the_window_shows_a_gpu_fallback_sent_from_a_worker_thread(qtbot, tmp_path):
    import threading

    from engines.core.onnx_session import _announce
    from lab_app.context import AppContext
    from lab_app.errors import ErrorReporter
    from lab_app.main_window import MainWindow
    from lab_app.settings import SettingsStore

    window = MainWindow(AppContext(SettingsStore(tmp_path / "s.ini"), ErrorReporter()), persist=False)
    qtbot.addWidget(window)
    worker = threading.Thread(target=_announce, args=(tmp_path / "unet.onnx",))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: window.notice_label.isVisibleTo(window), timeout=5000)
    assert "unet.onnx" in window.notice_label.toolTip() and "CPU" in window.notice_label.toolTip()
    window.close()
