"""Help → About: versions of everything that runs the models, and the device in use."""

from __future__ import annotations

from html import escape

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


def about_html(rows: dict[str, str]) -> str:
    table = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(v)}</td></tr>" for k, v in rows.items())
    return (f"<h3>{APP_NAME}</h3><p>See how generative AI works by running real models and watching "
            f"their insides.</p><table>{table}</table>")
