"""Run engine jobs on a worker QThread and deliver their events to the GUI at ~30 fps.

The worker never emits Qt signals per event: it drops events into a mailbox, keeping
only the *latest* progress and frame (log lines are all kept), and a GUI-thread timer
delivers what is new about 30 times a second. So a job can run at full speed while
the picture shows its latest state, and a flood of events never clogs the event loop.

Usage::

    runner = ctx.new_runner("train")            # or QtJobRunner("train", parent)
    runner.frame.connect(self.draw)             # Frame
    runner.finished.connect(self.done)          # the job's return value
    runner.start(lambda cancel: train(cfg, cancel), label="Training")
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from engines.core.device import set_cpu_threads
from engines.core.jobs import CancelToken, Event, Frame, Job, JobCancelled, Log, Progress, run_job
from lab_app.gui_gc import collect_on_gui_thread

JobFactory = Callable[[CancelToken], Job]
FRAME_INTERVAL_MS = 33
TRIM_AFTER_GROWTH_MB = 50  # a job that grew resident memory this much gives its freed memory back when it ends
WORKER_NICENESS = 5  # how much lower than the window a worker thread asks the OS to run it (Linux only)
# How long a Python thread may keep the GIL while another waits (Python's default is 5 ms). Every time Qt calls
# into Python (a paint, a resize, a slot) the GUI thread must take the GIL back, and with jobs busy in Python it
# waits about this long per busy thread: measured 26 ms per callback with 4 busy threads at 5 ms, 5.7 ms at 1 ms,
# so a relayout of ~80 callbacks froze the window for ~2 s (monkey seed 13).
GIL_SWITCH_INTERVAL_S = 0.001


@dataclass(frozen=True)
class JobFailure:
    """What went wrong in a job: the exception, its formatted traceback, and the job's label."""

    exception: BaseException
    traceback: str
    label: str

    @property
    def message(self) -> str:
        if isinstance(self.exception, OSError) and self.exception.strerror:  # "[Errno 5] Input/output error"
            from lab_app.errors import plain_os_error

            return plain_os_error(self.exception)
        text = str(self.exception) or self.exception.__class__.__name__
        return f"{self.exception.__class__.__name__}: {text}" if not _is_user_facing(self.exception) else text


def _is_user_facing(exc: BaseException) -> bool:
    # Errors the engines raise for users already read as sentences (ModelFileError, …).
    return isinstance(exc, (ValueError, OSError)) or exc.__class__.__module__.startswith("engines.")


def give_back_free_memory() -> None:
    """Return freed heap pages to the OS (glibc; elsewhere nothing happens).

    glibc keeps what a job freed for later, so a diffusion training's working set (its autograd graph:
    about 270 MB per 32 pictures in a batch for the small model) stayed resident after the job ended:
    +0.5 to 2 GB for as long as the app ran. Measured: a tiny model, batch 128, 4 steps: 1,381 MB after
    the job, 812 MB after this (145 ms, on the worker thread, before the outcome is posted)."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim if sys.platform.startswith("linux") else False
        except (AttributeError, OSError):  # not glibc (musl)
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def yield_cpu_to_the_window() -> None:
    """Ask the OS to run the calling (worker) thread at a lower priority than the GUI thread, as phones do with
    background work: when training keeps both cores of a small laptop busy, a resize or a repaint still gets a
    core first. On Linux a thread has its own nice value (set by its thread id) and the threads it starts inherit
    it; elsewhere ``setpriority`` would change the whole process, so nothing is done there."""
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + WORKER_NICENESS))
    except OSError:  # not allowed (some sandboxes): run at the normal priority
        pass


def _resident_mb() -> float:
    """This process's resident memory (Linux; 0 elsewhere, where nothing is trimmed)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE_BYTES / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class _Mailbox:
    """Latest-only hand-over from the worker thread to the GUI thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.progress: Progress | None = None
        self.frame: Frame | None = None
        self.logs: list[Log] = []
        self.outcome: tuple[str, Any] | None = None  # ("ok", result) | ("error", JobFailure) | ("cancelled", None)

    def put(self, event: Event) -> None:
        with self.lock:
            if isinstance(event, Progress):
                self.progress = event
            elif isinstance(event, Frame):
                self.frame = event
            elif isinstance(event, Log):
                self.logs.append(event)

    def take(self) -> tuple[Progress | None, Frame | None, list[Log], tuple[str, Any] | None]:
        with self.lock:
            taken = (self.progress, self.frame, self.logs, self.outcome)
            self.progress, self.frame, self.logs = None, None, []
            return taken


class _JobThread(QThread):
    def __init__(self, factory: JobFactory, token: CancelToken, mailbox: _Mailbox, label: str,
                 threads: int | None) -> None:
        super().__init__()
        self._factory, self._token, self._mailbox = factory, token, mailbox
        self._label, self._threads = label, threads

    def run(self) -> None:
        resident_at_start = _resident_mb()
        yield_cpu_to_the_window()
        try:
            if self._threads:
                set_cpu_threads(self._threads, import_torch=False)
            job = self._factory(self._token)
            result = run_job(job, self._token, self._mailbox.put)
            outcome = ("cancelled", None) if self._token.cancelled else ("ok", result)
        except JobCancelled:
            outcome = ("cancelled", None)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the GUI, not kill the thread
            outcome = ("error", JobFailure(exc, traceback.format_exc(), self._label))
        job = None
        if _resident_mb() - resident_at_start >= TRIM_AFTER_GROWTH_MB:  # a trim costs ~15 ms: big jobs only
            give_back_free_memory()
        with self._mailbox.lock:
            self._mailbox.outcome = outcome


class QtJobRunner(QObject):
    """Runs one job at a time off the GUI thread. Starting a new job cancels the current one.

    Signals (all on the GUI thread): ``started(label)``, ``progress(Progress)``,
    ``frame(Frame)`` (latest only), ``log(Log)``, ``finished(result)``,
    ``failed(JobFailure)``, ``cancelled()``, ``running_changed(bool)``.
    """

    started = Signal(str)
    progress = Signal(object)
    frame = Signal(object)
    log = Signal(object)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    running_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None, threads: int | None = None,
                 show_in_status_bar: bool = True) -> None:
        super().__init__(parent)
        if sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:  # jobs may run: let the window get the GIL back sooner
            sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        collect_on_gui_thread()  # never free Qt objects on a job thread (a deadlock with Qt's locks)
        self.name = name
        self.threads = threads
        self.show_in_status_bar = show_in_status_bar
        self.label = ""
        self._thread: _JobThread | None = None
        self._token: CancelToken | None = None
        self._mailbox: _Mailbox | None = None
        self._pending: tuple[JobFactory, str] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_INTERVAL_MS)
        self._timer.timeout.connect(self._deliver)

    # -- control ----------------------------------------------------------------------------
    def start(self, factory: JobFactory, label: str = "") -> None:
        """Run ``factory(cancel_token)`` (which returns a job generator) on the worker thread.

        If a job is running it is cancelled first; the new one starts as soon as it ends
        (if several are started meanwhile, only the newest runs).
        """
        if self._thread is not None or self._pending is not None:
            # Running, or handing over to a pending job (a handler of the old job's outcome signal
            # starting a job lands here): the newest replaces the pending one.
            self._pending = (factory, label)
            if self._token is not None:
                self._token.cancel()
            return
        self._launch(factory, label)

    def cancel(self) -> None:
        """Ask the running job to stop; ``cancelled`` is emitted once it has."""
        self._pending = None
        if self._token is not None:
            self._token.cancel()

    def is_running(self) -> bool:
        """True while a job runs or one is waiting to start (also while the old one's outcome is delivered)."""
        return self._thread is not None or self._pending is not None

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until the current job's thread ends (tests and shutdown); then deliver its outcome."""
        thread = self._thread
        if thread is None:
            return True
        done = thread.wait(timeout_ms)
        if done:
            self._deliver()
        return done

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel and join the worker; returns False if it did not end within ``timeout_ms``."""
        self.cancel()
        thread = self._thread
        if thread is None:
            return True
        ended = thread.wait(timeout_ms)
        self._timer.stop()
        if ended:
            self._thread = None
        return ended

    # -- internals ------------------------------------------------------------------------
    def _launch(self, factory: JobFactory, label: str) -> None:
        # One worker at a time: dropping a running QThread aborts the whole process (qFatal).
        if self._thread is not None:
            raise RuntimeError(f"{self.name}: a job is already running")
        self.label = label or self.name
        self._token = CancelToken()
        self._mailbox = _Mailbox()
        self._thread = _JobThread(factory, self._token, self._mailbox, self.label, self.threads)
        self._thread.start()
        self._timer.start()
        self.started.emit(self.label)
        self.running_changed.emit(True)

    def _deliver(self) -> None:
        if self._mailbox is None:
            return
        progress, frame, logs, outcome = self._mailbox.take()
        stale = self._token is not None and self._token.cancelled
        for line in logs:
            self.log.emit(line)
        if not stale:
            if progress is not None:
                self.progress.emit(progress)
            if frame is not None:
                self.frame.emit(frame)
        if outcome is None:
            return
        if self._thread is not None:
            self._thread.wait()
        self._thread, self._mailbox = None, None
        self._timer.stop()
        kind, value = outcome
        # A pending job stays pending while the outcome is delivered, so a handler that starts a job
        # (e.g. a fresh snapshot after a cancel) queues behind it instead of running beside it.
        handing_over = self._pending is not None
        if handing_over and kind == "ok":
            # Ended on its own just before a newer job replaced it: the page has already moved on to the new job
            # (its mode, its controls), so the old result is stale; it is reported as cancelled, like one that
            # stopped in time (seed 14: a 'compare clues' result read as a caption strip -> KeyError).
            kind = "cancelled"
        if not handing_over:
            self.running_changed.emit(False)
        if kind == "ok":
            self.finished.emit(value)
        elif kind == "error":
            self.failed.emit(value)
        else:
            self.cancelled.emit()
        pending, self._pending = self._pending, None
        if pending is not None and self._thread is None:
            self._launch(*pending)
        elif handing_over and pending is None and self._thread is None:
            self.running_changed.emit(False)  # a handler cancelled the pending job
