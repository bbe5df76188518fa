"""The image classifier page: real 8×8 handwritten digits, an MLP or a small CNN, "draw a digit".

Data: ``assets/neuralnet/digits.safetensors`` (the UCI digits as shipped in scikit-learn,
1797 images, grey levels 0..16, with a fixed stratified 1437/360 split), verified
through :class:`engines.core.assets.AssetRegistry`. Images reach the networks as float
``(N, 8, 8)`` in 0..1.

Models (PyTorch, imported on first use so the window opens fast):

* ``mlp``: 64 → hidden (ReLU) → 10; each first-layer neuron's 64 weights form an 8×8
  picture of "what it looks for";
* ``cnn``: conv 3×3 ×8 → conv 3×3 ×16 → 2×2 max-pool → 10; the first layer's kernels are 3×3 pictures.

:func:`train_digits` is the training job; :func:`predict_drawing` classifies a drawing
of any size; :func:`save_classifier` / :func:`load_classifier` keep a trained network
as safetensors + JSON (architectures ``digits-mlp`` / ``digits-cnn``).
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engines.core.assets import AssetRegistry
from engines.core.jobs import CancelToken, Frame, Job, Progress
from engines.core.model_io import ModelFileError, load_config, load_model, save_model
from engines.neuralnet.drawing import GREY_LEVELS, drawing_to_digit

if TYPE_CHECKING:  # only for annotations; torch is imported lazily
    import torch

ASSET_NAME = "neuralnet/digits.safetensors"
MODEL_KINDS = ("mlp", "cnn")
ARCHITECTURES = {"mlp": "digits-mlp", "cnn": "digits-cnn"}
N_CLASSES = 10


# --- data ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DigitsData:
    """The digits split into train and test. Images float32 ``(N, 8, 8)`` in 0..1, labels int64 ``(N,)``."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def load_digits(assets_root: str | Path | None = None) -> DigitsData:
    """Read the shipped digits (sha256-checked against the manifest) → :class:`DigitsData`."""
    return _load_digits_cached(str(assets_root) if assets_root is not None else None)


@functools.lru_cache(maxsize=4)
def _load_digits_cached(assets_root: str | None) -> DigitsData:
    from engines.core.model_io import load_tensors

    tensors = load_tensors(AssetRegistry(assets_root).path(ASSET_NAME))
    images = tensors["images"].astype(np.float32) / GREY_LEVELS  # (N, 8, 8) uint8 0..16 → 0..1
    labels = tensors["labels"].astype(np.int64)  # (N,)
    test = tensors["is_test"].astype(bool)  # (N,)
    for array in (images, labels, test):
        array.setflags(write=False)  # shared through the cache: nobody may change it
    return DigitsData(images[~test], labels[~test], images[test], labels[test])


# --- models ----------------------------------------------------------------------------------

def build_network(kind: str = "mlp", hidden: int = 64, channels: tuple[int, int] = (8, 16)) -> torch.nn.Module:
    """A fresh, randomly initialised network mapping ``(N, 8, 8)`` → logits ``(N, 10)``."""
    from torch import nn

    if kind == "mlp":
        return nn.Sequential(nn.Flatten(1), nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, N_CLASSES))
    if kind == "cnn":
        c1, c2 = channels
        return nn.Sequential(
            nn.Unflatten(1, (1, 8)),  # (N, 8, 8) → (N, 1, 8, 8)
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(),  # (N, c1, 8, 8)
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(),  # (N, c2, 8, 8)
            nn.MaxPool2d(2), nn.Flatten(1),  # (N, c2 * 16)
            nn.Linear(c2 * 16, N_CLASSES),
        )
    raise ValueError(f"model must be one of {MODEL_KINDS}, not {kind!r}")


@dataclass
class DigitsClassifier:
    """A trained (or training) digit network plus what is needed to rebuild it."""

    kind: str
    hidden: int
    channels: tuple[int, int]
    net: Any  # torch.nn.Module

    @property
    def architecture(self) -> str:
        return ARCHITECTURES[self.kind]

    def logits(self, images: np.ndarray) -> np.ndarray:
        """Images ``(N, 8, 8)`` in 0..1 → logits ``(N, 10)``."""
        import torch

        self.net.eval()
        with torch.no_grad():
            return self.net(torch.as_tensor(np.asarray(images, dtype=np.float32))).numpy()

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """Images ``(N, 8, 8)`` in 0..1 → class probabilities ``(N, 10)`` (rows sum to 1)."""
        z = self.logits(images).astype(np.float64)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Images ``(N, 8, 8)`` → predicted digits ``(N,)``."""
        return self.logits(images).argmax(axis=1)

    def first_layer_pictures(self) -> np.ndarray:
        """What each first-layer unit looks for: MLP ``(hidden, 8, 8)``, CNN ``(c1, 3, 3)`` kernels."""
        weight = self.net[1].weight.detach().numpy()  # MLP (hidden, 64); CNN (c1, 1, 3, 3)
        if self.kind == "mlp":
            return weight.reshape(-1, 8, 8).copy()
        return weight[:, 0].copy()

    def tensors(self) -> dict[str, np.ndarray]:
        return {name: value.detach().numpy().copy() for name, value in self.net.state_dict().items()}


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """``(n_classes, n_classes)`` int64 counts: row = true digit, column = predicted digit."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (labels.astype(np.int64), predicted.astype(np.int64)), 1)
    return matrix


# --- training job ----------------------------------------------------------------------------

@dataclass
class DigitsConfig:
    """How to train. ``frame_every``: build a picture every N epochs (and at the end)."""

    model: str = "mlp"
    hidden: int = 64
    channels: tuple[int, int] = (8, 16)
    epochs: int = 15
    batch_size: int = 32
    learning_rate: float = 0.01
    weight_decay: float = 1e-4
    seed: int = 0
    frame_every: int = 1

    def __post_init__(self) -> None:
        if self.model not in MODEL_KINDS:
            raise ValueError(f"model must be one of {MODEL_KINDS}, not {self.model!r}")
        if not 1 <= self.hidden <= 512:
            raise ValueError("hidden must be between 1 and 512 neurons")
        if self.epochs < 1 or self.batch_size < 1 or self.frame_every < 1:
            raise ValueError("epochs, batch_size and frame_every must be at least 1")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate must be positive")


@dataclass
class DigitsHistory:
    """One entry per finished epoch."""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)


@dataclass
class DigitsResult:
    classifier: DigitsClassifier
    test_accuracy: float
    train_accuracy: float
    confusion: np.ndarray  # (10, 10) on the test set
    history: DigitsHistory
    epochs: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.classifier.kind, "test_accuracy": self.test_accuracy,
                "train_accuracy": self.train_accuracy, "epochs": self.epochs, "seconds": self.seconds,
                "confusion": self.confusion.tolist(), "history": asdict(self.history)}


def _snapshot(classifier: DigitsClassifier, data: DigitsData, history: DigitsHistory, epoch: int) -> dict[str, Any]:
    """The payload of a training frame (all NumPy / plain lists)."""
    predicted = classifier.predict(data.test_images)
    return {
        "epoch": epoch,
        "model": classifier.kind,
        "train_loss": list(history.train_loss),
        "train_accuracy": list(history.train_accuracy),
        "test_accuracy": list(history.test_accuracy),
        "confusion": confusion_matrix(data.test_labels, predicted),  # (10, 10) int
        "first_layer": classifier.first_layer_pictures(),  # MLP (hidden, 8, 8); CNN (c1, 3, 3)
    }


def train_digits(config: DigitsConfig | None = None, cancel: CancelToken | None = None,
                 data: DigitsData | None = None) -> Job[DigitsResult]:
    """Train a digit classifier; yields ``Progress(epoch, epochs, {train_loss, train_accuracy,
    test_accuracy})`` every epoch and a ``Frame`` (see :func:`_snapshot`) at the start, every
    ``frame_every`` epochs and at the end. Returns a :class:`DigitsResult`.

    The same seed gives the same weights, batches and curves (on the same torch build and thread count).
    """
    import torch
    from torch import nn

    config = config or DigitsConfig()
    cancel = cancel or CancelToken()
    data = data or load_digits()
    torch_state = torch.random.get_rng_state()
    torch.manual_seed(config.seed)
    try:
        net = build_network(config.model, config.hidden, config.channels)
    finally:
        torch.random.set_rng_state(torch_state)  # leave the caller's global generator alone
    classifier = DigitsClassifier(config.model, config.hidden, tuple(config.channels), net)
    shuffle = torch.Generator().manual_seed(config.seed)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    # The learning rate falls linearly to a tenth by the last epoch: big steps early, a calm finish
    # (so the final accuracy does not wobble from epoch to epoch).
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda e: 1.0 - 0.9 * min(e, config.epochs - 1) / max(config.epochs - 1, 1))
    loss_fn = nn.CrossEntropyLoss()
    x = torch.as_tensor(data.train_images)  # (N, 8, 8)
    y = torch.as_tensor(data.train_labels)  # (N,)
    history = DigitsHistory()
    start = time.perf_counter()
    yield Frame(_snapshot(classifier, data, history, 0), step=0)
    for epoch in range(1, config.epochs + 1):
        net.train()
        order = torch.randperm(x.shape[0], generator=shuffle)
        total_loss = 0.0
        for lo in range(0, x.shape[0], config.batch_size):
            cancel.raise_if_cancelled()
            batch = order[lo : lo + config.batch_size]
            loss = loss_fn(net(x[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += loss.item() * batch.shape[0]
        schedule.step()
        history.train_loss.append(total_loss / x.shape[0])
        history.train_accuracy.append(float((classifier.predict(data.train_images) == data.train_labels).mean()))
        history.test_accuracy.append(float((classifier.predict(data.test_images) == data.test_labels).mean()))
        yield Progress(epoch, config.epochs, {"train_loss": history.train_loss[-1],
                                              "train_accuracy": history.train_accuracy[-1],
                                              "test_accuracy": history.test_accuracy[-1]})
        if epoch % config.frame_every == 0 or epoch == config.epochs:
            yield Frame(_snapshot(classifier, data, history, epoch), step=epoch)
    confusion = confusion_matrix(data.test_labels, classifier.predict(data.test_images))
    return DigitsResult(classifier, history.test_accuracy[-1], history.train_accuracy[-1], confusion, history,
                        config.epochs, time.perf_counter() - start)


# --- drawing → prediction ----------------------------------------------------------------------

def predict_drawing(classifier: DigitsClassifier, image: np.ndarray, ink: str = "light") -> np.ndarray:
    """Classify a drawing of any size → probabilities ``(10,)`` for the digits 0..9.

    ``image`` is grey ``(H, W)`` (uint8 0..255 or float); ``ink="light"`` for white strokes
    on black, ``"dark"`` for black on white. It is reduced to 8×8 with 16 grey levels
    like the training digits (see :func:`engines.neuralnet.drawing.drawing_to_digit`).
    """
    digit = drawing_to_digit(image, ink).astype(np.float32) / GREY_LEVELS  # (8, 8) in 0..1
    return classifier.predict_proba(digit[None])[0]


# --- save / load ---------------------------------------------------------------------------------

def save_classifier(folder: str | Path, classifier: DigitsClassifier, extra: dict[str, Any] | None = None) -> Path:
    """Write ``folder/model.safetensors`` + ``config.json`` (architecture ``digits-mlp`` or ``digits-cnn``)."""
    config = {"kind": classifier.kind, "hidden": classifier.hidden, "channels": list(classifier.channels),
              **(extra or {})}
    return save_model(folder, classifier.tensors(), config, classifier.architecture)


def load_classifier(folder: str | Path) -> tuple[DigitsClassifier, dict[str, Any]]:
    """Read a folder written by :func:`save_classifier` → ``(classifier, config)``.

    Raises :class:`~engines.core.model_io.ModelFileError` for a missing, corrupt or foreign model.
    """
    import torch

    found = load_config(folder).get("architecture")
    kind = next((k for k, arch in ARCHITECTURES.items() if arch == found), None)
    if kind is None:
        raise ModelFileError("wrong_architecture", Path(folder) / "config.json",
                             f"expected one of {sorted(ARCHITECTURES.values())}, found {found!r}")
    config, tensors = load_model(folder, ARCHITECTURES[kind])
    try:
        net = build_network(kind, int(config["hidden"]), tuple(int(c) for c in config["channels"]))
        net.load_state_dict({name: torch.from_numpy(array.copy()) for name, array in tensors.items()})
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError("invalid_config", Path(folder) / "config.json", str(exc)) from exc
    net.eval()
    return DigitsClassifier(kind, int(config["hidden"]), tuple(int(c) for c in config["channels"]), net), config
