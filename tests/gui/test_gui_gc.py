"""Cycles of garbage are collected on the GUI thread only once jobs can run (a job thread freeing a Qt widget
deadlocked the window against Qt's connection locks)."""

from __future__ import annotations

import gc
import threading


class Cycle:
    def __init__(self, freed: list) -> None:
        self.me, self.freed = self, freed

    def __del__(self) -> None:
        self.freed.append(threading.current_thread() is threading.main_thread())


def test_garbage_cycles_are_freed_on_the_gui_thread_not_on_a_job_thread(window, qtbot):
    from engines.core.jobs import call_job

    runner = window.ctx.new_runner("gc")
    freed: list[bool] = []
    for _ in range(50):
        Cycle(freed)  # garbage cycles made on the GUI thread

    def allocate() -> int:
        junk = [[{} for _ in range(100)] for _ in range(200)]  # enough allocation to trip the collector
        return len(junk)

    with qtbot.waitSignal(runner.finished, timeout=10_000):
        runner.start(lambda cancel: call_job(allocate))
    assert not gc.isenabled()
    qtbot.waitUntil(lambda: len(freed) == 50, timeout=5_000)  # the timer collected them...
    assert all(freed)  # ...on the GUI thread
