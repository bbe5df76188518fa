"""The Add noise page: the slider moves the picture from clean to pure noise; the strip and curve follow."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from lab_app.tabs.diffusion.add_noise_page import AddNoisePage


def page_of(window, index):
    window.select("diffusion", index, build_now=True)
    return window.current_tab().pages[index].page


def test_slider_goes_from_clean_to_noise(window):
    page = page_of(window, 0)
    assert isinstance(page, AddNoisePage)
    page.t_slider.setValue(0)
    clean = page.noisy_view.image.copy()
    # t = 0 already carries a trace of noise (ᾱ₀ is just under 1), too little to see
    assert np.abs(clean.astype(int) - page.clean_view.image.astype(int)).max() <= 8
    page.t_slider.setValue(page.t_slider.maximum())
    noisy = page.noisy_view.image.copy()
    assert clean.shape == noisy.shape == (32, 32, 3)
    assert np.abs(clean.astype(int) - noisy.astype(int)).mean() > 30
    assert page.t_line.value() == page.t_slider.maximum()
    assert "0.00 × picture" in page.t_label.text()
    strip = page.strip_view.image
    assert strip.shape == (32 + 4, 11 * 32 + 12 * 2, 3)  # 11 pictures in 2-pixel frames


def test_digit_schedule_and_own_picture(window, tmp_path):
    page = page_of(window, 0)
    page.source_box.setCurrentIndex(1)
    page.new_picture()
    assert page.x0.shape == (1, 32, 32)
    assert "digit" in page.caption_label.text()
    _x, before = page.signal_curve.getData()
    page.schedule_box.setCurrentText("linear")
    _x, after = page.signal_curve.getData()
    assert not np.allclose(before, after)

    image = QImage(40, 20, QImage.Format.Format_RGB888)
    image.fill(0xFF0000)
    path = tmp_path / "red.png"
    assert image.save(str(path))
    page.t_slider.setValue(0)
    page.load_picture(str(path))
    assert page.x0.shape == (3, 32, 32)
    shown = page.noisy_view.image
    assert shown[..., 0].min() > 240 and shown[..., 1].max() < 15
