"""The compression page: squeeze an 8×8 digit (64 numbers) through k numbers and back.

Network (PyTorch, imported on first use)::

    encoder  64 → 32 (ReLU) → k            the latent code, unbounded
    decoder   k → 32 (ReLU) → 64 (sigmoid) an 8×8 image in 0..1

trained to reproduce its input (mean squared error per pixel). With k = 2 every digit
becomes a point on a plane; :func:`decode` turns any point back into an image, so the
GUI can walk the latent space. :func:`bottleneck_sweep` shows the price of squeezing:
reconstruction error against k. The sentence example lives in
:mod:`engines.neuralnet.sentence_code`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Frame, Job, Progress
from engines.neuralnet.digits import DigitsData, load_digits

MAX_BOTTLENECK = 16
N_PIXELS = 64
N_RECONSTRUCTIONS = 8  # test digits shown original-vs-rebuilt in every frame


def compression_ratio(k: int) -> float:
    """How many times smaller the code is than the image: 64 numbers → ``k`` numbers."""
    if not 1 <= k <= N_PIXELS:
        raise ValueError(f"bottleneck must be 1..{N_PIXELS}, not {k}")
    return N_PIXELS / k


@dataclass
class AutoencoderConfig:
    bottleneck: int = 2
    hidden: int = 32
    epochs: int = 40
    batch_size: int = 64
    learning_rate: float = 0.01
    seed: int = 0
    frame_every: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.bottleneck <= MAX_BOTTLENECK:
            raise ValueError(f"bottleneck must be between 1 and {MAX_BOTTLENECK} numbers, not {self.bottleneck}")
        if self.epochs < 1 or self.batch_size < 1 or self.frame_every < 1 or self.hidden < 1:
            raise ValueError("epochs, batch_size, frame_every and hidden must be at least 1")
        if self.learning_rate <= 0:
            raise ValueError("learning_rate must be positive")


@dataclass
class Autoencoder:
    """Encoder and decoder halves (``torch.nn.Sequential`` each) of a trained autoencoder."""

    bottleneck: int
    encoder: Any
    decoder: Any

    def encode(self, images: np.ndarray) -> np.ndarray:
        """Images ``(N, 8, 8)`` (or ``(N, 64)``) in 0..1 → latent codes ``(N, k)``."""
        import torch

        x = torch.as_tensor(np.asarray(images, dtype=np.float32).reshape(-1, N_PIXELS))
        self.encoder.eval()
        with torch.no_grad():
            return self.encoder(x).numpy()

    def decode(self, latent_points: np.ndarray) -> np.ndarray:
        """Latent points ``(M, k)`` (or one point ``(k,)``) → images ``(M, 8, 8)`` in 0..1."""
        import torch

        z = torch.as_tensor(np.asarray(latent_points, dtype=np.float32).reshape(-1, self.bottleneck))
        self.decoder.eval()
        with torch.no_grad():
            return self.decoder(z).numpy().reshape(-1, 8, 8)

    def reconstruct(self, images: np.ndarray) -> np.ndarray:
        """Images ``(N, 8, 8)`` → their round trip through the bottleneck ``(N, 8, 8)``."""
        return self.decode(self.encode(images))

    def mse(self, images: np.ndarray) -> float:
        """Mean squared error per pixel of the round trip (images in 0..1)."""
        images = np.asarray(images, dtype=np.float32).reshape(-1, 8, 8)
        return float(np.mean((self.reconstruct(images) - images) ** 2))

    def latent_grid(self, codes: np.ndarray, size: int = 9, dims: tuple[int, int] = (0, 1)) -> np.ndarray:
        """Decode a ``size × size`` grid spanning the range of ``codes (N, k)`` along two latent
        dimensions (others held at their mean) → images ``(size, size, 8, 8)``; row 0 is the
        top (largest value of ``dims[1]``)."""
        if self.bottleneck == 1:
            raise ValueError("a grid needs a bottleneck of at least 2 numbers")
        lo, hi = codes.min(axis=0), codes.max(axis=0)
        points = np.tile(codes.mean(axis=0), (size, size, 1))  # (size, size, k)
        a, b = dims
        points[:, :, a] = np.linspace(lo[a], hi[a], size)[None, :]
        points[:, :, b] = np.linspace(hi[b], lo[b], size)[:, None]
        return self.decode(points.reshape(-1, self.bottleneck)).reshape(size, size, 8, 8)


def build_autoencoder(bottleneck: int, hidden: int = 32) -> Autoencoder:
    """A randomly initialised :class:`Autoencoder` (uses torch's global generator)."""
    from torch import nn

    encoder = nn.Sequential(nn.Linear(N_PIXELS, hidden), nn.ReLU(), nn.Linear(hidden, bottleneck))
    decoder = nn.Sequential(nn.Linear(bottleneck, hidden), nn.ReLU(), nn.Linear(hidden, N_PIXELS), nn.Sigmoid())
    return Autoencoder(bottleneck, encoder, decoder)


@dataclass
class AutoencoderResult:
    model: Autoencoder
    test_mse: float
    train_mse: float
    loss_history: list[float] = field(default_factory=list)  # train MSE per epoch
    epochs: int = 0
    seconds: float = 0.0

    @property
    def compression_ratio(self) -> float:
        return compression_ratio(self.model.bottleneck)

    def to_dict(self) -> dict[str, Any]:
        return {"bottleneck": self.model.bottleneck, "compression_ratio": self.compression_ratio,
                "test_mse": self.test_mse, "train_mse": self.train_mse, "epochs": self.epochs,
                "seconds": self.seconds, "loss_history": list(self.loss_history)}


def _snapshot(model: Autoencoder, data: DigitsData, history: list[float], epoch: int) -> dict[str, Any]:
    """A frame: every test digit's code with its label, and a few reconstructions."""
    shown = data.test_images[:N_RECONSTRUCTIONS]
    return {
        "epoch": epoch,
        "bottleneck": model.bottleneck,
        "loss": list(history),
        "latent": model.encode(data.test_images),  # (N_test, k)
        "labels": np.asarray(data.test_labels),  # (N_test,)
        "originals": np.asarray(shown),  # (8, 8, 8)
        "reconstructions": model.reconstruct(shown),  # (8, 8, 8)
    }


def train_autoencoder(config: AutoencoderConfig | None = None, cancel: CancelToken | None = None,
                      data: DigitsData | None = None, frames: bool = True) -> Job[AutoencoderResult]:
    """Train an autoencoder on the training digits.

    Yields ``Progress(epoch, epochs, {loss, test_mse})`` every epoch and (when ``frames``)
    a ``Frame`` (see :func:`_snapshot`) at the start, every ``frame_every`` epochs and at
    the end. Returns an :class:`AutoencoderResult`. A fixed seed replays exactly.
    """
    import torch

    config = config or AutoencoderConfig()
    cancel = cancel or CancelToken()
    data = data or load_digits()
    saved = torch.random.get_rng_state()
    torch.manual_seed(config.seed)
    try:
        model = build_autoencoder(config.bottleneck, config.hidden)
    finally:
        torch.random.set_rng_state(saved)
    params = list(model.encoder.parameters()) + list(model.decoder.parameters())
    optimiser = torch.optim.Adam(params, lr=config.learning_rate)
    schedule = torch.optim.lr_scheduler.LambdaLR(  # linear decay to a tenth: a steady final error
        optimiser, lambda e: 1.0 - 0.9 * min(e, config.epochs - 1) / max(config.epochs - 1, 1))
    shuffle = torch.Generator().manual_seed(config.seed)
    x = torch.as_tensor(np.asarray(data.train_images, dtype=np.float32).reshape(-1, N_PIXELS))  # (N, 64)
    history: list[float] = []
    start = time.perf_counter()
    if frames:
        yield Frame(_snapshot(model, data, history, 0), step=0)
    for epoch in range(1, config.epochs + 1):
        model.encoder.train()
        model.decoder.train()
        order = torch.randperm(x.shape[0], generator=shuffle)
        total = 0.0
        for lo in range(0, x.shape[0], config.batch_size):
            cancel.raise_if_cancelled()
            batch = x[order[lo : lo + config.batch_size]]
            loss = torch.mean((model.decoder(model.encoder(batch)) - batch) ** 2)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * batch.shape[0]
        schedule.step()
        history.append(total / x.shape[0])
        yield Progress(epoch, config.epochs, {"loss": history[-1], "test_mse": model.mse(data.test_images)})
        if frames and (epoch % config.frame_every == 0 or epoch == config.epochs):
            yield Frame(_snapshot(model, data, history, epoch), step=epoch)
    return AutoencoderResult(model, model.mse(data.test_images), model.mse(data.train_images), history,
                             config.epochs, time.perf_counter() - start)


@dataclass(frozen=True)
class SweepPoint:
    bottleneck: int
    test_mse: float
    compression_ratio: float


def bottleneck_sweep(ks: tuple[int, ...] = (1, 2, 4, 8, 16), epochs: int = 30, cancel: CancelToken | None = None,
                     seed: int = 0, data: DigitsData | None = None) -> Job[list[SweepPoint]]:
    """Train one autoencoder per bottleneck size in ``ks`` and measure its test error.

    Yields ``Progress(i, len(ks), {bottleneck, test_mse})`` after each model and a
    ``Frame({"points": [SweepPoint, …]})`` with the curve so far. Returns the points:
    more numbers in the bottleneck, less reconstruction error.
    """
    cancel = cancel or CancelToken()
    data = data or load_digits()
    points: list[SweepPoint] = []
    for i, k in enumerate(ks, start=1):
        job = train_autoencoder(AutoencoderConfig(bottleneck=k, epochs=epochs, seed=seed), cancel, data,
                                frames=False)
        while True:  # drain the inner job; its per-epoch events are too fine for this page
            try:
                next(job)
            except StopIteration as stop:
                result: AutoencoderResult = stop.value
                break
        points.append(SweepPoint(k, result.test_mse, compression_ratio(k)))
        yield Progress(i, len(ks), {"bottleneck": float(k), "test_mse": result.test_mse})
        yield Frame({"points": list(points)}, step=i)
    return points
