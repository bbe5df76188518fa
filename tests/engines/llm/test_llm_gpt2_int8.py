"""An imported GPT-2 gets ONNX fp32 and int8 copies: fp32 equals transformers, int8 stays close, the check decides."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("onnxruntime.quantization")
pytest.importorskip("tokenizers")
torch.set_num_threads(1)

from gpt2_folders import tiny_gpt2  # noqa: E402

from engines.core.jobs import Progress, collect  # noqa: E402
from engines.llm import gpt2_int8  # noqa: E402


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("AI_LAB_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    folder = tiny_gpt2(tmp_path_factory.mktemp("models") / "tiny-gpt2")
    events, result = collect(gpt2_int8.prepare_job(folder))
    yield folder, events, result
    mp.undo()


def test_prepare_reports_each_step_and_writes_both_files(prepared):
    folder, events, result = prepared
    messages = [e.message for e in events if isinstance(e, Progress)]
    assert any("int8" in m for m in messages) and any("fp32" in m for m in messages) and messages[-1] == "ready"
    assert result["fp32"].is_file() and result["int8"].is_file()
    assert not str(result["int8"]).startswith(str(folder))  # the model folder itself is left as it was
    assert result["int8"].stat().st_size < 0.6 * result["fp32"].stat().st_size


def test_fp32_export_equals_transformers_and_int8_stays_close(prepared):
    from engines.llm.onnx_runner import OnnxGPTRunner

    folder, _, result = prepared
    reference = transformers.GPT2LMHeadModel.from_pretrained(folder).eval()
    ids = np.random.default_rng(1).integers(0, 300, size=(1, 40))
    with torch.no_grad():
        expected = reference(torch.from_numpy(ids)).logits.numpy()
    fp32 = OnnxGPTRunner(result["fp32"], trusted=True).forward(ids)[0]
    int8 = OnnxGPTRunner(result["int8"], trusted=True).forward(ids)[0]
    assert np.abs(fp32 - expected).max() < 1e-4
    assert np.abs(int8 - expected).max() > 1e-6  # really a different (quantized) model
    assert (int8.argmax(-1) == expected.argmax(-1)).mean() >= 0.9


def test_int8_stores_the_token_embedding_as_int8_rows_and_keeps_the_cache_layout(prepared):
    import onnx
    from onnx import numpy_helper

    from engines.llm.onnx_runner import OnnxGPTRunner

    _, _, result = prepared
    proto = onnx.load(str(result["int8"]))
    tables = {t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}
    rows = [n for n, t in tables.items() if t.shape == (300, 64)]  # the tiny folder's vocabulary x width
    assert len(rows) == 1 and tables[rows[0]].dtype == np.int8  # no fp32 copy of the embedding left
    fp32 = OnnxGPTRunner(result["fp32"], trusted=True)
    int8 = OnnxGPTRunner(result["int8"], trusted=True)
    assert not int8.stacked
    ids = np.arange(30)[None] * 7 % 300
    _, a, _ = fp32.forward(ids, with_attention=False)
    _, b, _ = int8.forward(ids, with_attention=False)
    cache_a, cache_b = fp32.cache_array(a), int8.cache_array(b)
    assert cache_a.shape == cache_b.shape  # the same layout, close numbers (the first layer's keys and values)
    assert np.abs(cache_a[0] - cache_b[0]).mean() < 0.05 * np.abs(cache_a[0]).mean()


def test_quality_report_is_kept_and_the_second_prepare_does_nothing(prepared):
    folder, _, result = prepared
    report = json.loads(gpt2_int8.report_path_for(result["int8"]).read_text())
    assert report["tokens_from"] == "the model's tokenizer" and report["tokens"] > 20
    assert 0.0 <= report["mean_kl"] < 0.05 and report["top1_agreement"] >= 0.9
    assert report["passed"] == (report["top1_agreement"] >= gpt2_int8.MIN_TOP1 and report["mean_kl"] <= gpt2_int8.MAX_KL)
    stamp = result["int8"].stat().st_mtime_ns
    events, again = collect(gpt2_int8.prepare_job(folder))
    assert [e.message for e in events if isinstance(e, Progress)] == ["ready"]
    assert again["int8"].stat().st_mtime_ns == stamp


def test_quality_sees_a_different_model():
    class Fixed:
        def __init__(self, logits):
            self.logits = logits

        def forward(self, ids, with_attention=False):
            return self.logits[None], None, None

    rng = np.random.default_rng(0)
    a = rng.standard_normal((30, 50)).astype(np.float32)
    same = gpt2_int8.quality(Fixed(a), Fixed(a), np.arange(30))
    other = gpt2_int8.quality(Fixed(a), Fixed(rng.standard_normal((30, 50)).astype(np.float32)), np.arange(30))
    assert same["top1_agreement"] == 1.0 and abs(same["mean_kl"]) < 1e-9
    assert other["top1_agreement"] < 0.5 and other["mean_kl"] > 0.1


def test_precision_default_follows_the_check_and_the_users_choice_wins(prepared):
    from engines.llm.model_store import open_model

    folder, _, result = prepared
    report_file = gpt2_int8.report_path_for(result["int8"])
    saved = report_file.read_text()
    try:
        for passed, expected in ((True, "int8"), (False, "fp32")):
            report_file.write_text(json.dumps({**json.loads(saved), "passed": passed}))
            assert gpt2_int8.default_precision(folder) == expected
            assert gpt2_int8.chosen_precision(folder) == expected
            runner = open_model(str(folder), "onnx")[0]
            assert runner.path == result[expected]
        gpt2_int8.choose_precision(folder, "int8")  # the user's choice beats the failed check
        assert gpt2_int8.chosen_precision(folder) == "int8"
        assert open_model(str(folder), "onnx")[0].path == result["int8"]
        gpt2_int8.choose_precision(folder, "fp32")
        assert open_model(str(folder), "onnx")[0].path == result["fp32"]
        assert open_model(str(folder), "onnx-int8")[0].path == result["int8"]  # asked for by name
    finally:
        report_file.write_text(saved)
        gpt2_int8._choices_file().unlink(missing_ok=True)


def test_models_trained_here_stay_fp32_unless_chosen(tmp_path, monkeypatch):
    from engines.llm.gpt import build_gpt, save_gpt
    from engines.llm.gpt_config import GPTConfig

    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path / "data"))
    folder = save_gpt(build_gpt(GPTConfig(n_layer=1, n_head=2, n_embd=16, block_size=32, vocab_size=300), seed=0),
                      tmp_path / "ours")
    _, result = collect(gpt2_int8.prepare_job(folder))
    report = gpt2_int8.report_path_for(result["int8"])
    report.write_text(json.dumps({**json.loads(report.read_text()), "passed": True}))
    assert gpt2_int8.chosen_precision(folder) == "fp32"  # a passing copy, but not the default here
    gpt2_int8.choose_precision(folder, "int8")
    assert gpt2_int8.chosen_precision(folder) == "int8"
