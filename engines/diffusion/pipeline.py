"""A trained captioned diffusion model on disk and the two runners that execute it.

A model folder holds ``config.json`` + ``model.safetensors`` (EMA weights: ``unet.*``,
``encoder.*`` and the caption word table ``words.vectors``), and for ONNX Runtime
``model.onnx`` (the UNet) + ``encoder.onnx``. :func:`load_diffusion_model` returns a
:class:`DiffusionModel` whose ``runner`` is PyTorch or ONNX Runtime behind one interface::

    runner.encode(vectors (B, L, 50), mask (B, L)) → tokens (B, L+1, D), mask (B, L+1), pooled (B, D)
    runner.predict_noise(x (B, C, H, W), t (B,), tokens, mask, pooled) → ε̂ (B, C, H, W)

Everything crossing the interface is NumPy float32, so the samplers never care which runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.model_io import ModelFileError, load_model, save_model
from engines.diffusion.captions import EncoderConfig, PromptVectors, WordVectors
from engines.diffusion.schedule import NoiseSchedule

ARCHITECTURE = "ai-lab-captioned-diffusion"
UNET_ONNX = "model.onnx"
ENCODER_ONNX = "encoder.onnx"


@dataclass
class EncodedPrompts:
    """The caption encoder's output, shown to users as numbers."""

    tokens: np.ndarray  # (B, L+1, D)
    mask: np.ndarray  # (B, L+1)
    pooled: np.ndarray  # (B, D)
    words: list[list[str]] = field(default_factory=list)  # the words that counted, per prompt
    unknown: list[list[str]] = field(default_factory=list)  # words nothing knew (ignored)
    # words outside the training captions that the word vectors know: (word, nearest training word, cosine)
    new_words: list[list[tuple[str, str, float]]] = field(default_factory=list)

    def take(self, index: np.ndarray) -> "EncodedPrompts":
        """The rows ``index`` (the words read stay with their rows)."""
        idx = [int(i) for i in np.asarray(index).ravel()]

        def pick(rows: list) -> list:
            return [rows[i] for i in idx] if rows else []

        return EncodedPrompts(self.tokens[idx], self.mask[idx], self.pooled[idx], pick(self.words),
                              pick(self.unknown), pick(self.new_words))

    @staticmethod
    def concat(parts: list["EncodedPrompts"]) -> "EncodedPrompts":
        return EncodedPrompts(np.concatenate([p.tokens for p in parts]), np.concatenate([p.mask for p in parts]),
                              np.concatenate([p.pooled for p in parts]))


class TorchRunner:
    """Runs the PyTorch modules (CPU or GPU); inputs/outputs NumPy."""

    backend = "torch"

    def __init__(self, unet: Any, encoder: Any, device: str = "cpu") -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.unet = unet.to(self.device).eval()
        self.encoder = encoder.to(self.device).eval()
        self.on_gpu = self.device.type != "cpu"  # sample_job moves to the CPU when the GPU runs out of memory

    def to_cpu(self) -> None:
        """Go on on the CPU (after the GPU ran out of memory)."""
        from engines.core.device import fall_back_to_cpu

        self.device = fall_back_to_cpu(self.unet, self.encoder)
        self.on_gpu = False

    def _t(self, a: np.ndarray):
        return self.torch.as_tensor(np.ascontiguousarray(a), device=self.device)

    def encode(self, vectors: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with self.torch.no_grad():
            tokens, full_mask, pooled = self.encoder(self._t(vectors.astype(np.float32)), self._t(mask.astype(np.float32)))
        return tokens.float().cpu().numpy(), full_mask.float().cpu().numpy(), pooled.float().cpu().numpy()

    def predict_noise(self, x: np.ndarray, t: np.ndarray, tokens: np.ndarray, mask: np.ndarray,
                      pooled: np.ndarray) -> np.ndarray:
        with self.torch.no_grad():
            eps = self.unet(self._t(x.astype(np.float32)), self._t(np.asarray(t, np.float32)),
                            self._t(tokens), self._t(mask), self._t(pooled))
        return eps.float().cpu().numpy()


class OnnxRunner:
    """Runs ``model.onnx`` + ``encoder.onnx`` with ONNX Runtime."""

    backend = "onnx"

    def __init__(self, folder: Path, device: str = "cpu", threads: int = 1, trusted: bool = True) -> None:
        from engines.core.device import resolve_device
        from engines.core.onnx_session import create_session

        info = resolve_device(device if device in ("cpu", "cuda", "mps", "auto") else "cpu")
        self.unet = create_session(folder / UNET_ONNX, info, threads=threads, trusted=trusted)
        self.encoder = create_session(folder / ENCODER_ONNX, info, threads=threads, trusted=trusted)

    def encode(self, vectors: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tokens, full_mask, pooled = self.encoder.run(
            None, {"vectors": vectors.astype(np.float32), "mask": mask.astype(np.float32)})
        return tokens, full_mask, pooled

    def predict_noise(self, x: np.ndarray, t: np.ndarray, tokens: np.ndarray, mask: np.ndarray,
                      pooled: np.ndarray) -> np.ndarray:
        (eps,) = self.unet.run(None, {"x": x.astype(np.float32), "t": np.asarray(t, np.float32),
                                      "context": tokens.astype(np.float32), "context_mask": mask.astype(np.float32),
                                      "pooled": pooled.astype(np.float32)})
        return eps


class DiffusionModel:
    """A trained model: config, noise schedule, word table and a runner."""

    def __init__(self, config: dict[str, Any], words: WordVectors, runner: Any, folder: Path | None = None) -> None:
        self.config = config
        self.folder = folder
        self.schedule = NoiseSchedule.from_config(config["schedule"])
        self.encoder_config = EncoderConfig.from_dict(config["encoder"])
        if config.get("word_source") == "minilm":
            from engines.diffusion.minilm_clue import PhraseVectors

            self.prompt_vectors: Any = PhraseVectors(words, self.encoder_config.max_words)
        else:
            self.prompt_vectors = PromptVectors(words, self.encoder_config.max_words,
                                                use_glove=config.get("word_source") == "glove")
        self.runner = runner

    @property
    def image_shape(self) -> tuple[int, int, int]:
        u = self.config["unet"]
        return int(u["in_channels"]), int(u["image_size"]), int(u["image_size"])

    @property
    def name(self) -> str:
        return str(self.config.get("name", self.folder.name if self.folder else "model"))

    def encode(self, prompts: list[str]) -> EncodedPrompts:
        """Prompts → caption tokens (empty string = "no clue", the unconditional input)."""
        vectors, mask = self.prompt_vectors.batch(prompts)
        tokens, full_mask, pooled = self.runner.encode(vectors, mask)
        used = [self.prompt_vectors.words_used(p) for p in prompts]
        return EncodedPrompts(tokens, full_mask, pooled, [u[0] for u in used], [u[1] for u in used],
                              [self.prompt_vectors.new_words(p) for p in prompts])

    def predict_noise(self, x: np.ndarray, t: np.ndarray | int, enc: EncodedPrompts) -> np.ndarray:
        t_arr = np.broadcast_to(np.asarray(t, np.float32), (x.shape[0],)).copy()
        return self.runner.predict_noise(x.astype(np.float32), t_arr, enc.tokens, enc.mask, enc.pooled)


# --- files ------------------------------------------------------------------------------------

def model_tensors(unet: Any, encoder: Any, word_table: np.ndarray) -> dict[str, Any]:
    tensors: dict[str, Any] = {f"unet.{k}": v for k, v in unet.state_dict().items()}
    tensors.update({f"encoder.{k}": v for k, v in encoder.state_dict().items()})
    tensors["words.vectors"] = np.asarray(word_table, np.float32)
    return tensors


def save_diffusion_model(folder: str | Path, unet: Any, encoder: Any, words: WordVectors,
                         config: dict[str, Any]) -> Path:
    """Write ``config.json`` + ``model.safetensors`` (atomic). ``config`` needs unet/encoder/schedule."""
    config = {**config, "vocab": list(words.words), "word_source": words.source}
    return save_model(folder, model_tensors(unet, encoder, words.vectors), config, ARCHITECTURE)


def build_modules(config: dict[str, Any]) -> tuple[Any, Any]:
    """Fresh (unet, encoder) torch modules for ``config``."""
    from engines.diffusion.captions import build_encoder
    from engines.diffusion.unet import ConditionalUNet, UNetConfig

    return ConditionalUNet(UNetConfig.from_dict(config["unet"])), build_encoder(EncoderConfig.from_dict(config["encoder"]))


def load_torch_modules(folder: str | Path) -> tuple[dict[str, Any], Any, Any, WordVectors]:
    """(config, unet, encoder, words) from a model folder, weights loaded, on the CPU."""
    import torch

    config, tensors = load_model(folder, ARCHITECTURE)
    unet, encoder = build_modules(config)
    for prefix, module in (("unet.", unet), ("encoder.", encoder)):
        state = {k[len(prefix):]: torch.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith(prefix)}
        module.load_state_dict(state)
    words = WordVectors(tuple(config["vocab"]), tensors["words.vectors"], config.get("word_source", "learned"))
    return config, unet, encoder, words


_registries: dict[Path, Any] = {}


def _registry(root: Path):
    """One asset registry per assets folder and process: it remembers which files it already checked."""
    from engines.core.assets import AssetRegistry

    if root not in _registries:
        _registries[root] = AssetRegistry(root)
    return _registries[root]


def _verify_shipped(folder: Path, name: str, files: tuple[str, ...]) -> None:
    """Check shipped files against assets/manifest.json (size + sha256) when they are listed there."""
    from engines.core.assets import AssetError

    try:
        registry = _registry(folder.parents[1])
    except AssetError:
        return
    listed = set(registry.names())
    for file in files:
        key = f"diffusion/{name}/{file}"
        if key in listed and (folder / file).is_file():
            try:
                registry.path(key)
            except AssetError as exc:
                raise ModelFileError("corrupt", folder / file, str(exc)) from exc


def resolve_model_path(model: str | Path) -> Path:
    """``faces``/``digits`` → the shipped folder (checked against the manifest) or the user's
    trained copy; anything else is a path."""
    from engines.diffusion import MODEL_NAMES

    text = str(model)
    if text in MODEL_NAMES:
        from engines.core.paths import assets_dir

        shipped = assets_dir() / "diffusion" / text
        if (shipped / "config.json").is_file():
            _verify_shipped(shipped, text, ("config.json", "model.safetensors", UNET_ONNX, ENCODER_ONNX))
            return shipped
        try:
            from engines.core.paths import user_models_dir

            mine = user_models_dir() / "diffusion" / text
            if (mine / "config.json").is_file():
                return mine
        except ImportError:  # no platformdirs and no AI_LAB_DATA_DIR
            pass
        raise ModelFileError("missing", shipped, f"the {text!r} model has not been trained yet "
                             "(python tools/train_diffusion.py builds it)")
    return Path(model)


def load_diffusion_model(model: str | Path, backend: str = "torch", device: str = "cpu",
                         threads: int = 1) -> DiffusionModel:
    """Open a model folder (or ``faces``/``digits``) with the ``torch`` or ``onnx`` runner."""
    folder = resolve_model_path(model)
    if backend == "onnx":
        config, tensors = load_model(folder, ARCHITECTURE)
        words = WordVectors(tuple(config["vocab"]), tensors["words.vectors"], config.get("word_source", "learned"))
        for name in (UNET_ONNX, ENCODER_ONNX):
            if not (folder / name).is_file():
                raise ModelFileError("missing", folder / name, "export it first (python -m engines.diffusion export)")
        runner: Any = OnnxRunner(folder, device, threads)
    elif backend == "torch":
        from engines.core.device import resolve_device, set_cpu_threads

        set_cpu_threads(threads)
        config, unet, encoder, words = load_torch_modules(folder)
        runner = TorchRunner(unet, encoder, resolve_device(device).torch_device)
    else:
        raise ValueError(f"unknown backend {backend!r}; choose torch or onnx")
    return DiffusionModel(config, words, runner, folder)
