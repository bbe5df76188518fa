"""Images of the wrong size or mode: pictures opened on the diffusion pages, drawings for the digit classifier."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QColor, QImage

from lab_app.tabs.diffusion.common import qimage_to_array


@pytest.mark.parametrize("width, height, fmt", [
    (1, 1, QImage.Format.Format_RGB32),
    (4000, 3, QImage.Format.Format_RGB32),  # a thin strip: centre-cropped to a square
    (33, 97, QImage.Format.Format_Grayscale8),
    (50, 50, QImage.Format.Format_ARGB32),  # with transparency
    (31, 31, QImage.Format.Format_Indexed8),
    (64, 16, QImage.Format.Format_Mono),
    (17, 300, QImage.Format.Format_RGB16),
])
def test_any_picture_size_and_mode_becomes_a_3x32x32_array(qapp, width, height, fmt):
    image = QImage(width, height, fmt)
    if fmt == QImage.Format.Format_Indexed8:
        image.setColorTable([QColor(i, i, i).rgb() for i in range(256)])
    image.fill(0)
    out = qimage_to_array(image)
    assert out.shape == (3, 32, 32) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= -1 and out.max() <= 1


def test_a_file_that_is_not_a_picture_is_a_clear_error(qapp, tmp_path):
    for name, data in (("empty.png", b""), ("text.png", b"hello"), ("cut.png", b"\x89PNG\r\n\x1a\n\x00\x00")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match="could not be read as a picture"):
            qimage_to_array(QImage(str(tmp_path / name)))


@pytest.mark.parametrize("shape, dtype", [((1, 1), np.uint8), ((400, 7), np.uint8), ((28, 28), np.float64),
                                          ((8, 8), np.float32), ((300, 300), np.uint8)])
def test_drawings_of_any_size_get_ten_probabilities(shape, dtype):
    from engines.core.jobs import collect
    from engines.neuralnet.digits import DigitsConfig, predict_drawing, train_digits

    _, result = collect(train_digits(DigitsConfig(epochs=1, hidden=8, frame_every=100)))
    rng = np.random.default_rng(0)
    image = (rng.random(shape) * (255 if dtype == np.uint8 else 1)).astype(dtype)
    for picture in (image, np.zeros(shape, dtype)):  # an empty canvas too
        probs = predict_drawing(result.classifier, picture)
        assert probs.shape == (10,) and np.isfinite(probs).all() and np.isclose(probs.sum(), 1, atol=1e-5)
