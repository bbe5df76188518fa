"""Optimizer checkpoints: training resumed from a saved AdamW takes exactly the step the unbroken run takes."""

import pytest

torch = pytest.importorskip("torch")

from engines.core.model_io import load_tensors, save_tensors  # noqa: E402
from engines.core.optimizer_state import optimizer_tensors, restore_optimizer  # noqa: E402


def _model_and_optimizer(seed=0):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    return model, torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.8, 0.9), weight_decay=0.1)


def _step(model, opt, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(16, 4, generator=g)
    opt.zero_grad()
    model(x).pow(2).mean().backward()
    opt.step()


@pytest.mark.parametrize("prefix", ["state", "opt"])
def test_a_restored_optimizer_takes_the_same_next_step(tmp_path, prefix):
    model, opt = _model_and_optimizer()
    for s in range(3):
        _step(model, opt, s)
    tensors, groups = optimizer_tensors(opt, prefix)
    weights = {f"net.{k}": v for k, v in model.state_dict().items()}
    save_tensors(tmp_path / "ckpt.safetensors", {**weights, **tensors})

    again, opt2 = _model_and_optimizer(seed=1)  # other weights and a fresh optimizer
    loaded = load_tensors(tmp_path / "ckpt.safetensors")
    again.load_state_dict({k[4:]: torch.from_numpy(v.copy()) for k, v in loaded.items() if k.startswith("net.")})
    restore_optimizer(opt2, loaded, groups, prefix)  # the weights' keys in the same file are ignored
    assert opt2.param_groups[0]["betas"] == (0.8, 0.9)

    _step(model, opt, 3)
    _step(again, opt2, 3)
    for a, b in zip(model.parameters(), again.parameters()):
        assert torch.equal(a, b)


def test_without_its_state_the_next_step_differs():
    """The check above can fail: a fresh AdamW (no moments) takes another step from the same weights."""
    model, opt = _model_and_optimizer()
    for s in range(3):
        _step(model, opt, s)
    again, opt2 = _model_and_optimizer(seed=1)
    again.load_state_dict(model.state_dict())
    _step(model, opt, 3)
    _step(again, opt2, 3)
    assert not all(torch.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
