"""The "Get GPT-2" dialog: downloads (faked, never the network) land in the model lists only when complete."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from lab_app.context import AppContext
from lab_app.errors import ErrorReporter
from lab_app.settings import SettingsStore

hub = pytest.importorskip("huggingface_hub")
pytest.importorskip("tokenizers")

N_LAYER, N_EMBD, VOCAB, POSITIONS = 2, 16, 50, 32


def write_tiny_gpt2(folder: Path, vocab_size: int = VOCAB) -> Path:
    """A random GPT-2 folder in Hugging Face's layout (names, Conv1D shapes), plus a small tokenizer.json."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    from engines.core.model_io import save_tensors

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    e = N_EMBD

    def r(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    tensors = {"wte.weight": r(vocab_size, e), "wpe.weight": r(POSITIONS, e),
               "ln_f.weight": np.ones(e, np.float32), "ln_f.bias": np.zeros(e, np.float32)}
    for i in range(N_LAYER):
        p = f"h.{i}."
        tensors.update({
            p + "ln_1.weight": np.ones(e, np.float32), p + "ln_1.bias": np.zeros(e, np.float32),
            p + "attn.c_attn.weight": r(e, 3 * e), p + "attn.c_attn.bias": r(3 * e),
            p + "attn.c_proj.weight": r(e, e), p + "attn.c_proj.bias": r(e),
            p + "ln_2.weight": np.ones(e, np.float32), p + "ln_2.bias": np.zeros(e, np.float32),
            p + "mlp.c_fc.weight": r(e, 4 * e), p + "mlp.c_fc.bias": r(4 * e),
            p + "mlp.c_proj.weight": r(4 * e, e), p + "mlp.c_proj.bias": r(e),
        })
    save_tensors(folder / "model.safetensors", tensors, metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps({
        "model_type": "gpt2", "n_layer": N_LAYER, "n_head": 2, "n_embd": e, "n_positions": POSITIONS,
        "vocab_size": vocab_size, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5}))
    words = ["<unk>", "the", "dog", "cat", "ran", "home", "."]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    path = tmp_path / "data"
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(path))
    monkeypatch.setenv("AI_LAB_ASSETS", str(tmp_path / "no-assets"))  # only the models these tests make
    return path


@pytest.fixture
def ctx(qapp, data_dir, tmp_path):
    context = AppContext(SettingsStore(tmp_path / "settings.ini"), ErrorReporter())
    yield context
    context.shutdown_jobs(3000)


@pytest.fixture
def dialog(ctx, qtbot):
    from lab_app.tabs.llm.gpt2_download import GPT2Dialog

    dlg = GPT2Dialog(ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


@pytest.fixture
def hub_calls(monkeypatch):
    """Replace huggingface_hub.snapshot_download; set ``behaviour`` to decide what a 'download' does."""
    calls: list[dict] = []
    state = {"behaviour": lambda local_dir: write_tiny_gpt2(Path(local_dir))}

    def fake_snapshot_download(**kwargs):
        calls.append(kwargs)
        Path(kwargs["local_dir"]).mkdir(parents=True, exist_ok=True)  # as the hub does
        state["behaviour"](kwargs["local_dir"])
        return kwargs["local_dir"]

    monkeypatch.setattr(hub, "snapshot_download", fake_snapshot_download)
    return calls, state


def listed() -> list[str]:
    from engines.llm.model_store import list_models

    return [m["name"] for m in list_models()]


def user_models() -> Path:
    from engines.core.paths import user_models_dir

    return user_models_dir()


def test_nothing_is_downloaded_until_asked(dialog, hub_calls):
    calls, _ = hub_calls
    assert calls == [] and listed() == []
    assert str(user_models() / "distilgpt2") in dialog.target_label.text()
    assert "Hugging Face" in dialog.about_label.text() and "MIT" in dialog.about_label.text()
    dialog.select("gpt2")
    assert str(user_models() / "gpt2") in dialog.target_label.text()
    assert "550 MB" in dialog.choice_buttons["gpt2"].text() and "124 million" in dialog.choice_buttons["gpt2"].text()
    assert calls == []


def test_download_lists_the_model_in_every_picker(dialog, hub_calls, qtbot):
    from lab_app.tabs.llm.common import ModelPicker

    calls, _ = hub_calls
    dialog.select("gpt2")
    with qtbot.waitSignal(dialog.model_added, timeout=10_000) as added:
        dialog.download_button.click()
        assert dialog.busy_bar.isVisible() and dialog.close_button.text() == "Cancel"
    assert len(calls) == 1 and calls[0]["repo_id"] == "gpt2"
    folder = user_models() / "gpt2"
    assert added.args == [str(folder)] and dialog.result_path == folder
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    assert listed() == ["gpt2"]
    assert not list((user_models() / ".downloads").iterdir())  # the staging folder is gone
    assert str(folder) in dialog.status_label.text() and "every model list" in dialog.status_label.text()
    assert not dialog.busy_bar.isVisible() and dialog.close_button.text() == "Close"
    picker = ModelPicker()
    qtbot.addWidget(picker)
    assert picker.findData("gpt2") >= 0


def test_the_downloaded_folder_loads_as_a_gpt(dialog, hub_calls, qtbot):
    pytest.importorskip("torch")
    from engines.llm.hf_gpt2 import load_hf_gpt2

    with qtbot.waitSignal(dialog.model_added, timeout=10_000):
        dialog.download_button.click()
    model = load_hf_gpt2(user_models() / "distilgpt2")
    assert model.config.n_layer == N_LAYER and model.config.vocab_size == VOCAB


def test_offline_download_shows_the_reason_and_lists_nothing(dialog, hub_calls, qtbot):
    _, state = hub_calls

    def offline(local_dir):
        write_tiny_gpt2(Path(local_dir))
        Path(local_dir, "model.safetensors").unlink()  # a partial download (config first) must not be listed
        raise ConnectionError("Name or service not known")

    state["behaviour"] = offline
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.last_error is not None, timeout=10_000)
    text = dialog.status_label.text()
    assert "offline" in text and "Traceback" not in text
    assert dialog.status_label.isVisible() and dialog.download_button.isEnabled()
    assert listed() == [] and not (user_models() / "distilgpt2").exists()
    assert not list((user_models() / ".downloads").iterdir())
    assert dialog.ctx.errors.history == []  # shown in the dialog, not as a separate error box


def test_cancel_during_a_slow_download_adds_nothing(dialog, hub_calls, qtbot):
    _, state = hub_calls
    started, release = threading.Event(), threading.Event()

    def slow(local_dir):
        started.set()
        write_tiny_gpt2(Path(local_dir))  # everything is there, but the hub has not returned yet
        assert release.wait(10)

    state["behaviour"] = slow
    dialog.download_button.click()
    assert started.wait(5)
    assert "cannot be interrupted" in dialog.close_button.toolTip()
    runner = dialog._runner
    dialog.close_button.click()  # Cancel
    assert not dialog.isVisible() and not dialog.is_busy()
    release.set()  # the download "finishes" in the background
    assert runner.wait(5000)
    assert listed() == [] and not (user_models() / "distilgpt2").exists()
    assert not list((user_models() / ".downloads").iterdir())
    assert dialog.result_path is None


def test_an_existing_non_model_folder_is_never_overwritten(dialog, hub_calls, qtbot):
    keep = user_models() / "distilgpt2"
    keep.mkdir(parents=True)
    (keep / "notes.txt").write_text("mine")
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.last_error is not None, timeout=10_000)
    assert "already exists" in dialog.status_label.text()
    assert (keep / "notes.txt").read_text() == "mine" and listed() == []


def test_open_a_good_gpt2_folder_copies_it_into_the_models(dialog, qtbot, tmp_path):
    source = write_tiny_gpt2(tmp_path / "somewhere" / "my-gpt2")
    (source / "pytorch_model.bin").write_bytes(b"not copied")
    dialog.ask_folder = lambda: str(source)
    with qtbot.waitSignal(dialog.model_added, timeout=10_000):
        dialog.open_button.click()
    assert listed() == ["my-gpt2"]
    copied = user_models() / "my-gpt2"
    assert (copied / "model.safetensors").is_file() and not (copied / "pytorch_model.bin").exists()
    assert source.is_dir()  # the original is left alone


@pytest.mark.parametrize("breakage, words", [
    ("empty", "no config.json"),
    ("not gpt2", "not a GPT-2 model"),
    ("no weights", "no model.safetensors"),
    ("no tokenizer", "no tokenizer.json"),
    ("mismatch", "do not match"),
])
def test_open_a_bad_folder_explains_what_is_wrong(dialog, qtbot, tmp_path, breakage, words):
    source = tmp_path / "bad"
    if breakage == "empty":
        source.mkdir()
    elif breakage == "mismatch":
        write_tiny_gpt2(source)
        config = json.loads((source / "config.json").read_text())
        (source / "config.json").write_text(json.dumps(dict(config, vocab_size=VOCAB + 7)))
    else:
        write_tiny_gpt2(source)
        if breakage == "not gpt2":
            (source / "config.json").write_text(json.dumps({"model_type": "bert"}))
        elif breakage == "no weights":
            (source / "model.safetensors").unlink()
        else:
            (source / "tokenizer.json").unlink()
    dialog.ask_folder = lambda: str(source)
    dialog.open_button.click()
    qtbot.waitUntil(lambda: dialog.last_error is not None, timeout=10_000)
    assert words in dialog.status_label.text(), dialog.status_label.text()
    assert "Traceback" not in dialog.status_label.text()
    assert listed() == []


def test_hood_page_button_opens_the_dialog(ctx, qtbot, hub_calls):
    from lab_app.tabs.llm import TAB
    from lab_app.tabs.llm.hood_page import HoodPage

    spec = next(p for p in TAB.pages if p.key == "under-the-hood")
    page = HoodPage(ctx, spec)  # not shown: no first race
    qtbot.addWidget(page)
    assert "every model list" in page.gpt2_button.toolTip()
    page.gpt2_button.click()
    dlg = page.gpt2_dialog
    assert dlg is not None and dlg.isVisible()
    with qtbot.waitSignal(dlg.model_added, timeout=10_000):
        dlg.download_button.click()
    assert page.picker.current_name() == "distilgpt2"
    dlg.close_button.click()
    assert not dlg.isVisible()


def test_real_hub_in_offline_mode_gives_a_readable_message(dialog, qtbot, monkeypatch):
    monkeypatch.setattr(hub.constants, "HF_HUB_OFFLINE", True)  # the hub's own offline mode: no network at all
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.last_error is not None, timeout=20_000)
    assert "offline" in dialog.status_label.text() and listed() == []


def test_without_pytorch_the_button_says_why_and_opens_nothing(ctx, qtbot, monkeypatch):
    """The lite build cannot turn a download into an ONNX model, so Get GPT-2 is off there and says why."""
    import lab_app.tabs.llm.hood_page as hood_page
    from lab_app.tabs.llm import TAB

    monkeypatch.setattr(hood_page, "torch_available", lambda: False)
    spec = next(p for p in TAB.pages if p.key == "under-the-hood")
    page = hood_page.HoodPage(ctx, spec)
    qtbot.addWidget(page)
    assert not page.gpt2_button.isEnabled() and "full build" in page.gpt2_button.toolTip()
    page.gpt2_button.click()
    assert page.gpt2_dialog is None
