"""The ONNX export agrees with PyTorch: logits, attention, the KV cache, greedy text."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
torch.set_num_threads(1)

from engines.core.model_io import ModelFileError  # noqa: E402
from engines.llm.char_tokenizer import CharTokenizer  # noqa: E402
from engines.llm.generate import generate_text  # noqa: E402
from engines.llm.gpt import GPT, GPTConfig  # noqa: E402
from engines.llm.onnx_runner import IR_VERSION, OPSET, OnnxGPTRunner, export_onnx  # noqa: E402
from engines.llm.runners import TorchGPTRunner  # noqa: E402

TOKENIZER = CharTokenizer.from_text("abcdefghijklmnopqrstuvwxyz .,")
CFG = GPTConfig(n_layer=2, n_head=2, n_embd=32, block_size=32, vocab_size=TOKENIZER.vocab_size)


@pytest.fixture(scope="module", params=[True, False], ids=["fused", "standard-ops"])
def runners(tmp_path_factory, request):
    """Our torch model and its ONNX export: with ONNX Runtime's fused operators, and with standard ones only."""
    torch.manual_seed(2)
    model = GPT(CFG).eval()
    path = export_onnx(model, tmp_path_factory.mktemp("fused" if request.param else "standard") / "gpt.onnx",
                       fused=request.param)
    return TorchGPTRunner(model), OnnxGPTRunner(path)


@pytest.mark.parametrize("length", [1, 7, 32])
def test_logits_and_attention_match_torch(runners, length):
    torch_runner, onnx_runner = runners
    ids = np.random.default_rng(length).integers(0, CFG.vocab_size, size=(1, length))
    t_logits, _, t_att = torch_runner.forward(ids)
    o_logits, _, o_att = onnx_runner.forward(ids)
    assert o_logits.shape == t_logits.shape and o_att.shape == t_att.shape == (2, 1, 2, length, length)
    np.testing.assert_allclose(o_logits, t_logits, atol=1e-4)
    np.testing.assert_allclose(o_att, t_att, atol=1e-4)


def test_the_kv_cache_matches_torch_and_batches_work(runners):
    torch_runner, onnx_runner = runners
    ids = np.random.default_rng(0).integers(0, CFG.vocab_size, size=(3, 10))
    _, t_past, _ = torch_runner.forward(ids)
    _, o_past, _ = onnx_runner.forward(ids)
    assert onnx_runner.cache_array(o_past).shape == (2, 2, 3, 2, 10, 16) and onnx_runner.past_length(o_past) == 10
    t_cache = np.stack([np.stack([k.numpy(), v.numpy()]) for k, v in t_past])
    np.testing.assert_allclose(onnx_runner.cache_array(o_past), t_cache, atol=1e-5)
    step = np.array([[1], [2], [3]])
    t_logits, _, t_att = torch_runner.forward(step, t_past)
    o_logits, o_present, o_att = onnx_runner.forward(step, o_past)
    np.testing.assert_allclose(o_logits, t_logits, atol=1e-4)
    np.testing.assert_allclose(o_att, t_att, atol=1e-4)
    assert onnx_runner.past_length(o_present) == 11


def test_greedy_text_is_identical(runners):
    torch_runner, onnx_runner = runners
    for prompt in ("the dog", "a"):
        kwargs = dict(max_new_tokens=40, temperature=0)  # runs past the 32-token window too
        assert generate_text(torch_runner, TOKENIZER, prompt, **kwargs) == generate_text(
            onnx_runner, TOKENIZER, prompt, **kwargs
        )


def test_the_file_is_readable_by_older_runtimes_and_carries_its_config(runners):
    import onnx

    _, onnx_runner = runners
    proto = onnx.load(str(onnx_runner.path))
    assert proto.ir_version == IR_VERSION
    assert [o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")] == [OPSET]
    assert onnx_runner.config == CFG
    fused_ops = {n.op_type for n in proto.graph.node if n.domain == "com.microsoft"}
    # the fused file uses ONNX Runtime's LayerNorm+residual and GELU operators; the other one standard ops only
    assert fused_ops == ({"SkipLayerNormalization", "FastGelu"} if onnx_runner.path.parent.name.startswith("fused")
                         else set())


def test_an_onnx_file_that_is_not_a_gpt_is_refused(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "x.onnx"))
    with pytest.raises(ModelFileError) as err:
        OnnxGPTRunner(tmp_path / "x.onnx")
    assert err.value.kind == "wrong_architecture"


def test_the_onnx_runner_refuses_text_beyond_the_window(runners):
    _, onnx_runner = runners
    with pytest.raises(ValueError, match="context window"):
        onnx_runner.forward(np.zeros((1, CFG.block_size + 1), dtype=np.int64))


def test_onnx_generation_needs_no_torch(runners):
    """The lite build has no torch: the ONNX runner, sampling and generation must work without it."""
    import subprocess
    import sys
    from pathlib import Path

    _, onnx_runner = runners
    code = (
        "import sys; sys.modules['torch'] = None\n"  # any 'import torch' now fails
        "from engines.llm.char_tokenizer import CharTokenizer\n"
        "from engines.llm.generate import generate_text\n"
        "from engines.llm.onnx_runner import OnnxGPTRunner\n"
        "import engines.llm.runners, engines.llm.hf_gpt2, engines.llm.cli_model\n"
        f"tok = CharTokenizer.from_text({'abcdefghijklmnopqrstuvwxyz .,'!r})\n"
        f"runner = OnnxGPTRunner({str(onnx_runner.path)!r})\n"
        "print(generate_text(runner, tok, 'the dog', max_new_tokens=10, temperature=0))\n"
    )
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    expected = generate_text(onnx_runner, TOKENIZER, "the dog", max_new_tokens=10, temperature=0)
    assert proc.stdout.strip() == expected.strip()
