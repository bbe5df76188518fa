"""Page "Music from noise": a spectrogram painted by diffusion, live, then played as sound."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QLabel,
                               QProgressBar, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget)

from engines.core.jobs import Frame
from engines.diffusion.audio import SAMPLE_RATE, picture_rgb
from engines.diffusion.music import STYLES
from engines.core.jobs import call_job
from engines.diffusion.music_jobs import make_music_job, noisy_sound, open_wav
from engines.diffusion.music_model import cached_music_model, is_trained, recommended_guidance
from lab_app.tabs.diffusion.common import narrow, show_stop_reasons
from lab_app.widgets.pixel_view import PixelView
from lab_app.tabs.diffusion.music_text import NO_MODEL, START_HINT, explainer
from lab_app.tabs.page import LabPage
from lab_app.widgets.sound_player import SoundPlayer

SCALE = 4  # the 64×64 picture is shown as 256×256


def default_loader():
    return cached_music_model()


class MusicPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.model_loader: Callable[[], Any] = default_loader
        self.picture: np.ndarray | None = None  # the clean picture (made or opened)
        self.audio: np.ndarray | None = None  # its sound, rebuilt from the picture
        self.original: np.ndarray | None = None  # an opened WAV's own samples
        self.shown: np.ndarray | None = None  # what the view shows (maybe noised)
        self.frames_seen = 0
        self.player = SoundPlayer(self)
        self.player.position.connect(self._draw_playhead)
        self.player.stopped.connect(lambda: self._draw_playhead(None))
        self.runner = self.new_runner("music")
        self.runner.frame.connect(self.show_frame)
        self.runner.finished.connect(self._on_finished)
        show_stop_reasons(self.runner, self._set_status)
        self.runner.running_changed.connect(lambda _running: self._update_buttons())
        self._build_controls()
        self._build_picture()
        self.set_explainer(explainer())
        self._set_status(START_HINT if is_trained() else NO_MODEL)

    # -- building -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        from engines.diffusion.music_model import DEFAULT_PROMPTS

        form = QFormLayout()
        self.prompt_box = QComboBox()
        self.prompt_box.setEditable(True)
        self.prompt_box.addItems(list(DEFAULT_PROMPTS))
        self.prompt_box.setToolTip("What the clip should sound like: a style (rock, classical, edm, jazz), "
                                   "slow/fast, 'at 128 bpm', a major or minor key, an instrument")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 99_999)
        self.seed_box.setToolTip("Which starting noise: the same seed and caption give the same clip")
        self.steps_box = QSpinBox()
        self.steps_box.setRange(5, 200)
        self.steps_box.setValue(50)
        self.guidance_box = QDoubleSpinBox()
        self.guidance_box.setRange(0.0, 10.0)
        self.guidance_box.setSingleStep(0.5)
        recommended = recommended_guidance()
        self.guidance_box.setValue(recommended)
        self.guidance_box.setToolTip(f"How hard the caption pushes: 0 ignores it; {recommended:g} is this model's "
                                     "recommended scale (it scored best with the style judge)")
        self.mix_box = QComboBox()
        self.mix_box.setEditable(True)
        self.mix_box.addItems(["a classical piece", "an edm track", "a rock song", "a jazz tune"])
        self.mix_box.setToolTip("A second caption: the slider walks the first caption's numbers towards it")
        self.mix_slider = QSlider(Qt.Orientation.Horizontal)
        self.mix_slider.setRange(0, 100)
        self.mix_slider.valueChanged.connect(self._on_mix)
        self.mix_label = QLabel()
        self.mix_label.setWordWrap(True)
        for combo in (self.prompt_box, self.mix_box):
            narrow(combo)
        for label, widget in (("Caption", self.prompt_box), ("Seed", self.seed_box), ("Steps", self.steps_box),
                              ("Guidance", self.guidance_box), ("Mix with", self.mix_box), ("Mix", self.mix_slider),
                              ("", self.mix_label)):
            form.addRow(label, widget)
        self.controls.addLayout(form)
        self.make_button = QPushButton("Make music")
        self.make_button.clicked.connect(self.make)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.play)
        self.original_button = QPushButton("Play the original")
        self.original_button.setToolTip("The opened WAV as it is, to compare with the sound rebuilt from its picture")
        self.original_button.clicked.connect(self.play_original)
        self.export_button = QPushButton("Export WAV")
        self.export_button.clicked.connect(lambda: self.export_wav())
        self.png_button = QPushButton("Save PNG")
        self.png_button.clicked.connect(lambda: self.save_png())
        self.open_button = QPushButton("Open a WAV…")
        self.open_button.clicked.connect(lambda: self.open_wav())
        self.noise_slider = QSlider(Qt.Orientation.Horizontal)
        self.noise_slider.setRange(0, 999)
        self.noise_slider.setToolTip("Add noise to the picture (the forward process), then press Play to hear it")
        self.noise_slider.valueChanged.connect(self._on_noise)
        self.noise_label = QLabel("Noise added: none")
        self.noise_label.setWordWrap(True)
        grid = QGridLayout()
        grid.addWidget(self.make_button, 0, 0)
        grid.addWidget(self.cancel_button, 0, 1)
        grid.addWidget(self.play_button, 1, 0, 1, 2)
        grid.addWidget(self.original_button, 2, 0, 1, 2)
        grid.addWidget(self.export_button, 3, 0)
        grid.addWidget(self.png_button, 3, 1)
        grid.addWidget(self.open_button, 4, 0, 1, 2)
        self.controls.addLayout(grid)
        self.controls.addWidget(self.noise_label)
        self.controls.addWidget(self.noise_slider)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.controls.addWidget(self.status_label)
        if not self.player.available:
            self.play_button.setText("Play: no sound here")
            self.original_button.setText("Original: no sound here")
            self.play_button.setToolTip(self.player.unavailable)
            self.original_button.setToolTip(self.player.unavailable)
        self._on_mix(0)
        self._update_buttons()

    def _build_picture(self) -> None:
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QGridLayout()
        self.view = PixelView("Spectrogram: time →, pitch ↑ (brighter = louder)", 200)
        self.view.set_placeholder("Press Make music: the picture is painted here out of noise")
        self.guess_view = PixelView("Its guess of the end result", 100)
        self.guess_view.set_placeholder("…and here, at every step, what it expects the finished spectrogram to be")
        top.addWidget(self.view, 0, 0)
        top.addWidget(self.guess_view, 0, 1)
        top.setColumnStretch(0, 2)
        top.setColumnStretch(1, 1)
        layout.addLayout(top, 1)
        bars = QGridLayout()
        self.judge_label = QLabel("What the style judge hears (after Make music):")
        self.judge_label.setWordWrap(True)
        bars.addWidget(self.judge_label, 0, 0, 1, 2)
        self.bars: dict[str, QProgressBar] = {}
        for i, style in enumerate(STYLES):
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setFormat(f"{style} –")  # no score before there is music to judge; "0%" would read as heard
            bar.setValue(0)
            bars.addWidget(bar, 1 + i // 2, i % 2)
            self.bars[style] = bar
        layout.addLayout(bars)
        self.set_picture(host)
        self.splitter.setSizes([330, 750])  # room for the paired buttons (Make music | Cancel, Export | Save PNG)

    # -- actions -----------------------------------------------------------------------------------
    def mix(self) -> tuple[str, float] | None:
        w = self.mix_slider.value() / 100
        return (self.mix_box.currentText(), w) if w > 0 else None

    def make(self) -> None:
        prompt, seed, steps = self.prompt_box.currentText(), self.seed_box.value(), self.steps_box.value()
        guidance, mix, loader = self.guidance_box.value(), self.mix(), self.model_loader
        self.frames_seen = 0
        self.player.stop()
        self._set_status(f"Painting the spectrogram in {steps} steps…")
        self.runner.start(lambda cancel: make_music_job(loader, prompt, seed, steps, guidance, mix, cancel),
                          label="Making music")

    def open_wav(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open a WAV file", "", "WAV files (*.wav);;All files (*)")
            if not path:
                return
        self.player.stop()
        self._set_status(f"Reading {Path(path).name} and rebuilding it from its picture…")
        self.runner.start(lambda cancel: call_job(open_wav, path, cancel), label="Opening a WAV")

    def play(self) -> None:
        if self.picture is None:
            return
        if not self.player.available:
            self._set_status(self.player.unavailable)
            return
        if self.noise_slider.value() > 0:  # the noised picture's own sound is built first
            shown = self.shown
            self.runner.start(lambda cancel: call_job(noisy_sound, shown, cancel), label="Rebuilding the noisy sound")
            return
        self.player.play(self.audio, SAMPLE_RATE)

    def play_original(self) -> None:
        if self.original is None:
            return
        if not self.player.available:
            self._set_status(self.player.unavailable)
            return
        self.player.play(self.original, SAMPLE_RATE)

    def export_wav(self, path: str | None = None) -> None:
        from engines.diffusion.audio import write_wav

        if self.audio is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export WAV", "music.wav", "WAV files (*.wav)")
            if not path:
                return
        try:
            write_wav(path, self.audio, SAMPLE_RATE)
        except OSError as exc:  # a folder of that name, no permission, a full disk
            self._set_status(_could_not_save(path, exc))
            return
        self._set_status(f"Saved {Path(path).name} (16-bit, {SAMPLE_RATE // 1000} kHz, mono).")

    def save_png(self, path: str | None = None) -> None:
        from engines.diffusion.png import write_png

        if self.shown is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save the spectrogram", "spectrogram.png", "PNG (*.png)")
            if not path:
                return
        try:
            write_png(path, picture_rgb(self.shown, SCALE), {"prompt": self.prompt_box.currentText(),
                                                             "seed": str(self.seed_box.value())})
        except OSError as exc:
            self._set_status(_could_not_save(path, exc))
            return
        self._set_status(f"Saved {Path(path).name}.")

    # -- drawing ------------------------------------------------------------------------------------
    def show_frame(self, frame: Frame) -> None:
        step = frame.payload
        self.frames_seen += 1
        self.view.set_image(picture_rgb(step.noisy, SCALE))
        self.view.set_title(f"Step {step.index + 1} of {step.total}: the noisy picture")
        self.guess_view.set_image(picture_rgb(step.guess, SCALE))
        self._set_status(f"Step {step.index + 1} of {step.total}")

    def _on_finished(self, result: dict) -> None:
        kind = result["kind"]
        if kind == "noisy":
            self.player.play(result["audio"], SAMPLE_RATE)
            self._set_status("Playing the noised picture, rebuilt as sound.")
            return
        self.picture, self.audio = result["picture"], result["audio"]
        self.original = result.get("original")
        self.noise_slider.setValue(0)
        self._show_picture(self.picture)
        if kind == "music":
            self.view.set_title("Finished spectrogram")
            probs = result["probs"]
            for i, style in enumerate(STYLES):
                self.bars[style].setValue(int(round(100 * probs[i])) if probs is not None else 0)
                self.bars[style].setFormat(f"{style} %p%" if probs is not None else f"{style} –")
            self.judge_label.setText("What the style judge hears:" if probs is not None else
                                     "No style judge here (it needs PyTorch; the full build has it).")
            self._set_status(f"Done in {result['seconds']:.1f} s: a {len(self.audio) / SAMPLE_RATE:.1f}-second clip; "
                             f"the tempo detector hears about {result['bpm']:.0f} bpm."
                             + (" Read as the half-way mix of \u201c{}\u201d and \u201c{}\u201d.".format(*result["read_as"])
                                if result.get("read_as") else ""))
        else:
            info = result["info"]
            self.view.set_title(f"{result['name']}: its first 2 seconds")
            self.guess_view.set_image(None)
            self._set_status(f"{result['name']}: {info.seconds:.1f} s, {info.sample_rate} Hz, {info.channels} channel(s). "
                             f"Play = rebuilt from the picture alone (spectral difference "
                             f"{result['convergence']:.0%}); Play the original to compare.")
        self._update_buttons()

    def _show_picture(self, picture: np.ndarray) -> None:
        self.shown = picture
        self.view.set_image(picture_rgb(picture, SCALE))

    def _draw_playhead(self, fraction: float | None) -> None:
        if self.shown is None:
            return
        rgb = picture_rgb(self.shown, SCALE)
        if fraction is not None:
            x = min(rgb.shape[1] - 1, int(fraction * rgb.shape[1]))
            rgb[:, max(0, x - 1): x + 1] = 255
        self.view.set_image(rgb)

    def _on_noise(self, t: int) -> None:
        from engines.diffusion.schedule import NoiseSchedule, q_sample

        if self.picture is None:
            return
        if t == 0:
            self.noise_label.setText("Noise added: none")
            self._show_picture(self.picture)
            return
        schedule = NoiseSchedule.make("cosine", 1000)
        noise = np.random.default_rng(0).standard_normal((1, 1, 64, 64)).astype(np.float32)
        noisy = np.clip(q_sample(schedule, self.picture[None, None], t, noise)[0, 0], -1, 1)
        self.noise_label.setText(f"Noise added: t = {t}, {float(schedule.signal_share(t)):.2f} × picture + "
                                 f"{float(schedule.noise_share(t)):.2f} × noise (Play to hear it)")
        self._show_picture(noisy)

    def _on_mix(self, value: int) -> None:
        self.mix_label.setText("Mix: only the caption above" if value == 0 else
                               f"Mix: {100 - value} % caption, {value} % the second caption")

    def _update_buttons(self) -> None:
        have = self.picture is not None
        for b in (self.play_button, self.export_button, self.png_button, self.noise_slider):
            b.setEnabled(have)
        self.original_button.setEnabled(self.original is not None)
        running = self.runner.is_running()  # Cancel only while something runs, Make music only when not
        self.cancel_button.setEnabled(running)
        self.make_button.setEnabled(not running)
        self.open_button.setEnabled(not running)

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def shutdown(self) -> None:
        self.player.close()
        super().shutdown()


def _could_not_save(path: str, exc: OSError) -> str:
    why = "that is a folder" if Path(path).is_dir() else (exc.strerror or str(exc))
    return f"Could not save {Path(path).name}: {why}. Choose another name or place."
