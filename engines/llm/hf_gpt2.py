"""GPT-2 family models from a Hugging Face folder (config.json + model.safetensors + tokenizer.json).

:func:`load_hf_gpt2` reads such a folder into our :class:`engines.llm.gpt.GPT` (no
``transformers`` needed); :func:`download_gpt2` fetches one with ``huggingface_hub``.
Only safetensors weights are read: ``pytorch_model.bin`` (pickle) is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engines.core.model_io import ModelFileError, load_config, load_tensors

HF_WEIGHTS = "model.safetensors"
HF_TOKENIZER = "tokenizer.json"
DOWNLOAD_FILES = ["config.json", HF_WEIGHTS, HF_TOKENIZER, "generation_config.json"]
# GPT-2 writes these linear layers as Conv1D: weight (in, out), the transpose of nn.Linear's (out, in)
_CONV1D = (".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight")
# causal-mask buffers some GPT-2 files carry; our model builds its mask on the fly
_IGNORED = (".attn.bias", ".attn.masked_bias")


class DownloadError(RuntimeError):
    """A model could not be downloaded; the message says why in plain words."""


def gpt_config_from_hf(config: dict[str, Any], path: Path | str = "config.json"):
    """Our GPTConfig from a Hugging Face GPT-2 ``config.json`` dict."""
    from engines.llm.gpt_config import GPTConfig

    if config.get("model_type") != "gpt2":
        found = config.get("model_type")
        raise ModelFileError("wrong_architecture", path, f"expected model_type 'gpt2', found {found!r}")
    activation = config.get("activation_function", "gelu_new")
    if activation not in ("gelu_new", "gelu_pytorch_tanh"):
        raise ModelFileError("invalid_config", path, f"activation {activation!r} is not supported (only gelu_new)")
    if config.get("scale_attn_by_inverse_layer_idx") or config.get("reorder_and_upcast_attn"):
        raise ModelFileError("invalid_config", path, "attention variants of this GPT-2 are not supported")
    if config.get("scale_attn_weights", True) is False:
        raise ModelFileError("invalid_config", path, "unscaled attention is not supported")
    try:
        return GPTConfig(
            n_layer=int(config["n_layer"]),
            n_head=int(config["n_head"]),
            n_embd=int(config["n_embd"]),
            block_size=int(config.get("n_positions", config.get("n_ctx", 1024))),
            vocab_size=int(config["vocab_size"]),
            dropout=0.0,
            bias=True,
            layer_norm_epsilon=float(config.get("layer_norm_epsilon", 1e-5)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError("invalid_config", path, f"missing or bad field {exc}") from exc


def convert_hf_tensors(tensors: dict[str, Any]) -> dict[str, Any]:
    """GPT-2 names/layouts → ours: add the ``transformer.`` prefix, transpose Conv1D weights, drop mask buffers."""
    out = {}
    for name, value in tensors.items():
        if name.endswith(_IGNORED) or name == "lm_head.weight":
            continue  # lm_head is tied to the token embedding
        ours = name if name.startswith("transformer.") else f"transformer.{name}"
        if ours.endswith(_CONV1D):
            value = value.T
        out[ours] = value
    return out


def load_hf_gpt2(folder: str | Path):
    """Load a GPT-2 folder's weights into :class:`engines.llm.gpt.GPT` (eval mode). Raises ``ModelFileError``."""
    from engines.llm.gpt import gpt_from_tensors

    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFileError("missing", folder, "no such model folder")
    raw = load_config(folder)
    config = gpt_config_from_hf(raw, folder / "config.json")
    weights = folder / HF_WEIGHTS
    if not weights.is_file():
        pickled = folder / "pytorch_model.bin"
        if pickled.is_file():
            raise ModelFileError(
                "unsafe", pickled, "only model.safetensors is read; PyTorch .bin checkpoints can run code when opened"
            )
        raise ModelFileError("missing", weights, "the folder has no model.safetensors")
    return gpt_from_tensors(config, convert_hf_tensors(load_tensors(weights)), weights)


def save_as_hf_gpt2(model, folder: str | Path) -> Path:
    """Write our GPT as a Hugging Face GPT-2 folder (config.json + model.safetensors), atomically.

    The inverse of :func:`load_hf_gpt2`, so ``transformers.GPT2LMHeadModel.from_pretrained``
    can read a model trained here (GPT-2 has biases everywhere: ``bias=False`` models are refused).
    """
    from engines.core.model_io import atomic_write_json, save_tensors

    cfg = model.config
    if not cfg.bias:
        raise ValueError("GPT-2 layers always have biases; a model trained with bias=False cannot be saved as GPT-2")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for name, value in model.weights_for_saving().items():
        value = value.detach().cpu()
        tensors[name] = value.T.contiguous() if name.endswith(_CONV1D) else value
    save_tensors(folder / HF_WEIGHTS, tensors, metadata={"format": "pt"})
    atomic_write_json(folder / "config.json", {
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "activation_function": "gelu_new",
        "n_layer": cfg.n_layer, "n_head": cfg.n_head, "n_embd": cfg.n_embd, "n_positions": cfg.block_size,
        "n_ctx": cfg.block_size, "vocab_size": cfg.vocab_size, "layer_norm_epsilon": cfg.layer_norm_epsilon,
        "n_inner": None, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "tie_word_embeddings": True,
        "scale_attn_weights": True, "bos_token_id": 0, "eos_token_id": 0,
    })
    return folder


class HFTokenizer:
    """A Hugging Face ``tokenizer.json`` (GPT-2 byte-level BPE) behind our encode/decode interface."""

    def __init__(self, path: str | Path) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise RuntimeError("reading tokenizer.json needs the 'tokenizers' package") from exc
        path = Path(path)
        if path.is_dir():
            path = path / HF_TOKENIZER
        self.path = path
        self._tok = Tokenizer.from_file(str(path))

    @property
    def vocab_size(self) -> int:
        return int(self._tok.get_vocab_size())

    def encode(self, text: str) -> list[int]:
        return list(self._tok.encode(text).ids)

    def decode(self, ids) -> str:
        return self._tok.decode([int(i) for i in ids])

    def token_text(self, token_id: int) -> str:
        return self.decode([token_id])


def download_gpt2(name: str = "gpt2", folder: str | Path | None = None) -> Path:
    """Download a GPT-2 family model (``gpt2``, ``distilgpt2``, ``gpt2-medium`` …) into ``folder``.

    Default folder: ``<user models>/<name>``. Only config, safetensors weights and the
    tokenizer are fetched. Raises :class:`DownloadError` with a plain message when offline,
    when the name does not exist, or when ``huggingface_hub`` is missing.
    """
    try:
        import huggingface_hub
        from huggingface_hub import errors as hub_errors
    except ImportError as exc:
        raise DownloadError("downloading models needs the 'huggingface_hub' package (pip install huggingface_hub)") \
            from exc
    if folder is None:
        from engines.core.paths import user_models_dir

        folder = user_models_dir() / name.replace("/", "--")
    folder = Path(folder)
    offline_errors: tuple[type[BaseException], ...] = (
        hub_errors.LocalEntryNotFoundError,
        hub_errors.OfflineModeIsEnabled,
        ConnectionError,
        TimeoutError,
        OSError,
    )
    for module_name in ("httpx2", "httpx"):  # the HTTP client huggingface_hub uses, by version
        try:
            http = __import__(module_name)
        except ImportError:
            continue
        offline_errors += tuple(
            getattr(http, n) for n in ("ConnectError", "TimeoutException", "NetworkError") if hasattr(http, n)
        )
    try:
        import requests

        offline_errors += (requests.ConnectionError, requests.Timeout)
    except ImportError:
        pass
    try:
        huggingface_hub.snapshot_download(repo_id=name, local_dir=str(folder), allow_patterns=DOWNLOAD_FILES)
    except hub_errors.RepositoryNotFoundError as exc:
        raise DownloadError(f"Hugging Face has no model called {name!r}") from exc
    except hub_errors.HfHubHTTPError as exc:
        raise DownloadError(f"Hugging Face refused the download of {name!r}: {exc}") from exc
    except offline_errors as exc:
        raise DownloadError(
            f"Could not download {name!r} from Hugging Face: this computer seems to be offline or the site "
            f"cannot be reached ({exc.__class__.__name__}). Connect to the internet and try again, or put a "
            f"GPT-2 folder (config.json, model.safetensors, tokenizer.json) on disk and open it."
        ) from exc
    if not (folder / HF_WEIGHTS).is_file():
        raise DownloadError(f"{name!r} has no model.safetensors on Hugging Face; only safetensors weights are used")
    return folder
