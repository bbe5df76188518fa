"""Test-wide environment: keep files out of the user's folders, one CPU thread, a Qt platform that works, and one
answer to "does OpenGL work here?" for the tests marked ``gl``."""

import os
import shutil
import tempfile

import pytest

_scratch = tempfile.mkdtemp(prefix="ai-lab-tests-")
os.environ.setdefault("AI_LAB_DATA_DIR", os.path.join(_scratch, "data"))
os.environ.setdefault("AI_LAB_SETTINGS", os.path.join(_scratch, "settings.ini"))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# pytest-xvfb starts Xvfb when it is installed; then the xcb platform gives 3D views a real GL context. A platform
# set from outside (QT_QPA_PLATFORM=offscreen, with or without a DISPLAY) is kept: the app's own probe
# (lab_app.gl_views.gl_status) then finds no OpenGL, the 3D views show their 2D fallback and ``gl`` tests skip.
_platform_from_outside = "QT_QPA_PLATFORM" in os.environ
os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if shutil.which("Xvfb") else "offscreen")


def pytest_configure(config):
    """xcb needs a display: with pytest-xvfb switched off (``-p no:xvfb``) and none around, use offscreen."""
    no_xvfb = not config.pluginmanager.hasplugin("xvfb") or getattr(config.option, "no_xvfb", False)
    if not _platform_from_outside and no_xvfb and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _gl_status():
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])  # pytest-qt's qapp fixture reuses it
    from lab_app.gl_views import gl_status

    return gl_status()


def pytest_runtest_setup(item):
    """Tests marked ``gl`` draw with OpenGL: run them only where the app itself would draw in 3D (asking the app,
    not trusting DISPLAY or QT_QPA_PLATFORM)."""
    if item.get_closest_marker("gl") is not None:
        status = _gl_status()
        if not status.ok:
            pytest.skip(f"no OpenGL here: {status.why}")


@pytest.fixture
def force_2d(monkeypatch):
    """Make the app believe OpenGL is missing, so every 3D view built in the test is its 2D fallback."""
    from lab_app import gl_views

    monkeypatch.setattr(gl_views, "_status", gl_views.GLStatus(False, "OpenGL is missing (test)",
                                                               "For 3D, use a desktop with OpenGL"))
    return gl_views.gl_status()
