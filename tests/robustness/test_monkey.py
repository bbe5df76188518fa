"""The monkey: a seeded random walk over every page for a while — no crash, no unhandled error, no Qt warning
about deleted objects or running threads, no stall of the event loop over 2 s, bounded memory, no threads left.

CI runs a short walk (``MONKEY_SECONDS``, default 60). Longer or other walks::

    MONKEY_SECONDS=600 MONKEY_SEED=3 python -m pytest tests/robustness/test_monkey.py -s
    MONKEY_SEED=3 MONKEY_STEPS=141 python -m pytest tests/robustness/test_monkey.py -s   # replay up to a step
    MONKEY_TRACE=/tmp/monkey.log ...   # each step written to a file as it happens (survives a native crash)
    MONKEY_MEMORY=1 ...                # after the walk: the biggest arrays and tensors still held, and by what

The summary line (shown with ``-s``) gives steps, the longest stall and memory growth.
"""

from __future__ import annotations

import gc
import os
import re
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("torch")

from monkey import TRACE, Monkey, path_catalogue  # noqa: E402
from monkey_memory import held_memory  # noqa: E402
from PySide6.QtCore import QtMsgType, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402

from lab_app.context import AppContext  # noqa: E402
from lab_app.errors import ErrorReporter  # noqa: E402
from lab_app.main_window import MainWindow  # noqa: E402
from lab_app.settings import SettingsStore  # noqa: E402

SECONDS = float(os.environ.get("MONKEY_SECONDS", "60"))
SEED = int(os.environ.get("MONKEY_SEED", "1"))
STEPS = int(os.environ["MONKEY_STEPS"]) if os.environ.get("MONKEY_STEPS") else None
STALL_LIMIT_S = 2.0
# Resident memory after every page was opened once, to the end of the walk. What grows: the working sets of jobs
# still running (a diffusion training's autograd graph is ~270 MB per 32 pictures a batch for the small model, ~2.4 GB
# at batch 256), and models and pictures the pages keep once loaded. The +1,144 MB of seed 1 (60 s) was a training's
# working set that glibc kept after the job ended; a job that grew memory now hands it back (lab_app.jobs).
# Measured (2 shared cores, Xvfb): seed 1, 60 s: +310 MB; seed 2, 300 s: +537; seeds 4 and 5, 600 s: +928, +898
# (+794 once its jobs ended). The bound only catches a runaway leak.
RSS_GROWTH_LIMIT_MB = 2000
PAGE_WIDTH_LIMIT_PX = 3000  # pages need ~900 px; wider means user text widened a layout (it reached 37,000 px)
BAD_QT_WARNINGS = re.compile(r"deleted|Destroyed while thread|still running|QObject::killTimer|"
                             r"QBasicTimer can only be used|Cannot create children for a parent|"
                             # a view grown past what OpenGL can draw (a 5,000-letter word made a page 32,000 px wide).
                             # Not listed: "QOpenGLWidget: Failed to create wrapper texture" alone, seen without it in
                             # quiet walks (seed 4, steps 2315-2334), cause not found yet
                             r"Framebuffer incomplete", re.IGNORECASE)
# An exception's own text shown raw ("KeyError: 'x'") is not one of the project's clear messages.
# So is an operating-system error's ("[Errno 17] File exists: '/tmp/…'").
RAW_EXCEPTION = re.compile(r"^\s*(\w+\.)*\w*(Error|Exception)\b\s*:|Traceback \(most recent call last\)|\[Errno \d+\]")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


@pytest.fixture
def qt_warnings():
    caught: list[str] = []

    def handler(kind, _context, message):
        if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            caught.append(message)
            if TRACE:  # in the trace, after the step that caused it
                TRACE.write(f"Qt warning: {message[:200]}\n")
                TRACE.flush()

    previous = qInstallMessageHandler(handler)
    yield caught
    qInstallMessageHandler(previous)


@pytest.fixture
def monkey_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("AI_LAB_DATA_DIR", str(tmp_path / "data"))
    paths = path_catalogue(tmp_path / "files")
    import random

    pick = random.Random(SEED + 1)
    shown: list[tuple[str, str]] = []

    def answer_file(*_a, **_k):
        return (pick.choice(paths), "")

    def answer_box(kind):
        def box(_parent, title, text, *a, **k):
            shown.append((f"{kind}: {title}", str(text)))
            return QMessageBox.StandardButton.Ok

        return box

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(answer_file))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer_file))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: pick.choice(paths)))
    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(answer_box(kind)))
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda *_a: True))
    ctx = AppContext(SettingsStore(tmp_path / "settings.ini"), ErrorReporter())
    window = MainWindow(ctx, persist=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window, paths, shown
    ctx.shutdown_jobs(5000)
    if ctx.errors.dialog is not None:
        ctx.errors.dialog.close()


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads /proc/self/status (Linux)")
@pytest.mark.timeout(int(SECONDS) + 400)
def test_monkey_walk_finds_no_crash_error_stall_or_leak(monkey_window, qtbot, qt_warnings):
    window, paths, shown = monkey_window
    monkey = Monkey(window, qtbot, SEED, paths)
    start_rss = rss_mb()
    monkey.warm_up()  # every page opened once: first loads of models are not counted as growth or stalls
    from lab_app.jobs import _JobThread, give_back_free_memory

    give_back_free_memory()  # as at the end: compare memory in use, not what glibc kept for later
    before = rss_mb()
    report = monkey.walk(SECONDS, STEPS)
    after = rss_mb()
    stopped = window.ctx.shutdown_jobs(10_000)
    qtbot.wait(200)
    gc.collect()
    give_back_free_memory()
    stopped_rss = rss_mb()  # jobs ended, freed memory handed back: what is left is held (models, pages) or leaked

    left = [o for o in gc.get_objects() if type(o) is _JobThread and o.isRunning()]
    stall = (f"{report.longest_stall_s:.2f} s (at {report.stall_step}; the GUI thread busy {report.stall_busy_s:.2f} s "
             f"of it, waiting for a free CPU {report.stall_queued_s:.2f} s, load average {report.stall_load}; "
             f"longest wait of any Python thread to run {report.gil_wait_s:.2f} s at {report.gil_wait_step}; longest "
             f"garbage collection {report.longest_gc or 'none'})")
    print(f"\nmonkey: seed {SEED}, {report.steps} steps in {report.seconds:.0f} s; longest stall {stall}; RSS "
          f"{start_rss:.0f} at start, {before:.0f} after opening every page, {after:.0f} MB after the walk "
          f"({after - before:+.0f} MB), {stopped_rss:.0f} MB once its jobs ended and freed memory was handed back "
          f"({stopped_rss - before:+.0f} MB); "
          f"message boxes {len(shown)}; Qt warnings {len(qt_warnings)}; widest page {report.widest_page_px} px")
    print("\n".join(report.log))  # shown with -s, and with a failure's captured output
    print("\n".join(report.stall_stacks))
    print("Qt warnings (each once):\n" + "\n".join(sorted(set(qt_warnings))))
    if os.environ.get("MONKEY_MEMORY"):
        print(held_memory())
    where = f"(seed {SEED}; replay with MONKEY_SEED={SEED} MONKEY_STEPS={report.steps})\n{report.tail()}"
    unhandled = [e for e in window.ctx.errors.history if e[0] == "Something went wrong"]
    assert not unhandled, f"unhandled exceptions {unhandled} {where}"
    raw = [e for e in window.ctx.errors.history + shown if RAW_EXCEPTION.search(e[1])]
    assert not raw, f"errors shown as raw exception text {raw} {where}"
    bad = [m for m in qt_warnings if BAD_QT_WARNINGS.search(m)]
    assert not bad, f"Qt warnings {bad[:5]} {where}"
    assert report.widest_page_px < PAGE_WIDTH_LIMIT_PX, \
        f"a page asked to be {report.widest_page_px} px wide at {report.widest_page_step} {where}"
    assert report.longest_stall_s < STALL_LIMIT_S, f"the event loop stood still {stall} {where}"
    assert after - before < RSS_GROWTH_LIMIT_MB, f"RSS grew {after - before:.0f} MB {where}"
    assert stopped and not left, f"job threads still running after close: {left} {where}"
