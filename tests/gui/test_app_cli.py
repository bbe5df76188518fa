"""``ai-lab`` as scripts use it: --version and --screenshot, in a fresh process (one QApplication each)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from lab_app import __version__

ROOT = Path(__file__).resolve().parents[2]


def run_app(*args, tmp_path, timeout=120):
    env = {**os.environ, "AI_LAB_SETTINGS": str(tmp_path / "cli-settings.ini"),
           "AI_LAB_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "lab_app", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)


def test_version(tmp_path):
    proc = run_app("--version", tmp_path=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"ai-lab {__version__}"


@pytest.mark.parametrize("theme, dark", [("light", False), ("dark", True)])
def test_screenshot_of_a_chosen_tab_and_page(tmp_path, theme, dark):
    out = tmp_path / f"shot-{theme}.png"
    proc = run_app("--screenshot", str(out), "--tab", "neuralnet", "--page", "1", "--theme", theme,
                   "--size", "1280x800", "--settle-ms", "200", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)  # --size; without it the window fits the screen
    # sample the empty lower part of the page list (the foundation's, not a page's): dark theme → dark pixels
    lightness = image.pixelColor(120, image.height() - 100).lightness()
    assert (lightness < 80) if dark else (lightness > 180)
    assert proc.stdout.strip() == f"saved {out}"


def test_size_must_be_width_x_height(tmp_path):
    proc = run_app("--screenshot", str(tmp_path / "x.png"), "--size", "1280", tmp_path=tmp_path)
    assert proc.returncode == 2 and "WIDTHxHEIGHT" in proc.stderr


def test_screenshot_does_not_change_the_users_settings(tmp_path):
    settings = tmp_path / "cli-settings.ini"
    run_app("--screenshot", str(tmp_path / "a.png"), "--tab", "diffusion", "--settle-ms", "0", tmp_path=tmp_path)
    text = settings.read_text() if settings.exists() else ""
    assert "last_tab" not in text and "geometry" not in text
