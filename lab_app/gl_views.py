"""3D views that survive many windows in one process (pyqtgraph.opengl, imported on first use).

Use :func:`view_class` instead of ``pyqtgraph.opengl.GLViewWidget`` for every 3D view in the app, and give
items ``glOptions="translucent"`` so colours survive the light theme's white background.
"""

from __future__ import annotations

from lab_app.plotting import pg


def gl():
    pg()
    import pyqtgraph.opengl as opengl

    return opengl


_view_class = None
_programs: dict[int, tuple] = {}  # share group address → (group, our programs, the shared ones put aside)


def _swap_programs(store: bool) -> None:
    """pyqtgraph caches each item class's shader program once per process, but a program belongs to one GL
    share group: after a window with its own context closes (each test builds a new window), the cached id is
    dead and points stop drawing. Our views keep their own cache per share group: before painting they put
    theirs in place (``store=False``), after painting they take it back out and restore the shared one, so
    other views in the process never see our programs either."""
    from PySide6.QtGui import QOpenGLContext
    from shiboken6 import getCppPointer, isValid

    ctx = QOpenGLContext.currentContext()
    if ctx is None:
        return
    group = ctx.shareGroup()
    key = getCppPointer(group)[0]
    entry = _programs.get(key)
    if entry is None or not isValid(entry[0]):
        entry = _programs[key] = (group, {}, {})
    _, ours, saved = entry
    g = gl()
    for klass in (g.GLScatterPlotItem, g.GLLinePlotItem):
        if store:
            ours[klass] = klass._shaderProgram
            klass._shaderProgram = saved.pop(klass, None)
        else:
            saved[klass] = klass._shaderProgram
            klass._shaderProgram = ours.get(klass)


def view_class():
    """GLViewWidget that keeps pyqtgraph's shader cache valid for its own context (see above)."""
    global _view_class
    if _view_class is None:
        base = gl().GLViewWidget

        class LabGLView(base):
            def setBackground(self, colour) -> None:  # noqa: N802 - lets lab_app.plotting.themed() recolour it
                self.setBackgroundColor(colour)

            def paint(self, *args, **kwargs):
                _swap_programs(store=False)
                try:
                    return super().paint(*args, **kwargs)
                finally:
                    _swap_programs(store=True)

        _view_class = LabGLView
    return _view_class
