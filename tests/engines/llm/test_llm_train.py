"""Training: the loss drops, checkpoints resume, divergence and cancelling leave a good checkpoint."""

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from engines.core.jobs import CancelToken, Frame, JobCancelled, Log, Progress, collect, run_job  # noqa: E402
from engines.llm.char_tokenizer import CharTokenizer  # noqa: E402
from engines.llm.gpt import load_gpt  # noqa: E402
from engines.llm.train import (  # noqa: E402
    OPTIMIZER_FILE,
    STATE_FILE,
    TrainConfig,
    TrainingDiverged,
    load_optimizer,
    read_train_state,
    train_gpt,
)

TEXT = "the cat sat on the mat. the dog ran to the log. " * 40
TOKENIZER = CharTokenizer.from_text(TEXT)
IDS = np.array(TOKENIZER.encode(TEXT), dtype=np.int64)


def small_config(**overrides):
    base = dict(n_layer=1, n_head=2, n_embd=32, block_size=24, batch_size=8, max_steps=250, lr=3e-3,
                eval_interval=50, eval_batches=2, sample_interval=125, sample_tokens=20, checkpoint_interval=100)
    return TrainConfig.preset_config("tiny", **{**base, **overrides})


def test_loss_drops_and_training_resumes_from_its_checkpoint(tmp_path):
    out = tmp_path / "model"
    events, result = collect(train_gpt(IDS, small_config(), out, TOKENIZER))
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.step for p in progress] == list(range(1, 251))
    first = progress[0].metrics["loss"]
    assert first == pytest.approx(math.log(TOKENIZER.vocab_size), rel=0.2)  # an untrained model guesses evenly
    assert result.loss < 0.35 * first and result.val_loss < 0.35 * first
    assert {"loss", "val_loss", "tokens_per_s"} <= set(progress[-1].metrics)
    samples = [e.payload["sample"] for e in events if isinstance(e, Frame)]
    assert len(samples) == 2 and all(isinstance(s, str) and s for s in samples)
    for name in ("config.json", "model.safetensors", OPTIMIZER_FILE, STATE_FILE, "char_tokenizer.json"):
        assert (out / name).is_file()
    assert read_train_state(out)["step"] == 250
    assert load_gpt(out).config.vocab_size == TOKENIZER.vocab_size

    events, resumed = collect(train_gpt(IDS, small_config(max_steps=300), out, TOKENIZER, resume=True))
    assert any(isinstance(e, Log) and "Resuming from step 250" in e.text for e in events)
    steps = [e.step for e in events if isinstance(e, Progress)]
    assert steps[0] == 251 and steps[-1] == 300
    # a fresh optimizer would take a large first step; the restored one carries on where it stopped
    assert resumed.loss < 0.35 * first
    assert read_train_state(out)["step"] == 300


def test_optimizer_state_round_trips_through_safetensors(tmp_path):
    out = tmp_path / "m"
    collect(train_gpt(IDS, small_config(max_steps=5, sample_interval=0), out, TOKENIZER))
    from engines.llm.train import _make_optimizer

    model = load_gpt(out)
    opt = _make_optimizer(model, small_config())
    load_optimizer(opt, out / OPTIMIZER_FILE)
    state = opt.state_dict()["state"]
    assert len(state) == len(list(model.parameters()))
    assert float(state[0]["step"]) == 5.0
    assert state[0]["exp_avg"].shape == next(model.parameters()).shape


def test_a_huge_learning_rate_stops_with_diverged_and_keeps_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "model"
    config = small_config(lr=1e4, warmup_steps=0, schedule="const", max_steps=200, sample_interval=0)
    with pytest.raises(TrainingDiverged, match="diverged"):
        collect(train_gpt(IDS, config, out, TOKENIZER))
    state = read_train_state(out)
    assert state is not None
    model = load_gpt(out)
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_cancel_saves_a_checkpoint_at_the_current_step(tmp_path):
    out = tmp_path / "model"
    cancel = CancelToken()

    def on_event(event):
        if isinstance(event, Progress) and event.step == 37:
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run_job(train_gpt(IDS, small_config(sample_interval=0), out, TOKENIZER, cancel=cancel), cancel, on_event)
    assert read_train_state(out)["step"] == 37
    assert json.loads((out / "config.json").read_text())["trained_steps"] == 37


def test_too_little_text_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="too short"):
        collect(train_gpt(IDS[:30], small_config(), tmp_path / "m", TOKENIZER))


def test_learning_rate_schedules():
    cosine = TrainConfig(lr=1.0, warmup_steps=10, max_steps=110, min_lr_ratio=0.1)
    assert cosine.lr_at(0) == pytest.approx(0.1) and cosine.lr_at(9) == pytest.approx(1.0)
    values = [cosine.lr_at(s) for s in range(10, 111)]
    assert values == sorted(values, reverse=True)
    assert values[-1] == pytest.approx(0.1)
    const = TrainConfig(lr=0.5, warmup_steps=0, schedule="const", max_steps=10)
    assert {const.lr_at(s) for s in range(10)} == {0.5}


def test_a_time_budget_ends_the_run_at_the_low_learning_rate(tmp_path, monkeypatch):
    import engines.llm.train as train

    clock = iter(range(0, 10_000))  # every reading of the clock is one second later
    monkeypatch.setattr(train.time, "perf_counter", lambda: float(next(clock)))
    config = small_config(max_steps=10_000, warmup_steps=2, sample_interval=0, time_budget_s=60.0)
    assert config.lr_at(50, time_fraction=1.0) == pytest.approx(config.lr * config.min_lr_ratio)
    events, result = collect(train_gpt(IDS, config, tmp_path / "m", TOKENIZER))
    steps = [e for e in events if isinstance(e, Progress)]
    assert 5 < result.steps < 100  # stopped by the clock, long before max_steps
    assert steps[-1].metrics["lr"] < 0.2 * config.lr  # the schedule followed the clock to its end
    assert read_train_state(tmp_path / "m")["step"] == result.steps  # and the last step was saved


def test_presets():
    assert TrainConfig.preset_config("tiny").preset == "tiny"
    assert TrainConfig.preset_config("small", max_steps=3).max_steps == 3
    with pytest.raises(ValueError, match="unknown preset"):
        TrainConfig.preset_config("enormous")


def test_ctrl_c_inside_a_step_still_saves_a_checkpoint(tmp_path, monkeypatch):
    import engines.llm.train as train_module

    real_loss = train_module._loss
    calls = {"n": 0}

    def interrupted_loss(model, x, y):
        calls["n"] += 1
        if calls["n"] == 21:  # Ctrl-C arrives in the middle of step 21
            raise KeyboardInterrupt
        return real_loss(model, x, y)

    monkeypatch.setattr(train_module, "_loss", interrupted_loss)
    out = tmp_path / "model"
    with pytest.raises(KeyboardInterrupt):
        collect(train_gpt(IDS, small_config(sample_interval=0, eval_interval=1000), out, TOKENIZER))
    assert read_train_state(out)["step"] == 20
