"""The perceptron learning rule, one truth-table row at a time, as a job.

For each row: the neuron answers ``1`` if ``w·x ≥ θ`` else ``0``; the error is
``target − answer`` (−1, 0 or +1); then ``w ← w + lr·error·x`` and ``θ ← θ − lr·error``.
A pass over all rows is an *epoch*; an epoch with no errors means it has learned.

Rosenblatt's theorem says this always ends when one straight line (plane, for three
inputs) can split the rows, as for AND and OR. For XOR no such line exists, so every
epoch makes a mistake and the job stops after ``max_epochs`` reporting failure. The
job also notices when an epoch starts with weights it has had before: from then on it
can only go round the same loop, which proves it will never converge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, Progress
from engines.neuralnet.neuron import Neuron, truth_table


@dataclass
class PerceptronConfig:
    """What to learn and how.

    ``gate``/``n_inputs`` pick a truth table (see :func:`truth_table`) unless ``inputs``
    ``(R, n)`` and ``targets`` ``(R,)`` of 0/1 are given. Weights start at
    ``initial_weights`` (zeros when None, or uniform in ±0.5 when ``seed`` is set).
    """

    gate: str = "and"
    n_inputs: int = 2
    learning_rate: float = 0.1
    max_epochs: int = 50
    initial_weights: list[float] | None = None
    initial_threshold: float = 0.0
    seed: int | None = None
    inputs: list[list[float]] | None = None
    targets: list[float] | None = None

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """``(inputs (R, n), targets (R,))`` to learn."""
        if self.inputs is None:
            return truth_table(self.gate, self.n_inputs)
        x = np.asarray(self.inputs, dtype=np.float64)
        t = np.asarray(self.targets, dtype=np.float64)
        if x.ndim != 2 or t.shape != (x.shape[0],):
            raise ValueError("inputs must be (rows, n) and targets one value per row")
        if not np.isin(t, (0.0, 1.0)).all():
            raise ValueError("perceptron targets must be 0 or 1")
        return x, t


@dataclass(frozen=True)
class PerceptronResult:
    """How learning ended.

    ``errors_per_epoch[e]`` counts wrong rows in epoch ``e``. ``repeated_at_epoch`` is the
    first epoch that began with weights seen before (a loop: proof it never converges).
    """

    converged: bool
    epochs: int
    steps: int
    weights: list[float]
    threshold: float
    errors_per_epoch: list[int]
    repeated_at_epoch: int | None
    message: str

    def neuron(self) -> Neuron:
        return Neuron(self.weights, self.threshold, "step", name="learned perceptron")


def learn_perceptron(config: PerceptronConfig, cancel: CancelToken | None = None) -> Job[PerceptronResult]:
    """Train one step-activation neuron with the perceptron rule, yielding every row.

    Per row it yields ``Progress(step, max_epochs·R, {epoch, row, error, errors_this_epoch})``
    and a ``Frame`` whose payload dict holds ``epoch``, ``row``, ``inputs``, ``target``,
    ``output``, ``error``, ``weighted_sum``, ``weights_before``, ``threshold_before``,
    ``weights``, ``threshold`` (after the update), ``errors_this_epoch`` and
    ``table_outputs`` (the neuron's answer for every row after the update).
    Returns a :class:`PerceptronResult`.
    """
    cancel = cancel or CancelToken()
    x, t = config.table()
    n_rows, n_in = x.shape
    if config.initial_weights is not None:
        w = np.asarray(config.initial_weights, dtype=np.float64).copy()
        if w.shape != (n_in,):
            raise ValueError(f"expected {n_in} initial weights, got {w.size}")
    elif config.seed is not None:
        w = np.random.default_rng(config.seed).uniform(-0.5, 0.5, n_in)
    else:
        w = np.zeros(n_in)
    theta = float(config.initial_threshold)
    lr = float(config.learning_rate)
    total = config.max_epochs * n_rows
    errors_per_epoch: list[int] = []
    seen: set[tuple[float, ...]] = set()
    repeated_at: int | None = None
    step = 0

    for epoch in range(config.max_epochs):
        state = tuple(np.round(np.append(w, theta), 9).tolist())
        if state in seen and repeated_at is None:
            repeated_at = epoch
        seen.add(state)
        wrong = 0
        for row in range(n_rows):
            cancel.raise_if_cancelled()
            s = float(x[row] @ w)
            out = 1.0 if s >= theta else 0.0
            error = t[row] - out
            w_before, theta_before = w.copy(), theta
            if error:
                wrong += 1
                w = w + lr * error * x[row]
                theta = theta - lr * error
            step += 1
            yield Progress(step, total, {"epoch": float(epoch + 1), "row": float(row),
                                         "error": float(error), "errors_this_epoch": float(wrong)})
            yield Frame({
                "epoch": epoch + 1, "row": row, "inputs": x[row].tolist(), "target": float(t[row]),
                "output": out, "error": float(error), "weighted_sum": s,
                "weights_before": w_before.tolist(), "threshold_before": theta_before,
                "weights": w.tolist(), "threshold": theta, "errors_this_epoch": wrong,
                "table_outputs": ((x @ w) >= theta).astype(float).tolist(),
            }, step=step)
        errors_per_epoch.append(wrong)
        if wrong == 0:
            return PerceptronResult(True, epoch + 1, step, w.tolist(), theta, errors_per_epoch, repeated_at,
                                    f"learned every row in {epoch + 1} epochs")

    last = errors_per_epoch[-1] if errors_per_epoch else n_rows
    why = (f" Epoch {repeated_at + 1} began with weights it had already had, so it is going round a loop"
           " and can never finish." if repeated_at is not None else "")
    return PerceptronResult(
        False, config.max_epochs, step, w.tolist(), theta, errors_per_epoch, repeated_at,
        f"did not learn after {config.max_epochs} epochs ({last} of {n_rows} rows wrong in the last one): "
        f"no single straight line separates the 1-rows from the 0-rows.{why}",
    )
