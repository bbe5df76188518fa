"""Page "Add noise": slide one picture from clean to pure noise with the closed-form forward process."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

from engines.diffusion.sample import image_grid
from engines.diffusion.schedule import NoiseSchedule, q_sample
from lab_app.plotting import pg, themed
from lab_app.tabs.diffusion.common import qimage_to_array, to_display
from lab_app.tabs.page import LabPage
from lab_app.widgets.pixel_view import PixelView
from lab_app.widgets.plot_legend import legend_below

STRIP_FRACTIONS = [i / 10 for i in range(11)]
SOURCES = ("A generated face", "A handwritten digit", "My own picture…")

EXPLAINER = """
<p><b>Making noise is easy.</b> Training a diffusion model starts by spoiling pictures on purpose. At step
<i>t</i> the picture becomes <i>a × picture + b × random noise</i>. The two numbers come from a fixed recipe,
the <i>schedule</i> (the curve on the right): at t = 0 it is all picture, at t = 999 it is all noise. They are
not shares that add up to 1; their <i>squares</i> do (at t = 700: {a700:.2f}² + {b700:.2f}² ≈ 1), which keeps
the overall spread of pixel values the same at every t. You can jump straight to any t in one go, without adding
noise step by step.</p>
<p><b>Why bother?</b> The model is shown a huge number of these spoiled pictures, each with its t ({pictures}:
every training picture many times, each time at a new t), and learns one thing: guess the noise that was added.
Once it can do that, the next page runs the process backwards, starting from pure noise. The "cosine" schedule
(used by the shipped models) keeps more of the picture in the middle steps than the older "linear" one; at 32×32
pixels the linear one wipes the picture out early.</p>
"""


def explainer_text() -> str:
    """The explainer with today's numbers: the schedule at t = 700 and the pictures the shipped models saw."""
    from lab_app.tabs.diffusion.facts import millions, training_facts

    schedule = NoiseSchedule.make("cosine", 1000)
    seen = {name: training_facts(name) for name in ("faces", "digits")}
    if all(f is not None and f.pictures for f in seen.values()):
        pictures = (f"the shipped faces model saw {millions(seen['faces'].pictures)}, the digits model "
                    f"{millions(seen['digits'].pictures)}")
    else:
        pictures = "hundreds of thousands at least"
    return EXPLAINER.format(a700=float(schedule.signal_share(700)), b700=float(schedule.noise_share(700)),
                            pictures=pictures)


class AddNoisePage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.schedule = NoiseSchedule.make("cosine", 1000)
        self.x0: np.ndarray = np.zeros((3, 32, 32), np.float32)
        self.noise: np.ndarray = np.zeros_like(self.x0)
        self.shown: np.ndarray | None = None
        self.picture_seed = 1
        self._build_controls()
        self._build_picture()
        self.set_explainer(explainer_text())
        self.new_picture()

    # -- layout -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        form = QFormLayout()
        self.source_box = QComboBox()
        self.source_box.addItems(SOURCES)
        self.source_box.activated.connect(self._on_source)
        self.schedule_box = QComboBox()
        self.schedule_box.addItems(["cosine", "linear"])
        self.schedule_box.setToolTip("The recipe for how fast the picture fades (the shipped models use cosine)")
        self.schedule_box.currentTextChanged.connect(self._on_schedule)
        self.noise_seed = QSpinBox()
        self.noise_seed.setRange(0, 99_999)
        self.noise_seed.setToolTip("Which random noise is mixed in")
        self.noise_seed.valueChanged.connect(lambda _v: self._new_noise())
        form.addRow("Picture", self.source_box)
        form.addRow("Schedule", self.schedule_box)
        form.addRow("Noise seed", self.noise_seed)
        self.controls.addLayout(form)
        self.another_button = QPushButton("Another picture")
        self.another_button.clicked.connect(self.new_picture)
        self.open_button = QPushButton("Open my picture…")
        self.open_button.clicked.connect(self.open_picture)
        self.controls.addWidget(self.another_button)
        self.controls.addWidget(self.open_button)
        self.controls.addSpacing(10)
        self.t_label = QLabel()
        self.t_label.setWordWrap(True)
        self.t_slider = QSlider(Qt.Orientation.Horizontal)
        self.t_slider.setRange(0, self.schedule.num_timesteps - 1)
        self.t_slider.setValue(300)
        self.t_slider.setToolTip("Timestep t: 0 = the clean picture, 999 = pure noise")
        self.t_slider.valueChanged.connect(lambda _v: self.update_view())
        self.controls.addWidget(QLabel("<b>Timestep t</b> (clean → noise)"))
        self.controls.addWidget(self.t_slider)
        self.controls.addWidget(self.t_label)
        self.caption_label = QLabel()
        self.caption_label.setWordWrap(True)
        self.caption_label.setStyleSheet("color: #888")
        self.controls.addWidget(self.caption_label)

    def _build_picture(self) -> None:
        g = pg()
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        self.clean_view = PixelView("Clean picture (t = 0)")
        self.noisy_view = PixelView("At t = 300")
        self.plot = themed(g.PlotWidget(title="Schedule: what is left at t"))
        self.plot.setMinimumWidth(120)
        self.plot.setLabel("bottom", "timestep t")
        self.plot.setLabel("left", "multiplier (a, b)")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setMouseEnabled(x=False, y=False)
        self.signal_curve = self.plot.plot([], [], pen=g.mkPen("#2e86de", width=3), name="a (picture)")
        self.noise_curve = self.plot.plot([], [], pen=g.mkPen("#e67e22", width=3), name="b (noise)")
        legend_below(self.plot)  # inside the plot it covered the noise curve
        self.t_line = g.InfiniteLine(pos=300, angle=90, pen=g.mkPen("#d62728", width=2))
        self.plot.addItem(self.t_line)
        self.plot.setYRange(0, 1.02)
        self.plot.setXRange(0, 1000, padding=0.02)
        self.strip_view = PixelView("t = 0, 10 %, 20 % … 100 % of the way to pure noise", 40)
        self.strip_view.align_top = True  # right under its caption, not floating in the middle of its cell
        grid.addWidget(self.clean_view, 0, 0)
        grid.addWidget(self.noisy_view, 0, 1)
        grid.addWidget(self.plot, 0, 2)
        grid.addWidget(self.strip_view, 1, 0, 1, 3)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 3)
        self.set_picture(host)
        self._draw_schedule()

    # -- pictures ----------------------------------------------------------------------------
    def new_picture(self) -> None:
        """A fresh face or digit (for "My own picture" this opens the file dialog)."""
        index = self.source_box.currentIndex()
        self.picture_seed += 1
        if index == 0:
            from engines.diffusion.faces import generate_faces

            faces = generate_faces(1, seed=self.picture_seed, holdout="any")
            self.set_image(faces.images[0].astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0, faces.captions[0])
        elif index == 1:
            from engines.diffusion.digits_data import load_captioned_digits

            digits = load_captioned_digits("test")
            i = self.picture_seed % len(digits.labels)
            self.set_image(digits.images[i], digits.captions[i])
        else:
            self.open_picture()

    def _on_source(self, index: int) -> None:
        if index == 2:
            self.open_picture()
        else:
            self.new_picture()

    def open_picture(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a picture", "", "Pictures (*.png *.jpg *.jpeg *.bmp *.gif)")
        if path:
            self.load_picture(path)

    def load_picture(self, path: str) -> None:
        try:
            image = qimage_to_array(QImage(path))
        except ValueError as exc:
            self.caption_label.setText(str(exc))
            return
        self.source_box.setCurrentIndex(2)
        self.set_image(image, f"your picture, shrunk to 32×32 ({path.rsplit('/', 1)[-1]})")

    def set_image(self, x0: np.ndarray, caption: str = "") -> None:
        """Use ``x0`` (C, H, W) in −1..1 as the clean picture."""
        self.x0 = np.asarray(x0, np.float32)
        self.caption_label.setText(f"Caption: {caption}" if caption else "")
        self.clean_view.set_image(to_display(self.x0))
        self._new_noise()

    def _new_noise(self) -> None:
        rng = np.random.default_rng(self.noise_seed.value())
        self.noise = rng.standard_normal(self.x0.shape).astype(np.float32)
        self.update_view()

    def _on_schedule(self, kind: str) -> None:
        self.schedule = NoiseSchedule.make(kind, 1000)
        self._draw_schedule()
        self.update_view()

    def _draw_schedule(self) -> None:
        ts = np.arange(self.schedule.num_timesteps)
        self.signal_curve.setData(ts, self.schedule.signal_share(ts))
        self.noise_curve.setData(ts, self.schedule.noise_share(ts))

    def noisy(self, t: int) -> np.ndarray:
        return q_sample(self.schedule, self.x0[None], int(t), self.noise[None])[0]

    def update_view(self) -> None:
        t = self.t_slider.value()
        signal, noise = float(self.schedule.signal_share(t)), float(self.schedule.noise_share(t))
        self.shown = to_display(self.noisy(t))
        self.noisy_view.set_image(self.shown)
        self.noisy_view.set_title(f"At t = {t}")
        self.t_line.setValue(t)
        self.t_label.setText(f"t = {t}: {signal:.2f} × picture + {noise:.2f} × noise<br>"
                             f"<span style='color:#888'>squares add to 1: {signal * signal:.2f} + "
                             f"{noise * noise:.2f}</span>")
        last = self.schedule.num_timesteps - 1
        strip = np.stack([self.noisy(round(f * last)) for f in STRIP_FRACTIONS])
        self.strip_view.set_image(image_grid(strip, len(strip), pad=2, fill=150))
