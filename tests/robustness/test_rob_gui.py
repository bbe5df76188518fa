"""GUI robustness: closing the window while real jobs run, and an exception inside a page's job."""

from __future__ import annotations

import logging
import threading
import time

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
