"""Where GPT models live and how to open one by name: shipped (``assets/llm/``) and the user's own.

A model folder holds ``config.json`` + ``model.safetensors`` (ours: ``architecture: gpt``,
or a Hugging Face GPT-2 folder: ``model_type: gpt2``) and its tokenizer. Nothing here
imports torch until a model is opened with the torch backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ModelNotFound(LookupError):
    pass


def model_roots() -> list[tuple[str, Path]]:
    from engines.core.paths import assets_dir, user_models_dir

    return [("shipped", assets_dir() / "llm"), ("user", user_models_dir())]


def _parameter_count(folder: Path, config: dict[str, Any]) -> int | None:
    """Parameters from the config, else from the safetensors header (no tensors are read)."""
    if isinstance(config.get("parameters"), int):
        return config["parameters"]
    from engines.core.model_io import read_safetensors_header

    try:
        header = read_safetensors_header(folder / "model.safetensors")
    except Exception:
        return None
    total = 0
    for name, info in header.items():
        if name == "__metadata__" or name == "lm_head.weight" or name.endswith((".attn.bias", ".attn.masked_bias")):
            continue
        count = 1
        for dim in info.get("shape", []):
            count *= int(dim)
        total += count
    return total


NON_GENERATING_STAGES = frozenset({"reward"})


def describe_model(folder: Path, source: str) -> dict[str, Any] | None:
    """``{name, path, source, kind, parameters, block_size, vocab_size}`` or None if ``folder`` is no GPT."""
    from engines.core.model_io import load_config

    try:
        config = load_config(folder)
    except Exception:
        return None
    if config.get("architecture") == "gpt":
        kind, block, vocab = "gpt", config.get("block_size"), config.get("vocab_size")
    elif config.get("model_type") == "gpt2":
        kind, block, vocab = "gpt2 (Hugging Face)", config.get("n_positions"), config.get("vocab_size")
    else:
        return None
    return {
        "name": folder.name,
        "path": str(folder),
        "source": source,
        "kind": kind,
        "parameters": _parameter_count(folder, config),
        "block_size": block,
        "vocab_size": vocab,
        "layers": config.get("n_layer"),
        "stage": config.get("stage") or config.get("finetune") or ("base" if kind == "gpt" else "pretrained"),
    }


def list_models(generators_only: bool = False) -> list[dict[str, Any]]:
    """Every model folder found, as :func:`describe_model` dicts. ``generators_only`` leaves out checkpoints that
    do not write text (the reward model gives one score, so a next-word page cannot use it)."""
    found = []
    for source, root in model_roots():
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            info = describe_model(folder, source)
            if info is not None and not (generators_only and info["stage"] in NON_GENERATING_STAGES):
                found.append(info)
    return found


def resolve_model(name: str) -> Path:
    """A model folder from a path or a name; raises :class:`ModelNotFound` listing what exists."""
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    for _, root in model_roots():
        candidate = root / name
        if (candidate / "config.json").is_file():
            return candidate
    names = ", ".join(m["name"] for m in list_models()) or "none yet"
    raise ModelNotFound(f"no model called {name!r} (a folder path or one of: {names})")


def load_model_tokenizer(folder: str | Path):
    """The tokenizer saved in a model folder: our char tokenizer, the project's word/BPE ones, or GPT-2's."""
    from engines.llm.char_tokenizer import TOKENIZER_FILE, CharTokenizer

    folder = Path(folder)
    if (folder / TOKENIZER_FILE).is_file():
        return CharTokenizer.load(folder)
    try:
        from engines.llm.tokenizers import load_tokenizer
    except ImportError:
        load_tokenizer = None
    if load_tokenizer is not None:
        return load_tokenizer(folder)
    from engines.llm.hf_gpt2 import HFTokenizer

    return HFTokenizer(folder)


def use_threads(threads: int | None) -> None:
    """Set torch's CPU thread count (more threads than free cores make OpenMP crawl)."""
    from engines.core.device import default_thread_count, set_cpu_threads

    set_cpu_threads(threads or default_thread_count())


def resolve_backend(folder: str | Path, backend: str, device: str = "cpu") -> str:
    """"onnx" → "onnx-int8" or "onnx-fp32": the precision chosen for this model (int8 where its check passed)
    on the CPU; fp32 on a GPU (ONNX Runtime's int8 kernels are CPU ones)."""
    if backend != "onnx":
        return backend
    if device.startswith("cuda"):
        return "onnx-fp32"
    from engines.llm.gpt2_int8 import chosen_precision

    return f"onnx-{chosen_precision(folder)}"


def open_model(name: str, backend: str = "torch", device: str = "cpu", threads: int | None = None):
    """``(runner, tokenizer, folder)`` for a model name or path; backend torch, onnx (chosen precision),
    onnx-fp32 or onnx-int8."""
    from engines.llm.runners import load_runner

    folder = resolve_model(name)
    backend = resolve_backend(folder, backend, device)
    if backend == "onnx-int8":
        from engines.core.device import resolve_device
        from engines.llm.gpt2_int8 import open_int8

        use_threads(threads)  # making the int8 copy the first time runs torch
        runner = open_int8(folder, resolve_device(device if device not in ("mps",) else "cpu"), threads or 1)
        return runner, load_model_tokenizer(folder), folder
    backend = "onnx" if backend == "onnx-fp32" else backend
    if backend == "torch" or not (folder / "model.onnx").is_file():
        use_threads(threads)  # the ONNX export also runs torch
    return load_runner(folder, backend, device, threads=threads or 1), load_model_tokenizer(folder), folder
