"""GPT-2 from a Hugging Face folder gives the reference implementation's logits; downloads fail clearly offline."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

from engines.core.model_io import ModelFileError, load_tensors, save_tensors  # noqa: E402
from engines.llm.hf_gpt2 import DownloadError, download_gpt2, load_hf_gpt2  # noqa: E402


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory):
    transformers = pytest.importorskip("transformers")
    cfg = transformers.GPT2Config(n_layer=2, n_head=2, n_embd=32, vocab_size=100, n_positions=64,
                                  bos_token_id=0, eos_token_id=0)
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(cfg).eval()
    folder = tmp_path_factory.mktemp("gpt2-tiny")
    model.save_pretrained(folder, safe_serialization=True)
    return folder, model


def test_logits_and_attention_equal_the_reference(hf_folder):
    folder, reference = hf_folder
    ours = load_hf_gpt2(folder)
    assert ours.config.n_layer == 2 and ours.config.block_size == 64 and ours.config.vocab_size == 100
    ids = torch.randint(0, 100, (2, 33))
    with torch.no_grad():
        expected = reference(ids, output_attentions=True)
        logits, _, attention = ours(ids, return_attention=True)
    assert (logits - expected.logits).abs().max().item() < 1e-4
    if expected.attentions is not None:  # returned by the eager attention implementation
        for a, b in zip(attention, expected.attentions):
            assert (a - b).abs().max().item() < 1e-4


def test_hub_style_names_without_prefix_and_mask_buffers_load_too(hf_folder, tmp_path):
    folder, reference = hf_folder
    tensors = load_tensors(folder / "model.safetensors")
    renamed = {k.removeprefix("transformer."): v for k, v in tensors.items() if k != "lm_head.weight"}
    renamed["h.0.attn.bias"] = np.tril(np.ones((1, 1, 64, 64), dtype=np.float32))  # old files carry the mask
    save_tensors(tmp_path / "model.safetensors", renamed)
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    ours = load_hf_gpt2(tmp_path)
    ids = torch.randint(0, 100, (1, 10))
    with torch.no_grad():
        assert (ours(ids)[0] - reference(ids).logits).abs().max().item() < 1e-4


def test_pickle_checkpoints_are_refused(hf_folder, tmp_path):
    folder, _ = hf_folder
    (tmp_path / "config.json").write_text((folder / "config.json").read_text())
    (tmp_path / "pytorch_model.bin").write_bytes(b"\x80\x04not really")
    with pytest.raises(ModelFileError) as err:
        load_hf_gpt2(tmp_path)
    assert err.value.kind == "unsafe"


def test_download_offline_gives_a_clear_message(monkeypatch, tmp_path):
    hub = pytest.importorskip("huggingface_hub")
    monkeypatch.setattr(hub.constants, "HF_HUB_OFFLINE", True)  # the hub's own offline mode: no network at all
    with pytest.raises(DownloadError, match="offline"):
        download_gpt2("gpt2", tmp_path / "gpt2")


def test_download_connection_error_gives_a_clear_message(monkeypatch, tmp_path):
    hub = pytest.importorskip("huggingface_hub")

    def no_network(**kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(hub, "snapshot_download", no_network)
    with pytest.raises(DownloadError, match="offline or the site cannot be reached"):
        download_gpt2("gpt2", tmp_path / "gpt2")


def test_our_gpt_saved_as_gpt2_loads_in_transformers(tmp_path):
    transformers = pytest.importorskip("transformers")
    from engines.llm.gpt import GPT, GPTConfig
    from engines.llm.hf_gpt2 import save_as_hf_gpt2

    torch.manual_seed(4)
    ours = GPT(GPTConfig(n_layer=2, n_head=2, n_embd=32, block_size=40, vocab_size=70)).eval()
    save_as_hf_gpt2(ours, tmp_path / "export")
    reference = transformers.GPT2LMHeadModel.from_pretrained(tmp_path / "export").eval()
    ids = torch.randint(0, 70, (1, 40))
    with torch.no_grad():
        assert (ours(ids)[0] - reference(ids).logits).abs().max().item() < 1e-4
    assert load_hf_gpt2(tmp_path / "export").config == ours.config
