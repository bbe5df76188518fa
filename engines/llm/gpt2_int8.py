"""An int8 copy of a model's ONNX export, and the check that decides whether it is good enough.

:func:`quantize_int8` turns the fp32 export (:func:`engines.llm.onnx_runner.export_onnx`) into
one whose weight matrices are stored as 8-bit integers with a scale per column
(onnxruntime's dynamic quantization of MatMul/Gemm: activations are quantized on the fly,
weights once); the token embedding table is stored as int8 with a scale per row
(:func:`quantize_embedding`). The file is about a quarter of the size, so each new token
reads a quarter of the bytes. Attention scores (both sides computed at run time) stay fp32.

:func:`quality` compares the two on the same tokens: how often both pick the same next
token (top-1 agreement) and the mean KL divergence of the int8 distribution from the fp32 one.
:func:`prepare_job` makes both exports once (a job with progress), runs the check on a
shipped text and writes the verdict beside the int8 file; :func:`default_precision`
reads it. No torch is needed once the exports exist.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from engines.core.jobs import CancelToken, Progress

PRECISIONS = ("fp32", "int8")
# int8 becomes the default only when it picks the fp32 model's next token this often, on this little KL (nats)
MIN_TOP1 = 0.95
MAX_KL = 0.02
CHECK_TOKENS = 256  # tokens of the sample text the check reads (one forward pass each way)
SAMPLE_TEXT = "moby-dick.txt"
OPENING = ("Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse, and "
           "nothing particular to interest me on shore, I thought I would sail about a little and see the watery "
           "part of the world.")


def int8_path_for(fp32_path: str | Path) -> Path:
    fp32_path = Path(fp32_path)
    return fp32_path.with_name(fp32_path.stem + ".int8.onnx")


def export_paths(folder: str | Path) -> tuple[Path, Path]:
    """(fp32, int8) ONNX files of a model folder: a shipped ``model.onnx`` or the user-data export, and the int8 copy
    (always in the user data folder: shipped folders stay read-only)."""
    from engines.core.paths import user_data_dir
    from engines.llm.runners import onnx_cache_path

    folder = Path(folder)
    if (folder / "model.safetensors").is_file():
        cache = onnx_cache_path(folder)
    else:
        cache = user_data_dir() / "onnx-cache" / f"{folder.name}-shipped.onnx"
    fp32 = folder / "model.onnx" if (folder / "model.onnx").is_file() else cache
    return fp32, int8_path_for(cache)


def report_path_for(int8_path: str | Path) -> Path:
    return Path(int8_path).with_suffix(".json")


def quantize_int8(fp32_path: str | Path, int8_path: str | Path | None = None) -> Path:
    """Write the int8 copy of the ONNX GPT ``fp32_path`` (atomically; metadata kept). Returns its path."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from engines.core.model_io import atomic_path

    fp32_path = Path(fp32_path)
    int8_path = Path(int8_path) if int8_path else int8_path_for(fp32_path)
    source = onnx.load(str(fp32_path))
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # its "consider pre-processing" warning is for static quantization
    with atomic_path(int8_path) as tmp:
        quantize_dynamic(source, str(tmp), op_types_to_quantize=["MatMul", "Gemm"], per_channel=True,
                         weight_type=QuantType.QInt8,
                         # its shape inference cannot type the fused (com.microsoft) operators' outputs: all are float
                         extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT})
        proto = onnx.load(str(tmp))
        kept = {p.key for p in proto.metadata_props}
        for entry in source.metadata_props:  # the GPT config the runner needs
            if entry.key not in kept:
                proto.metadata_props.add(key=entry.key, value=entry.value)
        config = json.loads(next(e.value for e in proto.metadata_props if e.key == "gpt_config"))
        quantize_embedding(proto, (config["vocab_size"], config["n_embd"]))
        onnx.save(proto, str(tmp))
    root.setLevel(level)
    return int8_path


def quantize_embedding(proto, shape: tuple[int, int]) -> bool:
    """Store the token embedding (the ``shape`` table a Gather reads) as int8 with one scale per row, in place.

    The quantizer above leaves Gather alone; this table is a quarter of GPT-2's weights. Each
    token's row is read as int8 and scaled back (Gather, Cast, Mul), so only the rows in use
    are turned back into float. Returns whether a table was found.
    """
    from onnx import helper, numpy_helper

    graph = proto.graph
    tables = {t.name: t for t in graph.initializer if list(t.dims) == list(shape) and t.data_type == 1}
    for index, node in enumerate(graph.node):
        name = node.input[0] if node.op_type == "Gather" and node.input else None
        users = sum(name in n.input for n in graph.node) if name in tables else 0
        if users != 1 or any(a.name == "axis" and a.i != 0 for a in node.attribute):
            continue
        table = numpy_helper.to_array(tables[name])
        scale = np.maximum(np.abs(table).max(axis=1, keepdims=True) / 127.0, 1e-12).astype(np.float32)
        graph.initializer.remove(tables[name])
        graph.initializer.extend([numpy_helper.from_array(np.round(table / scale).astype(np.int8), name + "_int8"),
                                  numpy_helper.from_array(scale, name + "_row_scale")])
        out, ids = node.output[0], node.input[1]
        graph.node.remove(node)
        for offset, new in enumerate([
            helper.make_node("Gather", [name + "_int8", ids], [out + "_int8"]),
            helper.make_node("Gather", [name + "_row_scale", ids], [out + "_scale"]),
            helper.make_node("Cast", [out + "_int8"], [out + "_float"], to=1),
            helper.make_node("Mul", [out + "_float", out + "_scale"], [out]),
        ]):
            graph.node.insert(index + offset, new)
        return True
    return False


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits.astype(np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def quality(fp32_runner, int8_runner, ids) -> dict[str, Any]:
    """Top-1 agreement and mean KL(fp32 ‖ int8) over every position of ``ids``; perplexities of both too."""
    ids = np.asarray(ids, dtype=np.int64).reshape(1, -1)
    p = _log_softmax(fp32_runner.forward(ids, with_attention=False)[0][0])
    q = _log_softmax(int8_runner.forward(ids, with_attention=False)[0][0])
    kl = (np.exp(p) * (p - q)).sum(axis=-1)
    targets = ids[0, 1:]
    rows = np.arange(len(targets))
    return {
        "tokens": int(ids.shape[1]),
        "top1_agreement": float((p.argmax(-1) == q.argmax(-1)).mean()),
        "mean_kl": float(kl.mean()),
        "perplexity_fp32": float(np.exp(-p[rows, targets].mean())),
        "perplexity_int8": float(np.exp(-q[rows, targets].mean())),
    }


def sample_ids(folder: str | Path, n_tokens: int, block_size: int) -> tuple[list[int], str]:
    """The first ``n_tokens`` tokens (at most the context window) of the shipped Moby-Dick chapters, and how.

    Read with the folder's tokenizer; a folder without one (random test weights) gets the
    text's UTF-8 bytes as token ids, so the check still compares the two files on real text.
    """
    from engines.core.paths import assets_dir
    from engines.llm.model_store import load_model_tokenizer

    note = ""
    try:
        text = (assets_dir() / "llm" / SAMPLE_TEXT).read_text(encoding="utf-8")
    except OSError:  # an install without the sample file: its first lines still make a (short) check
        text = OPENING
        note = f" (its opening lines only: no {SAMPLE_TEXT})"
    text = text[max(text.find("Call me Ishmael"), 0):][:20 * n_tokens]
    n = min(n_tokens, block_size)
    try:
        return load_model_tokenizer(folder).encode(text)[:n], "the model's tokenizer" + note
    except Exception:  # noqa: BLE001 - no tokenizer, or one that cannot be read
        return list(text.encode("utf-8"))[:n], "UTF-8 bytes as ids (no tokenizer)" + note


def check_ids(folder: str | Path, config) -> tuple[list[int], str]:
    """:func:`sample_ids` for the quality check, as ids the model has (bytes wrap round a vocabulary under 256)."""
    ids, how = sample_ids(folder, CHECK_TOKENS, config.block_size)
    return [i % config.vocab_size for i in ids], how


def passes(report: dict[str, Any]) -> bool:
    return report["top1_agreement"] >= MIN_TOP1 and report["mean_kl"] <= MAX_KL


def read_report(int8_path: str | Path) -> dict[str, Any] | None:
    try:
        return json.loads(report_path_for(int8_path).read_text())
    except (OSError, ValueError):
        return None


def default_precision(folder: str | Path) -> str:
    """'int8' for an imported GPT-2 whose int8 copy exists and passed its quality check, else 'fp32'.

    The small models trained here stay fp32 unless the user picks int8: int8 buys them little speed.
    """
    from engines.llm.runners import is_hf_gpt2_folder

    if not is_hf_gpt2_folder(folder):
        return "fp32"
    int8 = export_paths(folder)[1]
    report = read_report(int8)
    return "int8" if int8.is_file() and report and report.get("passed") else "fp32"


def _choices_file() -> Path:
    from engines.core.paths import user_data_dir

    return user_data_dir() / "llm-precision.json"


def chosen_precision(folder: str | Path) -> str:
    """The precision the user chose for this model (Under the hood), else :func:`default_precision`."""
    try:
        choice = json.loads(_choices_file().read_text()).get(str(Path(folder).resolve()))
    except (OSError, ValueError, AttributeError):
        choice = None
    return choice if choice in PRECISIONS else default_precision(folder)


def choose_precision(folder: str | Path, precision: str) -> None:
    from engines.core.model_io import atomic_write_json

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    try:
        choices = json.loads(_choices_file().read_text())
    except (OSError, ValueError):
        choices = {}
    choices[str(Path(folder).resolve())] = precision
    atomic_write_json(_choices_file(), choices)


def open_int8(folder: str | Path, device=None, threads: int = 1):
    """An :class:`~engines.llm.onnx_runner.OnnxGPTRunner` on the int8 copy, made first if missing (needs torch)."""
    from engines.core.jobs import run_job
    from engines.llm.onnx_runner import OnnxGPTRunner

    int8 = export_paths(folder)[1]
    if not int8.is_file() or read_report(int8) is None:
        run_job(prepare_job(folder, threads=threads))
    return OnnxGPTRunner(int8, device, threads=threads, trusted=True)


def prepare_job(folder: str | Path, cancel: CancelToken | None = None, threads: int = 1):
    """A job: make the fp32 and int8 ONNX exports of a model folder (once) and check int8's quality.

    Returns ``{"fp32": path, "int8": path, "quality": report}``; the report (with ``passed``)
    is kept beside the int8 file, so the check runs once per weights file.
    """
    from engines.core.model_io import atomic_write_json, load_config
    from engines.llm.onnx_runner import OnnxGPTRunner, export_onnx
    from engines.llm.runners import _load_torch_model

    cancel = cancel or CancelToken()
    folder = Path(folder)
    fp32, int8 = export_paths(folder)
    steps = 4
    if not fp32.is_file():
        yield Progress(0, steps, message="reading the weights")
        model = _load_torch_model(folder, load_config(folder))
        cancel.raise_if_cancelled()
        yield Progress(1, steps, message="exporting to ONNX (fp32)")
        export_onnx(model, fp32)
        del model
    cancel.raise_if_cancelled()
    report = read_report(int8)
    if not int8.is_file() or report is None:
        yield Progress(2, steps, message="making the int8 copy")
        quantize_int8(fp32, int8)
        cancel.raise_if_cancelled()
        yield Progress(3, steps, message="checking int8 against fp32 on Moby-Dick")
        full = OnnxGPTRunner(fp32, threads=threads, trusted=True)
        small = OnnxGPTRunner(int8, threads=threads, trusted=True)
        ids, how = check_ids(folder, full.config)
        report = {**quality(full, small, ids), "sample": SAMPLE_TEXT, "tokens_from": how, "min_top1": MIN_TOP1, "max_kl": MAX_KL}
        report["passed"] = passes(report)
        atomic_write_json(report_path_for(int8), report)
    yield Progress(steps, steps, message="ready")
    return {"fp32": fp32, "int8": int8, "quality": report}
