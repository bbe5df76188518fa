"""Input features computed from a point ``(x1, x2)``, as in TensorFlow Playground.

With only ``x1`` and ``x2`` a network must bend straight lines into a circle; give it
``x1²`` and ``x2²`` and a single neuron can draw one. The same formulas are built into
the ONNX export (:mod:`engines.neuralnet.export`) so both runners see the same inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
FEATURE_LABELS = {
    "x1": "X₁", "x2": "X₂", "x1sq": "X₁²", "x2sq": "X₂²",
    "x1x2": "X₁X₂", "sinx1": "sin(X₁)", "sinx2": "sin(X₂)",
}
DEFAULT_FEATURES = ("x1", "x2")


def check_features(features: Sequence[str]) -> tuple[str, ...]:
    """Return ``features`` as a tuple; raise ``ValueError`` for an unknown, repeated or empty list."""
    features = tuple(features)
    if not features:
        raise ValueError("pick at least one input feature")
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; choose from {', '.join(FEATURES)}")
    if len(set(features)) != len(features):
        raise ValueError("each feature may be used once")
    return features


def feature_matrix(points: np.ndarray, features: Sequence[str] = DEFAULT_FEATURES) -> np.ndarray:
    """Points ``(N, 2)`` → features ``(N, F)`` in the order of ``features`` (same dtype as points)."""
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must be (N, 2), got {points.shape}")
    x1, x2 = points[:, 0], points[:, 1]
    columns = {
        "x1": lambda: x1, "x2": lambda: x2, "x1sq": lambda: x1 * x1, "x2sq": lambda: x2 * x2,
        "x1x2": lambda: x1 * x2, "sinx1": lambda: np.sin(x1), "sinx2": lambda: np.sin(x2),
    }
    return np.stack([columns[name]() for name in check_features(features)], axis=1)
