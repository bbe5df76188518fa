"""The Qt job runner as a user meets it: progress in the status bar, Cancel, errors, closing."""

from engines.core.jobs import Frame, Log, Progress


def slow_count(total, cancel, delay=0.005):
    for i in range(total):
        if cancel.wait(delay):
            break
        yield Progress(i + 1, total, {"step": float(i)})
    cancel.raise_if_cancelled()
    return total


def test_job_shows_progress_and_cancel_stops_it(window, qtbot):
    runner = window.ctx.new_runner("counting")
    seen = []
    runner.progress.connect(seen.append)
    runner.start(lambda cancel: slow_count(100_000, cancel), label="Counting")
    qtbot.waitUntil(lambda: window.job_bar.isVisible() and window.job_bar.bar.value() > 0, timeout=5000)
    assert window.job_bar.label.text().startswith("Counting")
    thread = runner._thread
    with qtbot.waitSignal(runner.cancelled, timeout=3000):
        window.job_bar.cancel_button.click()
    assert not runner.is_running() and thread.isFinished()
    assert not window.job_bar.isVisible()
    assert 0 < seen[-1].step < 100_000


def test_a_jobs_warning_reaches_the_status_bar_whatever_page_started_it(window, qtbot):
    runner = window.ctx.new_runner("oom")

    def warns(cancel):
        yield Log("just a note")
        yield Log("Training: the GPU ran out of memory; carrying on on the CPU (slower).", level="warning")
        return 1

    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(warns)
    qtbot.waitUntil(lambda: window.notice_label.isVisible(), timeout=2000)
    assert "ran out of memory" in window.notice_label.text()
    assert "just a note" not in window.notice_label.text()


def test_finished_job_delivers_result_and_only_recent_frames(window, qtbot):
    runner = window.ctx.new_runner("frames")
    frames = []
    runner.frame.connect(lambda f: frames.append(f.payload))

    def many_frames(cancel):
        for i in range(20_000):
            yield Frame(i)
        return "done"

    with qtbot.waitSignal(runner.finished, timeout=10000) as result:
        runner.start(many_frames)
    assert result.args == ["done"]
    assert frames[-1] == 19_999  # the last frame always arrives
    assert len(frames) < 2_000  # …but the GUI was not flooded with all 20,000


def test_error_in_a_job_shows_a_dialog_and_the_next_job_runs(window, qtbot):
    runner = window.ctx.new_runner("broken")

    def broken(cancel):
        yield Progress(1, 3)
        raise ValueError("the text file is empty")

    with qtbot.waitSignal(runner.failed, timeout=5000):
        runner.start(broken, label="Training")
    errors = window.ctx.errors
    qtbot.waitUntil(lambda: errors.dialog is not None and errors.dialog.isVisible(), timeout=2000)
    assert errors.history[-1] == ("Training failed", "the text file is empty")
    assert "ValueError" in errors.dialog.detailedText()
    with qtbot.waitSignal(runner.finished, timeout=5000) as result:
        runner.start(lambda cancel: slow_count(3, cancel, delay=0))
    assert result.args == [3]


def test_starting_a_new_job_replaces_the_running_one(window, qtbot):
    runner = window.ctx.new_runner("typing")
    results = []
    runner.finished.connect(results.append)
    runner.start(lambda cancel: slow_count(100_000, cancel), label="old")
    runner.start(lambda cancel: slow_count(2, cancel, delay=0), label="middle")
    runner.start(lambda cancel: slow_count(5, cancel, delay=0), label="newest")
    qtbot.waitUntil(lambda: results == [5], timeout=5000)
    qtbot.wait(100)
    assert results == [5] and not runner.is_running()


def test_a_job_started_when_the_old_one_is_cancelled_waits_for_the_pending_one(window, qtbot):
    # Found by the monkey (seed 2, step ~915): a page that asks for a fresh picture when its job is cancelled
    # started a second worker beside the pending one, and dropping that running QThread aborted the app.
    runner = window.ctx.new_runner("handover")
    live, most, results = [], [0], []

    def job(name, total, cancel):
        live.append(name)
        most[0] = max(most[0], len(live))
        try:
            yield from slow_count(total, cancel)
            return name
        finally:
            live.remove(name)

    def on_cancelled():
        if not runner.is_running():
            runner.start(lambda cancel: job("snapshot", 3, cancel))

    runner.cancelled.connect(on_cancelled)
    runner.finished.connect(results.append)
    for _ in range(3):
        runner.start(lambda cancel: job("training", 10**6, cancel))
        qtbot.waitUntil(lambda: live == ["training"], timeout=5000)
        runner.start(lambda cancel: job("new data", 5, cancel))
        qtbot.waitUntil(lambda: not runner.is_running(), timeout=5000)
    assert results == ["new data"] * 3 and most[0] == 1


def test_closing_the_window_ends_running_jobs_quickly(window, qtbot):
    import time

    runner = window.ctx.new_runner("long")
    runner.start(lambda cancel: slow_count(10**9, cancel, delay=0.01))
    qtbot.waitUntil(runner.is_running, timeout=2000)
    thread = runner._thread
    start = time.monotonic()
    window.close()
    assert time.monotonic() - start < 2.0
    assert thread.isFinished()


def test_a_job_runs_below_the_windows_priority_so_the_window_gets_a_core_first(window, qtbot):
    import os
    import sys
    import threading

    import pytest

    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread priorities are a Linux feature")
    from engines.core.jobs import call_job

    runner = window.ctx.new_runner("nice")
    with qtbot.waitSignal(runner.finished, timeout=5000) as result:
        runner.start(lambda cancel: call_job(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
    window_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert result.args[0] >= min(19, window_nice + 5)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == window_nice  # the window is untouched


def test_an_operating_system_error_in_a_job_reads_as_a_sentence(window, qtbot):
    # Found by the monkey (seed 7): searching /proc/self/mem showed "[Errno 5] Input/output error".
    import errno

    from engines.core.jobs import call_job

    def read_device():
        raise OSError(errno.EIO, "Input/output error", "/proc/self/mem")

    runner = window.ctx.new_runner("device")
    with qtbot.waitSignal(runner.failed, timeout=5000) as failure:
        runner.start(lambda cancel: call_job(read_device))
    message = failure.args[0].message
    assert message.startswith("mem: ") and "Errno" not in message and "device" in message


def test_plain_os_error_names_the_file_and_the_reason():
    import errno

    from lab_app.errors import plain_os_error

    assert plain_os_error(FileExistsError(errno.EEXIST, "File exists", "/tmp/x/a.txt")) == (
        "a.txt: a file of that name is in the way (a folder was needed)")
    assert plain_os_error(OSError(errno.ENOSPC, "No space left on device")) == "The disk is full"
    assert plain_os_error(OSError(errno.EXDEV, "Invalid cross-device link", "/a/b")) == "b: invalid cross-device link"
    assert plain_os_error(ValueError("type a query to search for")) == "type a query to search for"


def test_the_status_bar_names_a_jobs_numbers_in_words(window, qtbot):
    # A newcomer saw "lines_per_s 45.4" and "steps_per_s … lr" in the status bar.
    runner = window.ctx.new_runner("words")
    release = []

    def reports(cancel):
        yield Progress(1, 10, {"tokens_per_s": 1234.0, "lr": 0.002, "phase": 1.0})
        while not release and not cancel.wait(0.01):
            pass
        return 1

    runner.start(reports, label="Training")
    qtbot.waitUntil(lambda: "tokens/s" in window.job_bar.label.text(), timeout=5000)
    text = window.job_bar.label.text()
    assert "tokens/s 1234" in text and "learning rate 0.002" in text
    assert "_" not in text and "phase" not in text
    release.append(True)
    qtbot.waitUntil(lambda: not runner.is_running(), timeout=5000)


def test_with_job_runners_the_window_gets_the_gil_back_within_a_millisecond(window):
    # With jobs busy in Python the GUI thread waited ~5 ms per busy thread for every Qt -> Python callback
    # (paints, resizes): a relayout of ~80 callbacks stood still ~2 s with four jobs running (monkey seed 13).
    import sys

    window.ctx.new_runner("any")
    assert sys.getswitchinterval() <= 0.001


def test_a_result_that_lands_after_a_newer_job_replaced_it_is_not_delivered_as_finished(window, qtbot):
    # Found by the monkey (seed 14): a job ended on its own just as the page started another (changing its mode);
    # the old result then arrived as `finished` and was read as the new kind -> KeyError in the page.
    runner = window.ctx.new_runner("replaced")
    results, cancelled = [], []
    runner.finished.connect(results.append)
    runner.cancelled.connect(lambda: cancelled.append(True))
    runner.start(lambda cancel: slow_count(1, cancel, delay=0), label="old")
    runner._thread.wait(5000)  # it has ended, but no event was processed: its outcome waits in the mailbox
    runner.start(lambda cancel: slow_count(3, cancel, delay=0), label="new")
    qtbot.waitUntil(lambda: results == [3], timeout=5000)
    assert results == [3] and cancelled == [True]
