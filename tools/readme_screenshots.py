"""Remake the README's screenshots: one small PNG per tab, taken with ``ai-lab --screenshot``.

    python tools/readme_screenshots.py                # all shots into docs/screenshots/
    python tools/readme_screenshots.py --only llm-attention --settle-ms 12000

Each shot opens the app on one page, waits ``settle`` milliseconds (models load, first results draw),
saves the window, then shrinks it with Qt (smooth scaling) until the PNG is under ``--max-kb``.
Without a display it runs under ``xvfb-run`` (install the ``xvfb`` package) on a 1280×800 screen, the
size the app is laid out for. Threads are capped at one so shots look the same on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREEN = "1280x800x24"


@dataclass(frozen=True)
class Shot:
    name: str  # file name without .png
    tab: str
    page: int
    settle_ms: int  # long enough for the page's first result on a slow CPU
    caption: str  # what the README says under it


SHOTS = (
    Shot("llm-spreadsheet", "llm", 1, 15000, "LLM › The spreadsheet: next-word counts, and why the table explodes"),
    Shot("llm-attention", "llm", 3, 20000, "LLM › Attention: which earlier words each word looks at"),
    Shot("embeddings-three-numbers", "embeddings", 0, 4000, "Embeddings › A 3-number universe: king − man + woman"),
    Shot("neuralnet-neuron", "neuralnet", 0, 3000, "Neural Net › One neuron: weights, a threshold, a spike"),
    Shot("diffusion-add-noise", "diffusion", 0, 5000, "Diffusion › Add noise: a picture slides into pure noise"),
)


def screenshot_command(shot: Shot, path: Path, theme: str, settle_ms: int) -> list[str]:
    command = [sys.executable, "-m", "lab_app", "--screenshot", str(path), "--tab", shot.tab, "--page",
               str(shot.page), "--theme", theme, "--settle-ms", str(settle_ms), "--size", "1280x800"]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            raise SystemExit("no display and no xvfb-run: install xvfb (apt-get install xvfb) or run on a desktop")
        command = [xvfb, "-a", "-s", f"-screen 0 {SCREEN}", *command]
    return command


def shrink(source: Path, target: Path, width: int, max_kb: int) -> tuple[int, int]:
    """Scale ``source`` to ``width`` pixels wide (smaller until under ``max_kb``); returns (width, bytes)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    image = QImage(str(source))
    if image.isNull():
        raise SystemExit(f"could not read {source}")
    while True:
        small = image.scaledToWidth(min(width, image.width()), Qt.TransformationMode.SmoothTransformation)
        tmp = target.with_name(target.name + ".part.png")
        if not small.save(str(tmp), "PNG", 9):
            raise SystemExit(f"could not write {target}")
        size = tmp.stat().st_size
        if size <= max_kb * 1024 or width <= 400:
            tmp.replace(target)  # atomic: never half a picture in the README
            return small.width(), size
        width = int(width * 0.9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", action="append", help="shot name (repeatable); default: all")
    parser.add_argument("--width", type=int, default=800, help="width of the saved PNGs (pixels)")
    parser.add_argument("--max-kb", type=int, default=150, help="largest PNG size; shrinks further if needed")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--settle-ms", type=int, help="override every shot's wait")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if shutil.which("xvfb-run") else "offscreen")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    chosen = [s for s in SHOTS if not args.only or s.name in args.only]
    if not chosen:
        raise SystemExit(f"no such shot; choose from {', '.join(s.name for s in SHOTS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for shot in chosen:
            raw = Path(tmp) / f"{shot.name}.png"
            command = screenshot_command(shot, raw, args.theme, args.settle_ms or shot.settle_ms)
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
            if done.returncode != 0 or not raw.is_file():
                print(f"FAIL {shot.name}: exit {done.returncode}\n{done.stderr[-2000:]}", file=sys.stderr)
                failed += 1
                continue
            width, size = shrink(raw, args.out / f"{shot.name}.png", args.width, args.max_kb)
            print(f"{shot.name}.png  {width} px wide  {size / 1024:.0f} KB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
