"""The job protocol shared by the GUI, the command line and the tests.

A *job* is a generator that yields events and returns a result::

    def count_to(n: int, cancel: CancelToken) -> Job[int]:
        total = 0
        for i in range(n):
            cancel.raise_if_cancelled()
            total += i
            yield Progress(i + 1, n, {"total": total})
        return total

Events are :class:`Progress` (step, total, metrics), :class:`Frame` (a payload to draw:
only the latest one matters) and :class:`Log` (a line of text: every one matters).
A :class:`CancelToken` is checked between steps; the runner also stops pulling from a
job as soon as the token is set and closes the generator, so ``finally`` blocks run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class Progress:
    """``step`` of ``total`` done (``total`` is None when unknown), plus named numbers."""

    step: int
    total: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    message: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.step / self.total))


@dataclass(frozen=True)
class Frame:
    """Something to draw. Viewers keep only the latest frame and may skip others."""

    payload: Any
    step: int | None = None


@dataclass(frozen=True)
class Log:
    """A line for the user to read (kept in order; never dropped)."""

    text: str
    level: str = "info"


Event = Progress | Frame | Log
Job = Generator[Event, None, R]


class JobCancelled(Exception):
    """Raised by :meth:`CancelToken.raise_if_cancelled` and by runners when a job was cancelled."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class CancelToken:
    """A thread-safe flag a job checks between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise JobCancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True early if cancelled meanwhile."""
        return self._event.wait(seconds)


def run_job(
    job: Job[R],
    cancel: CancelToken | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> R:
    """Drive ``job`` to its end on the calling thread and return its result.

    ``on_event`` sees every event in order. When ``cancel`` is set, the job is closed
    (its ``finally`` blocks run) and :class:`JobCancelled` is raised. Exceptions raised
    by the job propagate unchanged.
    """
    try:
        while True:
            if cancel is not None and cancel.cancelled:
                job.close()
                raise JobCancelled()
            try:
                event = next(job)
            except StopIteration as stop:
                return stop.value
            if on_event is not None:
                on_event(event)
    finally:
        job.close()


def collect(job: Job[R], cancel: CancelToken | None = None) -> tuple[list[Event], R]:
    """Run ``job`` and return ``(events, result)``: handy in tests and scripts."""
    events: list[Event] = []
    result = run_job(job, cancel, events.append)
    return events, result


def call_job(fn: Callable[..., R], *args: Any, **kwargs: Any) -> Job[R]:
    """A job that runs the plain function ``fn(*args, **kwargs)`` once and returns its result (no events), for
    work with no steps to report where a job is expected::

        def open_file(path: str, cancel: CancelToken) -> dict: ...   # a plain function
        runner.start(lambda cancel: call_job(open_file, path, cancel))
        assert run_job(call_job(sum, [1, 2, 3])) == 6
    """
    yield from ()
    return fn(*args, **kwargs)


def map_events(job: Job[R], change: Callable[[Event], Event]) -> Job[R]:
    """A job that yields ``change(event)`` for each event of ``job`` and returns its result.

    Closing it closes ``job`` too, so a cancelled run's own clean-up (e.g. saving a checkpoint) still happens.
    """
    try:
        while True:
            try:
                event = next(job)
            except StopIteration as stop:
                return stop.value
            yield change(event)
    finally:
        job.close()
