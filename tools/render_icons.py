"""Render the app icon (assets/icons/ai-lab.svg, drawn for this project) to PNG sizes and record them.

    python tools/render_icons.py

Writes assets/icons/ai-lab-{16,32,48,64,128,256}.png and updates assets/manifest.json
(the SVG too). Needs PySide6 (QtSvg); runs offscreen.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZES = (16, 32, 48, 64, 128, 256)
COMMAND = "python tools/render_icons.py"
LICENCE = "MIT (drawn for this project)"


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from engines.core.assets import record_asset

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - Qt needs one
    assets = ROOT / "assets"
    svg = assets / "icons" / "ai-lab.svg"
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"cannot read {svg}", file=sys.stderr)
        return 1
    record_asset("icons/ai-lab.svg", root=assets, made_by="drawn by hand (SVG source)",
                 provenance="drawn for this project", licence=LICENCE)
    for size in SIZES:
        start = time.perf_counter()
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        name = f"icons/ai-lab-{size}.png"
        if not image.save(str(assets / name), "PNG"):
            print(f"cannot write {name}", file=sys.stderr)
            return 1
        record_asset(name, root=assets, made_by=COMMAND, provenance="rendered from icons/ai-lab.svg",
                     licence=LICENCE, wall_time_s=round(time.perf_counter() - start, 4))
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
