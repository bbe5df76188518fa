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
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from engines.core.jobs import Frame, Progress
from lab_app.plotting import pg, themed
from lab_app.tabs.diffusion.common import (
    model_combo,
    show_stop_reasons,
    PixelView,
    backend_for,
    default_prompts,
    get_model,
    narrow,
    tile_grid,
    tile_row,
    to_display,
)
from lab_app.tabs.page import LabPage

GRIDS = ((1, "1 picture"), (4, "2 × 2"), (9, "3 × 3"))

EXPLAINER = """
<p><b>The caption as numbers.</b> The caption is split into words; each word becomes 50 numbers from a
word table learned from ordinary English text (so "grinning" starts close to "smiling"), and a small
transformer mixes them into one row of 64 numbers per word (the heatmap). The network reads these rows at every step.</p>
<p><b>Guidance.</b> Each step the network guesses the noise twice: once with the caption and once with an empty
one. The difference between the two guesses is the caption's push; the guidance scale multiplies it. 0 ignores the
caption, 1 uses it plainly, 3–5 exaggerates it (clearer attributes, but too much makes colours garish).
The same seed with two captions starts from the same noise, so only the caption differs.
Words the caption doesn't mention (a hat, glasses) are left to chance.
<b>Honest note:</b> the faces model gets about 7 in 10 attributes right (hats and background colours are its weak
spots), synonyms steer it only about 4 times in 10, and the digits model draws the digit asked for only
about a quarter of the time.</p>
"""


def caption_job(ctx, model_name: str, settings, same_noise: bool, cancel):
    """Encode the prompts, then sample; frames show the predicted clean pictures so far.

    Returns {"images": (B, C, H, W), "encoded": EncodedPrompts of the first prompt, "settings": settings}.
    """
    from engines.diffusion.sample import initial_noise, sample_job

    backend, device = backend_for(ctx)
    model = get_model(model_name, backend, device, ctx.current.threads)
    encoded = model.encode([settings.prompts[0]])
    x_start = None
    if same_noise:
        x, _ = initial_noise((1, *model.image_shape), settings.seed)
        x_start = np.repeat(x, len(settings.prompts), axis=0)
    job = sample_job(model, settings, cancel, x_start=x_start)
    try:
        while True:
            event = next(job)
            if isinstance(event, Frame):
                yield Frame({"x0": event.payload.x0_pred, "encoded": encoded}, step=event.step)
            else:
                yield event
    except StopIteration as stop:
        return {"images": stop.value, "encoded": encoded, "settings": settings}


class CaptionPage(LabPage):
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
        self.set_explainer(EXPLAINER)

    def _build_controls(self) -> None:
        form = QFormLayout()
        self.model_box = model_combo()
        self.model_box.currentIndexChanged.connect(self._fill_prompts)
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setMinimumWidth(60)
        self.prompt_edit.setToolTip("Describe the picture: hair, skin, eyes and hat colours, smiling/frowning…")
        self.prompt_b_edit = QLineEdit()
        self.prompt_b_edit.setToolTip("A second caption for the side-by-side comparison")
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
        self.controls.addWidget(self.generate_button)
        self.controls.addSpacing(8)
        self.controls.addWidget(QLabel("Same seed, another caption:"))
        self.controls.addWidget(self.prompt_b_edit)
        self.compare_button = QPushButton("Compare side by side")
        self.compare_button.clicked.connect(self.compare)
        self.controls.addWidget(self.compare_button)
        self.controls.addSpacing(8)
        self.save_button = QPushButton("Save PNG…")
        self.save_button.setToolTip("The file remembers caption, seed, steps and guidance")
        self.save_button.clicked.connect(self._ask_save)
        self.save_button.setEnabled(False)
        self.controls.addWidget(self.save_button)
        self.status_label = QLabel("Press Generate.")
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)
        self._fill_prompts()
        self._show_guidance()

    def _build_picture(self) -> None:
        g = pg()
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        self.grid_view = PixelView("Pictures for the caption", 120)
        self.words_label = QLabel("")
        self.words_label.setWordWrap(True)
        self.heat_plot = themed(g.PlotWidget(title="The caption as numbers"))
        self.heat_plot.setMinimumWidth(120)
        self.heat_plot.invertY(True)
        self.heat_plot.setMouseEnabled(x=False, y=False)
        self.heat_plot.setLabel("bottom", "64 numbers per row")
        self.heat_plot.getAxis("left").setTickSpacing(5, 1)
        self.heat_item = g.ImageItem(np.zeros((2, 64)), levels=(-1, 1))
        self.heat_item.setColorMap(g.colormap.get("CET-D1"))
        self.heat_plot.addItem(self.heat_item)
        grid.addWidget(self.grid_view, 0, 0)
        grid.addWidget(self.heat_plot, 0, 1)
        grid.addWidget(self.words_label, 1, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(0, 1)
        self.set_picture(host)

    # -- actions ------------------------------------------------------------------------------
    def model_name(self) -> str:
        return str(self.model_box.currentData())

    def guidance(self) -> float:
        return self.guidance_slider.value() / 2.0

    def _show_guidance(self) -> None:
        w = self.guidance()
        note = " (caption ignored)" if w == 0 else ""
        self.guidance_label.setText(f"Guidance {w:g}{note}")

    def _fill_prompts(self) -> None:
        prompts = default_prompts(self.model_name())
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

    def _start(self, settings, same_noise: bool, mode: str) -> None:
        ctx, name = self.ctx, self.model_name()
        self.mode, self.result = mode, None
        self.save_button.setEnabled(False)
        self._status(f"Sampling {len(settings.prompts)} picture(s), {settings.steps} steps…")
        self.runner.start(lambda cancel: caption_job(ctx, name, settings, same_noise, cancel),
                          label="Sampling from a caption")

    # -- drawing ------------------------------------------------------------------------------
    def _mosaic(self, images: np.ndarray) -> np.ndarray:
        tiles = [to_display(im) for im in images]
        if self.mode == "compare":
            return tile_row(tiles, pad=2)
        return tile_grid(tiles, int(np.ceil(np.sqrt(len(tiles)))), pad=2)

    def show_frame(self, frame: Frame) -> None:
        self.grid_view.set_image(self._mosaic(frame.payload["x0"]))
        self.grid_view.set_title(f"Step {frame.step}: the network's current guess")
        self.show_encoding(frame.payload["encoded"])

    def show_encoding(self, encoded) -> None:
        rows = int(encoded.mask[0].sum())
        tokens = np.asarray(encoded.tokens[0][:max(rows, 1)])
        limit = float(np.abs(tokens).max()) or 1.0
        self.heat_item.setImage(tokens, levels=(-limit, limit))
        self.heat_plot.setRange(xRange=(0, tokens.shape[1]), yRange=(0, tokens.shape[0]), padding=0)
        self.heat_plot.setLabel("left", "row 0: start · 1…: words")
        words = ", ".join(encoded.words[0]) or "(none: the caption is ignored)"
        ignored = f" Not in its word table, ignored: <i>{', '.join(encoded.unknown[0])}</i>." \
            if encoded.unknown and encoded.unknown[0] else ""
        first = ", ".join(f"{v:+.2f}" for v in tokens[min(1, tokens.shape[0] - 1), :6])
        self.words_label.setText(f"Words it read: <b>{words}</b>.{ignored} First numbers of the first word: "
                                 f"{first}, … (row 0 is a start marker that sums up the whole caption)")

    def _on_finished(self, result: dict[str, Any]) -> None:
        self.result = result
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
        self.generate_button.setText("Restart" if running else "Generate")

    def _status(self, text: str) -> None:
        self.status_label.setText(text)

    # -- saving -------------------------------------------------------------------------------
    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save picture", "diffusion.png", "PNG (*.png)")
        if path:
            self.save_png(path)

    def save_png(self, path: str) -> dict[str, str]:
        """Write the last result (enlarged 4×, nearest neighbour) with its settings as PNG text."""
        from engines.diffusion.png import write_png

        if self.result is None:
            raise ValueError("nothing generated yet")
        s = self.result["settings"]
        mosaic = self._mosaic(np.asarray(self.result["images"]))
        big = np.repeat(np.repeat(mosaic, 4, axis=0), 4, axis=1)
        meta = {"prompt": " | ".join(dict.fromkeys(s.prompts)), "seed": str(s.seed), "steps": str(s.steps),
                "guidance": str(s.guidance), "sampler": s.sampler, "model": self.model_name(),
                "Software": "AI Lab (Diffusion tab)"}
        write_png(path, big, meta)
        self._status(f"Saved {path}")
        return meta
