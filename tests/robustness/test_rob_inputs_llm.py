"""Bad input for the language-model engine: prompts, training text files, model files, divergence, OOM, cancel."""

from __future__ import annotations

import json
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rob_helpers import TEXT, run_and_cancel_after

from engines.core.jobs import CancelToken, Frame, JobCancelled, Log, collect, run_job
from engines.core.model_io import ModelFileError, load_model, load_tensors
from engines.llm.corpus import (
    CorpusBinaryError,
    CorpusEmptyError,
    CorpusEncodingError,
    CorpusError,
    load_corpus,
    read_text_corpus,
)
from engines.llm.generate import attention_map, generate, next_token_distribution
from engines.llm.gpt import GPT, GPTConfig, load_gpt, save_gpt
from engines.llm.tokenizers import WordTokenizer
from engines.llm.train import TrainConfig, TrainingDiverged, read_train_state, train_gpt

# --- prompts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("prompt", ["", pytest.param("   \t  \u3000 ", id="whitespace-word-tokenizer")])
def test_empty_prompts_are_a_clear_error(tiny_runner, char_tokenizer, prompt):
    tokenizer = char_tokenizer if prompt == "" else WordTokenizer.train(TEXT)
    for call in (lambda: next_token_distribution(tiny_runner, tokenizer, prompt),
                 lambda: collect(generate(tiny_runner, tokenizer, prompt, max_new_tokens=3)),
                 lambda: attention_map(tiny_runner, tokenizer, prompt)):
        with pytest.raises(ValueError, match="the prompt is empty"):
            call()


def test_a_whitespace_prompt_is_fine_when_spaces_are_tokens(tiny_runner, char_tokenizer):
    dist = next_token_distribution(tiny_runner, char_tokenizer, "   ")
    assert len(dist["candidates"]) == 10 and not dist["truncated"]
    _, text = collect(generate(tiny_runner, char_tokenizer, " ", max_new_tokens=3, temperature=0))
    assert len(text) == 4


@pytest.mark.parametrize("alphabet", ["abc ", "☃\x00\U0001F600"], ids=["known-chars", "unknown-chars"])
def test_a_100k_character_prompt_is_cut_with_a_notice(tiny_runner, char_tokenizer, alphabet):
    prompt = (alphabet * (100_000 // len(alphabet) + 1))[:100_000]
    dist = next_token_distribution(tiny_runner, char_tokenizer, prompt)
    assert dist["truncated"] and len(dist["ids"]) == 32
    assert "100000 tokens" in dist["notice"] and "only the last 32" in dist["notice"]
    events, text = collect(generate(tiny_runner, char_tokenizer, prompt, max_new_tokens=40, temperature=0.8, seed=1))
    notices = [e for e in events if isinstance(e, Log)]
    assert len(notices) == 1 and notices[0].level == "warning" and "only the last 32" in notices[0].text
    assert len([e for e in events if isinstance(e, Frame)]) == 40  # runs past the window, re-reading it
    assert len(text) == 32 + 40
    assert attention_map(tiny_runner, char_tokenizer, prompt)["attention"].shape[-1] == 32


# --- training text files ----------------------------------------------------------------------------

BAD_TEXT_FILES = {
    "zero-byte": (b"", CorpusEmptyError, "empty"),
    "only-newlines": (b"\n\n \r\n\t\n", CorpusEmptyError, "only spaces"),
    "png-image": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, CorpusBinaryError, "not plain text"),
    "zip-archive": (b"PK\x03\x04" + bytes(2000), CorpusBinaryError, "not plain text"),
    "random-binary": (bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)), CorpusError, "binary|UTF-8"),
    "utf16": ("hello world, this is a story. " * 100).encode("utf-16"), 
    "latin1": (("café crème brûlée " * 100).encode("latin-1"), CorpusEncodingError, r"not UTF-8: byte 0xe9 at offset 3"),
    "control-chars": (("\x01\x02\x03abc" * 500).encode(), CorpusBinaryError, "control characters"),
}
BAD_TEXT_FILES["utf16"] = (BAD_TEXT_FILES["utf16"], CorpusBinaryError, "UTF-16")


@pytest.mark.parametrize("name", list(BAD_TEXT_FILES))
def test_bad_training_text_files_get_a_clear_corpus_error(tmp_path, name):
    data, kind, message = BAD_TEXT_FILES[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    with pytest.raises(kind, match=message) as err:
        read_text_corpus(path)
    assert path.name in str(err.value) or str(path) in str(err.value) or err.value.args
    with pytest.raises(CorpusError):
        load_corpus(str(path))


# --- model files ------------------------------------------------------------------------------------

@pytest.fixture
def gpt_folder(tmp_path, tiny_gpt) -> Path:
    return save_gpt(tiny_gpt, tmp_path / "gpt")


def _edit_config(folder: Path, **changes):
    path = folder / "config.json"
    config = json.loads(path.read_text())
    for key, value in changes.items():
        if value is _DROP:
            config.pop(key)
        else:
            config[key] = value
    path.write_text(json.dumps(config))


_DROP = object()


@pytest.mark.parametrize("changes, message", [
    ({"n_layer": _DROP}, "does not give n_layer"),
    ({"n_layer": _DROP, "vocab_size": _DROP}, "does not give n_layer, vocab_size"),
    ({"n_layer": -3}, "n_layer must be at least 1"),
    ({"n_layer": 0}, "n_layer must be at least 1"),
    ({"n_layer": 10**9}, "n_layer is 1,000,000,000; the most this app accepts is 256"),
    ({"n_embd": 10**12, "n_head": 1}, "n_embd is 1,000,000,000,000"),
    ({"vocab_size": 10**15}, "vocab_size is"),
    ({"block_size": 2**40}, "block_size is"),
    ({"n_layer": "three"}, "n_layer must be a whole number"),
    ({"n_layer": 2.5}, "n_layer must be a whole number"),
    ({"n_head": None}, "n_head must be a whole number"),
    ({"n_head": 3}, "must be a multiple of n_head"),
    ({"n_layer": 256, "n_embd": 16384, "n_head": 128}, "describes a model of about .* parameters but model.safetensors holds"),
], ids=lambda v: str(v)[:40] if isinstance(v, str) else None)
def test_absurd_or_incomplete_configs_are_refused_before_allocating(gpt_folder, changes, message):
    _edit_config(gpt_folder, **changes)
    with pytest.raises(ModelFileError, match=message) as err:
        load_gpt(gpt_folder)
    assert err.value.kind == "invalid_config" and err.value.path.name == "config.json"
    assert "has an invalid configuration" in str(err.value)


@pytest.mark.parametrize("config_bytes, kind", [
    (b"{not json", "corrupt"),
    (b"\xff\xfe\x00garbage", "corrupt"),
    (b"[1, 2, 3]", "invalid_config"),
    (b"", "corrupt"),
    (b'{"architecture": "gpt", "pad": "' + b"x" * (2 * 1024**2) + b'"}', "too_large"),
])
def test_unreadable_configs(gpt_folder, config_bytes, kind):
    (gpt_folder / "config.json").write_bytes(config_bytes)
    with pytest.raises(ModelFileError) as err:
        load_gpt(gpt_folder)
    assert err.value.kind == kind


def test_an_absurd_hugging_face_gpt2_config_is_refused_before_allocating(tmp_path, tiny_gpt):
    from engines.llm.hf_gpt2 import load_hf_gpt2, save_as_hf_gpt2

    folder = save_as_hf_gpt2(tiny_gpt, tmp_path / "hf")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "n_layer": 200, "n_embd": 12800, "n_head": 100}))
    with pytest.raises(ModelFileError, match="describes a model of about") as err:
        load_hf_gpt2(folder)
    assert err.value.kind == "invalid_config"
    (folder / "config.json").write_text(json.dumps({**config, "n_layer": 10**9}))
    with pytest.raises(ModelFileError, match="n_layer is 1,000,000,000") as err:
        load_hf_gpt2(folder)


def test_weights_of_a_different_shape_are_named(tmp_path, gpt_folder, char_tokenizer):
    other = save_gpt(GPT(GPTConfig(n_layer=1, n_head=2, n_embd=8, block_size=32,
                                   vocab_size=char_tokenizer.vocab_size)), tmp_path / "other")
    (gpt_folder / "model.safetensors").write_bytes((other / "model.safetensors").read_bytes())
    with pytest.raises(ModelFileError, match=r"has shape \(.*\), the config needs") as err:
        load_gpt(gpt_folder)
    assert err.value.kind == "corrupt"


def test_a_model_of_another_kind_is_refused(tmp_path):
    from engines.core.model_io import save_model

    folder = save_model(tmp_path / "digits", {"w": np.zeros((4, 4), np.float32)}, {"hidden": 4}, "digits-mlp")
    with pytest.raises(ModelFileError, match="expected 'gpt', found 'digits-mlp'") as err:
        load_gpt(folder)
    assert err.value.kind == "wrong_architecture"


PAST_END = json.dumps({"w": {"dtype": "F32", "shape": [10**6], "data_offsets": [0, 4 * 10**6]}}).encode()


@pytest.mark.parametrize("damage", ["truncate-half", "truncate-header", "garbage", "zero-byte", "absurd-header",
                                    "header-not-json", "header-not-object", "offsets-past-end"])
def test_damaged_weights_files(gpt_folder, damage):
    path = gpt_folder / "model.safetensors"
    data = path.read_bytes()
    header_len = struct.unpack("<Q", data[:8])[0]
    new = {
        "truncate-half": data[: len(data) // 2],
        "truncate-header": data[: 8 + header_len // 2],
        "garbage": bytes(np.random.default_rng(1).integers(0, 256, len(data), dtype=np.uint8)),
        "zero-byte": b"",
        "absurd-header": struct.pack("<Q", 2**60) + data[8:],
        "header-not-json": struct.pack("<Q", 8) + b"\xff" * 8 + data[16:],
        "header-not-object": struct.pack("<Q", 2) + b"[]",
        "offsets-past-end": struct.pack("<Q", len(PAST_END)) + PAST_END,
    }[damage]
    path.write_bytes(new)
    with pytest.raises(ModelFileError) as err:
        load_gpt(gpt_folder)
    assert err.value.kind in {"truncated", "corrupt"}
    assert "model.safetensors" in str(err.value)


def test_an_oversized_weights_file_is_refused_without_reading_it(gpt_folder):
    with pytest.raises(ModelFileError, match="is too large") as err:
        load_model(gpt_folder, "gpt", max_bytes=1000)
    assert err.value.kind == "too_large"


class _Boom:
    """A pickle that would create a marker file if it were ever unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "pytorch_model.bin", "model.ckpt", "weights.pkl",
                                  "disguised.safetensors", "no_suffix"])
def test_pickled_checkpoints_are_refused_and_never_unpickled(tmp_path, name):
    marker = tmp_path / "PWNED"
    path = tmp_path / name
    path.write_bytes(pickle.dumps(_Boom(marker), protocol=4))
    with pytest.raises(ModelFileError) as err:
        load_tensors(path)
    assert not marker.exists()
    if name != "disguised.safetensors":  # a pickle named .safetensors is just not a safetensors file
        assert err.value.kind == "unsafe" and "arbitrary code" in str(err.value)
        assert ".safetensors" in str(err.value)  # and it says what to do instead
    else:
        assert err.value.kind in {"corrupt", "truncated"}


def test_a_torch_zip_checkpoint_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(3)}, path)
    with pytest.raises(ModelFileError, match="arbitrary code"):
        load_tensors(path)
    renamed = path.rename(tmp_path / "weights")  # no suffix: found by its zip signature
    with pytest.raises(ModelFileError, match="arbitrary code"):
        load_tensors(renamed)


# --- training: divergence, out of memory, cancelling --------------------------------------------------

def _ids(tokenizer):
    return np.array(tokenizer.encode(TEXT), dtype=np.int64)


def _config(**overrides):
    base = {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 16, "batch_size": 4, "max_steps": 60, "lr": 3e-3,
            "warmup_steps": 0, "eval_interval": 20, "eval_batches": 1, "sample_interval": 0, "checkpoint_interval": 10}
    return TrainConfig.preset_config("tiny", **{**base, **overrides})


def test_learning_rate_10_stops_with_training_diverged_and_keeps_the_last_good_checkpoint(tmp_path, char_tokenizer):
    out = tmp_path / "run"
    config = _config(lr=10.0, schedule="const", max_steps=300)
    events = []
    with pytest.raises(TrainingDiverged, match="training diverged at step") as err:
        run_job(train_gpt(_ids(char_tokenizer), config, out, char_tokenizer), None, events.append)
    assert "smaller learning rate" in str(err.value) and str(out) in str(err.value)
    state = read_train_state(out)
    saved = [e for e in events if isinstance(e, Log) and "Checkpoint saved" in e.text]
    assert state["step"] == (int(saved[-1].text.split("step ")[1].split()[0]) if saved else 0)
    assert f"step {state['step']}" in str(err.value)
    model = load_gpt(out)
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert not list(out.glob(".*.tmp"))  # no half-written files left behind


def test_nan_from_the_model_is_caught_as_divergence(tmp_path, char_tokenizer, monkeypatch):
    import engines.llm.train as train_mod

    real_loss, calls = train_mod._loss, {"n": 0}

    def poisoned(model, x, y):
        calls["n"] += 1
        loss = real_loss(model, x, y)
        return loss * float("nan") if calls["n"] == 15 else loss

    monkeypatch.setattr(train_mod, "_loss", poisoned)
    out = tmp_path / "run"
    with pytest.raises(TrainingDiverged, match=r"at step 15 \(the loss became nan\).*step 10"):
        collect(train_gpt(_ids(char_tokenizer), _config(), out, char_tokenizer))
    assert read_train_state(out)["step"] == 10
    load_gpt(out)


def test_gpu_out_of_memory_falls_back_to_the_cpu_with_a_message(tmp_path, char_tokenizer, monkeypatch):
    import engines.core.device as device_mod
    import engines.llm.train as train_mod

    # no GPU here: the job is told it got CUDA (its tensors stay on the CPU), and the first step runs out of memory
    monkeypatch.setattr(device_mod, "resolve_device",
                        lambda preference="auto": device_mod.DeviceInfo("cuda", "CUDA: simulated", "cpu"))
    real_loss, calls = train_mod._loss, {"n": 0}

    def oom_once(model, x, y):
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real_loss(model, x, y)

    monkeypatch.setattr(train_mod, "_loss", oom_once)
    events, result = collect(train_gpt(_ids(char_tokenizer), _config(max_steps=5), tmp_path / "run", char_tokenizer))
    assert result.steps == 5
    assert calls["n"] == 5 + 1 + 1  # 5 steps, the failed first one again, 1 evaluation at the end
    oom = [e for e in events if isinstance(e, Log) and "out of memory" in e.text.lower()]
    assert len(oom) == 1 and "CPU" in oom[0].text
    load_gpt(tmp_path / "run")


def test_cancelling_gpt_training_mid_way_is_prompt_and_leaves_a_loadable_checkpoint(tmp_path, char_tokenizer):
    out = tmp_path / "run"
    cancel = CancelToken()
    job = train_gpt(_ids(char_tokenizer), _config(max_steps=10_000), out, char_tokenizer, cancel=cancel)
    outcome, _ = run_and_cancel_after(job, cancel, n_events=8)
    assert outcome == "cancelled"
    assert read_train_state(out)["step"] >= 7
    load_gpt(out)


def test_cancelling_generation_mid_way_is_prompt(tiny_runner, char_tokenizer):
    cancel = CancelToken()
    job = generate(tiny_runner, char_tokenizer, "the cat", max_new_tokens=10**9, cancel=cancel)
    outcome, _ = run_and_cancel_after(job, cancel, n_events=5)
    assert outcome == "cancelled"
    # the token also stops a generator driven without run_job's check
    cancel2 = CancelToken()
    gen = generate(tiny_runner, char_tokenizer, "the cat", max_new_tokens=10**9, cancel=cancel2)
    next(gen)
    cancel2.cancel()
    with pytest.raises(JobCancelled):
        next(gen)
