import numpy as np

from engines.diffusion.png import decode_png, encode_png


def test_png_round_trip_keeps_pixels_and_settings():
    rng = np.random.default_rng(0)
    for shape in ((5, 7), (5, 7, 3), (4, 4, 4)):
        img = rng.integers(0, 256, shape, dtype=np.uint8)
        back, text = decode_png(encode_png(img, {"prompt": "a red hat", "seed": "3"}))
        assert np.array_equal(back.reshape(img.shape), img)
        assert text == {"prompt": "a red hat", "seed": "3"}


def test_reads_pngs_with_filters(tmp_path):
    # the project's icons are written by another encoder, with row filters
    from pathlib import Path

    icon = Path(__file__).resolve().parents[3] / "assets" / "icons" / "ai-lab-32.png"
    img, _ = decode_png(icon.read_bytes())
    assert img.shape[:2] == (32, 32)
    assert img.std() > 0
