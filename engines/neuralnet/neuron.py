"""One artificial neuron: inputs times weights, summed, compared with a threshold.

A neuron with weights ``w`` and threshold ``θ`` computes the weighted sum
``s = Σ wᵢ·xᵢ``, then the *net input* ``z = s − θ`` (the bias is ``−θ``), and passes
``z`` through an activation: ``step`` (0 or 1, the classic McCulloch–Pitts neuron),
``sigmoid``, ``relu`` or ``tanh``. Whatever the activation, the neuron **fires** when
the weighted sum reaches the threshold (``z ≥ 0``), so the sliders in the GUI mean the
same thing for every activation.

Presets: AND and OR (2 or 3 inputs), a vertical-line detector on a 3×3 pixel grid, and
XOR, which needs *two layers* of neurons (:func:`xor_network`): no single neuron can do
it, and :mod:`engines.neuralnet.perceptron` shows the learning rule failing on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np

ACTIVATIONS = ("step", "sigmoid", "relu", "tanh")
GATES = ("and", "or", "xor", "nand", "nor")


def activate(z: np.ndarray | float, activation: str) -> np.ndarray:
    """Apply a neuron activation to the net input ``z`` (any shape, returned as float array)."""
    z = np.asarray(z, dtype=np.float64)
    if activation == "step":
        return (z >= 0).astype(np.float64)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "tanh":
        return np.tanh(z)
    raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")


@dataclass(frozen=True)
class NeuronTrace:
    """Everything a neuron did with one input, for drawing: products, sum, output, spike."""

    inputs: tuple[float, ...]
    products: tuple[float, ...]  # wᵢ·xᵢ, one per input
    weighted_sum: float  # Σ wᵢ·xᵢ
    net_input: float  # weighted_sum − threshold
    output: float
    fires: bool


@dataclass
class Neuron:
    """A single neuron.

    ``weights``: one per input. ``threshold``: the weighted sum at which it fires.
    ``activation``: one of :data:`ACTIVATIONS`. ``name`` is for display only.
    """

    weights: list[float]
    threshold: float = 0.0
    activation: str = "step"
    name: str = ""

    def __post_init__(self) -> None:
        self.weights = [float(w) for w in self.weights]
        self.threshold = float(self.threshold)
        if not self.weights:
            raise ValueError("a neuron needs at least one input weight")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")

    @property
    def n_inputs(self) -> int:
        return len(self.weights)

    @property
    def bias(self) -> float:
        """The bias is the threshold moved to the other side: ``z = Σ wᵢxᵢ + bias``."""
        return -self.threshold

    def _check(self, inputs: np.ndarray) -> np.ndarray:
        x = np.asarray(inputs, dtype=np.float64)
        if x.shape[-1] != self.n_inputs:
            raise ValueError(f"this neuron has {self.n_inputs} inputs but got {x.shape[-1]} values")
        return x

    def weighted_sum(self, inputs: Sequence[float] | np.ndarray) -> np.ndarray | float:
        """``Σ wᵢ·xᵢ`` for inputs of shape ``(n_inputs,)`` → float, or ``(N, n_inputs)`` → ``(N,)``."""
        x = self._check(inputs)
        s = x @ np.asarray(self.weights)
        return float(s) if s.ndim == 0 else s

    def net_input(self, inputs: Sequence[float] | np.ndarray) -> np.ndarray | float:
        """``weighted_sum − threshold``; the neuron fires where this is ≥ 0."""
        return self.weighted_sum(inputs) - self.threshold

    def output(self, inputs: Sequence[float] | np.ndarray) -> np.ndarray | float:
        """The activation of the net input; same shapes as :meth:`weighted_sum`."""
        out = activate(self.net_input(inputs), self.activation)
        return float(out) if out.ndim == 0 else out

    def fires(self, inputs: Sequence[float] | np.ndarray) -> np.ndarray | bool:
        """True where the weighted sum reaches the threshold."""
        z = np.asarray(self.net_input(inputs)) >= 0
        return bool(z) if z.ndim == 0 else z

    def trace(self, inputs: Sequence[float]) -> NeuronTrace:
        """One input vector ``(n_inputs,)`` → a :class:`NeuronTrace` for the GUI or CLI."""
        x = self._check(inputs)
        if x.ndim != 1:
            raise ValueError("trace takes one input vector")
        products = x * np.asarray(self.weights) + 0.0  # + 0.0 turns −0.0 into 0.0 for display
        s = float(products.sum())
        z = s - self.threshold
        return NeuronTrace(
            inputs=tuple(float(v) for v in x),
            products=tuple(float(p) for p in products),
            weighted_sum=s,
            net_input=z,
            output=float(activate(z, self.activation)),
            fires=bool(z >= 0),
        )


@dataclass
class NeuronNetwork:
    """Layers of hand-wired neurons; each layer's outputs are the next layer's inputs."""

    layers: list[list[Neuron]] = field(default_factory=list)
    name: str = ""

    def layer_outputs(self, inputs: Sequence[float]) -> list[np.ndarray]:
        """Outputs of every layer for one input vector, first hidden layer first."""
        x = np.asarray(inputs, dtype=np.float64)
        outputs = []
        for layer in self.layers:
            x = np.array([neuron.output(x) for neuron in layer])
            outputs.append(x)
        return outputs

    def output(self, inputs: Sequence[float]) -> float:
        """The single output of the last layer."""
        return float(self.layer_outputs(inputs)[-1][0])

    def fires(self, inputs: Sequence[float]) -> bool:
        """Whether the output neuron fires, given what the layer before it sent."""
        fed = self.layer_outputs(inputs)[-2] if len(self.layers) > 1 else np.asarray(inputs, dtype=np.float64)
        return bool(self.layers[-1][0].fires(fed))


# --- truth tables and presets ------------------------------------------------------------------

def truth_table(gate: str, n_inputs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """All ``2**n_inputs`` rows of a logic gate.

    Returns ``(inputs, targets)``: ``(2**n, n)`` of 0/1 floats and ``(2**n,)`` of 0/1 floats.
    XOR with 3 inputs means "an odd number of inputs are on" (parity).
    """
    gate = gate.lower()
    if gate not in GATES:
        raise ValueError(f"unknown gate {gate!r}; choose one of {', '.join(GATES)}")
    if n_inputs not in (2, 3):
        raise ValueError("logic gates here have 2 or 3 inputs")
    rows = np.array(list(product((0.0, 1.0), repeat=n_inputs)))  # (2**n, n)
    on = rows.sum(axis=1)
    targets = {
        "and": on == n_inputs,
        "or": on >= 1,
        "xor": on % 2 == 1,
        "nand": on < n_inputs,
        "nor": on == 0,
    }[gate]
    return rows, targets.astype(np.float64)


def and_neuron(n_inputs: int = 2) -> Neuron:
    """Fires only when every input is on: weights all 1, threshold = number of inputs."""
    _check_gate_inputs(n_inputs)
    return Neuron([1.0] * n_inputs, threshold=float(n_inputs), name=f"AND ({n_inputs} inputs)")


def or_neuron(n_inputs: int = 2) -> Neuron:
    """Fires when any input is on: weights all 1, threshold 1."""
    _check_gate_inputs(n_inputs)
    return Neuron([1.0] * n_inputs, threshold=1.0, name=f"OR ({n_inputs} inputs)")


def nand_neuron(n_inputs: int = 2) -> Neuron:
    """AND turned around: weights all −1, fires unless every input is on."""
    _check_gate_inputs(n_inputs)
    return Neuron([-1.0] * n_inputs, threshold=-(n_inputs - 0.5), name=f"NAND ({n_inputs} inputs)")


def xor_network() -> NeuronNetwork:
    """XOR of two inputs from three neurons: ``XOR = OR AND NAND``.

    One neuron draws a single straight line through the input square, and XOR's "on"
    corners sit diagonally opposite each other, so no one line separates them. Two
    hidden neurons draw two lines (OR and NAND); an AND neuron keeps the strip between.
    """
    hidden = [or_neuron(2), nand_neuron(2)]
    out = Neuron([1.0, 1.0], threshold=2.0, name="AND of OR, NAND")
    return NeuronNetwork([hidden, [out]], name="XOR (two layers)")


GRID_SIDE = 3


def vertical_line_detector(column: int = 1) -> Neuron:
    """A neuron on a 3×3 pixel grid (inputs row by row, 0 = dark, 1 = lit) that fires on a
    vertical line in ``column``.

    Pixels in that column weigh +1, every other pixel −1, threshold 2.5: a full line
    (sum 3) fires; a horizontal line (+1 −1 −1 = −1), a line in another column (−3) or
    a broken line (2) do not. One neuron cannot detect a vertical line in *any* column
    while rejecting every horizontal one: the three column sums and the three row sums
    add up to the same total, so they cannot all lie on opposite sides of one threshold.
    """
    if column not in range(GRID_SIDE):
        raise ValueError(f"column must be 0, 1 or 2, not {column}")
    weights = np.full((GRID_SIDE, GRID_SIDE), -1.0)
    weights[:, column] = 1.0
    return Neuron(weights.ravel().tolist(), threshold=2.5, name=f"vertical line in column {column}")


def line_image(orientation: str, index: int = 1) -> np.ndarray:
    """A 3×3 picture flattened to ``(9,)``: a ``"vertical"`` or ``"horizontal"`` line at ``index``."""
    img = np.zeros((GRID_SIDE, GRID_SIDE))
    if orientation == "vertical":
        img[:, index] = 1.0
    elif orientation == "horizontal":
        img[index, :] = 1.0
    else:
        raise ValueError("orientation is 'vertical' or 'horizontal'")
    return img.ravel()


def gate_neuron(gate: str, n_inputs: int = 2) -> Neuron:
    """The preset neuron for ``and``, ``or`` or ``nand``; XOR has none (see :func:`xor_network`)."""
    makers = {"and": and_neuron, "or": or_neuron, "nand": nand_neuron}
    if gate.lower() == "xor":
        raise ValueError("no single neuron computes XOR; use xor_network() (two layers)")
    if gate.lower() not in makers:
        raise ValueError(f"no preset neuron for {gate!r}; choose one of {', '.join(makers)}")
    return makers[gate.lower()](n_inputs)


def _check_gate_inputs(n_inputs: int) -> None:
    if n_inputs not in (2, 3):
        raise ValueError("logic-gate presets have 2 or 3 inputs")
