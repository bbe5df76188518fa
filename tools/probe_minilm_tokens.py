"""Does MiniLM say more about a caption detail in its per-token states than in its pooled phrase vector?

    python tools/probe_minilm_tokens.py          # ~1 min on one CPU thread

For each detail list of :mod:`engines.diffusion.clue_synonyms` (hat and background colours, hair, eyes,
skin, mouth, face shape) every word is put in its plain phrase ("wearing a ruby hat", "chestnut hair",
"a cheerful face") and read by the shipped int8 MiniLM. A logistic regression (5-fold cross-validation
over the words, so each word is scored by a model that never saw it) then guesses the detail's value from

* ``pooled``: the phrase vector the clue reads today (mean of the last layer's tokens, length 1);
* ``L0``..``L6``: the mean of the phrase's own word tokens (template words, [CLS] and [SEP] left out)
  after the embedding layer (L0) and after each of the 6 layers: the colour word's own vector;
* ``bare``: the pooled vector of the word alone ("ruby").

The same ONNX file answers: its graph is given extra outputs at load time (no second copy of the model).
Only the distillation vocabulary is used, never the held-out synonym prompts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEMPLATE_TOKENS = {"[CLS]", "[SEP]", "wearing", "a", "an", "hat", "on", "background", "hair", "eyes", "skin", "face"}
LAYER_OUTPUTS = ["/embeddings/LayerNorm/LayerNormalization_output_0"] + [
    f"/layer.{i}/output/LayerNorm/LayerNormalization_output_0" for i in range(6)]


def token_session(path: Path):
    """An onnxruntime session of the int8 MiniLM that also returns every layer's token states."""
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


def main() -> int:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from engines.core.paths import assets_dir
    from engines.diffusion import clue_synonyms as cs
    from engines.embeddings.minilm import INT8_ASSET, TOKENIZER_ASSET, WordPieceTokenizer

    session = token_session(assets_dir() / INT8_ASSET)
    tok = WordPieceTokenizer(assets_dir() / TOKENIZER_ASSET)

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
