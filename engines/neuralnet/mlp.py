"""A small multi-layer perceptron in plain NumPy: forward pass, backpropagation, SGD.

Layer ``l`` computes ``a_l = act(a_{l-1} @ W_l + b_l)`` with ``W_l`` of shape
``(n_in, n_out)``. Hidden layers use ``tanh``, ``relu``, ``sigmoid`` or ``linear``; the
output layer depends on the task:

* ``binary``: one unit, sigmoid → P(class 1), loss = binary cross-entropy;
* ``multiclass``: k units, softmax → class probabilities, loss = cross-entropy;
* ``regression``: one unit, linear, loss = mean squared error.

For all three, the gradient of the loss with respect to the output layer's *logits*
is simply ``(output − target) / batch`` (×2 for MSE), which is why these pairs are used.
NumPy on small matrices is fast enough for hundreds of epochs a second on one core;
everything runs in float64 so a fixed seed replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engines.neuralnet.features import DEFAULT_FEATURES, check_features, feature_matrix

HIDDEN_ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
REGULARIZATIONS = ("none", "l1", "l2")
OUTPUT_ACTIVATION = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
MAX_LAYERS = 6
MAX_UNITS = 64  # every neuron gets its own picture in the GUI; more would not fit


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # equals 1/(1+e^-z) without overflow warnings


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _linear(z: np.ndarray) -> np.ndarray:
    return z


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


_ACT = {"tanh": np.tanh, "relu": _relu, "sigmoid": _sigmoid, "linear": _linear, "softmax": _softmax}


def activation_derivative(a: np.ndarray, activation: str) -> np.ndarray | float:
    """d act / dz, written in terms of the activation's *output* ``a`` (what backprop has)."""
    if activation == "tanh":
        return 1.0 - a * a
    if activation == "sigmoid":
        return a * (1.0 - a)
    if activation == "relu":
        return (a > 0).astype(a.dtype)
    if activation == "linear":
        return 1.0
    raise ValueError(f"unknown activation {activation!r}")


def encode_targets(labels: np.ndarray, task: str, n_outputs: int) -> np.ndarray:
    """Labels ``(N,)`` → targets ``(N, n_outputs)``: 0/1 column, one-hot rows, or values."""
    if task == "multiclass":
        targets = np.zeros((labels.shape[0], n_outputs))
        targets[np.arange(labels.shape[0]), labels.astype(np.int64)] = 1.0
        return targets
    return labels.astype(np.float64).reshape(-1, 1)


@dataclass
class MLP:
    """Weights ``W_l (n_in, n_out)`` and biases ``b_l (n_out,)`` for every layer, plus what
    the layers do. ``features`` names the inputs (see :mod:`engines.neuralnet.features`)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activation: str = "tanh"
    task: str = "binary"
    features: tuple[str, ...] = field(default=DEFAULT_FEATURES)

    def __post_init__(self) -> None:
        self.features = check_features(self.features)
        if self.activation not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}")
        if self.task not in OUTPUT_ACTIVATION:
            raise ValueError(f"unknown task {self.task!r}")
        if len(self.weights) != len(self.biases) or not self.weights:
            raise ValueError("need one bias vector per weight matrix, and at least one layer")
        if self.weights[0].shape[0] != len(self.features):
            raise ValueError(f"the first layer takes {self.weights[0].shape[0]} inputs but "
                             f"{len(self.features)} features are named")
        for w, b, nxt in zip(self.weights, self.biases, self.weights[1:] + [None]):
            if b.shape != (w.shape[1],) or (nxt is not None and nxt.shape[0] != w.shape[1]):
                raise ValueError("layer shapes do not chain")

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def create(cls, hidden_layers: list[int] | tuple[int, ...], n_outputs: int, activation: str = "tanh",
               task: str = "binary", features: tuple[str, ...] = DEFAULT_FEATURES, seed: int = 0) -> MLP:
        """Randomly initialised network: weights ~ N(0, 1/fan_in) (Xavier-like), biases 0.1."""
        features = check_features(features)
        hidden = [int(h) for h in hidden_layers]
        if len(hidden) > MAX_LAYERS or any(not 1 <= h <= MAX_UNITS for h in hidden):
            raise ValueError(f"up to {MAX_LAYERS} hidden layers of 1 to {MAX_UNITS} neurons")
        sizes = [len(features), *hidden, int(n_outputs)]
        rng = np.random.default_rng(seed)
        weights = [rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, n_out)) for n_in, n_out in zip(sizes, sizes[1:])]
        biases = [np.full(n_out, 0.1) for n_out in sizes[1:]]
        return cls(weights, biases, activation, task, features)

    @property
    def layer_sizes(self) -> list[int]:
        """``[n_features, hidden…, n_outputs]``."""
        return [self.weights[0].shape[0]] + [w.shape[1] for w in self.weights]

    @property
    def output_activation(self) -> str:
        return OUTPUT_ACTIVATION[self.task]

    def copy(self) -> MLP:
        return MLP([w.copy() for w in self.weights], [b.copy() for b in self.biases],
                   self.activation, self.task, self.features)

    # -- forward ---------------------------------------------------------------------------
    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Features ``(N, F)`` → ``(activations, logits)``.

        ``activations[0]`` is ``x``, ``activations[l]`` the output of layer ``l`` ``(N, n_l)``
        and ``activations[-1]`` the network's output (probabilities or values);
        ``logits`` ``(N, n_out)`` is the output layer before its activation.
        """
        act = _ACT[self.activation]
        acts = [x]
        a = x
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ w + b
            if i == last:
                acts.append(_ACT[self.output_activation](z))
                return acts, z
            a = act(z)
            acts.append(a)
        raise AssertionError("unreachable")

    def predict_features(self, x: np.ndarray) -> np.ndarray:
        """Features ``(N, F)`` → outputs ``(N, n_out)``."""
        return self.forward(x)[0][-1]

    def predict(self, points: np.ndarray) -> np.ndarray:
        """Raw points ``(N, 2)`` → outputs ``(N, n_out)`` (features computed here)."""
        return self.predict_features(feature_matrix(np.asarray(points, dtype=np.float64), self.features))

    # -- loss and gradients ----------------------------------------------------------------
    def loss_from_logits(self, logits: np.ndarray, targets: np.ndarray, output: np.ndarray | None = None) -> float:
        """Mean data loss (no regularisation) for logits ``(N, n_out)`` and encoded targets."""
        if self.task == "binary":
            # log(1 + e^z) − t·z is cross-entropy written so that it never overflows.
            return float(np.mean(np.logaddexp(0.0, logits) - targets * logits))
        if self.task == "multiclass":
            m = logits.max(axis=1, keepdims=True)
            log_norm = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
            return float(np.mean(log_norm - (logits * targets).sum(axis=1)))
        out = logits if output is None else output
        return float(np.mean((out - targets) ** 2))

    def loss(self, x: np.ndarray, targets: np.ndarray) -> float:
        """Mean data loss on features ``(N, F)`` and encoded targets ``(N, n_out)``."""
        acts, logits = self.forward(x)
        return self.loss_from_logits(logits, targets, acts[-1])

    def backward(self, acts: list[np.ndarray], targets: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Backpropagation: mean-loss gradients ``(dW per layer, db per layer)``, same shapes as the weights."""
        n = acts[0].shape[0]
        delta = (acts[-1] - targets) * ((2.0 if self.task == "regression" else 1.0) / n)  # (N, n_out)
        grads_w: list[np.ndarray] = [None] * len(self.weights)  # type: ignore[list-item]
        grads_b: list[np.ndarray] = [None] * len(self.weights)  # type: ignore[list-item]
        for layer in range(len(self.weights) - 1, -1, -1):
            a_prev = acts[layer]
            grads_w[layer] = a_prev.T @ delta
            grads_b[layer] = delta.sum(axis=0)
            if layer:
                delta = (delta @ self.weights[layer].T) * activation_derivative(a_prev, self.activation)
        return grads_w, grads_b

    def gradients(self, x: np.ndarray, targets: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Forward then :meth:`backward` on features ``(N, F)`` and targets ``(N, n_out)``."""
        return self.backward(self.forward(x)[0], targets)

    # -- training --------------------------------------------------------------------------
    def sgd_epoch(self, x: np.ndarray, targets: np.ndarray, learning_rate: float, batch_size: int,
                  rng: np.random.Generator, regularization: str = "none", regularization_rate: float = 0.0) -> None:
        """One pass over shuffled ``x (N, F)`` / ``targets (N, n_out)`` in mini-batches, updating in place.

        L2 adds ``rate·W`` to each weight gradient (weight decay), L1 adds ``rate·sign(W)``;
        biases are not regularised.
        """
        order = rng.permutation(x.shape[0])
        xs, ts = x[order], targets[order]
        weights, biases = self.weights, self.biases
        decay = regularization_rate if regularization != "none" else 0.0
        l1 = regularization == "l1"
        for start in range(0, xs.shape[0], batch_size):
            acts = self.forward(xs[start:start + batch_size])[0]
            grads_w, grads_b = self.backward(acts, ts[start:start + batch_size])
            for w, b, gw, gb in zip(weights, biases, grads_w, grads_b):
                if decay:
                    gw += decay * (np.sign(w) if l1 else w)
                w -= learning_rate * gw
                b -= learning_rate * gb

    # -- persistence -----------------------------------------------------------------------
    def tensors(self) -> dict[str, np.ndarray]:
        """``{"layers.<i>.weight": (n_in, n_out), "layers.<i>.bias": (n_out,)}``."""
        out: dict[str, np.ndarray] = {}
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            out[f"layers.{i}.weight"] = w
            out[f"layers.{i}.bias"] = b
        return out

    @classmethod
    def from_tensors(cls, tensors: dict[str, np.ndarray], activation: str, task: str,
                     features: tuple[str, ...]) -> MLP:
        """Inverse of :meth:`tensors`; raises ``ValueError`` when layers are missing."""
        n_layers = sum(1 for name in tensors if name.endswith(".weight"))
        try:
            weights = [np.asarray(tensors[f"layers.{i}.weight"], dtype=np.float64) for i in range(n_layers)]
            biases = [np.asarray(tensors[f"layers.{i}.bias"], dtype=np.float64) for i in range(n_layers)]
        except KeyError as exc:
            raise ValueError(f"the weights file lacks {exc.args[0]}") from None
        return cls(weights, biases, activation, task, tuple(features))
