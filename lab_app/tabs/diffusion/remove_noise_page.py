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
from engines.diffusion.branches import BranchTree
from engines.diffusion.model_store import default_prompts
from lab_app.tabs.diffusion.branch_panel import BranchPanel, tree_job
from lab_app.tabs.diffusion.common import (
    DEFAULT_GUIDANCE,
    PauseGate,
    apply_recommended_guidance,
    model_combo,
    narrow,
    noise_to_display,
    show_stop_reasons,
    to_display,
)
from lab_app.tabs.diffusion.remove_noise_text import explainer_text
from lab_app.tabs.page import LabPage
from lab_app.widgets.pixel_view import PixelView
from lab_app.widgets.wrapping_field import WrappingChoice

STEP_PLANS = (("As tuned for this model", "auto"), ("Evenly spaced, clipped (classic)", "even"),
              ("Karras spacing, unclipped", "karras"))
START_HINT = "Press Run to remove the noise step by step (a few seconds on a CPU)."


class RemoveNoisePage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.gate = PauseGate()
        self.tree = BranchTree()
        self.tree_model = ""  # the model the tree was made with (branches go on with it)
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
        self.set_explainer(explainer_text(self.steps_box.value()))
        self._on_model()

    def _build_controls(self) -> None:
        form = QFormLayout()
        self.model_box = model_combo()
        self.model_box.currentIndexChanged.connect(self._on_model)
        self.prompt_box = WrappingChoice()  # the whole caption shows, on as many lines as it needs
        self.prompt_box.setToolTip("The caption the picture should match (type your own)")
        self.steps_box = QSpinBox()
        self.steps_box.setRange(10, 1000)
        self.steps_box.setValue(25)
        self.steps_box.setToolTip("How many denoising steps (DDPM wants hundreds; DDIM is fine with 25–50)")
        self.sampler_box = QComboBox()
        self.sampler_box.addItem("DDIM (few big steps)", "ddim")
        self.sampler_box.addItem("DDPM (many small noisy steps)", "ddpm")
        self.sampler_box.currentIndexChanged.connect(self._on_sampler)
        self.plan_box = QComboBox()
        for label, key in STEP_PLANS:
            self.plan_box.addItem(label, key)
        self.plan_box.setToolTip(
            "Which noise levels the steps visit.\n"
            "As tuned: the plan that scored best for this model in a test of captions.\n"
            "Evenly spaced: equal jumps in t, the clean-picture guess cut back into the colour range "
            "(the classic way; its first jump is huge and colours can drift).\n"
            "Karras: the noise shrinks by a modest factor at every step, guess left uncut.")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 99_999)
        self.seed_box.setValue(3)
        self.seed_box.setToolTip("Which starting noise: the same seed gives the same picture")
        self.seed_box.valueChanged.connect(lambda _v: self.show_start())
        self.guidance_box = QDoubleSpinBox()
        self.guidance_box.setRange(0.0, 10.0)
        self.guidance_box.setSingleStep(0.5)
        self.guidance_box.setValue(DEFAULT_GUIDANCE)
        self.guidance_box.setToolTip("How hard the caption pushes (the next page explains it)")
        self.guidance_label = QLabel("Guidance")
        for combo in (self.model_box, self.sampler_box, self.plan_box):
            narrow(combo)
        form.addRow("Model", self.model_box)
        form.addRow("Caption", self.prompt_box)
        form.addRow("Steps", self.steps_box)
        form.addRow("Sampler", self.sampler_box)
        form.addRow("Step plan", self.plan_box)
        form.addRow("Seed", self.seed_box)
        form.addRow(self.guidance_label, self.guidance_box)
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
        self.status_label = QLabel(START_HINT)
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.run_button)
        self.controls.addLayout(row)
        self.controls.addWidget(self.status_label)
        self._on_running(False)

    def _build_picture(self) -> None:
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        self.xt_view = PixelView("Now: the noisy picture the sampler holds", 100)
        self.noise_view = PixelView("The network's guess of the noise")
        self.x0_view = PixelView("…so its guess of the clean picture")
        self.branches = BranchPanel()
        self.branches.branch_clicked.connect(self.branch)
        self.noise_view.set_placeholder("Press Run: the network's guess of the noise in the picture appears here")
        self.x0_view.set_placeholder("…and here what it thinks the clean picture is")
        # one row, read left to right: the noisy picture, the noise the network sees in it, the clean picture
        # that leaves (stacked on the right at 1280×800 the two guesses were 64 px each; in a row all are ~150)
        grid.addWidget(self.xt_view, 0, 0)
        grid.addWidget(self.noise_view, 0, 1)
        grid.addWidget(self.x0_view, 0, 2)
        grid.addWidget(self.branches, 1, 0, 1, 3)
        grid.setRowStretch(0, 1)  # the tree gets the larger share: three rows of frames still read at 1280×800
        grid.setRowStretch(1, 2)
        self.set_picture(host)

    # -- actions ------------------------------------------------------------------------------
    def model_name(self) -> str:
        return str(self.model_box.currentData())

    def showEvent(self, event) -> None:  # noqa: N802
        self.model_box.refresh()  # pick up models trained meanwhile
        super().showEvent(event)

    def _on_model(self, *_args) -> None:
        """A model was picked: its captions, its recommended guidance, its starting noise (or why it can't run)."""
        entry = self.model_box.current_entry()
        self._fill_prompts()
        apply_recommended_guidance(entry, self.guidance_box.setValue, self.guidance_label, self.guidance_box)
        self.show_start()
        if entry.error:
            self._set_status(entry.error)

    def _fill_prompts(self) -> None:
        entry = self.model_box.current_entry()
        self.prompt_box.clear()
        self.prompt_box.addItems(default_prompts(entry.base or entry.key, entry.config))

    def show_start(self) -> None:
        """Before a run: the seed's pure noise (where sampling starts) instead of empty boxes."""
        if self.runner.is_running():
            return
        from engines.diffusion.sample import initial_noise

        seed = self.seed_box.value()
        x, _rng = initial_noise((1, *self.model_box.current_entry().image_shape), seed)
        start = to_display(x[0])
        self.xt_view.set_image(start)
        self.xt_view.set_title(f"Start: pure noise from seed {seed}")
        self.noise_view.set_image(None)
        self.x0_view.set_image(None)
        self.branches.clear()
        self._set_status(START_HINT)

    def _on_sampler(self) -> None:
        if self.sampler_box.currentData() == "ddpm" and self.steps_box.value() < 100:
            self.status_label.setText("DDPM needs many steps: try 200 or more (a bit slower).")

    def settings(self):
        from engines.diffusion.sample import SampleSettings

        plan = {"auto": {}, "even": {"spacing": "trailing", "clip": True},
                "karras": {"spacing": "karras", "clip": False}}[str(self.plan_box.currentData())]
        return SampleSettings((self.prompt_box.currentText(),), seed=self.seed_box.value(),
                              steps=self.steps_box.value(), guidance=self.guidance_box.value(),
                              sampler=str(self.sampler_box.currentData()), **plan)

    def run(self) -> None:
        error = self.model_box.current_entry().error
        if error:
            self._set_status(error)
            return
        settings, name, ctx, gate = self.settings(), self.model_name(), self.ctx, self.gate
        self.result, self.last_step, self.frames_seen = None, None, 0
        self.pause_button.setChecked(False)
        gate.set_paused(False)
        self.tree, self.tree_model = BranchTree(), name
        self.branches.clear()
        tree, columns = self.tree, self.branches.columns_that_fit(self.model_box.current_entry().image_shape[-1])
        self._set_status(f"Loading the {name} model and sampling {settings.steps} steps…")
        self.runner.start(lambda cancel: tree_job(ctx, name, tree, 0, gate, cancel, trunk_settings=settings,
                                                  max_columns=columns), label="Removing noise")

    def branch(self) -> None:
        """Go on from the picked frame with the caption, guidance and seed now set (a new row of the tree)."""
        if self.branches.picked is None or not self.tree.branches:
            return
        row, step = self.branches.picked
        from engines.diffusion.model_store import get_model

        try:
            model = get_model(self.tree_model)
            child = self.tree.branch(row, step, prompt=self.prompt_box.currentText(),
                                     guidance=self.guidance_box.value(), seed=self.seed_box.value(),
                                     alphas_cumprod=model.schedule.alphas_cumprod)
        except ValueError as exc:
            self._set_status(str(exc))
            return
        ctx, name, tree, gate = self.ctx, self.tree_model, self.tree, self.gate
        columns = self.branches.columns_that_fit(model.image_shape[-1])
        self.pause_button.setChecked(False)
        gate.set_paused(False)
        self._set_status(f"Branch {child.id}: {child.note}.")
        self.runner.start(lambda cancel: tree_job(ctx, name, tree, child.id, gate, cancel, max_columns=columns),
                          label="Branching")

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
        self.branches.show_tree(payload["tree"], payload["cells"], [b.note for b in self.tree.branches],
                                reached=(payload["branch"], step.index + 1))
        self.last_step, self.frames_seen = step, self.frames_seen + 1
        self.xt_view.set_image(to_display(step.x_t[0]))
        self.xt_view.set_title(f"Step {step.index + 1} of {step.total}: the noisy picture at t = {step.t}")
        self.noise_view.set_image(noise_to_display(step.noise_pred[0]))
        self.x0_view.set_image(to_display(step.x0_pred[0]))
        if self.gate.paused:
            self._set_status(f"Paused after step {step.index + 1} of {step.total} (t = {step.t}).")

    def _on_progress(self, progress: Progress) -> None:
        if not self.gate.paused:
            self._set_status(f"Step {progress.step} of {progress.total}")

    def _on_finished(self, result: dict[str, Any]) -> None:
        self.result = np.asarray(result["images"])
        self.branches.show_tree(result["tree"], result["cells"], [b.note for b in self.tree.branches])
        self.xt_view.set_image(to_display(self.result[0]))
        self.xt_view.set_title("Finished picture")
        self.pause_button.setChecked(False)
        steps = self.last_step.total if self.last_step is not None else self.steps_box.value()
        self._set_status(f"Done: {steps} steps of the same network turned noise into this.")

    def _on_running(self, running: bool) -> None:
        self.run_button.setText("Restart from noise" if running else "Run from noise")
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        self.step_button.setEnabled(running and self.gate.paused)

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)
