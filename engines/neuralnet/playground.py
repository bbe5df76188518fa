"""The playground: a small network trained live on a 2-D dataset, with pictures of its insides.

:class:`Playground` holds the data, the network and the loss history, and moves one
epoch at a time (``step``), so a GUI can offer Play / Pause / Step / Reset: Play runs
:func:`train_playground` (a thin loop over ``step``) on a worker thread, Pause cancels
it, Step runs one epoch, Reset re-draws the weights. :meth:`Playground.snapshot` returns
what to draw: the decision boundary over a grid, every hidden neuron's own picture over
the same grid, weights, biases, gradient sizes and the loss curves. Snapshots hold
copies, so the training thread may carry on while a viewer draws one.

Only one thread may use a Playground at a time (a GUI must not call ``step`` while a
training job over the same playground runs).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, Progress
from engines.neuralnet.datasets import Dataset2D, DatasetConfig, make_split, train_test_split
from engines.neuralnet.features import DEFAULT_FEATURES, FEATURE_LABELS, check_features, feature_matrix
from engines.neuralnet.mlp import HIDDEN_ACTIVATIONS, MLP, REGULARIZATIONS, encode_targets

DataArg = Dataset2D | tuple[Dataset2D, Dataset2D] | None


@dataclass
class PlaygroundConfig:
    """Everything the playground needs; defaults are TensorFlow Playground's.

    Data: ``dataset`` (see :data:`engines.neuralnet.datasets.DATASETS`), ``n_points``,
    ``noise`` (0–0.5), ``n_classes``, ``test_fraction``, ``data_seed`` (None: use ``seed``).
    Network: ``features``, ``hidden_layers``, ``activation``. Training: ``learning_rate``,
    ``batch_size``, ``regularization`` (none/l1/l2) and its rate, ``seed`` (weights and
    shuffling). Job: ``epochs`` (None: until cancelled), a frame every ``frame_every``
    epochs on a ``grid_size``² grid.
    """

    dataset: str = "circle"
    n_points: int = 500
    noise: float = 0.0
    n_classes: int = 2
    test_fraction: float = 0.5
    data_seed: int | None = None
    features: tuple[str, ...] = DEFAULT_FEATURES
    hidden_layers: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.03
    batch_size: int = 10
    regularization: str = "none"
    regularization_rate: float = 0.0
    seed: int = 0
    epochs: int | None = 200
    frame_every: int = 10
    grid_size: int = 50

    def __post_init__(self) -> None:
        self.features = check_features(self.features)
        self.hidden_layers = tuple(int(h) for h in self.hidden_layers)
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}")
        if self.regularization not in REGULARIZATIONS:
            raise ValueError(f"regularization is one of {', '.join(REGULARIZATIONS)}")
        if self.learning_rate <= 0 or self.batch_size < 1 or self.regularization_rate < 0:
            raise ValueError("learning rate must be > 0, batch size ≥ 1 and regularisation rate ≥ 0")
        if self.epochs is not None and self.epochs < 0:
            raise ValueError("epochs must be ≥ 0")
        if self.frame_every < 1 or not 2 <= self.grid_size <= 400:
            raise ValueError("frame_every must be ≥ 1 and grid_size between 2 and 400")

    def dataset_config(self) -> DatasetConfig:
        seed = self.seed if self.data_seed is None else self.data_seed
        return DatasetConfig(self.dataset, self.n_points, self.noise, seed, self.n_classes, self.test_fraction)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["features"], d["hidden_layers"] = list(self.features), list(self.hidden_layers)
        return d


@dataclass(frozen=True)
class EpochStats:
    """Losses after ``epoch`` epochs (mean data loss, without the regularisation term)."""

    epoch: int
    train_loss: float
    test_loss: float


@dataclass
class LossHistory:
    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)

    def append(self, stats: EpochStats) -> None:
        self.epochs.append(stats.epoch)
        self.train_loss.append(stats.train_loss)
        self.test_loss.append(stats.test_loss)


class Playground:
    """Data + network + history, advanced with :meth:`step`.

    ``data`` may be a whole :class:`Dataset2D` (split with ``config.test_fraction``), a
    ready ``(train, test)`` pair (e.g. from :func:`engines.neuralnet.datasets.load_csv`),
    or None to generate ``config.dataset``.
    """

    def __init__(self, config: PlaygroundConfig | None = None, data: DataArg = None) -> None:
        self.config = config or PlaygroundConfig()
        if data is None:
            self.train, self.test = make_split(self.config.dataset_config())
        elif isinstance(data, Dataset2D):
            seed = self.config.seed if self.config.data_seed is None else self.config.data_seed
            self.train, self.test = train_test_split(data, self.config.test_fraction, seed)
        else:
            self.train, self.test = data
        self.task = self.train.task
        self.n_outputs = self.train.n_classes if self.task == "multiclass" else 1
        self.extent = _extent(self.train, self.test)
        self._grid_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._prepare_inputs()
        self.reset()

    # -- set-up ------------------------------------------------------------------------------
    def _prepare_inputs(self) -> None:
        feats = self.config.features
        self._x_train = feature_matrix(self.train.points, feats)  # (N_train, F)
        self._x_test = feature_matrix(self.test.points, feats)  # (N_test, F)
        self._t_train = encode_targets(self.train.labels, self.task, self.n_outputs)  # (N_train, n_out)
        self._t_test = encode_targets(self.test.labels, self.task, self.n_outputs)
        self._grid_cache.clear()

    def reset(self, seed: int | None = None) -> None:
        """Fresh random weights (from ``seed``, default ``config.seed``), epoch 0, empty history."""
        if seed is not None:
            self.config = replace(self.config, seed=int(seed))
        cfg = self.config
        self.model = MLP.create(cfg.hidden_layers, self.n_outputs, cfg.activation, self.task, cfg.features,
                                seed=cfg.seed)
        self._shuffle_rng = np.random.default_rng([cfg.seed, 1])
        self.epoch = 0
        self.history = LossHistory()
        self.last = self.evaluate()

    def configure(self, **changes: Any) -> bool:
        """Change settings. Learning rate, batch size and regularisation apply from the next
        epoch; changes to the network's shape, activation or features reset the weights
        (returns True then). Data settings cannot change here: build a new Playground."""
        data_keys = {"dataset", "n_points", "noise", "n_classes", "test_fraction", "data_seed"}
        if data_keys & changes.keys():
            raise ValueError("data settings need a new Playground")
        structural = {"features", "hidden_layers", "activation", "seed"}
        old = self.config
        self.config = replace(self.config, **changes)
        if any(getattr(old, k) != getattr(self.config, k) for k in structural & changes.keys()):
            if old.features != self.config.features:
                self._prepare_inputs()
            self.reset()
            return True
        return False

    # -- training ----------------------------------------------------------------------------
    def evaluate(self) -> EpochStats:
        """Current train and test loss on every point."""
        return EpochStats(self.epoch, self.model.loss(self._x_train, self._t_train),
                          self.model.loss(self._x_test, self._t_test))

    def step(self, epochs: int = 1) -> EpochStats:
        """Train ``epochs`` more epochs of mini-batch SGD; record and return the last losses."""
        cfg = self.config
        for _ in range(int(epochs)):
            self.model.sgd_epoch(self._x_train, self._t_train, cfg.learning_rate, cfg.batch_size,
                                 self._shuffle_rng, cfg.regularization, cfg.regularization_rate)
            self.epoch += 1
            self.last = self.evaluate()
            self.history.append(self.last)
        return self.last

    def predict(self, points: np.ndarray) -> np.ndarray:
        """Points ``(N, 2)`` → outputs ``(N, n_out)``: P(class 1), class probabilities or values."""
        return self.model.predict(points)

    def accuracy(self, split: str = "test") -> float | None:
        """Fraction of ``train``/``test`` points classified right (None for regression)."""
        if self.task == "regression":
            return None
        data, x = (self.train, self._x_train) if split == "train" else (self.test, self._x_test)
        return float(np.mean(_classes(self.model.predict_features(x), self.task) == data.labels))

    def gradient_magnitudes(self) -> list[float]:
        """Mean |∂loss/∂W| per layer on the whole training set: how hard each layer is being pushed."""
        grads_w, _ = self.model.gradients(self._x_train, self._t_train)
        return [float(np.mean(np.abs(g))) for g in grads_w]

    # -- pictures ----------------------------------------------------------------------------
    def grid(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(xs (G,), ys (G,), features (G·G, F))`` over :attr:`extent`; row-major, y outer."""
        if size not in self._grid_cache:
            x0, x1, y0, y1 = self.extent
            xs, ys = np.linspace(x0, x1, size), np.linspace(y0, y1, size)
            gx, gy = np.meshgrid(xs, ys)  # (G, G): [row = y index, col = x index]
            pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
            self._grid_cache[size] = (xs, ys, feature_matrix(pts, self.config.features))
        return self._grid_cache[size]

    def snapshot(self, grid_size: int | None = None) -> dict[str, Any]:
        """Everything a viewer draws, as a dict of plain values and array copies.

        Grids are indexed ``[row, col]`` = ``[y index, x index]`` with ``y`` rising with the
        row, over ``extent = (x_min, x_max, y_min, y_max)``:

        * ``output_grid``: ``(G, G)`` P(class 1) or regression value; ``(G, G, k)`` class
          probabilities for multiclass. ``class_grid``: ``(G, G)`` predicted class (not for regression).
        * ``neuron_grids``: one ``(units, G, G)`` array per hidden layer (each neuron's output).
        * ``feature_grids``: ``(F, G, G)``, the inputs themselves.
        * ``weights`` ``[(n_in, n_out)]``, ``biases`` ``[(n_out,)]``, ``gradient_magnitude`` (one per layer).
        * ``history``: ``epochs``, ``train_loss``, ``test_loss`` arrays; current losses and accuracies.
        * ``train_points``/``train_labels``/``test_points``/``test_labels`` (shared, never modified).
        """
        g = int(grid_size or self.config.grid_size)
        xs, ys, grid_x = self.grid(g)
        acts, _ = self.model.forward(grid_x)
        out = acts[-1]  # (G·G, n_out)
        output_grid = out.reshape(g, g, -1)
        if self.n_outputs == 1:
            output_grid = output_grid[:, :, 0]
        snap: dict[str, Any] = {
            "epoch": self.epoch,
            "task": self.task,
            "n_classes": self.train.n_classes,
            "activation": self.config.activation,
            "layer_sizes": self.model.layer_sizes,
            "feature_names": list(self.config.features),
            "feature_labels": [FEATURE_LABELS[f] for f in self.config.features],
            "train_loss": self.last.train_loss,
            "test_loss": self.last.test_loss,
            "train_accuracy": self.accuracy("train"),
            "test_accuracy": self.accuracy("test"),
            "extent": self.extent,
            "grid_x": xs,
            "grid_y": ys,
            "output_grid": output_grid.copy(),
            "class_grid": None if self.task == "regression" else _classes(out, self.task).reshape(g, g),
            "neuron_grids": [a.T.reshape(-1, g, g).copy() for a in acts[1:-1]],
            "feature_grids": grid_x.T.reshape(-1, g, g).copy(),
            "weights": [w.copy() for w in self.model.weights],
            "biases": [b.copy() for b in self.model.biases],
            "gradient_magnitude": self.gradient_magnitudes(),
            "history": {
                "epochs": np.array(self.history.epochs, dtype=np.int64),
                "train_loss": np.array(self.history.train_loss),
                "test_loss": np.array(self.history.test_loss),
            },
            "train_points": self.train.points,
            "train_labels": self.train.labels,
            "test_points": self.test.points,
            "test_labels": self.test.labels,
        }
        return snap


def _classes(out: np.ndarray, task: str) -> np.ndarray:
    return (out[:, 0] >= 0.5).astype(np.int64) if task == "binary" else out.argmax(axis=1)


def _extent(train: Dataset2D, test: Dataset2D) -> tuple[float, float, float, float]:
    """A square around all points (a little padding), so the picture is not stretched."""
    pts = np.concatenate([train.points, test.points])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    center = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * 1.05, 1e-6)
    return (float(center[0] - half), float(center[0] + half), float(center[1] - half), float(center[1] + half))


@dataclass(frozen=True)
class PlaygroundResult:
    """How a training run ended; ``playground`` holds the trained network for export."""

    playground: Playground
    epochs: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None
    test_accuracy: float | None
    seconds: float
    epochs_per_second: float

    def to_dict(self) -> dict[str, Any]:
        return {"epochs": self.epochs, "train_loss": self.train_loss, "test_loss": self.test_loss,
                "train_accuracy": self.train_accuracy, "test_accuracy": self.test_accuracy,
                "seconds": self.seconds, "epochs_per_second": self.epochs_per_second}


def train_playground(config: PlaygroundConfig | None = None, cancel: CancelToken | None = None,
                     playground: Playground | None = None, data: DataArg = None) -> Job[PlaygroundResult]:
    """Train for ``config.epochs`` epochs (None: until cancelled), reporting as it goes.

    Yields ``Progress(epoch, total, {epoch, train_loss, test_loss})`` every epoch and a
    ``Frame(snapshot)`` at the start, every ``config.frame_every`` epochs and at the end.
    Pass ``playground`` to continue training an existing one (Play after Step); its own
    config then governs training and ``config``, when given, only sets epochs and frames.
    """
    cancel = cancel or CancelToken()
    if playground is None:
        playground = Playground(config, data)
        config = playground.config
    config = config or playground.config
    total = config.epochs
    start_epoch = playground.epoch
    frame_every = config.frame_every
    yield Frame(playground.snapshot(config.grid_size), step=playground.epoch)
    started = time.perf_counter()
    done = 0
    last_frame = playground.epoch
    while total is None or done < total:
        cancel.raise_if_cancelled()
        stats = playground.step(1)
        done += 1
        yield Progress(done, total, {"epoch": float(stats.epoch), "train_loss": stats.train_loss,
                                     "test_loss": stats.test_loss})
        if done % frame_every == 0:
            yield Frame(playground.snapshot(config.grid_size), step=stats.epoch)
            last_frame = stats.epoch
    seconds = time.perf_counter() - started
    if last_frame != playground.epoch:
        yield Frame(playground.snapshot(config.grid_size), step=playground.epoch)
    stats = playground.last
    return PlaygroundResult(
        playground, playground.epoch - start_epoch, stats.train_loss, stats.test_loss,
        playground.accuracy("train"), playground.accuracy("test"), seconds,
        done / seconds if seconds > 0 else float("inf"),
    )
