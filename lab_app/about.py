"""Help → About: versions of everything that runs the models, and the device in use."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion

from engines.core.system_info import versions
from lab_app import APP_NAME, __version__


def about_rows(device_text: str, backend_text: str) -> dict[str, str]:
    rows = {"AI Lab": __version__}
    rows.update(versions())
    rows["Qt"] = f"{qVersion()} (PySide6 {pyside_version})"
    rows["Device"] = device_text
    rows["Backend"] = backend_text
    return rows


SCREENSHOTS_SECTION = "screenshots"  # README.md's "## Screenshots": a picture of each tab


def readme_path() -> Path | None:
    """README.md of a source checkout (next to the lab_app package); None in a frozen build without it."""
    path = Path(__file__).resolve().parents[1] / "README.md"
    return path if path.is_file() else None


def screenshots_link(readme: Path | None = None) -> str:
    """A link to the README's Screenshots section, or where to find it when there is no README here."""
    readme = readme if readme is not None else readme_path()
    if readme is None:
        return "Screenshots of every tab: the <i>Screenshots</i> section of the project's README.md."
    url = readme.as_uri() + "#" + SCREENSHOTS_SECTION
    return f"Screenshots of every tab: <a href='{escape(url)}'>README → Screenshots</a>."


def about_html(rows: dict[str, str]) -> str:
    table = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>" for k, v in rows.items())
    return (f"<h3>{APP_NAME}</h3><p>See how generative AI works by running real models and watching "
            f"their insides.</p><p>{screenshots_link()}</p><table>{table}</table>")
