"""The "walk in between" part of Steer with a caption: its controls and the strip of pictures it makes
(caption → second caption with the caption numbers mixed, or seed → second seed with the noises blended)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from lab_app.tabs.diffusion.common import narrow, to_display
from lab_app.widgets.pixel_view import PixelView

WALKS = (("prompts", "Caption → second caption"), ("seeds", "Seed → second seed"))


class WalkControls(QWidget):
    """Which walk, how many frames, the second seed, and the button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("<b>Walk in between</b> (one strip):"))
        self.walk_box = narrow(QComboBox())
        for key, label in WALKS:
            self.walk_box.addItem(label, key)
        self.walk_box.setToolTip("Caption → second caption: the same seed, the caption numbers mixed step by step.\n"
                                 "Seed → second seed: the same caption, the two starting noises blended along a curve\n"
                                 "that keeps the blend as strong as real noise.")
        self.seed_b_box = QSpinBox()
        self.seed_b_box.setRange(0, 99_999)
        self.seed_b_box.setValue(8)
        self.seed_b_box.setToolTip("Second seed: where the seed walk ends")
        self.frames_box = QSpinBox()
        self.frames_box.setRange(3, 11)
        self.frames_box.setValue(6)
        self.frames_box.setToolTip("Pictures in the strip, both ends included (6: w = 0, 0.2, … 1)")
        box.addWidget(self.walk_box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Frames"))
        row.addWidget(self.frames_box, 1)
        row.addWidget(QLabel("Seed 2"))
        row.addWidget(self.seed_b_box, 1)
        box.addLayout(row)
        self.walk_button = QPushButton("Make the strip")
        box.addWidget(self.walk_button)


class WalkStrip(QWidget):
    """One labelled picture per frame, w = 0 … 1, under a line saying what was mixed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.row = QHBoxLayout()
        self.row.setSpacing(4)
        layout.addWidget(self.title, 0, 0)
        layout.addLayout(self.row, 1, 0)
        layout.setRowStretch(1, 1)
        self.views: list[PixelView] = []

    def prepare(self, weights: list[float], kind: str, seed: int, seed_b: int) -> None:
        while len(self.views) > len(weights):
            view = self.views.pop()
            self.row.removeWidget(view)
            view.setParent(None)
            view.deleteLater()
        while len(self.views) < len(weights):
            view = PixelView("", 48)
            view.align_top = True
            self.views.append(view)
            self.row.addWidget(view)
        for view, w in zip(self.views, weights):
            view.set_title(f"w = {w:.2g}")
            view.set_image(None)
        if kind == "prompts":
            text = (f"<b>Caption walk</b>, seed {seed}: w = 0 is the first caption, w = 1 the second; "
                    "in between the caption's numbers are mixed (1 − w)·first + w·second.")
        else:
            text = (f"<b>Seed walk</b>, same caption: w = 0 starts from seed {seed}'s noise, w = 1 from seed "
                    f"{seed_b}'s; in between the two noises are blended along a curve that keeps the blend as "
                    "strong as real noise (a plain average would be weaker noise).")
        self.title.setText(text)

    def show_images(self, images: np.ndarray) -> None:
        for view, image in zip(self.views, images):
            view.set_image(to_display(image))
