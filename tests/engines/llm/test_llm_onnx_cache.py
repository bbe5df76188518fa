"""The KV cache kept in buffers between calls: the same numbers as the old one-tensor layout, and old files still run."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
torch.set_num_threads(1)

from engines.llm.char_tokenizer import CharTokenizer  # noqa: E402
from engines.llm.generate import generate_text  # noqa: E402
from engines.llm.gpt import GPT, GPTConfig  # noqa: E402
from engines.llm import onnx_runner  # noqa: E402
from engines.llm.onnx_runner import OnnxCache, OnnxGPTRunner, export_onnx  # noqa: E402
from engines.llm.runners import TorchGPTRunner  # noqa: E402

TOKENIZER = CharTokenizer.from_text("abcdefghijklmnopqrstuvwxyz .,")
CFG = GPTConfig(n_layer=3, n_head=2, n_embd=32, block_size=24, vocab_size=TOKENIZER.vocab_size)
ASSETS = Path(__file__).resolve().parents[3] / "assets" / "llm"


def export_stacked(model, path):
    """The layout files had before export version 2 (what shipped model.onnx files may still hold):
    one ``past`` (layers, 2, B, heads, P, head_dim) in, ``present`` and stacked ``attention`` out."""
    import json
    import warnings

    import onnx

    cfg = model.config

    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gpt = model

        def forward(self, idx, past):
            logits, present, att = self.gpt(idx, [(past[i, 0], past[i, 1]) for i in range(cfg.n_layer)], True)
            return logits, torch.stack([torch.stack([k, v]) for k, v in present]), torch.stack(att)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Wrapper(), (torch.zeros((1, 3), dtype=torch.long),
                                      torch.zeros((cfg.n_layer, 2, 1, cfg.n_head, 2, cfg.head_dim))),
                          str(path), dynamo=False, opset_version=17, input_names=["idx", "past"],
                          output_names=["logits", "present", "attention"],
                          dynamic_axes={"idx": {0: "b", 1: "t"}, "past": {2: "b", 4: "p"}, "logits": {0: "b", 1: "t"},
                                        "present": {2: "b", 4: "s"}, "attention": {1: "b", 3: "t", 4: "s"}})
    proto = onnx.load(str(path))
    proto.metadata_props.add(key="gpt_config", value=json.dumps(cfg.to_dict()))
    onnx.save(proto, str(path))
    return path


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    torch.manual_seed(5)
    model = GPT(CFG).eval()
    folder = tmp_path_factory.mktemp("layouts")
    per_layer = OnnxGPTRunner(export_onnx(model, folder / "new.onnx"))
    stacked = OnnxGPTRunner(export_stacked(model, folder / "old.onnx"))
    return TorchGPTRunner(model), per_layer, stacked


def test_the_runner_reads_the_layout_from_the_graph(three):
    _, per_layer, stacked = three
    assert not per_layer.stacked and stacked.stacked
    names = [i.name for i in per_layer.session.get_inputs()]
    assert names[:5] == ["idx", "past_length", "attention_rows", "past_key_t_0", "past_value_0"]
    assert len(names) == 3 + 2 * CFG.n_layer


def test_per_layer_cache_gives_the_old_layouts_numbers_step_by_step(three, monkeypatch):
    monkeypatch.setattr(onnx_runner, "ROOM_STEP", 4)  # the buffers grow twice on the way
    torch_runner, per_layer, stacked = three
    ids = np.random.default_rng(3).integers(0, CFG.vocab_size, size=(2, 9))
    new, old, ref = per_layer.forward(ids), stacked.forward(ids), torch_runner.forward(ids)
    for step in range(4):
        np.testing.assert_allclose(new[0], old[0], atol=1e-5)
        np.testing.assert_allclose(new[2], old[2], atol=1e-5)  # attention (layers, B, heads, T, keys)
        np.testing.assert_allclose(new[0], ref[0], atol=1e-4)
        np.testing.assert_allclose(per_layer.cache_array(new[1]), stacked.cache_array(old[1]), atol=1e-5)
        assert per_layer.past_length(new[1]) == stacked.past_length(old[1]) == 9 + step
        assert isinstance(new[1], OnnxCache)
        token = np.argmax(new[0][:, -1], axis=-1)[:, None]
        new, old = per_layer.forward(token, new[1]), stacked.forward(token, old[1])
        ref = torch_runner.forward(token, ref[1])
    assert new[2].shape == (CFG.n_layer, 2, CFG.n_head, 1, 13)


def test_attention_only_when_asked_and_the_rest_unchanged(three):
    _, per_layer, stacked = three
    ids = np.arange(6)[None] % CFG.vocab_size
    torch_runner = three[0]
    np.testing.assert_allclose(torch_runner.forward(ids, with_attention=2)[2], torch_runner.forward(ids)[2][..., -2:, :])
    for runner in (per_layer, stacked):
        with_att = runner.forward(ids)
        without = runner.forward(ids, with_attention=False)
        assert with_att[2] is not None and without[2] is None
        np.testing.assert_array_equal(runner.forward(ids, with_attention=1)[2], with_att[2][..., -1:, :])
        if not runner.stacked:  # the graph itself keeps no attention rows when none are asked for
            feeds = {"idx": ids, "past_length": np.array([0]), "attention_rows": np.array([0])}
            empty = runner.empty_past()
            feeds.update(zip(runner._cache_names, empty.buffers))
            assert runner.session.run(["attention_0"], feeds)[0].shape == (1, CFG.n_head, 0, empty.buffers[0].shape[3] + 6)
        np.testing.assert_array_equal(with_att[0], without[0])
        step = np.array([[4]])
        np.testing.assert_array_equal(runner.forward(step, with_att[1])[0],
                                      runner.forward(step, without[1], with_attention=False)[0])


def test_going_on_twice_from_one_cache_leaves_both_answers_right(three):
    _, per_layer, stacked = three
    _, past, _ = per_layer.forward(np.arange(5)[None])
    a = per_layer.forward(np.array([[7]]), past)
    b = per_layer.forward(np.array([[9]]), past)  # a fork: must not overwrite a's slot
    after_a = per_layer.forward(np.array([[2]]), a[1])[0]
    _, old_past, _ = stacked.forward(np.arange(5)[None])
    np.testing.assert_allclose(b[0], stacked.forward(np.array([[9]]), old_past)[0], atol=1e-5)
    np.testing.assert_allclose(after_a, stacked.forward(np.array([[2]]), stacked.forward(np.array([[7]]), old_past)[1])[0],
                               atol=1e-5)


def test_greedy_text_is_the_same_in_both_layouts_past_the_window(three):
    torch_runner, per_layer, stacked = three
    kwargs = dict(max_new_tokens=30, temperature=0)  # 24-token window: the cache fills, the window slides
    texts = {generate_text(r, TOKENIZER, "the cat", **kwargs) for r in (torch_runner, per_layer, stacked)}
    assert len(texts) == 1


@pytest.mark.parametrize("name", sorted(p.parent.name for p in ASSETS.glob("*/model.onnx")))
def test_every_shipped_onnx_file_still_runs_and_matches_its_weights(name):
    from engines.llm.gpt import load_gpt

    folder = ASSETS / name
    runner = OnnxGPTRunner(folder / "model.onnx", trusted=True)
    model = load_gpt(folder)
    ids = np.arange(12)[None] % runner.config.vocab_size
    logits, past, _ = runner.forward(ids)
    np.testing.assert_allclose(logits, TorchGPTRunner(model).forward(ids)[0], atol=1e-4)
    step = runner.forward(np.array([[1]]), past, with_attention=False)
    assert runner.past_length(step[1]) == 13


def test_a_model_trained_here_gets_a_per_layer_export(tmp_path, monkeypatch):
    from engines.llm.gpt import save_gpt
    from engines.llm.runners import load_runner, onnx_cache_path

    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path / "data"))
    torch.manual_seed(1)
    folder = save_gpt(GPT(CFG).eval(), tmp_path / "mine")
    runner = load_runner(folder, backend="onnx")
    assert runner.path == onnx_cache_path(folder) and not runner.stacked


def test_a_new_export_removes_the_older_versions_exports_beside_it(tmp_path, monkeypatch):
    from engines.llm.gpt import save_gpt
    from engines.llm.onnx_graph import EXPORT_VERSION
    from engines.llm.runners import load_runner, onnx_cache_path

    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path / "data"))
    cache = tmp_path / "data" / "onnx-cache"
    cache.mkdir(parents=True)
    stale = ["mine-0123456789abcdef.onnx", "mine-0123456789abcdef.int8.onnx", "mine-0123456789abcdef.int8.json",
             f"gpt2-fedcba9876543210.v{EXPORT_VERSION - 1}.onnx", f"gpt2-fedcba9876543210.v{EXPORT_VERSION - 1}.int8.onnx"]
    kept = ["story-gpt-shipped.int8.onnx", "story-gpt-shipped.int8.json", "notes.json",
            f"gpt2-00000000000000aa.v{EXPORT_VERSION}.onnx", f"gpt2-00000000000000aa.v{EXPORT_VERSION}.int8.json"]
    for name in stale + kept:
        (cache / name).write_bytes(b"x")
    torch.manual_seed(1)
    folder = save_gpt(GPT(CFG).eval(), tmp_path / "mine")
    runner = load_runner(folder, backend="onnx")
    assert runner.path == onnx_cache_path(folder) and runner.path.name.endswith(f".v{EXPORT_VERSION}.onnx")
    assert sorted(p.name for p in cache.iterdir()) == sorted([*kept, runner.path.name])
    assert runner.forward(np.array([[1, 2]]))[0].shape == (1, 2, CFG.vocab_size)
