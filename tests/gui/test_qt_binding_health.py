"""Guards against a Qt binding that leaks references to None/True (PySide6 6.12.0 did).

Before Python 3.12, None and True are ordinary reference-counted objects: a binding that
drops one reference per call makes Python abort ("none_dealloc") after enough calls, i.e.
the app would crash a few seconds into live training. Python 3.12+ makes them immortal.
"""

import sys

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and True are immortal from Python 3.12")


class Emitter(QObject):
    flag = Signal(bool)


def test_qt_calls_and_signals_keep_none_and_true_alive(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    emitter = Emitter()
    emitter.flag.connect(lambda value: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        widget.resize(10, 10)
        emitter.flag.emit(True)
    assert abs(sys.getrefcount(None) - none_before) < 100
    assert abs(sys.getrefcount(True) - true_before) < 100
