"""GUI robustness: closing the window while real jobs run, an exception inside a page's job, and bad input a user
can reach (empty and huge prompts, unknown words, malformed files, damaged models): a message on the page or in
the error dialog, never a traceback, and the page keeps working."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
torch = pytest.importorskip("torch")

from rob_helpers import TEXT

from lab_app.context import AppContext
from lab_app.errors import ErrorReporter
from lab_app.main_window import MainWindow
from lab_app.settings import SettingsStore
from lab_app.tabs.neuralnet import playground_page

TIMEOUT = 15000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    # the pattern of tests/gui/conftest.py (its fixtures are not visible from this folder)
    ctx = AppContext(SettingsStore(tmp_path / "settings.ini"), ErrorReporter())
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.ctx.shutdown_jobs(2000)
    if win.ctx.errors.dialog is not None:
        win.ctx.errors.dialog.close()


def _playground(window, qtbot):
    page = window.select("neuralnet", 1, build_now=True).pages[1].page
    qtbot.waitUntil(lambda: not page.runner.is_running() and page.playground is not None
                    and not page.settings._structure_timer.isActive(), timeout=TIMEOUT)
    return page


def _gpt_training(cancel, out_dir):
    from engines.llm.char_tokenizer import CharTokenizer
    from engines.llm.train import TrainConfig, train_gpt

    tokenizer = CharTokenizer.from_text(TEXT)
    config = TrainConfig.preset_config("tiny", n_layer=1, n_head=2, n_embd=16, block_size=16, batch_size=4,
                                       max_steps=10**7, eval_interval=10**6, sample_interval=0,
                                       checkpoint_interval=10**6)
    return train_gpt(np.array(tokenizer.encode(TEXT)), config, out_dir, tokenizer, cancel=cancel)


def test_closing_the_window_while_jobs_run_ends_every_thread_within_2_s(window, qtbot, tmp_path, capfd, caplog):
    page = _playground(window, qtbot)
    page.play()  # trains until paused
    training = window.ctx.new_runner("GPT training")
    training.start(lambda cancel: _gpt_training(cancel, tmp_path / "gpt"), label="Training")
    generating = window.ctx.new_runner("Generation")

    def endless(cancel):
        from engines.core.jobs import Progress

        i = 0
        while True:
            cancel.raise_if_cancelled()
            i += 1
            time.sleep(0.001)
            yield Progress(i)

    generating.start(endless, label="Generating")
    running = [page.runner, training, generating]
    qtbot.waitUntil(lambda: all(r.is_running() for r in running), timeout=TIMEOUT)
    qtbot.wait(300)  # let them get going
    threads = [r._thread for r in window.ctx.runners if r._thread is not None]
    assert len(threads) >= 3
    python_threads = threading.active_count()

    with caplog.at_level(logging.WARNING):
        start = time.monotonic()
        window.close()
        took = time.monotonic() - start
    assert took < 2.0, f"closing took {took:.2f} s"
    assert all(t.isFinished() for t in threads)
    assert not any(r.is_running() for r in window.ctx.runners)
    assert threading.active_count() <= python_threads
    assert "did not stop" not in caplog.text
    qtbot.wait(100)  # let any late signal arrive
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert window.ctx.errors.history == []
    assert (tmp_path / "gpt" / "train_state.json").is_file()  # cancelling training saved a checkpoint


def test_an_exception_in_a_page_job_shows_the_error_dialog_and_the_app_keeps_working(window, qtbot, monkeypatch):
    page = _playground(window, qtbot)
    real_new_job = playground_page.new_job

    def broken_job(config, data, extent, cancel):
        yield from ()
        raise RuntimeError("simulated failure inside the playground job")

    monkeypatch.setattr(playground_page, "new_job", broken_job)
    with qtbot.waitSignal(page.runner.failed, timeout=TIMEOUT):
        page.reset_button.click()
    errors = window.ctx.errors
    qtbot.waitUntil(lambda: errors.dialog is not None and errors.dialog.isVisible(), timeout=2000)
    assert "simulated failure inside the playground job" in errors.history[-1][1]
    assert "RuntimeError" in errors.dialog.detailedText()
    assert not page.runner.is_running()

    # the app keeps working: the same page runs again, and another page's job too
    monkeypatch.setattr(playground_page, "new_job", real_new_job)
    with qtbot.waitSignal(page.runner.finished, timeout=TIMEOUT):
        page.reset_button.click()
    assert page.playground is not None and page.last_snapshot is not None
    errors.dialog.close()
    neuron = window.select("neuralnet", 0, build_now=True).pages[0].page
    assert neuron is not None and neuron.isVisible()
    assert len(errors.history) == 1


# --- bad input reaching a page: a clear message, and the app keeps running ----------------------------

TRAIN_PAGE = 6  # "Train on your own text" in the LLM tab


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "empty"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(600), "PNG image"),
    ("latin1.txt", ("caf\xe9 " * 400).encode("latin-1"), "not UTF-8"),
])
def test_a_bad_training_text_file_shows_a_clear_message(window, qtbot, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    window.select("llm", TRAIN_PAGE, build_now=True)
    page = window.current_tab().pages[TRAIN_PAGE].page
    page.set_source(str(path))
    with qtbot.waitSignal(page.runner.failed, timeout=TIMEOUT):
        page.train()
    errors = window.ctx.errors
    qtbot.waitUntil(lambda: errors.dialog is not None and errors.dialog.isVisible(), timeout=2000)
    _title, text = errors.history[-1]
    assert name in text and message.lower() in text.lower()
    assert not text.startswith("Corpus")  # a sentence for people, not an exception class name
    assert page.train_button.isEnabled()


def test_a_malformed_points_csv_is_explained_and_the_playground_keeps_its_data(window, qtbot, tmp_path, monkeypatch):
    page = _playground(window, qtbot)
    shown = []
    monkeypatch.setattr(playground_page.QMessageBox, "warning", lambda *args: shown.append(args[1:3]))
    path = tmp_path / "points.csv"
    path.write_text("x,y,label\n0,0,0\n1,abc,1\n2,2,1\n3,3,0\n")
    before = page.csv_data
    assert page.load_csv_file(str(path)) is False
    assert shown == [("Could not load the points", "points.csv, line 3: 'abc' is not a number")]
    assert page.csv_data is before
    path.write_text("0,0,0\n1,1,1\n2,2,1\n3,3,0\n")
    assert page.load_csv_file(str(path)) is True


# --- prompts a user can type into the LLM pages ---------------------------------------------------------

NEXT_WORD, ATTENTION, GENERATE = 2, 3, 4
HUGE_PROMPT = ("the cat sat on the mat and then the dog ran to the log. " * 1800)[:100_000]


def _llm_page(window, index):
    window.select("llm", index, build_now=True)
    page = window.current_tab().pages[index].page
    page.picker.select("story-gpt")
    assert page.picker.current_name() == "story-gpt"
    if hasattr(page, "step_button"):  # Generate starts writing on open: stop that, start from the bare prompt
        from PySide6.QtTest import QTest

        page.runner.cancel()
        deadline = time.monotonic() + 30
        while page.runner.is_running() and time.monotonic() < deadline:
            QTest.qWait(20)
        page.reset()
    return page


def _no_errors(window):
    assert window.ctx.errors.history == []
    assert window.ctx.errors.dialog is None or not window.ctx.errors.dialog.isVisible()


@pytest.mark.parametrize("prompt", ["", "   \n\t  "], ids=["empty", "whitespace"])
def test_next_word_with_an_empty_prompt_asks_for_words(window, qtbot, prompt):
    page = _llm_page(window, NEXT_WORD)
    qtbot.waitUntil(lambda: page.last is not None, timeout=TIMEOUT)  # the default prompt's bars
    page.prompt_box.setPlainText(prompt)
    qtbot.waitUntil(lambda: page.bars.placeholder == "Type a few words.", timeout=2000)
    assert page.bars.items == [] and page.last is None
    assert not page.runner.is_running()
    page.prompt_box.setPlainText("hey, how are")  # and the page keeps working
    qtbot.waitUntil(lambda: page.last is not None, timeout=TIMEOUT)
    _no_errors(window)


def test_next_word_with_a_100k_character_prompt_says_it_was_cut(window, qtbot):
    page = _llm_page(window, NEXT_WORD)
    qtbot.waitUntil(lambda: page.last is not None, timeout=TIMEOUT)
    page.prompt_box.setPlainText(HUGE_PROMPT)
    qtbot.waitUntil(lambda: page.last is not None and page.last["truncated"], timeout=TIMEOUT)
    assert len(page.bars.items) == 20
    assert "only the last 128 tokens are used" in page.status_label.text()
    _no_errors(window)


def test_next_word_cleared_while_a_guess_runs_shows_no_stale_bars(window, qtbot):
    page = _llm_page(window, NEXT_WORD)
    qtbot.waitUntil(lambda: page.last is not None and not page.runner.is_running(), timeout=TIMEOUT)
    page.prompt_box.setPlainText(HUGE_PROMPT)
    page.debounce.timer.stop()
    page.update_bars()  # a guess is on its way...
    page.prompt_box.setPlainText("")
    page.debounce.timer.stop()
    page.update_bars()  # ...when the box is cleared
    qtbot.waitUntil(lambda: not page.runner.is_running(), timeout=TIMEOUT)
    qtbot.wait(100)
    assert page.last is None and page.bars.items == [] and page.bars.placeholder == "Type a few words."
    _no_errors(window)


@pytest.mark.parametrize("prompt", ["", " \n\t "], ids=["empty", "whitespace"])
def test_attention_with_an_empty_prompt_asks_for_words(window, qtbot, prompt):
    page = _llm_page(window, ATTENTION)
    qtbot.waitUntil(lambda: page.data is not None and not page.runner.is_running(), timeout=TIMEOUT)
    page.prompt_box.setPlainText(prompt)
    qtbot.waitUntil(lambda: page.status_label.text().startswith("Type a few words"), timeout=2000)
    page.prompt_box.setPlainText(HUGE_PROMPT)
    qtbot.waitUntil(lambda: "cut to the model's window" in page.status_label.text(), timeout=TIMEOUT)
    assert page.heat_image.image.shape == (128, 128)
    _no_errors(window)


@pytest.mark.parametrize("prompt", ["", "  \n "], ids=["empty", "whitespace"])
def test_generate_with_an_empty_prompt_asks_for_one(window, qtbot, prompt):
    page = _llm_page(window, GENERATE)
    page.prompt_box.setPlainText(prompt)
    page.step_button.click()
    page.play_button.click()
    qtbot.wait(200)
    assert not page.runner.is_running() and page.new_ids == []
    assert page.bars.placeholder.startswith("Type a prompt first")
    page.run_compare()  # "Three temperatures" says the same
    assert not page.runner.is_running()
    assert page.compare_view.status.text().startswith("Type a prompt first")
    _no_errors(window)


def test_generate_with_a_100k_character_prompt_says_it_was_cut(window, qtbot):
    page = _llm_page(window, GENERATE)
    page.prompt_box.setPlainText(HUGE_PROMPT)
    page.step_button.click()
    qtbot.waitUntil(lambda: len(page.new_ids) == 1 and page.step_button.isEnabled(), timeout=TIMEOUT)
    assert "only the last 128 tokens are used" in page.speed_label.text()
    _no_errors(window)


def test_generate_page_carries_on_on_the_cpu_when_the_gpu_runs_out_of_memory(window, qtbot, monkeypatch):
    """Simulated: the page's runner claims to be on a GPU and its first forward pass runs out of memory."""
    torch = pytest.importorskip("torch")
    from lab_app.tabs.llm import generate_page

    real_open = generate_page.open_cached
    state = {"calls": 0, "moved": 0}

    class GpuLike:
        def __init__(self, inner):
            self.inner, self.on_gpu = inner, True

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def forward(self, ids, past=None, *args, **kwargs):
            state["calls"] += 1
            if self.on_gpu:
                raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
            return self.inner.forward(ids, past, *args, **kwargs)

        def to_cpu(self, past=None):
            state["moved"] += 1
            self.on_gpu = False
            return past

    def open_on_gpu(*args, **kwargs):
        runner, tokenizer, folder = real_open(*args, **kwargs)
        return GpuLike(runner), tokenizer, folder

    monkeypatch.setattr(generate_page, "open_cached", open_on_gpu)
    page = _llm_page(window, GENERATE)
    state.update(calls=0, moved=0)  # count from here: the page's opening run went through the same path
    page.prompt_box.setPlainText("my dog's name is ben.")
    page.step_button.click()
    qtbot.waitUntil(lambda: len(page.new_ids) == 1 and page.step_button.isEnabled(), timeout=TIMEOUT)
    assert state["moved"] == 1 and state["calls"] == 2  # failed once on the "GPU", redone on the CPU
    qtbot.waitUntil(lambda: window.notice_label.isVisible(), timeout=2000)
    assert "ran out of memory" in window.notice_label.text()
    _no_errors(window)


# --- words the vectors do not know, and vector files that are not vector files ------------------------


@pytest.fixture
def vectors_page(window, qtbot):
    window.select("embeddings", 1, build_now=True)
    page = window.current_tab().pages[1].page
    qtbot.waitUntil(lambda: page.store is not None, timeout=30_000)
    return page


@pytest.mark.parametrize("words, unknown", [
    (("king", "zzqxv", "woman"), "'zzqxv' is not in the vocabulary"),
    (("", "man", "woman"), "'' is not in the vocabulary"),
    (("kign", "man", "woman"), "did you mean"),
    (("x" * 5000, "man", "woman"), "is not in the vocabulary"),
])
def test_arithmetic_with_an_unknown_word_names_it_on_the_page(vectors_page, window, words, unknown):
    page = vectors_page
    before = page.last_analogy
    for edit, word in zip((page.a_edit, page.b_edit, page.c_edit), words):
        edit.setText(word)
    page.analogy_button.click()
    title = page.results_title.text()
    assert unknown in title and len(title) < 400
    assert page.results.count() == 0 and page.last_analogy is before
    page.find("zzqxv")
    assert "'zzqxv' is not in the vocabulary" in page.results_title.text()
    page.odd_edit.setText("breakfast zzqxv dinner")
    page.odd_button.click()
    assert "'zzqxv' is not in the vocabulary" in page.odd_label.text()
    page.a_edit.setText("king")
    page.b_edit.setText("man")
    page.c_edit.setText("woman")
    page.analogy_button.click()
    assert page.last_analogy.top == "queen"
    _no_errors(window)


BAD_VECTOR_FILES = {
    "empty.txt": b"",
    "binary.txt": bytes(range(256)) * 20,
    "ragged.txt": b"cat 0.1 0.2 0.3\ndog 0.1 0.2\n",
    "words.vec": b"2 3\ncat 0.1 0.2 0.3\ndog 0.1 zero 0.3\n",
    "pickle.npy": b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, 'shape': (2,), }" + b" " * 50 + b"\n"
                  + b"\x80\x04K\x01.",
    "cut.safetensors": b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": {\"dty",
    "photo.bin": b"\x89PNG\r\n\x1a\n" + bytes(600),
}


@pytest.mark.parametrize("name", BAD_VECTOR_FILES)
def test_opening_a_bad_vector_file_says_why_and_keeps_the_loaded_words(vectors_page, window, qtbot, tmp_path, name):
    page = vectors_page
    store = page.store
    path = tmp_path / name
    path.write_bytes(BAD_VECTOR_FILES[name])
    with qtbot.waitSignal(page.loader.failed, timeout=TIMEOUT):
        page.load("file", str(path))
    status = page.status_label.text()
    assert status.startswith("Could not load:") and "Traceback" not in status, status
    assert page.store is store  # the words already loaded stay usable
    page.analogy_button.click()
    assert page.last_analogy.top == "queen"
    errors = window.ctx.errors  # the failed job is also reported in a dialog: the same sentence, no class name
    assert all(message == status.removeprefix("Could not load: ") for _title, message in errors.history)


# --- a damaged model in the models folder ---------------------------------------------------------------

MODEL_DAMAGE = {
    "truncated-weights": lambda folder: (folder / "model.safetensors").write_bytes(
        (ROOT / "assets/llm/story-gpt/model.safetensors").read_bytes()[:5000]),
    "garbage-weights": lambda folder: (folder / "model.safetensors").write_bytes(bytes(range(256)) * 50),
    "no-weights": lambda folder: None,
    "bad-tokenizer": lambda folder: (
        shutil.copy(ROOT / "assets/llm/story-gpt/model.safetensors", folder),
        (folder / "lab_tokenizer.json").write_text("{not json")),
}


EXPECTED_DAMAGE_MESSAGE = {
    "truncated-weights": "model.safetensors is truncated",
    "garbage-weights": "model.safetensors is corrupt",
    "no-weights": "model.safetensors is missing: the folder broken-gpt has a config.json but no weights",
    "bad-tokenizer": "lab_tokenizer.json is not valid JSON",
}


@pytest.mark.parametrize("damage", MODEL_DAMAGE)
def test_picking_a_damaged_model_explains_it_and_the_page_keeps_working(window, qtbot, tmp_path, monkeypatch,
                                                                      damage):
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "data" / "models" / "broken-gpt"
    folder.mkdir(parents=True)
    for name in ("config.json", "lab_tokenizer.json"):
        shutil.copy(ROOT / "assets/llm/story-gpt" / name, folder)
    MODEL_DAMAGE[damage](folder)
    page = _llm_page(window, NEXT_WORD)
    qtbot.waitUntil(lambda: page.last is not None, timeout=TIMEOUT)
    page.picker.refresh()
    with qtbot.waitSignal(page.runner.failed, timeout=TIMEOUT):
        page.picker.select("broken-gpt")
    errors = window.ctx.errors
    qtbot.waitUntil(lambda: errors.dialog is not None and errors.dialog.isVisible(), timeout=2000)
    title, message = errors.history[-1]
    assert title == "Next-word guess failed" and "Traceback" not in message
    assert EXPECTED_DAMAGE_MESSAGE[damage] in message
    # the page says so too, instead of still showing the previous model's bars
    assert page.bars.items == [] and page.last is None
    assert page.bars.placeholder == f"No guess: {message}"
    errors.dialog.close()
    page.picker.select("story-gpt")
    qtbot.waitUntil(lambda: page.last is not None and not page.runner.is_running(), timeout=TIMEOUT)
    assert len(page.bars.items) == 20 and len(errors.history) == 1


BAD_POINT_FILES = {
    "empty.csv": b"",
    "header-only.csv": b"x,y,label\n",
    "binary.csv": bytes(range(256)) * 20,
    "nan.csv": b"0,0,0\nnan,1,1\n2,2,1\n",
    "inf.csv": b"0,0,0\n1,inf,1\n2,2,1\n",
    "two-columns.csv": b"0,0\n1,1\n",
    "utf16.csv": "0,0,0\n1,1,1\n".encode("utf-16"),
}


@pytest.mark.parametrize("name", BAD_POINT_FILES)
def test_malformed_points_files_get_a_message_and_the_playground_keeps_running(window, qtbot, tmp_path, monkeypatch,
                                                                               name):
    page = _playground(window, qtbot)
    shown = []
    monkeypatch.setattr(playground_page.QMessageBox, "warning", lambda *args: shown.append(args[1:3]))
    path = tmp_path / name
    path.write_bytes(BAD_POINT_FILES[name])
    assert page.load_csv_file(str(path)) is False
    assert len(shown) == 1 and shown[0][0] == "Could not load the points"
    assert name in shown[0][1] and "Traceback" not in shown[0][1]
    assert page.csv_data is None
    with qtbot.waitSignal(page.runner.finished, timeout=TIMEOUT):
        page.reset_button.click()
    _no_errors(window)


def test_a_missing_or_folder_points_path_gets_a_message(window, qtbot, tmp_path, monkeypatch):
    page = _playground(window, qtbot)
    shown = []
    monkeypatch.setattr(playground_page.QMessageBox, "warning", lambda *args: shown.append(args[1:3]))
    assert page.load_csv_file(str(tmp_path / "gone.csv")) is False
    assert page.load_csv_file(str(tmp_path)) is False
    assert shown == [("Could not load the points", "gone.csv: no such file"),
                     ("Could not load the points", f"{tmp_path.name}: no such file")]
    _no_errors(window)


def test_points_that_cannot_be_read_say_why_in_plain_words(window, qtbot, monkeypatch):
    # Found by the monkey (seed 8): /proc/self/mem as the points file showed "[Errno 5] Input/output error".
    page = _playground(window, qtbot)
    shown = []
    monkeypatch.setattr(playground_page.QMessageBox, "warning", lambda *args: shown.append(args[1:3]))
    assert page.load_csv_file("/proc/self/mem") is False
    (title, text), = shown
    assert title == "Could not load the points" and "Errno" not in text and text.startswith("mem")
