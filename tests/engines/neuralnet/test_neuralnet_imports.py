"""The engine stays headless and light: no Qt, no pyqtgraph, no lab_app, and not even torch."""

from __future__ import annotations

import subprocess
import sys


def test_engine_imports_no_gui_and_no_torch():
    code = (
        "import sys\n"
        "import engines.neuralnet.__main__, engines.neuralnet.playground, engines.neuralnet.export, "
        "engines.neuralnet.perceptron\n"
        "bad = [m for m in ('PySide6', 'pyqtgraph', 'lab_app', 'torch') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
