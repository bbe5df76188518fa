"""People who have not installed the app see it in the README: a small PNG per tab, made by a tools/ script;
the About box links to that README section."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_images() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Screenshots", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", section)


def test_readme_shows_a_small_screenshot_of_every_tab():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from readme_screenshots import SHOTS
    finally:
        sys.path.remove(str(ROOT / "tools"))
    images = readme_images()
    assert {s.tab for s in SHOTS} == {"llm", "embeddings", "neuralnet", "diffusion"}
    assert sorted(images) == sorted(f"docs/screenshots/{s.name}.png" for s in SHOTS)  # the script remakes each
    for image in images:
        path = ROOT / image
        assert path.is_file(), image
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
        assert path.stat().st_size < 150 * 1024, image


def test_screenshots_are_pictures_of_the_app(qapp):
    from PySide6.QtGui import QImage

    for image in readme_images():
        picture = QImage(str(ROOT / image))
        assert 400 <= picture.width() <= 800 and picture.height() > 200, image
        colours = {picture.pixel(x, y) for x in range(0, picture.width(), 7) for y in range(0, picture.height(), 7)}
        assert len(colours) > 50, image  # a real window, not a blank or one-colour frame


def test_about_box_links_to_the_readme_screenshots(window):
    box = window.show_about()
    try:
        text = box.text()
        link = re.search(r"href='([^']+)'", text)
        assert link is not None and link.group(1).endswith("README.md#screenshots")
        assert (ROOT / "README.md").as_uri() in link.group(1)
        assert "## Screenshots" in (ROOT / "README.md").read_text(encoding="utf-8")  # the anchor's section exists
        from PySide6.QtWidgets import QLabel

        shown = [label for label in box.findChildren(QLabel) if "README" in label.text()]
        assert shown and shown[0].openExternalLinks()  # a click opens it
    finally:
        box.close()


def test_about_box_without_a_readme_says_where_the_screenshots_are(monkeypatch):
    from lab_app import about

    monkeypatch.setattr(about, "readme_path", lambda: None)  # a frozen build ships no README.md beside the code
    text = about.screenshots_link()
    assert "<a " not in text and "Screenshots" in text and "README.md" in text
