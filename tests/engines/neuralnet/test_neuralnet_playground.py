"""The live playground: it learns, replays exactly from a seed, reports frames, and stops when told."""

from __future__ import annotations

import numpy as np
import pytest

from engines.core.jobs import CancelToken, Frame, JobCancelled, Progress, collect, run_job
from engines.neuralnet.datasets import DatasetConfig, make_dataset
from engines.neuralnet.playground import Playground, PlaygroundConfig, train_playground


def test_reaches_low_test_loss_on_circle_within_bounded_epochs():
    pg = Playground(PlaygroundConfig(dataset="circle", seed=0))
    for _ in range(300):
        if pg.step().test_loss < 0.05:
            break
    assert pg.last.test_loss < 0.05, f"test loss {pg.last.test_loss:.3f} after {pg.epoch} epochs"
    assert pg.accuracy("test") > 0.97


def loss_curve(seed: int, epochs: int = 15) -> list[float]:
    _, result = collect(train_playground(PlaygroundConfig(seed=seed, epochs=epochs, frame_every=5)))
    return result.playground.history.train_loss + result.playground.history.test_loss


def test_same_seed_same_curve_different_seed_different_curve():
    assert loss_curve(3) == loss_curve(3)
    assert loss_curve(3) != loss_curve(4)


def test_job_reports_progress_every_epoch_and_frames_every_n():
    config = PlaygroundConfig(epochs=25, frame_every=10, grid_size=20)
    events, result = collect(train_playground(config))
    progress = [e for e in events if isinstance(e, Progress)]
    frames = [e for e in events if isinstance(e, Frame)]
    assert [p.step for p in progress] == list(range(1, 26))
    assert all(p.total == 25 and {"epoch", "train_loss", "test_loss"} <= p.metrics.keys() for p in progress)
    assert [f.step for f in frames] == [0, 10, 20, 25]  # start, every 10, end
    assert result.epochs == 25 and result.epochs_per_second > 0
    assert progress[-1].metrics["test_loss"] == pytest.approx(result.test_loss)


def test_snapshot_has_every_picture():
    pg = Playground(PlaygroundConfig(hidden_layers=(4, 3), features=("x1", "x2", "x1sq"), grid_size=30))
    pg.step(3)
    snap = pg.snapshot()
    assert snap["epoch"] == 3
    assert snap["output_grid"].shape == (30, 30)
    assert ((snap["output_grid"] >= 0) & (snap["output_grid"] <= 1)).all()
    assert snap["class_grid"].shape == (30, 30)
    assert [g.shape for g in snap["neuron_grids"]] == [(4, 30, 30), (3, 30, 30)]
    assert snap["feature_grids"].shape == (3, 30, 30)
    assert [w.shape for w in snap["weights"]] == [(3, 4), (4, 3), (3, 1)]
    assert [b.shape for b in snap["biases"]] == [(4,), (3,), (1,)]
    assert len(snap["gradient_magnitude"]) == 3 and all(g >= 0 for g in snap["gradient_magnitude"])
    assert snap["history"]["train_loss"].shape == (3,)
    x0, x1, y0, y1 = snap["extent"]
    assert snap["grid_x"][0] == x0 and snap["grid_y"][-1] == y1
    # Grid cell [row, col] is the point (grid_x[col], grid_y[row]).
    point = np.array([[snap["grid_x"][7], snap["grid_y"][21]]])
    assert snap["output_grid"][21, 7] == pytest.approx(pg.predict(point)[0, 0])
    assert snap["neuron_grids"][0][2, 21, 7] == pytest.approx(
        np.tanh(pg.model.weights[0].T[2] @ [point[0, 0], point[0, 1], point[0, 0] ** 2] + pg.model.biases[0][2]))
    # A snapshot is a copy: training on does not change it.
    before = snap["weights"][0].copy()
    pg.step(1)
    assert np.array_equal(snap["weights"][0], before)


def test_multiclass_and_regression_snapshots():
    multi = Playground(PlaygroundConfig(dataset="spiral", n_classes=3, grid_size=10))
    multi.step(2)
    snap = multi.snapshot()
    assert snap["output_grid"].shape == (10, 10, 3)
    assert snap["output_grid"].sum(axis=2) == pytest.approx(np.ones((10, 10)))
    assert set(np.unique(snap["class_grid"])) <= {0, 1, 2}
    reg = Playground(PlaygroundConfig(dataset="plane", grid_size=10))
    start = reg.last.test_loss
    reg.step(20)
    assert reg.last.test_loss < start / 3
    assert reg.snapshot()["class_grid"] is None and reg.accuracy() is None


def test_step_reset_and_configure():
    pg = Playground(PlaygroundConfig(seed=1))
    first = [w.copy() for w in pg.model.weights]
    pg.step(4)
    assert pg.epoch == 4 and len(pg.history.train_loss) == 4
    pg.reset()
    assert pg.epoch == 0 and pg.history.train_loss == []
    assert all(np.array_equal(a, b) for a, b in zip(first, pg.model.weights))
    pg.step(2)
    assert pg.configure(learning_rate=0.1) is False and pg.epoch == 2
    assert pg.configure(hidden_layers=(3,)) is True and pg.epoch == 0
    assert pg.model.layer_sizes == [2, 3, 1]
    pg.reset(seed=7)
    assert pg.config.seed == 7
    with pytest.raises(ValueError, match="new Playground"):
        pg.configure(dataset="xor")


def test_job_continues_an_existing_playground():
    pg = Playground(PlaygroundConfig(seed=2))
    pg.step(5)
    _, result = collect(train_playground(PlaygroundConfig(epochs=7, frame_every=100), playground=pg))
    assert result.epochs == 7 and pg.epoch == 12 and len(pg.history.epochs) == 12
    # Same as stepping 12 epochs straight.
    straight = Playground(PlaygroundConfig(seed=2))
    straight.step(12)
    assert straight.history.test_loss == pg.history.test_loss


def test_trains_on_user_data():
    data = make_dataset(DatasetConfig(name="gauss", n_points=60, seed=9))
    _, result = collect(train_playground(PlaygroundConfig(epochs=30, frame_every=50), data=data))
    assert len(result.playground.train) == 30 and result.test_accuracy > 0.9


def test_cancel_stops_the_job_midway():
    cancel = CancelToken()
    seen: list[Progress] = []

    def on_event(event):
        if isinstance(event, Progress):
            seen.append(event)
            if event.step == 5:
                cancel.cancel()

    job = train_playground(PlaygroundConfig(epochs=None, frame_every=1000), cancel)  # would run forever
    with pytest.raises(JobCancelled):
        run_job(job, cancel, on_event)
    assert seen[-1].step == 5


def test_job_checks_the_token_itself():
    cancel = CancelToken()
    job = train_playground(PlaygroundConfig(epochs=1000), cancel)
    next(job)  # first frame
    next(job)  # epoch 1
    cancel.cancel()
    with pytest.raises(JobCancelled):
        next(job)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="unknown activation"):
        PlaygroundConfig(activation="swish")
    with pytest.raises(ValueError, match="unknown feature"):
        PlaygroundConfig(features=("x3",))
    with pytest.raises(ValueError, match="hidden layers"):
        Playground(PlaygroundConfig(hidden_layers=(4, 0)))
