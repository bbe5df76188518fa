""""Three temperatures": the same prompt, the same seed, three temperatures side by side, growing token by token."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy,
                               QTextBrowser, QVBoxLayout, QWidget)

from engines.core.jobs import CancelToken, Frame
from lab_app.tabs.llm.common import escape, open_cached

MAX_TEMPERATURE = 3.0
DEFAULT_TEMPERATURES = (0.0, 0.8, 2.5)  # the third is too high on purpose: the text falls apart
COLUMN_COLORS = ("#2b8a3e", "#f08c00", "#c2255c")


def compare_steps(name, backend, device, threads, prompt, temperatures, top_k, top_p, seed, n_steps, delay,
                  cancel: CancelToken, epoch: int = 0):
    """A job: continue ``prompt`` at each of ``temperatures`` (each column with its own generator seeded with
    ``seed``), one token per column per step; one Frame per step holds every column so far."""
    from engines.llm.generate import encode_prompt, forward_or_cpu
    from engines.llm.sampling import make_rng, next_token_probs

    runner, tokenizer, _ = open_cached(name, backend, device, threads)
    prompt_ids, _ = encode_prompt(runner, tokenizer, prompt)
    block = int(runner.config.block_size)
    eos = getattr(tokenizer, "eos_id", None)
    temperatures = [float(t) for t in temperatures]
    rngs = [make_rng(seed) for _ in temperatures]
    columns: list[list[int]] = [[] for _ in temperatures]
    done = [False] * len(temperatures)
    payload = None
    for step in range(n_steps):
        for i, t in enumerate(temperatures):
            cancel.raise_if_cancelled()
            if done[i]:
                continue
            window = (prompt_ids + columns[i])[-block:]
            logits, _, _ = yield from forward_or_cpu(runner, np.asarray([window], dtype=np.int64), None)
            result = next_token_probs(logits[0, -1], t, top_k, top_p, rngs[i], n_candidates=1)
            columns[i].append(result.token_id)
            if eos is not None and result.token_id == eos:
                done[i] = True
        payload = {
            "kind": "compare",
            "epoch": epoch,
            "temperatures": temperatures,
            "ids": [list(c) for c in columns],
            "texts": [tokenizer.decode(c) for c in columns],
            "steps": step + 1,
            "n_steps": n_steps,
        }
        yield Frame(payload, step=step)
        if all(done):
            break
        end = time.perf_counter() + delay
        while time.perf_counter() < end:
            cancel.raise_if_cancelled()
            time.sleep(0.02)
    return payload


def temperature_note(t: float) -> str:
    if t == 0:
        return "<b style='color:#2b8a3e'>always the same</b>: the single most likely token, no dice"
    if t < 1:
        return "favourites boosted: sensible, a little varied"
    if t == 1:
        return "the model's own probabilities"
    if t < 2:
        return "long shots catch up: adventurous, often odd"
    return "<b style='color:#c92a2a'>too high</b>: nearly every token is a long shot; the text falls apart"


class CompareView(QWidget):
    """Three columns, each a temperature box, a note and the text growing. ``run_requested`` asks the page to
    start (or stop, while running) a :func:`compare_steps` job."""

    run_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        intro = QLabel("The same prompt and the same seed at three temperatures, “Play tokens” long. Top-k and "
                       "top-p from the left panel apply to every column. Change a temperature and run again.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.run_button = QPushButton("Run all three")
        self.run_button.clicked.connect(self.run_requested)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.run_button)
        row.addWidget(self.status, 1)
        layout.addLayout(row)
        grid = QGridLayout()
        self.temp_boxes: list[QDoubleSpinBox] = []
        self.notes: list[QLabel] = []
        self.views: list[QTextBrowser] = []
        for i, t in enumerate(DEFAULT_TEMPERATURES):
            box = QDoubleSpinBox()
            box.setRange(0.0, MAX_TEMPERATURE)
            box.setSingleStep(0.1)
            box.setDecimals(2)
            box.setValue(t)
            box.setPrefix("Temperature ")
            box.valueChanged.connect(lambda _v, i=i: self._update_note(i))
            note = QLabel()
            note.setWordWrap(True)
            note.setMinimumHeight(34)
            note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            view = QTextBrowser()
            view.setMinimumWidth(120)
            view.setStyleSheet(f"QTextBrowser {{ border: 2px solid {COLUMN_COLORS[i]}; }}")
            grid.addWidget(box, 0, i)
            grid.addWidget(note, 1, i)
            grid.addWidget(view, 2, i)
            grid.setColumnStretch(i, 1)
            self.temp_boxes.append(box)
            self.notes.append(note)
            self.views.append(view)
            self._update_note(i)
        grid.setRowStretch(2, 1)
        layout.addLayout(grid, 1)
        self.prompt = ""
        self.texts: list[str] = ["", "", ""]
        self.show_texts()

    def temperatures(self) -> list[float]:
        return [box.value() for box in self.temp_boxes]

    def _update_note(self, i: int) -> None:
        self.notes[i].setText(temperature_note(self.temp_boxes[i].value()))

    def set_running(self, running: bool) -> None:
        self.run_button.setText("Stop" if running else "Run all three")

    def clear(self, prompt: str, message: str = "") -> None:
        self.prompt = prompt
        self.texts = ["", "", ""]
        self.status.setText(message)
        self.show_texts()

    def apply(self, payload: dict) -> None:
        self.texts = list(payload["texts"])
        temps = ", ".join(f"{t:g}" for t in payload["temperatures"])
        self.status.setText(f"Token {payload['steps']} of {payload['n_steps']} · temperatures {temps}")
        self.show_texts()

    def show_texts(self) -> None:
        prompt = escape(self.prompt)
        for i, view in enumerate(self.views):
            new = self.texts[i]
            glue = "" if new[:1] in ("", " ", ".", ",", "!", "?") else " "
            view.setHtml(f"<div style='font-size:large'><span style='color:gray'>{prompt}</span>{glue}"
                         f"<span style='color:{COLUMN_COLORS[i]}; font-weight:bold'>{escape(new)}</span></div>")

    def column_text(self, i: int) -> str:
        return self.views[i].toPlainText()
