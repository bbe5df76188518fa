"""The perceptron rule learns AND and OR, and provably cannot learn XOR."""

from __future__ import annotations

import pytest

from engines.core.jobs import CancelToken, Frame, JobCancelled, Progress, collect, run_job
from engines.neuralnet.neuron import truth_table
from engines.neuralnet.perceptron import PerceptronConfig, learn_perceptron


@pytest.mark.parametrize("n_inputs", [2, 3])
@pytest.mark.parametrize("gate", ["and", "or"])
def test_learns_linearly_separable_gates(gate, n_inputs):
    events, result = collect(learn_perceptron(PerceptronConfig(gate=gate, n_inputs=n_inputs)))
    assert result.converged
    assert result.errors_per_epoch[-1] == 0
    rows, targets = truth_table(gate, n_inputs)
    assert result.neuron().fires(rows).tolist() == targets.astype(bool).tolist()
    assert result.epochs < 50


def test_learns_from_random_start_too():
    _, result = collect(learn_perceptron(PerceptronConfig(gate="or", seed=3, learning_rate=0.25)))
    assert result.converged


@pytest.mark.parametrize("n_inputs", [2, 3])
def test_fails_on_xor_after_max_epochs(n_inputs):
    config = PerceptronConfig(gate="xor", n_inputs=n_inputs, max_epochs=30)
    _, result = collect(learn_perceptron(config))
    assert not result.converged
    assert result.epochs == 30
    assert all(errors > 0 for errors in result.errors_per_epoch)
    assert result.repeated_at_epoch is not None  # it went round a loop: it can never converge
    assert "did not learn" in result.message


def test_every_row_reports_progress_and_a_frame():
    events, result = collect(learn_perceptron(PerceptronConfig(gate="and")))
    progress = [e for e in events if isinstance(e, Progress)]
    frames = [e.payload for e in events if isinstance(e, Frame)]
    assert len(progress) == len(frames) == result.steps == 4 * result.epochs
    first = frames[0]
    for key in ("weights", "threshold", "row", "error", "epoch", "inputs", "target", "output", "table_outputs"):
        assert key in first
    assert [f["row"] for f in frames[:4]] == [0, 1, 2, 3]
    assert frames[-1]["weights"] == result.weights and frames[-1]["threshold"] == result.threshold
    # The rule itself: w ← w + lr·error·x, θ ← θ − lr·error.
    for f in frames:
        expected = [w + 0.1 * f["error"] * x for w, x in zip(f["weights_before"], f["inputs"])]
        assert f["weights"] == pytest.approx(expected)
        assert f["threshold"] == pytest.approx(f["threshold_before"] - 0.1 * f["error"])


def test_cancel_stops_it():
    cancel = CancelToken()
    seen = []

    def on_event(event):
        seen.append(event)
        if len(seen) == 10:
            cancel.cancel()

    with pytest.raises(JobCancelled):
        run_job(learn_perceptron(PerceptronConfig(gate="xor", max_epochs=1000), cancel), cancel, on_event)
    assert len(seen) == 10
