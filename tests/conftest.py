"""Test-wide environment: keep files out of the user's folders, one CPU thread, a Qt platform that works."""

import os
import shutil
import tempfile

_scratch = tempfile.mkdtemp(prefix="ai-lab-tests-")
os.environ.setdefault("AI_LAB_DATA_DIR", os.path.join(_scratch, "data"))
os.environ.setdefault("AI_LAB_SETTINGS", os.path.join(_scratch, "settings.ini"))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# pytest-xvfb starts Xvfb when it is installed; then the xcb platform gives 3D views a real GL context.
# Never combine "offscreen" with a DISPLAY (pyqtgraph's GL check breaks).
os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if shutil.which("Xvfb") else "offscreen")
