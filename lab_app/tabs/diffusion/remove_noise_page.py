"""Page "Remove noise": the trained model turns pure noise into a picture, one live frame per step."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engines.core.jobs import Frame, Progress
from lab_app.tabs.diffusion.common import (
    model_combo,
    show_stop_reasons,
    PauseGate,
    PixelView,
    backend_for,
    default_prompts,
    get_model,
    narrow,
    noise_to_display,
    tile_row,
    to_display,
)
from lab_app.tabs.page import LabPage

STRIP_TILES = 10

EXPLAINER = """
<p><b>Running it backwards.</b> Start from pure random noise (step 1). At every step the <i>same</i> network
looks at the noisy picture, is told how noisy it is (t) and what the caption says, and guesses the noise in it
(middle). Taking that guess away gives its guess of the clean picture (right). The sampler then
steps a little way towards that guess and adds back a smaller amount of noise, and the network looks again.
Early guesses are blurry averages; each step pins down more detail.</p>
<p><b>DDPM vs DDIM.</b> DDPM adds fresh random noise at each step and was meant for many steps (hundreds).
DDIM takes bigger, noise-free jumps, so 25–50 steps are enough and the same seed always gives the same
picture. <b>Honest note:</b> these are small models (trained for one to three minutes on a GPU). Faces usually
come out as faces but often miss part of the caption; the digits model often draws a blurry blob, and the
digit asked for only about a quarter of the time.</p>
"""


def denoise_job(ctx, model_name: str, settings, gate: PauseGate, cancel):
    """Load the model (once), then run the sampler, pausing between steps when asked.

    Frame payload: {"step": DenoiseStep, "strip": [(step index, x_t)] so far, "tiles": filmstrip checkpoints}.
    """
    from engines.diffusion.sample import sample_job

    backend, device = backend_for(ctx)
    model = get_model(model_name, backend, device, ctx.current.threads)
    checkpoints = _checkpoints(settings.steps)
    total = len(checkpoints)
    strip: list[tuple[int, np.ndarray]] = []
    job = sample_job(model, settings, cancel)
    try:
        while True:
            gate.wait(cancel)
            event = next(job)
            if isinstance(event, Frame):
                step = event.payload
                if step.index in checkpoints:
                    strip.append((step.index, step.x_t[0].copy()))
                if step.index == settings.steps - 1:
                    strip.append((settings.steps, step.x_next[0].copy()))
                yield Frame({"step": step, "strip": list(strip), "tiles": total}, step=event.step)
                yield next(job)  # the Progress that follows each Frame
    except StopIteration as stop:
        return stop.value


def _checkpoints(steps: int) -> list[int]:
    """Step indices whose x_t joins the filmstrip (the final picture is added after the last step)."""
    return sorted({round(i * (steps - 1) / (STRIP_TILES - 2)) for i in range(STRIP_TILES - 1)})


class RemoveNoisePage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.gate = PauseGate()
        self.result: np.ndarray | None = None
        self.last_step = None
        self.frames_seen = 0
        self.runner = self.new_runner("diffusion sampling")
        self.runner.frame.connect(self.show_frame)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        show_stop_reasons(self.runner, self._set_status)
        self.runner.running_changed.connect(self._on_running)
        self._build_controls()
        self._build_picture()
        self.set_explainer(EXPLAINER)

    def _build_controls(self) -> None:
        form = QFormLayout()
        self.model_box = model_combo()
        self.model_box.currentIndexChanged.connect(self._fill_prompts)
        self.prompt_box = QComboBox()
        self.prompt_box.setEditable(True)
        self.prompt_box.setToolTip("The caption the picture should match (type your own)")
        self.steps_box = QSpinBox()
        self.steps_box.setRange(10, 1000)
        self.steps_box.setValue(25)
        self.steps_box.setToolTip("How many denoising steps (DDPM wants hundreds; DDIM is fine with 25–50)")
        self.sampler_box = QComboBox()
        self.sampler_box.addItem("DDIM (few big steps)", "ddim")
        self.sampler_box.addItem("DDPM (many small noisy steps)", "ddpm")
        self.sampler_box.currentIndexChanged.connect(self._on_sampler)
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 99_999)
        self.seed_box.setValue(3)
        self.seed_box.setToolTip("Which starting noise: the same seed gives the same picture")
        self.guidance_box = QDoubleSpinBox()
        self.guidance_box.setRange(0.0, 10.0)
        self.guidance_box.setSingleStep(0.5)
        self.guidance_box.setValue(3.0)
        self.guidance_box.setToolTip("How hard the caption pushes (the next page explains it)")
        for combo in (self.model_box, self.prompt_box, self.sampler_box):
            narrow(combo)
        form.addRow("Model", self.model_box)
        form.addRow("Caption", self.prompt_box)
        form.addRow("Steps", self.steps_box)
        form.addRow("Sampler", self.sampler_box)
        form.addRow("Seed", self.seed_box)
        form.addRow("Guidance", self.guidance_box)
        self.controls.addLayout(form)
        self.run_button = QPushButton("Run from noise")
        self.run_button.clicked.connect(self.run)
        row = QGridLayout()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self.set_paused)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("While paused: take exactly one more step")
        self.step_button.clicked.connect(self.step_once)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        row.addWidget(self.pause_button, 0, 0)
        row.addWidget(self.step_button, 0, 1)
        row.addWidget(self.cancel_button, 1, 0, 1, 2)
        self.status_label = QLabel("Press Run (a few seconds on a CPU).")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.run_button)
        self.controls.addLayout(row)
        self.controls.addWidget(self.status_label)
        self._fill_prompts()
        self._on_running(False)

    def _build_picture(self) -> None:
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        self.xt_view = PixelView("Now: x_t (what the sampler holds)", 120)
        self.noise_view = PixelView("The network's guess of the noise")
        self.x0_view = PixelView("…so its guess of the clean picture")
        self.strip_view = PixelView("Filmstrip: from pure noise (left) to the finished picture (right)", 40)
        grid.addWidget(self.xt_view, 0, 0, 2, 1)
        grid.addWidget(self.noise_view, 0, 1)
        grid.addWidget(self.x0_view, 1, 1)
        grid.addWidget(self.strip_view, 2, 0, 1, 2)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 2)
        grid.setRowStretch(1, 2)
        grid.setRowStretch(2, 1)
        self.set_picture(host)

    # -- actions ------------------------------------------------------------------------------
    def model_name(self) -> str:
        return str(self.model_box.currentData())

    def _fill_prompts(self) -> None:
        self.prompt_box.clear()
        self.prompt_box.addItems(default_prompts(self.model_name()))

    def _on_sampler(self) -> None:
        if self.sampler_box.currentData() == "ddpm" and self.steps_box.value() < 100:
            self.status_label.setText("DDPM needs many steps: try 200 or more (a bit slower).")

    def settings(self):
        from engines.diffusion.sample import SampleSettings

        return SampleSettings((self.prompt_box.currentText(),), seed=self.seed_box.value(),
                              steps=self.steps_box.value(), guidance=self.guidance_box.value(),
                              sampler=str(self.sampler_box.currentData()))

    def run(self) -> None:
        settings, name, ctx, gate = self.settings(), self.model_name(), self.ctx, self.gate
        self.result, self.last_step, self.frames_seen = None, None, 0
        self.pause_button.setChecked(False)
        gate.set_paused(False)
        self._set_status(f"Loading the {name} model and sampling {settings.steps} steps…")
        self.runner.start(lambda cancel: denoise_job(ctx, name, settings, gate, cancel), label="Removing noise")

    def set_paused(self, paused: bool) -> None:
        self.gate.set_paused(paused)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.step_button.setEnabled(paused and self.runner.is_running())
        if paused and self.runner.is_running():
            self._set_status("Paused: press Step to take one step, Resume to go on.")

    def step_once(self) -> None:
        self.gate.step_once()

    # -- drawing ------------------------------------------------------------------------------
    def show_frame(self, frame: Frame) -> None:
        payload: dict[str, Any] = frame.payload
        step = payload["step"]
        self.last_step, self.frames_seen = step, self.frames_seen + 1
        self.xt_view.set_image(to_display(step.x_t[0]))
        self.xt_view.set_title(f"Step {step.index + 1} of {step.total}: x_t at t = {step.t}")
        self.noise_view.set_image(noise_to_display(step.noise_pred[0]))
        self.x0_view.set_image(to_display(step.x0_pred[0]))
        tiles = [to_display(x) for _i, x in payload["strip"]]
        blank = np.full_like(tiles[0], 235) if tiles else None
        tiles += [blank] * max(0, payload["tiles"] + 1 - len(tiles)) if blank is not None else []
        self.strip_view.set_image(tile_row(tiles, pad=2))
        if self.gate.paused:
            self._set_status(f"Paused after step {step.index + 1} of {step.total} (t = {step.t}).")

    def _on_progress(self, progress: Progress) -> None:
        if not self.gate.paused:
            self._set_status(f"Step {progress.step} of {progress.total}")

    def _on_finished(self, images: np.ndarray) -> None:
        self.result = np.asarray(images)
        self.xt_view.set_image(to_display(self.result[0]))
        self.xt_view.set_title("Finished picture")
        self.pause_button.setChecked(False)
        self._set_status(f"Done: {self.steps_box.value()} steps of the same network turned noise into this.")

    def _on_running(self, running: bool) -> None:
        self.run_button.setText("Restart from noise" if running else "Run from noise")
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.step_button.setEnabled(running and self.gate.paused)

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)
