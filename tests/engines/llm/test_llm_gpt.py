"""The GPT itself: shapes, the KV cache, attention maps, saving and loading."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from engines.core.model_io import ModelFileError, save_model  # noqa: E402
from engines.llm.gpt import GPT, GPTConfig, load_gpt, save_gpt  # noqa: E402
from engines.llm.runners import TorchGPTRunner  # noqa: E402

CFG = GPTConfig(n_layer=2, n_head=4, n_embd=32, block_size=24, vocab_size=40)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GPT(CFG).eval()


def test_forward_shapes(model):
    idx = torch.randint(0, CFG.vocab_size, (3, 10))
    logits, present, attention = model(idx, return_attention=True)
    assert logits.shape == (3, 10, CFG.vocab_size)
    assert len(present) == CFG.n_layer
    assert present[0][0].shape == (3, CFG.n_head, 10, CFG.head_dim)
    assert present[0][1].shape == (3, CFG.n_head, 10, CFG.head_dim)
    assert len(attention) == CFG.n_layer and attention[0].shape == (3, CFG.n_head, 10, 10)
    assert model(idx)[2] is None  # attention only when asked


def test_kv_cache_gives_the_same_logits_as_a_full_pass(model):
    idx = torch.randint(0, CFG.vocab_size, (2, 16))
    with torch.no_grad():
        full, _, full_att = model(idx, return_attention=True)
        logits, past, _ = model(idx[:, :5])
        steps = [logits]
        for t in range(5, 16):
            logits, past, att = model(idx[:, t : t + 1], past, return_attention=True)
            steps.append(logits)
        cached = torch.cat(steps, dim=1)
    assert torch.allclose(full, cached, atol=1e-5)
    assert past[0][0].shape[2] == 16
    # the last token's attention row is the same with or without the cache
    assert torch.allclose(full_att[1][:, :, -1], att[1][:, :, -1], atol=1e-6)


def test_attention_rows_sum_to_one_and_never_look_ahead(model):
    idx = torch.randint(0, CFG.vocab_size, (1, 12))
    with torch.no_grad():
        _, _, attention = model(idx, return_attention=True)
    for att in attention:
        assert torch.allclose(att.sum(-1), torch.ones_like(att.sum(-1)), atol=1e-5)
        future = torch.triu(torch.ones(12, 12, dtype=torch.bool), diagonal=1)
        assert float(att[..., future].abs().max()) == 0.0
        assert float(att[..., 0, 0].min()) == pytest.approx(1.0)  # the first token can only look at itself


def test_too_many_tokens_for_the_window_is_an_error(model):
    with pytest.raises(ValueError, match="context window"):
        model(torch.zeros((1, CFG.block_size + 1), dtype=torch.long))


def test_save_and_load_round_trip(model, tmp_path):
    save_gpt(model, tmp_path / "m")
    loaded = load_gpt(tmp_path / "m")
    assert loaded.config == CFG
    idx = torch.randint(0, CFG.vocab_size, (1, 9))
    with torch.no_grad():
        assert torch.equal(model(idx)[0], loaded(idx)[0])
    # the tied output layer is stored once and stays tied after loading
    assert loaded.lm_head.weight.data_ptr() == loaded.transformer.wte.weight.data_ptr()
    expected = sum(p.numel() for p in model.parameters())
    assert model.num_parameters() == expected
    import json

    assert json.loads((tmp_path / "m" / "config.json").read_text())["parameters"] == expected


def test_loading_refuses_the_wrong_architecture_and_missing_weights(model, tmp_path):
    save_model(tmp_path / "other", {"w": np.zeros(3, np.float32)}, {}, "digits-mlp")
    with pytest.raises(ModelFileError) as err:
        load_gpt(tmp_path / "other")
    assert err.value.kind == "wrong_architecture"
    weights = model.weights_for_saving()
    weights.pop("transformer.ln_f.weight")
    save_model(tmp_path / "broken", weights, CFG.to_dict(), "gpt")
    with pytest.raises(ModelFileError, match="missing transformer.ln_f.weight"):
        load_gpt(tmp_path / "broken")


def test_torch_runner_returns_numpy_and_reuses_its_cache(model):
    runner = TorchGPTRunner(model)
    ids = np.array([[1, 2, 3, 4]])
    logits, past, attention = runner.forward(ids)
    assert logits.shape == (1, 4, CFG.vocab_size) and logits.dtype == np.float32
    assert attention.shape == (CFG.n_layer, 1, CFG.n_head, 4, 4)
    assert runner.past_length(past) == 4 and runner.past_length(None) == 0
    logits2, past2, attention2 = runner.forward(np.array([[5]]), past)
    assert attention2.shape == (CFG.n_layer, 1, CFG.n_head, 1, 5)
    full, _, _ = runner.forward(np.array([[1, 2, 3, 4, 5]]))
    np.testing.assert_allclose(full[0, -1], logits2[0, -1], atol=1e-5)


def test_config_checks_heads_divide_width():
    with pytest.raises(ValueError, match="multiple"):
        GPTConfig(n_embd=30, n_head=4)
