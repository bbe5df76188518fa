"""Cycles of garbage are collected on the GUI thread only once jobs can run (a job thread freeing a Qt widget
deadlocked the window against Qt's connection locks), and still collected often enough."""

from __future__ import annotations

import gc
import threading

import pytest

from lab_app import gui_gc


class Cycle:
    def __init__(self, freed: list) -> None:
        self.me, self.freed = self, freed

    def __del__(self) -> None:
        self.freed.append(threading.current_thread() is threading.main_thread())


def test_garbage_cycles_are_freed_on_the_gui_thread_not_on_a_job_thread(window, qtbot):
    from engines.core.jobs import call_job

    runner = window.ctx.new_runner("gc")
    results: list = []
    runner.finished.connect(results.append)
    gc.collect()  # start from empty young generations, whatever earlier tests left
    freed: list[bool] = []
    for _ in range(50):
        Cycle(freed)  # garbage cycles made on the GUI thread

    def allocate() -> list:
        # Live containers, many times the collector's threshold: an automatic collection would start on this thread.
        return [{} for _ in range(5 * gc.get_threshold()[0])]

    with qtbot.waitSignal(runner.finished, timeout=10_000):
        runner.start(lambda cancel: call_job(allocate))
    assert not gc.isenabled()
    qtbot.waitUntil(lambda: len(freed) == 50, timeout=3 * gui_gc.INTERVAL_MS)  # the next tick collected them...
    assert all(freed), f"{freed.count(False)} of 50 cycles were freed on the job thread"  # ...on the GUI thread
    assert len(results[0]) == 5 * gc.get_threshold()[0]


class FakeGc:
    def __init__(self, monkeypatch) -> None:
        self.counts = (0, 0, 0)
        self.collected: list[int] = []
        monkeypatch.setattr(gui_gc.gc, "get_count", lambda: self.counts)
        monkeypatch.setattr(gui_gc.gc, "collect", lambda generation=2: self.collected.append(generation) or 0)


@pytest.fixture
def fake(monkeypatch):
    return FakeGc(monkeypatch)


def test_the_timer_collects_what_python_would_by_its_thresholds(fake):
    now = [0.0]
    collector = gui_gc.GuiThreadCollector((700, 10, 10), clock=lambda: now[0])
    now[0] = 0.5
    fake.counts = (100, 0, 0)
    assert collector.tick() is None  # little new, collected recently: nothing
    fake.counts = (701, 0, 0)
    assert collector.tick() == 0
    fake.counts = (701, 11, 0)
    assert collector.tick() == 1
    assert fake.collected == [0, 1]


def test_a_little_garbage_waits_seconds_not_forever(fake):
    now = [0.0]
    collector = gui_gc.GuiThreadCollector((700, 10, 10), clock=lambda: now[0])
    fake.counts = (3, 0, 0)  # a job's allocations went up and back down between ticks: the count shows only this
    now[0] = gui_gc.YOUNG_AT_LEAST_EVERY_S - 0.5
    assert collector.tick() is None
    now[0] = gui_gc.YOUNG_AT_LEAST_EVERY_S
    assert collector.tick() == 0


def test_full_collections_at_most_once_a_minute(fake):
    now = [0.0]
    collector = gui_gc.GuiThreadCollector((700, 10, 10), clock=lambda: now[0])
    fake.counts = (0, 0, 11)
    now[0] = 10.0
    assert collector.tick() is None  # a full one is due by count, but the last was under a minute ago
    now[0] = gui_gc.FULL_AT_MOST_EVERY_S
    assert collector.tick() == 2
    now[0] += 1.0
    assert collector.tick() is None
    fake.counts = (0, 11, 11)
    assert collector.tick() == 1  # the middle generation still gets its turn meanwhile
