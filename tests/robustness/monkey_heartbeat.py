"""The monkey's clock on the event loop: how long it stood still, and why (busy, no free CPU, GIL, where).

A 50 ms heartbeat timer records the longest gap between ticks; a watchdog thread profiles any stall over 1 s
(the GUI thread's stack every 20 ms), and a probe thread measures the longest wait of any Python thread to run.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QTimer


class Heartbeat:
    """A 50 ms timer that records the longest gap between its ticks: how long the event loop stood still."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.last_queued = _queued_s()
        self.longest = 0.0
        self.longest_busy = 0.0
        self.longest_queued = 0.0
        self.longest_load = ""
        self.longest_gil_wait = 0.0  # the longest time a Python thread that wanted to run could not (GIL held)
        self.gil_wait_label = ""
        self.label = ""
        self.worst_label = ""

        self.stall_stacks: list[str] = []  # what every thread was doing during stalls over 1 s
        self._watching = False
        self._gc_started = 0.0
        self.longest_gc = ""  # the longest cycle collection: seconds, generation, thread, step
        self._longest_gc_s = 0.0

    def start(self) -> None:
        self.last, self.last_cpu, self.last_queued = time.perf_counter(), time.thread_time(), _queued_s()
        self.timer.start()
        self._watching = True
        gc.callbacks.append(self._on_gc)
        threading.Thread(target=self._watch, name="monkey-watchdog", daemon=True).start()
        threading.Thread(target=self._probe_gil, name="monkey-gil-probe", daemon=True).start()

    def stop(self) -> None:
        self.timer.stop()
        self._watching = False
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        """Time every cycle collection: a full one on a big heap holds the GIL (and so the window) for a while."""
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_started
        if took > self._longest_gc_s:
            self._longest_gc_s = took
            self.longest_gc = (f"{took:.2f} s (generation {info.get('generation')}, thread "
                               f"{threading.current_thread().name}, {self.label})")

    def _probe_gil(self) -> None:
        """Wake every 2 ms: a late wake-up means some thread held the GIL (or the machine had no free CPU). A long
        hold in one C call (a big Counter, a NumPy conversion of a huge list) freezes the window however little
        the GUI thread itself does."""
        last = time.perf_counter()
        while self._watching:
            time.sleep(0.002)
            now = time.perf_counter()
            if now - last - 0.002 > self.longest_gil_wait:
                self.longest_gil_wait, self.gil_wait_label = now - last - 0.002, self.label
            last = now

    def _watch(self) -> None:
        """When the loop has not ticked for a second, note what each thread is doing, then sample the GUI thread's
        stack every 20 ms until the loop ticks again and note its most frequent stacks (a small profiler)."""
        noted_for = None
        main = threading.main_thread().ident
        while self._watching:
            time.sleep(0.25)
            last = self.last
            if time.perf_counter() - last > 1.0 and noted_for != last:
                noted_for = last
                frames = sys._current_frames()
                lines = [f"stall during {self.label}:"]
                for ident, frame in frames.items():
                    if ident == threading.get_ident():
                        continue
                    name = "main" if ident == main else str(ident)
                    lines.append(f"  thread {name}: " + _stack_line(frame, 6))
                samples: Counter[str] = Counter()
                while self._watching and self.last == last:
                    frame = sys._current_frames().get(main)
                    if frame is not None:
                        samples[_stack_line(frame, 14)] += 1
                    time.sleep(0.02)
                total = sum(samples.values())
                for stack, n in samples.most_common(3):
                    lines.append(f"  GUI thread in {n} of {total} samples: {stack}")
                self.stall_stacks.append("\n".join(lines))

    def _tick(self) -> None:
        now, cpu, queued = time.perf_counter(), time.thread_time(), _queued_s()
        gap = now - self.last - 0.05
        if gap > self.longest:
            self.longest, self.worst_label, self.longest_busy = gap, self.label, cpu - self.last_cpu
            self.longest_queued = queued - self.last_queued
            self.longest_load = _loadavg()
        self.last, self.last_cpu, self.last_queued = now, cpu, queued


def _stack_line(frame, depth: int) -> str:
    stack = traceback.extract_stack(frame)[-depth:]
    return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))


def _queued_s() -> float:
    """Seconds this thread has spent ready to run but waiting for a CPU (Linux schedstat; 0 elsewhere): the part
    of a stall that other programs on a busy machine caused, not the app."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"
