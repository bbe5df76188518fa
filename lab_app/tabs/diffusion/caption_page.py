"""Page "Steer with a caption": prompt, guidance scale, seed, a batch grid, two prompts side by side,
the caption's numbers, and saving a PNG that remembers its settings."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from engines.core.jobs import Frame, Progress
from engines.diffusion.model_store import CLUES, default_prompts
from engines.diffusion.sample import image_grid
from engines.diffusion.steer import caption_job
from lab_app.errors import warn_could_not_save
from lab_app.tabs.diffusion.branch_panel import BranchPanel
from lab_app.tabs.diffusion.caption_numbers import caption_heatmap, show_encoding
from lab_app.tabs.diffusion.caption_text import explainer_text
from lab_app.tabs.diffusion.caption_walk import CaptionWalk
from lab_app.tabs.diffusion.clue_compare import ClueCompare
from lab_app.tabs.diffusion.common import (
    apply_recommended_guidance,
    model_combo,
    narrow,
    show_stop_reasons,
    with_model,
)
from lab_app.tabs.diffusion.steer_tree import SteerTree
from lab_app.tabs.diffusion.walk_panel import WalkControls, WalkStrip
from lab_app.tabs.page import LabPage
from lab_app.widgets.pixel_view import PixelView
from lab_app.widgets.wrapping_field import WrappingField

GRIDS = ((1, "1 picture"), (4, "2 × 2"), (9, "3 × 3"), (16, "4 × 4"))


class CaptionPage(SteerTree, ClueCompare, CaptionWalk, LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.result: dict[str, Any] | None = None
        self.mode = "grid"
        self.runner = self.new_runner("caption sampling")
        self.runner.frame.connect(self.show_frame)
        self.runner.progress.connect(lambda p: self._status(f"Step {p.step} of {p.total}…")
                                     if isinstance(p, Progress) else None)
        self.runner.finished.connect(self._on_finished)
        show_stop_reasons(self.runner, self._status)
        self.runner.running_changed.connect(self._on_running)
        self._build_controls()
        self._build_picture()
        self.set_explainer(explainer_text())
        self._on_model()

    def _build_controls(self) -> None:
        form = QFormLayout()
        self.model_box = model_combo()
        self.model_box.currentIndexChanged.connect(self._on_model)
        self.prompt_edit = WrappingField()  # a whole caption shows, on as many lines as it needs
        self.prompt_edit.setMinimumWidth(60)
        self.prompt_edit.setToolTip("Describe the picture: hair, skin, eyes and hat colours, smiling/frowning…")
        self.prompt_b_edit = WrappingField()
        self.prompt_b_edit.setToolTip("A second caption: for the side-by-side comparison and the caption walk")
        self.guidance_slider = QSlider(Qt.Orientation.Horizontal)
        self.guidance_slider.setRange(0, 20)  # halves: 0 … 10
        self.guidance_slider.setValue(6)
        self.guidance_slider.setToolTip("How hard the caption pushes: 0 = ignore it")
        self.guidance_label = QLabel()
        self.guidance_slider.valueChanged.connect(self._show_guidance)
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 99_999)
        self.seed_box.setValue(7)
        self.steps_box = QSpinBox()
        self.steps_box.setRange(5, 200)
        self.steps_box.setValue(25)
        self.grid_box = QComboBox()
        for n, label in GRIDS:
            self.grid_box.addItem(label, n)
        self.grid_box.setCurrentIndex(1)
        narrow(self.model_box)
        form.addRow("Model", self.model_box)
        form.addRow("Caption", self.prompt_edit)
        form.addRow(self.guidance_label, self.guidance_slider)
        form.addRow("Seed", self.seed_box)
        form.addRow("Steps", self.steps_box)
        form.addRow("Batch", self.grid_box)
        self.controls.addLayout(form)
        self.generate_button = QPushButton("Generate")
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.cancel_button.setEnabled(False)
        run_row = QHBoxLayout()
        run_row.addWidget(self.generate_button, 2)
        run_row.addWidget(self.cancel_button, 1)
        self.controls.addLayout(run_row)
        self.controls.addSpacing(6)
        self.controls.addWidget(QLabel("Same seed, another caption:"))
        self.controls.addWidget(self.prompt_b_edit)
        self.compare_button = QPushButton("Compare side by side")
        self.compare_button.clicked.connect(self.compare)
        self.controls.addWidget(self.compare_button)
        self.clues_button = QPushButton("Read it with both clues")
        self.clues_button.setToolTip("The first caption drawn by the faces model with GloVe word vectors and by the one "
                                     "with MiniLM sentence vectors, from the same noise, and how each reads new words")
        self.clues_button.clicked.connect(self.compare_clues)
        self.clues_button.setEnabled(any(e.key == CLUES["minilm"] for e in self.model_box.entries))
        self.controls.addWidget(self.clues_button)
        self.controls.addSpacing(6)
        self.walk_controls = WalkControls()
        self.walk_box, self.frames_box = self.walk_controls.walk_box, self.walk_controls.frames_box
        self.seed_b_box, self.walk_button = self.walk_controls.seed_b_box, self.walk_controls.walk_button
        self.walk_button.clicked.connect(self.walk)
        self.controls.addWidget(self.walk_controls)
        self.controls.addSpacing(6)
        self.tree_button = QPushButton("Run as a tree")
        self.tree_button.setToolTip("One picture, step by step: pause at any step or click a frame below, change the "
                                    "caption, guidance or seed, and branch")
        self.tree_button.clicked.connect(self.run_tree)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._on_pause)
        self.pause_button.setEnabled(False)
        tree_row = QHBoxLayout()
        tree_row.addWidget(self.tree_button, 2)
        tree_row.addWidget(self.pause_button, 1)
        self.controls.addLayout(tree_row)
        self.controls.addSpacing(6)
        self.save_button = QPushButton("Save PNG…")
        self.save_button.setToolTip("The file remembers caption, seed, steps and guidance")
        self.save_button.clicked.connect(self._ask_save)
        self.save_button.setEnabled(False)
        self.controls.addWidget(self.save_button)
        self.status_label = QLabel("Press Generate.")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)
        self._show_guidance()

    def _build_picture(self) -> None:
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        self.grid_view = PixelView("Pictures for the caption", 120)
        self.grid_view.set_placeholder("Press Generate: pictures for the caption appear here")
        self.words_label = QLabel("")
        self.words_label.setWordWrap(True)
        self.heat_plot, self.heat_item, self.heat_placeholder = caption_heatmap()
        grid.addWidget(self.grid_view, 0, 0)
        grid.addWidget(self.heat_plot, 0, 1)
        grid.addWidget(self.words_label, 1, 0, 1, 2)
        self.strip_host = WalkStrip()
        self.strip_views = self.strip_host.views
        self.strip_host.setVisible(False)  # appears with the first strip
        self.branches = BranchPanel()
        self.branches.branch_clicked.connect(self.branch)
        self.branches.setVisible(False)  # appears with the first tree
        grid.addWidget(self.branches, 3, 0, 1, 2)
        grid.addWidget(self.strip_host, 2, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(0, 2)
        self._picture_grid = grid
        self.set_picture(host)

    # -- actions ------------------------------------------------------------------------------
    def model_name(self) -> str:
        return str(self.model_box.currentData())

    def guidance(self) -> float:
        return self.guidance_slider.value() / 2.0

    def set_guidance(self, value: float) -> None:
        self.guidance_slider.setValue(int(round(max(0.0, min(10.0, value)) * 2)))

    def showEvent(self, event) -> None:  # noqa: N802
        self.model_box.refresh()  # pick up models trained meanwhile
        super().showEvent(event)

    def _on_model(self, *_args) -> None:
        """A model was picked: its captions and its recommended guidance (or why it cannot be used)."""
        entry = self.model_box.current_entry()
        self._fill_prompts()
        recommended = apply_recommended_guidance(entry, self.set_guidance, self.guidance_label, self.guidance_slider)
        if entry.error:
            self._status(entry.error)
        elif recommended is not None:
            self._status(f"Guidance set to {self.guidance():g}, the scale recommended for this model.")

    def _show_guidance(self) -> None:
        w = self.guidance()
        note = " (caption ignored)" if w == 0 else ""
        self.guidance_label.setText(f"Guidance {w:g}{note}")

    def _fill_prompts(self) -> None:
        entry = self.model_box.current_entry()
        prompts = default_prompts(entry.base or entry.key, entry.config)
        self.prompt_edit.setText(prompts[0])
        self.prompt_b_edit.setText(prompts[1])

    def _settings(self, prompts: tuple[str, ...]):
        from engines.diffusion.sample import SampleSettings

        return SampleSettings(prompts, seed=self.seed_box.value(), steps=self.steps_box.value(),
                              guidance=self.guidance(), sampler="ddim")

    def generate(self) -> None:
        n = int(self.grid_box.currentData())
        self._start(self._settings((self.prompt_edit.text(),) * n), same_noise=False, mode="grid")

    def compare(self) -> None:
        prompts = (self.prompt_edit.text(), self.prompt_b_edit.text())
        self._start(self._settings(prompts), same_noise=True, mode="compare")

    def _can_start(self) -> bool:
        error = self.model_box.current_entry().error
        if error:
            self._status(error)
        return not error

    def _start(self, settings, same_noise: bool, mode: str) -> None:
        ctx, name = self.ctx, self.model_name()
        if not self._can_start():
            return
        self.mode, self.result = mode, None
        self._hide_tree()
        self.save_button.setEnabled(False)
        self._status(f"Sampling {len(settings.prompts)} picture(s), {settings.steps} steps…")
        self.runner.start(lambda cancel: with_model(ctx, name, lambda m: caption_job(m, settings, same_noise, cancel)),
                          label="Sampling from a caption")

    # -- drawing ------------------------------------------------------------------------------
    def _mosaic(self, images: np.ndarray) -> np.ndarray:
        """The pictures 2 px apart on mid grey, with no frame around them (a lone picture's thick grey frame was a
        bright block on the dark theme)."""
        images = np.asarray(images)
        columns = len(images) if self.mode in ("compare", "strip") else int(np.ceil(np.sqrt(len(images))))
        return image_grid(images, columns, pad=2, fill=150)[2:-2, 2:-2]

    def show_frame(self, frame: Frame) -> None:
        if self.mode == "tree":
            self._tree_frame(frame.payload, frame.step)
            return
        if self.mode == "clues":
            self._clues_frame(frame.payload, frame.step)
            return
        if self.mode == "strip":
            self._strip_frame(frame.payload)
            return
        self.grid_view.set_image(self._mosaic(frame.payload["x0"]))
        self.grid_view.set_title(f"Step {frame.step}: the network's current guess")
        self.show_encoding(frame.payload["encoded"])

    def show_encoding(self, encoded) -> None:
        phrases = self.model_box.current_entry().config.get("word_source") == "minilm"
        show_encoding(self.heat_plot, self.heat_item, self.heat_placeholder, self.words_label, encoded, phrases)

    def _on_finished(self, result: dict[str, Any]) -> None:
        self.result = result
        if self.mode == "tree":
            self._tree_finished(result)
            return
        if self.mode == "clues":
            self._show_clues(result)
            return
        if self.mode == "strip":
            self._strip_finished(result)
            return
        images = np.asarray(result["images"])
        self.grid_view.set_image(self._mosaic(images))
        s = result["settings"]
        if self.mode == "compare":
            title = f"Same seed {s.seed}: first caption (left), second caption (right)"
        else:
            title = f"{len(images)} picture(s), seed {s.seed}, guidance {s.guidance:g}"
        self.grid_view.set_title(title)
        self.show_encoding(result["encoded"])
        self.save_button.setEnabled(True)
        if self.mode == "compare":
            self._status(f"Left: “{s.prompts[0]}”. Right: “{s.prompts[1]}”. Same starting noise for both.")
        else:
            self._status("Done. Change the guidance or a word and generate again to compare.")

    def _on_running(self, running: bool) -> None:
        self.pause_button.setEnabled(running and self.mode == "tree")
        self.generate_button.setText("Restart" if running else "Generate")
        self.cancel_button.setEnabled(running)

    def _status(self, text: str) -> None:
        self.status_label.setText(text)

    # -- saving -------------------------------------------------------------------------------
    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save picture", "diffusion.png", "PNG (*.png)")
        if path:
            try:
                self.save_png(path)
            except (OSError, ValueError) as exc:  # a folder of that name, no permission, a device, "/"
                warn_could_not_save(self, path, exc)

    def save_png(self, path: str) -> dict[str, str]:
        """Write the last result (enlarged 4×, nearest neighbour) with its settings as PNG text."""
        from engines.diffusion.png import write_png

        if self.result is None or self.mode == "tree":
            raise ValueError("nothing generated yet" if self.result is None else "save the tree with its own button")
        s = self.result["settings"]
        mosaic = self.grid_view.image if self.mode == "clues" else self._mosaic(np.asarray(self.result["images"]))
        big = np.repeat(np.repeat(mosaic, 4, axis=0), 4, axis=1)
        meta = {"prompt": " | ".join(dict.fromkeys(s.prompts)), "seed": str(s.seed), "steps": str(s.steps),
                "guidance": str(s.guidance), "sampler": s.sampler, "model": self.model_name(),
                "Software": "AI Lab (Diffusion tab)"}
        if self.mode == "strip":
            r = self.result
            meta["interpolation"] = (f"caption walk to “{r['prompt_b']}”" if r["kind"] == "prompts"
                                     else f"seed walk to seed {r['seed_b']}") + f", {len(r['weights'])} frames"
        write_png(path, big, meta)
        self._status(f"Saved {path}")
        return meta
