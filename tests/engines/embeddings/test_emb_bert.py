"""Our BERT sentence encoder against references: Hugging Face's BertModel (tiny random weights, always),
sentence-transformers on the real fp32 MiniLM, and the shipped int8 copy against fp32 (when the fp32
files were built with tools/build_sentence_encoder.py)."""

import os
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engines.embeddings import minilm  # noqa: E402
from engines.embeddings.bert import BertConfig, bert_from_tensors, export_onnx, load_bert  # noqa: E402

TINY = BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                  max_position_embeddings=40)


def _fp32_dir() -> Path:
    """The fp32 files: $AI_LAB_MINILM_DIR, else the real user folder (tests point the data folder elsewhere)."""
    if os.environ.get(minilm.FP32_ENV):
        return Path(os.environ[minilm.FP32_ENV])
    from platformdirs import user_data_path

    return user_data_path("ai-lab", appauthor=False) / "models" / minilm.FP32_FOLDER_NAME


FP32 = _fp32_dir()
needs_fp32 = pytest.mark.skipif(not (FP32 / "model.onnx").is_file() or not (FP32 / "model.safetensors").is_file(),
                                reason="fp32 MiniLM not built (python tools/build_sentence_encoder.py)")


def _batch():
    ids = np.array([[2, 17, 33, 5, 9, 3], [2, 41, 3, 0, 0, 0]], dtype=np.int64)  # second row padded
    return ids, (ids != 0).astype(np.int64)


def _tiny_hf_model():
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    hf = transformers.BertModel(transformers.BertConfig(
        vocab_size=TINY.vocab_size, hidden_size=TINY.hidden_size, num_hidden_layers=TINY.num_hidden_layers,
        num_attention_heads=TINY.num_attention_heads, intermediate_size=TINY.intermediate_size,
        max_position_embeddings=TINY.max_position_embeddings), add_pooling_layer=False).eval()
    return hf


def test_matches_hugging_face_bert_with_mean_pooling():
    hf = _tiny_hf_model()
    ours = bert_from_tensors(TINY, {k: v.numpy() for k, v in hf.state_dict().items()})
    ids, mask = _batch()
    with torch.no_grad():
        tokens = hf(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state
        m = torch.from_numpy(mask).unsqueeze(-1).float()
        ref = torch.nn.functional.normalize((tokens * m).sum(1) / m.sum(1), dim=1)
        got = ours(torch.from_numpy(ids), torch.from_numpy(mask))
    assert torch.allclose(got, ref, atol=1e-5)


def test_onnx_export_matches_torch_and_padding_is_ignored(tmp_path):
    from engines.embeddings.bert import BertSentenceEncoder

    torch.manual_seed(1)
    model = BertSentenceEncoder(TINY).eval()
    path = export_onnx(model, tmp_path / "tiny.onnx")
    runner = minilm.OnnxSentenceRunner(path, trusted=False)
    ids, mask = _batch()
    with torch.no_grad():
        ref = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    assert np.abs(runner.embed(ids, mask) - ref).max() < 1e-5
    alone = runner.embed(ids[1:, :3], mask[1:, :3])  # the padded sentence without its padding
    assert np.abs(alone[0] - ref[1]).max() < 1e-5


def test_missing_or_misshapen_weights_are_refused():
    from engines.embeddings.bert import BertSentenceEncoder

    state = {k: v.numpy() for k, v in BertSentenceEncoder(TINY).state_dict().items()}
    with pytest.raises(ValueError, match="missing"):
        bert_from_tensors(TINY, {k: v for k, v in state.items() if "layer.1." not in k})
    state["embeddings.word_embeddings.weight"] = np.zeros((61, 32), dtype=np.float32)
    with pytest.raises(ValueError, match="shape"):
        bert_from_tensors(TINY, state)


@needs_fp32
@pytest.mark.slow
def test_fp32_matches_sentence_transformers_within_1e_4():
    st = pytest.importorskip("sentence_transformers")
    from engines.embeddings.sentence_eval import varied_sentences

    sentences = varied_sentences(40)
    ref = st.SentenceTransformer(str(FP32), device="cpu").encode(sentences, convert_to_numpy=True)
    tok = minilm.WordPieceTokenizer(FP32 / "tokenizer.json")
    ids, mask = tok.batch(sentences)
    with torch.no_grad():
        ours = load_bert(FP32)(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    onnx_fp32 = minilm.OnnxSentenceRunner(FP32 / "model.onnx").embed(ids, mask)
    assert np.abs(ours - ref).max() < 1e-4
    assert np.abs(onnx_fp32 - ref).max() < 1e-4


@needs_fp32
@pytest.mark.slow
def test_shipped_int8_agrees_with_fp32_on_200_sentences(monkeypatch):
    from engines.embeddings.sentence_eval import agreement, varied_sentences

    monkeypatch.setenv(minilm.FP32_ENV, str(FP32))
    fp32 = minilm.MiniLMEncoder("fp32", "onnx")
    report = agreement(minilm.load_minilm("int8"), fp32, varied_sentences(200))
    assert report["sentences"] == 200 and report["cosine_min"] >= 0.99, report
