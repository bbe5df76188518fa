"""Does MiniLM say more about a caption detail in its per-token states than in its pooled phrase vector?

    python tools/probe_minilm_tokens.py                  # the shipped int8 MiniLM, ~1 min on one CPU thread
    python tools/probe_minilm_tokens.py --variant fp32   # the full-precision copy (tools/build_sentence_encoder.py)

For each detail list of :mod:`engines.diffusion.clue_synonyms` (hat and background colours, hair, eyes,
skin, mouth, face shape) every word is put in its plain phrase ("wearing a ruby hat", "chestnut hair",
"a cheerful face") and read by the shipped int8 MiniLM (or, with ``--variant fp32``, the fp32 copy). A logistic regression (5-fold cross-validation
over the words, so each word is scored by a model that never saw it) then guesses the detail's value from

* ``pooled``: the phrase vector the clue reads today (mean of the last layer's tokens, length 1);
* ``L0``..``L6``: the mean of the phrase's own word tokens (template words, [CLS] and [SEP] left out)
  after the embedding layer (L0) and after each of the 6 layers: the colour word's own vector;
* ``bare``: the pooled vector of the word alone ("ruby").

The same ONNX file answers: its graph is given extra outputs at load time (no second copy of the model).
Only the distillation vocabulary is used, never the held-out synonym prompts.

Measured: the fp32 copy scores within one word of int8 on every detail (pooled: hat 0.686 vs 0.678,
background 0.716 vs 0.716, hair 0.674 vs 0.674, eyes 0.815 vs 0.832, skin 0.679 vs 0.665), so the int8
rounding is not what caps the clue: MiniLM's own vectors are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEMPLATE_TOKENS = {"[CLS]", "[SEP]", "wearing", "a", "an", "hat", "on", "background", "hair", "eyes", "skin", "face"}
LAYER_OUTPUTS = ["/embeddings/LayerNorm/LayerNormalization_output_0"] + [
    f"/layer.{i}/output/LayerNorm/LayerNormalization_output_0" for i in range(6)]


def model_files(variant: str) -> tuple[Path, Path]:
    """(ONNX model, tokenizer.json) of the MiniLM ``variant``: "int8" (shipped) or "fp32" (the user's models folder)."""
    from engines.core.paths import assets_dir
    from engines.embeddings import minilm

    if variant == "int8":
        return assets_dir() / minilm.INT8_ASSET, assets_dir() / minilm.TOKENIZER_ASSET
    if variant == "fp32":
        if not minilm.fp32_available("onnx"):
            raise SystemExit(str(minilm._missing_fp32("onnx")))
        return minilm.fp32_folder() / "model.onnx", minilm.fp32_folder() / "tokenizer.json"
    raise SystemExit(f"unknown variant {variant!r}: int8 or fp32")


def token_session(path: Path):
    """An onnxruntime session of a MiniLM export that also returns every layer's token states."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    have = {o for node in model.graph.node for o in node.output}
    for name in LAYER_OUTPUTS:
        if name not in have:
            raise SystemExit(f"{path} has no tensor {name}: not the export of engines/embeddings/bert.py")
        model.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.add_session_config_entry("session.disable_quant_qdq", "1")
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", choices=("int8", "fp32"), default="int8", help="which MiniLM copy reads the phrases")
    parser.add_argument("--json", type=Path, help="also write the scores to this file")
    args = parser.parse_args(argv)
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from engines.diffusion import clue_synonyms as cs
    from engines.embeddings.minilm import WordPieceTokenizer

    model_path, tokenizer_path = model_files(args.variant)
    session = token_session(model_path)
    tok = WordPieceTokenizer(tokenizer_path)

    def run(texts: list[str]) -> list:
        ids, mask = tok.batch(texts)
        return session.run(None, {"input_ids": ids, "attention_mask": mask})

    tasks = (("hat", cs.COLOURS, "wearing a {} hat", cs.HAT_COLOURS),
             ("background", cs.COLOURS, "on a {} background", cs.BACKGROUND_COLOURS),
             ("hair", cs.HAIR, "{} hair", None), ("eyes", cs.EYES, "{} eyes", None), ("skin", cs.SKIN, "{} skin", None),
             ("mouth", cs.MOUTH, "a {} face", None), ("face_shape", cs.SHAPE, "a {} face", None))
    report = {}
    for name, table, template, keep in tasks:
        words = [(w, v) for v, ws in table.items() if keep is None or v in keep for w in ws]
        texts = [template.format(w) for w, _ in words]
        pooled, *layers = run(texts)
        features = {"pooled": pooled}
        for i, states in enumerate(layers):
            rows = []
            for b, text in enumerate(texts):
                pieces = tok.tokens(text)
                own = [j for j, p in enumerate(pieces) if p not in TEMPLATE_TOKENS]
                rows.append(states[b, own].mean(axis=0))
            features[f"L{i}"] = np.array(rows)
        features["bare"] = run([w for w, _ in words])[0]
        labels = np.array([v for _, v in words])
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        scores = {}
        for key, x in features.items():
            x = (x - x.mean(axis=0)) / (x.std() + 1e-9)
            clf = LogisticRegression(C=0.1, max_iter=3000)
            scores[key] = round(float(cross_val_score(clf, x, labels, cv=folds).mean()), 3)
        report[name] = {"words": len(words), **scores}
        print(name, json.dumps(report[name]), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"variant": args.variant, "model": str(model_path), **report}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
