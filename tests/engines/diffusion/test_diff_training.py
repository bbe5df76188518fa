import json

import numpy as np
import pytest

from engines.core.jobs import CancelToken, Frame, JobCancelled, Progress, collect, run_job
from engines.diffusion.train import TrainConfig, TrainingSnapshot, train_job
from engines.diffusion.train_data import TrainData, _ids

VOCAB = ["a", "red", "square", "blue", "circle"]


def one_image() -> np.ndarray:
    img = np.full((3, 16, 16), -0.8, np.float32)
    img[2] = 0.6
    img[:, 4:12, 4:12] = np.array([0.9, -0.9, -0.9])[:, None, None]
    return img


def tiny_config(out, **kw) -> TrainConfig:
    base = dict(dataset="faces", out=str(out), image_size=16, channels=(8, 16, 16), d_model=16, time_dim=32,
                encoder_layers=1, batch_size=8, sample_every_s=0, checkpoint_every_s=0, device="cpu",
                word_source="learned", progress_every=1)
    base.update(kw)
    return TrainConfig(**base)


def test_a_tiny_model_overfits_one_image_and_samples_it_back(tmp_path):
    from engines.diffusion.pipeline import load_diffusion_model
    from engines.diffusion.sample import SampleSettings, sample_job

    img = one_image()
    data = TrainData(img[None], _ids(["a red square"], VOCAB, 32)[:, None], VOCAB, ["a red square"])
    cfg = tiny_config(tmp_path / "m", max_steps=OVERFIT_STEPS, batch_size=32, lr=1e-2, warmup_steps=20,
                      ema_decay=0.9, uncond_prob=0.0, progress_every=50)
    events, result = collect(train_job(cfg, data=data))
    losses = [e.metrics["loss"] for e in events if isinstance(e, Progress)]
    assert losses[-1] < losses[0]
    model = load_diffusion_model(result.folder)
    out = run_job(sample_job(model, SampleSettings(("a red square",), seed=0, steps=20, guidance=1.0)))
    start = np.random.default_rng(0).standard_normal(img.shape)
    assert float(((out[0] - img) ** 2).mean()) < OVERFIT_MSE
    assert float(((out[0] - img) ** 2).mean()) < 0.1 * float(((start - img) ** 2).mean())
    assert out[0][0, 8, 8] > 0.5 and out[0][2, 8, 8] < 0, "the red square is back in the middle"


OVERFIT_STEPS = 350  # ~20 s on a free 2-core CPU
OVERFIT_MSE = 0.1  # RMS error ≈ 0.3 of a −1..1 range; pure noise scores ≈ 1.6


def test_training_yields_loss_and_sample_grids_then_cancels_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (6, 3, 16, 16)).astype(np.float32)
    captions = ["a red square", "a blue circle"] * 3
    data = TrainData(images, _ids(captions, VOCAB, 32)[:, None], VOCAB, ["a red square", "a blue circle"])
    out = tmp_path / "run"
    cancel = CancelToken()
    seen = []

    def on_event(event):
        seen.append(event)
        if isinstance(event, Progress) and event.step == 3:
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run_job(train_job(tiny_config(out, max_steps=50, sample_every_s=1e-9, grid_size=2), data=data),
                cancel, on_event)
    assert any(isinstance(e, Frame) and isinstance(e.payload, TrainingSnapshot) for e in seen)
    grid = next(e.payload.grid for e in seen if isinstance(e, Frame))
    assert grid.dtype == np.uint8 and grid.shape[2] == 3
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["step"] == 3, "cancelling saved a checkpoint at the step it stopped"
    events, result = collect(train_job(tiny_config(out, max_steps=6, resume=True), data=data))
    steps = [e.step for e in events if isinstance(e, Progress)]
    assert steps == [4, 5, 6], "resume carries on from the checkpoint"
    assert result.steps == 6 and (out / "model.safetensors").is_file()


def test_a_folder_of_pngs_becomes_captioned_training_data(tmp_path):
    from engines.diffusion.png import write_png
    from engines.diffusion.train_data import prepare_data

    for name, colour in (("red_apple", (220, 20, 20)), ("green-pear", (20, 200, 40))):
        write_png(tmp_path / f"{name}.png", np.tile(np.array(colour, np.uint8), (20, 24, 1)))
    data = prepare_data(TrainConfig(dataset=str(tmp_path), image_size=16))
    assert data.images.shape == (2, 3, 16, 16)
    assert data.vocab == ["apple", "green", "pear", "red"]
    assert data.images[1, 0].mean() > 0.5 and data.images[0, 1].mean() > 0.5  # sorted: green-pear, red_apple


def test_fine_tuning_starts_from_a_trained_models_weights(tmp_path):
    from engines.core.model_io import load_tensors

    img = one_image()
    data = TrainData(img[None], _ids(["a red square"], VOCAB, 32)[:, None], VOCAB, ["a red square"])
    first = run_job(train_job(tiny_config(tmp_path / "first", max_steps=30, lr=1e-2, ema_decay=0.5), data=data))
    trained = load_tensors(first.folder / "model.safetensors")
    # lr 0: one step changes nothing, so the new model must hold exactly the weights it started from
    tuned = run_job(train_job(tiny_config(tmp_path / "tuned", max_steps=1, lr=0.0, init_from=str(first.folder)),
                              data=data))
    again = load_tensors(tuned.folder / "model.safetensors")
    assert set(again) == set(trained)
    assert all(np.array_equal(again[k], trained[k]) for k in trained)
    fresh = load_tensors(run_job(train_job(tiny_config(tmp_path / "fresh", max_steps=1, lr=0.0), data=data)).folder
                         / "model.safetensors")
    assert not all(np.array_equal(fresh[k], trained[k]) for k in trained if k.startswith("unet."))
    assert json.loads((tuned.folder / "config.json").read_text(encoding="utf-8"))["init_from"] == str(first.folder)


def test_fine_tuning_from_a_model_of_other_shapes_says_which(tmp_path):
    img = one_image()
    data = TrainData(img[None], _ids(["a red square"], VOCAB, 32)[:, None], VOCAB, ["a red square"])
    first = run_job(train_job(tiny_config(tmp_path / "first", max_steps=1), data=data))
    with pytest.raises(ValueError, match="other shapes"):
        run_job(train_job(tiny_config(tmp_path / "wide", max_steps=1, channels=(8, 16, 32),
                                      init_from=str(first.folder)), data=data))


def test_min_snr_weights_cap_only_the_nearly_clean_steps():
    import torch

    from engines.diffusion.schedule import cosine_betas
    from engines.diffusion.train import min_snr_weights

    abar = torch.from_numpy(np.cumprod(1 - cosine_betas(1000))).float()
    assert min_snr_weights(abar, 0.0) is None
    w = min_snr_weights(abar, 5.0)
    snr = abar / (1 - abar)
    assert torch.all(w[snr <= 5] == 1.0)
    assert torch.all(w[snr > 5] < 1.0) and w[0] < 0.01
    assert torch.all(w[1:] >= w[:-1])  # the cleaner the step, the less it weighs


def test_min_snr_training_weights_the_loss_and_records_it(tmp_path):
    img = one_image()
    data = TrainData(img[None], _ids(["a red square"], VOCAB, 32)[:, None], VOCAB, ["a red square"])
    runs = {}
    for gamma in (0.0, 5.0):
        cfg = tiny_config(tmp_path / f"m{gamma:g}", max_steps=12, min_snr_gamma=gamma, progress_every=1)
        events, result = collect(train_job(cfg, data=data))
        runs[gamma] = [e.metrics["loss"] for e in events if isinstance(e, Progress)]
        saved = json.loads((result.folder / "config.json").read_text())["training"]
        assert saved["min_snr_gamma"] == gamma
    assert all(np.isfinite(runs[5.0]))
    # same seed, same batches: weighting can only lower each step's loss, and does on some
    assert all(b <= a + 1e-6 for a, b in zip(runs[0.0][:1], runs[5.0][:1]))
    assert runs[0.0] != runs[5.0]


def _random_data():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (12, 3, 16, 16)).astype(np.float32)
    captions = ["a red square", "a blue circle"] * 6
    return TrainData(images, _ids(captions, VOCAB, 32)[:, None], VOCAB, ["a red square", "a blue circle"])


def test_a_batch_worked_through_in_slices_learns_as_the_whole_batch_does(tmp_path, monkeypatch):
    """On the CPU a big batch goes through the network a slice at a time (memory, Cancel); the gradients add up."""
    import engines.diffusion.train as train

    losses = {}
    for micro in (24, 8):
        monkeypatch.setattr(train, "MICRO_BATCH", micro)
        events, _ = collect(train_job(tiny_config(tmp_path / str(micro), max_steps=5, batch_size=24),
                                      data=_random_data()))
        losses[micro] = [e.metrics["loss"] for e in events if isinstance(e, Progress)]
    assert len(losses[8]) == 5
    assert np.allclose(losses[24], losses[8], rtol=1e-4, atol=1e-6), losses


def test_cancel_is_honoured_in_the_middle_of_a_big_batch(tmp_path, monkeypatch):
    """A batch of 256 on a busy laptop took longer than closing the window waits; now Cancel lands between slices."""
    import engines.diffusion.train as train

    monkeypatch.setattr(train, "MICRO_BATCH", 8)

    class CancelOnSecondLook(CancelToken):
        looks = 0

        def raise_if_cancelled(self):
            self.looks += 1
            if self.looks == 2:  # the first look is before step 1; the second between its first two slices
                self.cancel()
            super().raise_if_cancelled()

    out = tmp_path / "run"
    token = CancelOnSecondLook()
    with pytest.raises(JobCancelled):
        run_job(train_job(tiny_config(out, max_steps=5, batch_size=24), token, data=_random_data()), token)
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["step"] == 0, "stopped inside step 1, before the optimiser moved"
