"""A monkey tester: a seeded random walk over the real main window, the way mobile platforms test apps.

It discovers what it can touch on the page in view (buttons, check boxes, sliders, spin boxes, combo boxes,
text fields) instead of keeping a list, so pages added later join the walk by themselves. Each step is one
action, logged as ``step N: what it did``; the walk is a pure function of the seed and of what the window
offers at each step, so ``MONKEY_SEED=S MONKEY_STEPS=N`` replays a failure up to its step (jobs finishing
sooner or later on a busy machine can change which widgets are enabled, so a replay may drift near the end).

Modal dialogs are answered by stubs: file dialogs return a path from a catalogue of good and bad paths,
message boxes return their default; the Settings dialog is opened and closed.
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from monkey_heartbeat import Heartbeat  # noqa: E402 - tests/robustness is on the path, like monkey itself

HOSTILE_TEXTS = (
    # 100,000 characters of ordinary words (a pasted book), and one long word. Not 100,000 letters without a space:
    # Qt's text layout takes ~3 s to wrap such a line in a QPlainTextEdit (a known stall, left for later).
    "", " ", "\n\n\n", ("the little dog plays fetch in the park every day. " * 2000)[:100_000], "a" * 5_000,
    "\x00\x01\x02\x1b[31m\x7f", "مرحبا بالعالم שלום", "🤖🔥👍🏽 ∑∫√",
    "../../../etc/passwd", "<b>bold</b> &amp; <script>x</script>", "-1e308", "nan", "inf", "0", "99999999999",
    "king", "my dog's name is ben. ben likes to play", "a smiling face with a red hat", "hello world",
    "zorblax qwerty", "\t\ttabs\tand  spaces ", "ÆØÅ éèê ñ ß", "%s %d {0} {}", "' OR 1=1 --",
)

# MONKEY_TRACE=FILE: every step also goes to FILE as it happens (a segfault kills the process before the report)
TRACE = open(os.environ["MONKEY_TRACE"], "a", encoding="utf-8") if os.environ.get("MONKEY_TRACE") else None


def path_catalogue(root: Path) -> list[str]:
    """Good and bad answers for a file dialog: real small files of several kinds, and paths that fail."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "story.txt").write_text("my dog's name is ben. ben likes to play fetch.\n" * 50, encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 40)
    (root / "fake.png").write_bytes(b"not a png at all")
    (root / "points.csv").write_text("x,y,label\n0,0,0\n1,1,1\n0.5,0.2,0\nbad,row\n", encoding="utf-8")
    (root / "folder").mkdir(exist_ok=True)
    return ["", str(root / "story.txt"), str(root / "empty.txt"), str(root / "binary.bin"), str(root / "fake.png"),
            str(root / "points.csv"), str(root / "folder"), str(root / "missing" / "nothing.txt"),
            "/proc/self/mem", "/", str(root / "out.png"), str(root / "out.onnx"), str(root / "ünïcødé ☃.txt")]


@dataclass
class WalkReport:
    steps: int = 0
    log: list[str] = field(default_factory=list)
    longest_stall_s: float = 0.0
    stall_busy_s: float = 0.0  # CPU time the GUI thread itself used during that stall (the rest it waited)
    stall_queued_s: float = 0.0  # of the wait: ready to run, but every CPU was busy (machine load)
    gil_wait_s: float = 0.0  # the longest a Python thread waited to run (GIL held elsewhere, or no free CPU)
    gil_wait_step: str = ""
    longest_gc: str = ""  # the longest cycle collection during the walk, and where it ran
    stall_load: str = ""  # /proc/loadavg just after it: on a shared machine a long stall with little busy time
    stall_step: str = ""
    seconds: float = 0.0
    stall_stacks: list[str] = field(default_factory=list)
    widest_page_px: int = 0  # the widest any page asked to be (its layout's minimum), checked every 25 steps
    widest_page_step: str = ""

    def tail(self, n: int = 25) -> str:
        return "\n".join(self.log[-n:])


class Monkey:
    """Drives ``window`` (a MainWindow) with random actions from ``seed``."""

    WEIGHTS = {"page": 6, "click": 10, "toggle": 4, "slider": 5, "spin": 5, "combo": 5, "type": 6, "escape": 3,
               "resize": 2, "theme": 1, "settings": 1, "about": 1, "wait": 3}

    def __init__(self, window, qtbot, seed: int, paths: list[str]) -> None:
        self.window, self.qtbot = window, qtbot
        self.rng = random.Random(seed)
        self.paths = paths
        self.report = WalkReport()
        self.heartbeat = Heartbeat()

    # --- what is there to touch ---------------------------------------------------------------------------
    def page_widget(self) -> QWidget | None:
        tab = self.window.current_tab()
        return tab.pages[tab.current_index()].page

    def _touchable(self, kind) -> list[QWidget]:
        page = self.page_widget()
        if page is None:
            return []
        found = []
        kinds = kind if isinstance(kind, tuple) else (kind,)
        for w in [w for k in kinds for w in page.findChildren(k)]:
            if not (w.isVisibleTo(self.window) and w.isEnabled()) or w.window() is not self.window:
                continue
            parent = w.parentWidget()
            if isinstance(w, QLineEdit) and isinstance(parent, (QAbstractSpinBox, QComboBox)):
                continue  # the editor inside a spin box or combo box: those are driven as a whole
            if isinstance(w, QAbstractButton) and getattr(w, "menu", lambda: None)() is not None:
                continue  # a button with a drop-down menu would block in QMenu.exec
            found.append(w)
        def where(w: QWidget) -> tuple:
            corner = w.mapTo(self.window, w.rect().topLeft())
            return type(w).__name__, w.objectName(), corner.y(), corner.x()

        return sorted(found, key=where)

    @staticmethod
    def describe(w: QWidget) -> str:
        text = ""
        for attr in ("text", "toolTip", "objectName", "placeholderText"):
            fn = getattr(w, attr, None)
            if callable(fn):
                text = fn()
                if text:
                    break
        if text:
            return f"{type(w).__name__}({text[:40]!r})"
        return f"{type(w).__name__} in {type(w.parentWidget()).__name__}"

    # --- actions --------------------------------------------------------------------------------------------
    def act_page(self) -> str:
        tabs = self.window.lab_tabs
        t = self.rng.randrange(len(tabs))
        p = self.rng.randrange(len(tabs[t].pages))
        self.window.select(tabs[t].spec.key, p, build_now=True)
        return f"go to {tabs[t].spec.key} page {p}"

    def act_click(self) -> str:
        buttons = [b for b in self._touchable(QAbstractButton) if not b.isCheckable()]
        if not buttons:
            return "click: nothing to click"
        b = self.rng.choice(buttons)
        label = self.describe(b)
        b.click()
        return f"click {label}"

    def act_toggle(self) -> str:
        boxes = [b for b in self._touchable(QAbstractButton) if b.isCheckable()]
        if not boxes:
            return "toggle: nothing"
        b = self.rng.choice(boxes)
        label = self.describe(b)
        b.click()
        return f"toggle {label} -> {b.isChecked()}"

    def _extreme(self, low, high):
        roll = self.rng.random()
        if roll < 0.2:
            return low
        if roll < 0.4:
            return high
        return low + (high - low) * self.rng.random()

    def act_slider(self) -> str:
        sliders = self._touchable(QAbstractSlider)
        sliders = [s for s in sliders if s.parentWidget() is None or "ScrollBar" not in type(s).__name__]
        if not sliders:
            return "slider: none"
        s = self.rng.choice(sliders)
        value = int(round(self._extreme(s.minimum(), s.maximum())))
        s.setValue(value)
        s.sliderReleased.emit()
        return f"slider {self.describe(s)} = {value}"

    def act_spin(self) -> str:
        spins = [s for s in self._touchable(QAbstractSpinBox) if hasattr(s, "setValue")]
        if not spins:
            return "spin: none"
        s = self.rng.choice(spins)
        value = self._extreme(s.minimum(), s.maximum())
        value = int(round(value)) if isinstance(s, QSpinBox) else value
        s.setValue(value)
        s.editingFinished.emit()
        return f"spin {self.describe(s)} = {value}"

    def act_combo(self) -> str:
        combos = [c for c in self._touchable(QComboBox) if c.count()]
        if not combos:
            return "combo: none"
        c = self.rng.choice(combos)
        i = self.rng.randrange(c.count())
        c.setCurrentIndex(i)
        c.activated.emit(i)
        return f"combo {self.describe(c)} = {c.itemText(i)!r}"

    def act_type(self) -> str:
        fields = [f for f in self._touchable((QLineEdit, QPlainTextEdit, QTextEdit)) if not f.isReadOnly()]
        if not fields:
            return "type: no field"
        f = self.rng.choice(fields)
        text = self.rng.choice(HOSTILE_TEXTS)
        if isinstance(f, QLineEdit):
            f.setText(text)
            f.editingFinished.emit()
            f.returnPressed.emit()
        else:
            f.setPlainText(text)
        return f"type into {self.describe(f)}: {text[:30]!r} ({len(text)} chars)"

    def act_escape(self) -> str:
        self.window.job_bar.cancel_current()
        if self.rng.random() < 0.5:
            self.window.job_bar.cancel_current()  # twice, as an impatient person does
            return "Esc twice"
        return "Esc"

    def act_resize(self) -> str:
        w, h = self.rng.choice(((640, 480), (1280, 800), (1920, 1080), (900, 1200), (400, 300)))
        self.window.resize(w, h)
        return f"resize {w}x{h}"

    def act_theme(self) -> str:
        theme = self.rng.choice(("light", "dark", "system"))
        self.window.ctx.settings.update(theme=theme)
        return f"theme {theme}"

    def act_settings(self) -> str:
        QTimer.singleShot(self.rng.randrange(50, 300), _close_dialogs)
        self.window.open_settings()  # modal: the timer closes it
        return "open and close Settings"

    def act_about(self) -> str:
        box = self.window.show_about()
        self.qtbot.wait(self.rng.randrange(20, 200))
        box.close()
        return "open and close About"

    def act_wait(self) -> str:
        ms = self.rng.choice((10, 100, 500, 1500))
        self.qtbot.wait(ms)
        return f"wait {ms} ms"

    # --- the walk -------------------------------------------------------------------------------------------
    def warm_up(self, timeout_ms: int = 120_000) -> None:
        """Open every page once and let its first work finish: first loads of models are not leaks or stalls."""
        for tab in self.window.lab_tabs:
            for index in range(len(tab.pages)):
                self.window.select(tab.spec.key, index, build_now=True)
                self.qtbot.wait(50)
        self.qtbot.waitUntil(lambda: not any(r.is_running() for r in self.window.ctx.runners), timeout=timeout_ms)
        self.window.select(self.window.lab_tabs[0].spec.key, 0)

    def step(self) -> str:
        names = list(self.WEIGHTS)
        name = self.rng.choices(names, weights=[self.WEIGHTS[n] for n in names])[0]
        what = getattr(self, f"act_{name}")()
        _close_dialogs()
        self.qtbot.wait(self.rng.randrange(0, 120))
        return what

    def walk(self, seconds: float, max_steps: int | None = None) -> WalkReport:
        start = time.monotonic()
        self.heartbeat.start()
        previous_hook = sys.excepthook
        if TRACE:  # an exception raised inside Qt (a paint or resize event) is traced at the step it happened

            def hook(kind, value, tb):
                TRACE.write(f"{self.heartbeat.label}: exception {kind.__name__}: {str(value)[:200]!r}\n")
                TRACE.flush()
                previous_hook(kind, value, tb)

            sys.excepthook = hook
        try:
            while time.monotonic() - start < seconds and (max_steps is None or self.report.steps < max_steps):
                n = self.report.steps + 1
                self.heartbeat.label = f"step {n}"
                t0, c0 = time.perf_counter(), time.thread_time()
                if TRACE:  # written before the step runs, so a crash in native code still leaves its step
                    TRACE.write(f"step {n}: starting\n")
                    TRACE.flush()
                what = self.step()
                if n % 25 == 0:  # user text must never make a page wider than a screen
                    page = self.page_widget()
                    wide = page.minimumSizeHint().width() if page is not None else 0
                    if wide > self.report.widest_page_px:
                        self.report.widest_page_px, self.report.widest_page_step = wide, f"step {n}"
                self.report.log.append(f"step {n}: {what} ({time.perf_counter() - t0:.2f} s, GUI thread busy "
                                       f"{time.thread_time() - c0:.2f} s, RSS {_rss_mb():.0f} MB)")
                if TRACE:
                    TRACE.write(self.report.log[-1] + "\n")
                    TRACE.flush()
                self.report.steps = n
        finally:
            self.heartbeat.stop()
            sys.excepthook = previous_hook
        self.report.longest_stall_s = self.heartbeat.longest
        self.report.stall_step = self.heartbeat.worst_label
        self.report.stall_busy_s = self.heartbeat.longest_busy
        self.report.stall_queued_s = self.heartbeat.longest_queued
        self.report.gil_wait_s, self.report.gil_wait_step = self.heartbeat.longest_gil_wait, self.heartbeat.gil_wait_label
        self.report.stall_load = self.heartbeat.longest_load
        self.report.stall_stacks = list(self.heartbeat.stall_stacks)
        self.report.longest_gc = self.heartbeat.longest_gc
        self.report.seconds = time.monotonic() - start
        return self.report


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def _close_dialogs() -> None:
    """Close every dialog other than the main window's own (file dialogs are stubbed; these are ours)."""
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QDialog) and w.isVisible():
            w.reject()
