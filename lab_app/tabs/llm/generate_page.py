"""Page "Generate": autoregressive generation one token at a time, with the sampling knobs in reach."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QSizePolicy, QSlider, QSpinBox, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from engines.core.jobs import CancelToken, Frame
from lab_app.tabs.llm.common import NO_MODEL_TEXT, ModelPicker, device_for, escape, open_cached
from lab_app.tabs.llm.generate_compare import CompareView, compare_steps
from lab_app.tabs.llm.prob_bars import ProbabilityBars
from lab_app.tabs.llm.sampling_tree import SamplingTreeView, tree_children
from lab_app.tabs.page import LabPage

DEFAULT_PROMPT = "my dog's name is ben."
EMPTY_PROMPT_TEXT = "Type a prompt first: the model needs at least one word to continue."
PLAY_DELAY_S = 0.12  # a pause between tokens while playing, so the eye can follow

EXPLAINER = """
<p>Generation is the next-word guess in a loop: compute the probabilities, <b>pick</b> one token, append it,
and ask again with the longer text. The bars show the choice at the latest step; the orange bar is the token
that was drawn. How it is drawn is up to you. <b>Temperature</b> reshapes the probabilities before the draw:
below 1 the favourites get even more likely, above 1 the long shots catch up; at 0 the model always takes the
single most likely token, so the same prompt gives the same sentence every time. <b>Top-k</b> keeps only the k
most likely tokens and <b>top-p</b> keeps the smallest set whose probabilities add up to p, cutting off the
unlikely tail that produces nonsense. Because every token is drawn at random, a chatbot can answer the same
question differently twice. The <b>seed</b> fixes the dice: the same seed and settings give the same text again.
<b>Three temperatures</b> runs the same prompt and seed at three temperatures side by side; the
<b>sampling tree</b> lets you take any candidate, not just the drawn one, and see where that branch leads.</p>
"""


def sample_steps(name, backend, device, threads, prompt, new_ids, sampling, rng, n_steps, delay, cancel: CancelToken,
                 epoch: int = 0):
    """A job: ``n_steps`` more tokens after ``prompt`` + ``new_ids``, one Frame per token; returns the last payload.

    ``sampling`` is ``(temperature, top_k, top_p)``; ``rng`` is the page's seeded generator (used by one job at a time).
    """
    from engines.llm.generate import encode_prompt, forward_or_cpu, token_text
    from engines.llm.sampling import next_token_probs

    runner, tokenizer, _ = open_cached(name, backend, device, threads)
    prompt_ids, notice = encode_prompt(runner, tokenizer, prompt)
    new_ids = list(new_ids)
    block = int(runner.config.block_size)
    eos = getattr(tokenizer, "eos_id", None)
    temperature, top_k, top_p = sampling
    payload, total_ms = None, 0.0
    for step in range(n_steps):
        cancel.raise_if_cancelled()
        window = (prompt_ids + new_ids)[-block:]
        t0 = time.perf_counter()
        logits, _, _ = yield from forward_or_cpu(runner, np.asarray([window], dtype=np.int64), None)
        result = next_token_probs(logits[0, -1], temperature, top_k, top_p, rng, n_candidates=15)
        step_ms = (time.perf_counter() - t0) * 1000.0
        total_ms += step_ms
        new_ids.append(result.token_id)
        payload = {
            "epoch": epoch,
            "new_ids": list(new_ids),
            "text": tokenizer.decode(new_ids),
            "token": token_text(tokenizer, result.token_id),
            "token_id": result.token_id,
            "candidates": [(token_text(tokenizer, c.id), c.prob, c.id) for c in result.candidates],
            "kept": result.kept,
            "step_ms": step_ms,
            "tokens_per_s": 1000.0 * (step + 1) / max(total_ms, 1e-6),
            "notice": notice or "",
        }
        yield Frame(payload, step=step)
        if eos is not None and result.token_id == eos:
            break
        end = time.perf_counter() + delay
        while time.perf_counter() < end:
            cancel.raise_if_cancelled()
            time.sleep(0.02)
    return payload


class GeneratePage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.new_ids: list[int] = []
        self.generated_text = ""
        self.last: dict | None = None
        self.rng = None
        self._epoch = 0
        self._job_kind = ""  # "step", "compare" or "tree": what the page's runner is doing now
        self.compare_delay = PLAY_DELAY_S
        self._branch_queue: list[list[int]] = []  # tree requests waiting for the runner to be free
        self.runner = self.new_runner("generate", show_in_status_bar=False)
        self.runner.frame.connect(lambda frame: self._apply(frame.payload))
        self.runner.finished.connect(lambda payload: payload and self._apply(payload))
        self.runner.running_changed.connect(self._on_running)
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)
        self.reset()
        self._run(self.length_box.value(), PLAY_DELAY_S)  # first sight: the prompt grows (a job; any reset stops it)

    def _build_controls(self) -> None:
        form = QFormLayout()
        self.picker = ModelPicker()
        form.addRow("Model", self.picker)
        self.controls.addLayout(form)
        self.controls.addWidget(QLabel("Prompt:"))
        self.prompt_box = QPlainTextEdit(DEFAULT_PROMPT)
        self.prompt_box.setMaximumHeight(80)
        # not vertically expanding: a capped box that asks to grow made the column spread its spare height as
        # gaps between the controls
        self.prompt_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.controls.addWidget(self.prompt_box)
        self.temp_label = QLabel()
        self.temp_slider = QSlider(Qt.Orientation.Horizontal)
        self.temp_slider.setRange(0, 300)  # up to 3: far enough to see what "too high" does
        self.temp_slider.setValue(80)
        self.temp_slider.valueChanged.connect(self._temp_changed)
        self.temp_note = QLabel()
        self.temp_note.setStyleSheet("color: gray")
        self.temp_note.setWordWrap(True)
        self.temp_note.setMinimumHeight(34)
        self.controls.addWidget(self.temp_label)
        self.controls.addWidget(self.temp_slider)
        self.controls.addWidget(self.temp_note)
        form2 = QFormLayout()
        self.top_k_box = QSpinBox()
        self.top_k_box.setRange(0, 1000)
        self.top_k_box.setSpecialValueText("off")
        self.top_p_box = QDoubleSpinBox()
        self.top_p_box.setRange(0.05, 1.0)
        self.top_p_box.setSingleStep(0.05)
        self.top_p_box.setValue(1.0)
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 99999)
        self.seed_box.setValue(7)
        self.length_box = QSpinBox()
        self.length_box.setRange(1, 500)
        self.length_box.setValue(40)
        form2.addRow("Top-k", self.top_k_box)
        form2.addRow("Top-p", self.top_p_box)
        form2.addRow("Seed", self.seed_box)
        form2.addRow("Play tokens", self.length_box)
        self.controls.addLayout(form2)
        row = QHBoxLayout()  # Step and Play side by side, Reset below: three buttons in a row overflow the panel
        self.step_button = QPushButton("Step")
        self.play_button = QPushButton("Play")
        self.reset_button = QPushButton("Reset")
        self.step_button.clicked.connect(self.step)
        self.play_button.clicked.connect(self.play_or_pause)
        self.reset_button.clicked.connect(self.reset)
        row.addWidget(self.step_button)
        row.addWidget(self.play_button)
        self.controls.addLayout(row)
        self.controls.addWidget(self.reset_button)
        self.speed_label = QLabel("")
        self.speed_label.setWordWrap(True)
        self.controls.addWidget(self.speed_label)
        self._temp_changed(self.temp_slider.value())
        self.seed_box.valueChanged.connect(self.reset)
        self.prompt_box.textChanged.connect(self.reset)
        self.picker.model_changed.connect(lambda _name: self.reset())

    def _build_picture(self) -> None:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        self.text_view = QTextBrowser()
        self.text_view.setMaximumHeight(170)
        self.bars = ProbabilityBars("Probabilities at the latest step (orange: the token drawn)")
        layout.addWidget(self.text_view)
        layout.addWidget(self.bars, 1)
        self.compare_view = CompareView()
        self.compare_view.run_requested.connect(self.run_compare)
        self.tree_view = SamplingTreeView()
        self.tree_view.branch_requested.connect(self.branch)
        self.views = QTabWidget()
        self.views.addTab(host, "Step by step")
        self.views.addTab(self.compare_view, "Three temperatures")
        self.views.addTab(self.tree_view, "Sampling tree")
        self.views.currentChanged.connect(self._view_changed)
        self.set_picture(self.views)

    def showEvent(self, event) -> None:  # noqa: N802
        self.picker.refresh()
        super().showEvent(event)

    # -- settings -----------------------------------------------------------------------------
    @property
    def temperature(self) -> float:
        return self.temp_slider.value() / 100.0

    def _temp_changed(self, _value: int) -> None:
        t = self.temperature
        self.temp_label.setText(f"Temperature: <b>{t:.2f}</b>")
        self.temp_note.setText("0: always the most likely token, the same text every time" if t == 0 else
                               "low: safe and repetitive · high: adventurous" if t < 2 else
                               "too high: long shots win as often as good guesses and the text falls apart")

    def sampling(self) -> tuple[float, int | None, float | None]:
        top_k = self.top_k_box.value() or None
        top_p = self.top_p_box.value() if self.top_p_box.value() < 1.0 else None
        return self.temperature, top_k, top_p

    # -- actions ------------------------------------------------------------------------------
    def reset(self, *_args) -> None:
        from engines.llm.sampling import make_rng

        self.runner.cancel()
        self._branch_queue.clear()
        self._job_kind = ""  # the run being stopped is no longer this page's: its buttons start new ones
        self._on_running(False)  # Step and Play work at once: a press queues behind the run that is stopping
        self._epoch += 1  # frames of a job started before this reset are ignored
        self.new_ids, self.generated_text, self.last = [], "", None
        self.rng = make_rng(self.seed_box.value())
        self.bars.set_placeholder("Press Step to draw one token, or Play to keep going."
                                  if self.picker.current_name() else NO_MODEL_TEXT)
        self.speed_label.setText("")
        self._show_text()
        prompt = self.prompt_box.toPlainText()
        self.compare_view.clear(prompt, "Press “Run all three”." if self.picker.current_name() else NO_MODEL_TEXT)
        self.tree_view.clear(prompt)
        if self.views.currentWidget() is self.tree_view:
            self._view_changed()

    def step(self) -> None:
        self._run(1, 0.0)

    def play_or_pause(self) -> None:
        if self.runner.is_running() and self.play_button.text() == "Pause":
            self.runner.cancel()
        else:
            self._run(self.length_box.value(), PLAY_DELAY_S)

    def _run(self, n_steps: int, delay: float) -> None:
        name, prompt = self.picker.current_name(), self.prompt_box.toPlainText()
        if name is not None and not prompt.strip():
            self.bars.set_placeholder(EMPTY_PROMPT_TEXT)
        if name is None or not prompt.strip():
            return
        args = (name, self.ctx.backend, device_for(self.ctx), self.ctx.current.threads, prompt, list(self.new_ids),
                self.sampling(), self.rng, n_steps, delay)
        epoch = self._epoch
        self._job_kind = "step"
        self.runner.start(lambda cancel: sample_steps(*args, cancel=cancel, epoch=epoch), label="Generating")

    def _job_args(self):
        name, prompt = self.picker.current_name(), self.prompt_box.toPlainText()
        if name is None or not prompt.strip():
            return None
        return name, self.ctx.backend, device_for(self.ctx), self.ctx.current.threads, prompt

    def run_compare(self) -> None:
        """Start (or, while it runs, stop) the three-temperature job on the page's runner."""
        if self.runner.is_running() and self._job_kind == "compare":
            self.runner.cancel()
            return
        base = self._job_args()
        if base is None:
            if self.picker.current_name() is not None:
                self.compare_view.clear(self.prompt_box.toPlainText(), EMPTY_PROMPT_TEXT)
            return
        _t, top_k, top_p = self.sampling()
        temps = self.compare_view.temperatures()
        args = base + (temps, top_k, top_p, self.seed_box.value(), self.length_box.value(), self.compare_delay)
        self._epoch += 1  # a new comparison: frames of any older job are ignored
        epoch = self._epoch
        self.compare_view.clear(base[4], "Starting…")
        self._job_kind = "compare"
        self.runner.start(lambda cancel: compare_steps(*args, cancel=cancel, epoch=epoch), label="Comparing")

    def branch(self, path_ids: list) -> None:
        """Compute the top candidates after the prompt + ``path_ids`` (a job) and hang them in the tree."""
        base = self._job_args()
        if base is None:
            return
        if self.runner.is_running():  # never cancel a running job for the tree: wait for it
            if list(path_ids) not in self._branch_queue:
                self._branch_queue.append(list(path_ids))
            return
        args = base + (list(path_ids), self.tree_view.top())
        epoch = self._epoch
        self._job_kind = "tree"
        self.runner.start(lambda cancel: tree_children(*args, cancel=cancel, epoch=epoch), label="Branching")

    def _view_changed(self, *_args) -> None:
        if self.views.currentWidget() is self.tree_view and not self.tree_view.root_loaded \
                and () not in self.tree_view.requested:
            self.tree_view.requested.add(())
            self.branch([])

    def _on_running(self, running: bool) -> None:
        self.play_button.setText("Pause" if running and self._job_kind == "step" and self.length_box.value() > 1
                                 else "Play")
        self.step_button.setEnabled(not running)
        self.compare_view.set_running(running and self._job_kind == "compare")
        if not running and self._branch_queue:
            QTimer.singleShot(0, self._next_branch)

    def _next_branch(self) -> None:
        if self._branch_queue and not self.runner.is_running():
            self.branch(self._branch_queue.pop(0))

    def _apply(self, payload: dict) -> None:
        kind = payload.get("kind")
        if kind is not None:
            if payload.get("epoch") != self._epoch:
                return
            if kind == "compare":
                self.compare_view.apply(payload)
            elif kind == "tree":
                self.tree_view.add_children(payload)
            return
        if payload.get("epoch") != self._epoch or len(payload["new_ids"]) < len(self.new_ids):
            return  # from a job started before a reset, or an older frame after a newer one
        self.last = payload
        self.new_ids = payload["new_ids"]
        self.generated_text = payload["text"]
        self.bars.set_items(payload["candidates"], payload["token_id"])
        self.bars.title = (f"Step {len(self.new_ids)}: drew “{payload['token']}” "
                           f"({payload['kept']} tokens still in the draw after the knobs)")
        self.speed_label.setText(f"{payload['step_ms']:.1f} ms for the last token · "
                                 f"{payload['tokens_per_s']:.0f} tokens/s (whole context re-read each step)"
                                 + (f"<br>{escape(payload['notice'])}" if payload.get("notice") else ""))
        self._show_text()

    def _show_text(self) -> None:
        prompt = escape(self.prompt_box.toPlainText())
        glue = "" if self.generated_text[:1] in ("", " ", ".", ",", "!", "?") else " "
        new = escape(self.generated_text)
        self.text_view.setHtml(f"<div style='font-size:large'>{prompt}{glue}"
                               f"<span style='color:#f08c00; font-weight:bold'>{new}</span></div>")

    def full_text(self) -> str:
        return self.text_view.toPlainText()
