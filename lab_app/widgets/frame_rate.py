"""How smoothly a view redraws: spin it and count frames (the word-cloud page's button and its benchmark)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QApplication


def spin_fps(view, seconds: float) -> float:
    """Turn ``view`` a little and repaint it, again and again for ``seconds``; frames per second."""
    app = QApplication.instance()
    turn = getattr(view, "orbit", None)  # the flat 2D fallback has nothing to turn: it only repaints
    frames, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        if turn is not None:
            turn(2.0, 0.0)
        view.repaint()
        app.processEvents()
        frames += 1
    return frames / (time.perf_counter() - start)
