"""2-D toy datasets in the spirit of TensorFlow Playground, a train/test split, and CSV loading.

Every dataset is a cloud of points ``(N, 2)`` in roughly ``[-6, 6]²`` with one label per
point: a class index (0/1, or 0…k−1 for the multi-class variants) or, for regression,
a number. ``noise`` runs from 0 (clean) to 0.5 (very noisy), like the Playground's
0–50 % slider. The same seed always gives the same points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multigauss")
DATASETS = CLASSIFICATION + REGRESSION
MULTICLASS_CAPABLE = ("gauss", "spiral")
TASKS = ("binary", "multiclass", "regression")
MAX_CLASSES = 10
MAX_CSV_BYTES = 20 * 1024**2
MAX_CSV_ROWS = 100_000
MIN_CSV_ROWS = 4


@dataclass(frozen=True)
class Dataset2D:
    """Points and labels.

    ``points``: ``(N, 2)`` float64. ``labels``: ``(N,)`` int64 class indices for
    ``binary``/``multiclass`` tasks, float64 targets for ``regression``.
    ``n_classes`` is 2 for binary, k for multiclass and 1 for regression.
    """

    points: np.ndarray
    labels: np.ndarray
    task: str
    n_classes: int
    name: str = ""

    def __post_init__(self) -> None:
        if self.points.ndim != 2 or self.points.shape[1] != 2:
            raise ValueError(f"points must be (N, 2), got {self.points.shape}")
        if self.labels.shape != (self.points.shape[0],):
            raise ValueError("there must be one label per point")
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; choose one of {', '.join(TASKS)}")

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def subset(self, index: np.ndarray) -> Dataset2D:
        """The points at ``index`` (an integer array), as a new dataset."""
        return Dataset2D(self.points[index], self.labels[index], self.task, self.n_classes, self.name)

    def bounds(self, pad: float = 0.05) -> tuple[float, float, float, float]:
        """``(x_min, x_max, y_min, y_max)`` around the points, widened by ``pad`` of the span."""
        lo, hi = self.points.min(axis=0), self.points.max(axis=0)
        span = np.maximum(hi - lo, 1e-9)
        lo, hi = lo - pad * span, hi + pad * span
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


@dataclass
class DatasetConfig:
    """Which dataset to generate: ``name`` from :data:`DATASETS`, ``n_points``, ``noise``
    (0–0.5), ``seed``, ``n_classes`` (2, or up to 10 for gauss/spiral) and the fraction of
    points kept back for testing."""

    name: str = "circle"
    n_points: int = 500
    noise: float = 0.0
    seed: int = 0
    n_classes: int = 2
    test_fraction: float = 0.5


# --- generators ---------------------------------------------------------------------------------

def _class_sizes(n: int, k: int) -> list[int]:
    return [n // k + (1 if j < n % k else 0) for j in range(k)]


def make_circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A disc of class 1 (radius < 2.5) inside a ring of class 0 (radius 3.5–5)."""
    radius = 5.0
    n_in, n_out = _class_sizes(n, 2)
    r = np.concatenate([rng.uniform(0, 0.5 * radius, n_in), rng.uniform(0.7 * radius, radius, n_out)])
    angle = rng.uniform(0, 2 * math.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    points += rng.uniform(-1, 1, (n, 2)) * noise * radius
    labels = np.concatenate([np.ones(n_in, np.int64), np.zeros(n_out, np.int64)])
    return points, labels


def make_xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Four squares: class 1 where x and y have the same sign, 0 where they differ."""
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)  # keep a small gap along the axes
    labels = (points[:, 0] * points[:, 1] > 0).astype(np.int64)
    points += rng.uniform(-1, 1, (n, 2)) * noise * 5
    return points, labels


def make_gauss(n: int, noise: float, rng: np.random.Generator, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """``k`` round blobs on a circle; for k = 2 they sit at (2, 2) (class 1) and (−2, −2) (class 0)."""
    std = 0.5 + 7.0 * noise
    points, labels = [], []
    for j, size in enumerate(_class_sizes(n, k)):
        angle = math.pi / 4 + math.pi + 2 * math.pi * j / k  # class 0 at (−2, −2)
        center = 2 * math.sqrt(2) * np.array([math.cos(angle), math.sin(angle)])
        points.append(center + rng.normal(0, std, (size, 2)))
        labels.append(np.full(size, j, np.int64))
    return np.concatenate(points), np.concatenate(labels)


def make_spiral(n: int, noise: float, rng: np.random.Generator, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """``k`` interleaved spiral arms, each turning 1.75 times while its radius grows to 5."""
    points, labels = [], []
    for j, size in enumerate(_class_sizes(n, k)):
        s = np.arange(size) / max(size, 1)
        r = 5.0 * s
        t = 1.75 * 2 * math.pi * s + 2 * math.pi * j / k
        arm = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        points.append(arm + rng.uniform(-1, 1, (size, 2)) * noise * 2)
        labels.append(np.full(size, j, np.int64))
    return np.concatenate(points), np.concatenate(labels)


def make_plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression: the target rises evenly from −1 to 1 across the square (``(x + y) / 12``)."""
    points = rng.uniform(-6, 6, (n, 2))
    target = (points[:, 0] + points[:, 1]) / 12 + rng.uniform(-1, 1, n) * noise
    return points, target


def make_multigauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Regression: hills (+) and dips (−) of Gaussian bumps at fixed places in the square."""
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    points = rng.uniform(-6, 6, (n, 2))
    target = np.zeros(n)
    for cx, cy, sign in bumps:
        target += sign * np.exp(-((points[:, 0] - cx) ** 2 + (points[:, 1] - cy) ** 2) / 2)
    target = np.clip(target, -1, 1) + rng.uniform(-1, 1, n) * noise
    return points, target


def make_dataset(config: DatasetConfig) -> Dataset2D:
    """Generate the dataset ``config`` describes (all of it; see :func:`train_test_split`)."""
    name = config.name.lower()
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {config.name!r}; choose one of {', '.join(DATASETS)}")
    if config.n_points < 2:
        raise ValueError("a dataset needs at least 2 points")
    if not 0 <= config.noise <= 1:
        raise ValueError("noise runs from 0 (clean) to 0.5 (very noisy)")
    k = int(config.n_classes)
    if k != 2 and name not in MULTICLASS_CAPABLE:
        raise ValueError(f"{name} has two classes; only {' and '.join(MULTICLASS_CAPABLE)} have more")
    if not 2 <= k <= MAX_CLASSES:
        raise ValueError(f"n_classes must be between 2 and {MAX_CLASSES}")
    rng = np.random.default_rng(config.seed)
    n, noise = int(config.n_points), float(config.noise)
    if name in REGRESSION:
        maker = make_plane if name == "plane" else make_multigauss
        points, target = maker(n, noise, rng)
        return Dataset2D(points, target.astype(np.float64), "regression", 1, name)
    if name == "gauss":
        points, labels = make_gauss(n, noise, rng, k)
    elif name == "spiral":
        points, labels = make_spiral(n, noise, rng, k)
    else:
        points, labels = (make_circle if name == "circle" else make_xor)(n, noise, rng)
    return Dataset2D(points, labels, "binary" if k == 2 else "multiclass", k, name)


def train_test_split(data: Dataset2D, test_fraction: float = 0.5, seed: int = 0) -> tuple[Dataset2D, Dataset2D]:
    """Shuffle with ``seed`` and keep ``test_fraction`` of the points back; both parts non-empty."""
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1 (exclusive)")
    n = len(data)
    if n < 2:
        raise ValueError("need at least 2 points to split into train and test")
    order = np.random.default_rng(seed).permutation(n)
    n_test = min(max(int(round(n * test_fraction)), 1), n - 1)
    return data.subset(np.sort(order[n_test:])), data.subset(np.sort(order[:n_test]))


def make_split(config: DatasetConfig) -> tuple[Dataset2D, Dataset2D]:
    """:func:`make_dataset` then :func:`train_test_split` with the same seed."""
    return train_test_split(make_dataset(config), config.test_fraction, config.seed)


# --- CSV -----------------------------------------------------------------------------------------

class DatasetFileError(ValueError):
    """A points file that cannot be used; the message says where and why."""


def _delimiter(line: str) -> str | None:
    for candidate in (",", ";", "\t"):
        if candidate in line:
            return candidate
    return None  # whitespace


def _parse_rows(path: Path, text: str) -> np.ndarray:
    rows: list[tuple[float, float, float]] = []
    delimiter: str | None = ""
    first = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if delimiter == "":
            delimiter = _delimiter(line)
        is_first, first = first, False
        cells = [c.strip() for c in (line.split(delimiter) if delimiter else line.split())]
        if len(cells) != 3:
            raise DatasetFileError(
                f"{path.name}, line {number}: found {len(cells)} value{'s' if len(cells) != 1 else ''}, "
                f"but each line needs exactly three: x,y,label")
        try:
            values = tuple(float(c) for c in cells)
        except ValueError:
            if is_first and not any(_is_number(c) for c in cells):
                continue  # a header line such as "x,y,label"
            bad = next(c for c in cells if not _is_number(c))
            raise DatasetFileError(f"{path.name}, line {number}: {bad!r} is not a number") from None
        if not all(math.isfinite(v) for v in values):
            raise DatasetFileError(f"{path.name}, line {number}: values must be finite numbers, not {line!r}")
        rows.append(values)  # type: ignore[arg-type]
        if len(rows) > MAX_CSV_ROWS:
            raise DatasetFileError(f"{path.name} has more than {MAX_CSV_ROWS:,} points; use a smaller file")
    if len(rows) < MIN_CSV_ROWS:
        raise DatasetFileError(
            f"{path.name} has {len(rows)} data row{'s' if len(rows) != 1 else ''}; "
            f"at least {MIN_CSV_ROWS} lines of x,y,label are needed")
    return np.asarray(rows, dtype=np.float64)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def load_csv(path: str | Path, task: str = "auto") -> Dataset2D:
    """Read points from a text file with one ``x,y,label`` per line.

    An optional header line, blank lines and ``#`` comments are skipped; commas,
    semicolons, tabs or spaces separate values. ``task``: ``classification`` (whole-number
    labels; their sorted distinct values become classes 0…k−1, so −1/1 becomes 0/1),
    ``regression`` (any numbers) or ``auto`` (classification when every label is whole).
    Raises :class:`DatasetFileError` (a ``ValueError``) saying what is wrong and where.
    """
    path = Path(path)
    if task not in ("auto", "classification", "regression"):
        raise ValueError("task is 'auto', 'classification' or 'regression'")
    if not path.is_file():
        raise DatasetFileError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise DatasetFileError(f"{path.name} is {size / 1e6:.1f} MB; the limit is {MAX_CSV_BYTES / 1e6:.0f} MB")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DatasetFileError(f"{path.name} is not a UTF-8 text file of x,y,label lines") from None
    table = _parse_rows(path, text)
    points, labels = table[:, :2], table[:, 2]
    whole = np.all(labels == np.round(labels))
    if task == "regression" or (task == "auto" and not whole):
        return Dataset2D(points, labels, "regression", 1, path.stem)
    if not whole:
        bad = labels[labels != np.round(labels)][0]
        raise DatasetFileError(
            f"{path.name}: label {bad:g} is not a whole number; class labels must be like 0, 1, 2 "
            "(load it for regression to use any numbers)")
    values, index = np.unique(labels, return_inverse=True)
    if len(values) < 2:
        raise DatasetFileError(f"{path.name}: every point has label {values[0]:g}; a classifier needs two classes")
    if len(values) > MAX_CLASSES:
        raise DatasetFileError(f"{path.name} has {len(values)} different labels; the limit is {MAX_CLASSES} classes")
    k = len(values)
    return Dataset2D(points, index.astype(np.int64), "binary" if k == 2 else "multiclass", k, path.stem)
