"""3D views that survive many windows in one process (pyqtgraph.opengl, imported on first use), and the one
place that finds out whether OpenGL works here at all (:func:`gl_status`, asked once per process).

Build 3D pictures with :func:`lab_app.widgets.scene3d.new_scene`: it gives a 3D view when :func:`gl_status` says
OpenGL works and a flat 2D view of the same data (with a one-line notice) when it does not. Use
:func:`view_class` instead of ``pyqtgraph.opengl.GLViewWidget`` for every 3D view, and give items
``glOptions="translucent"`` so colours survive the light theme's white background.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from lab_app.plotting import pg

log = logging.getLogger(__name__)
NO_GL_PLATFORMS = ("offscreen", "minimal", "vnc")  # Qt platforms that draw no OpenGL windows


@dataclass(frozen=True)
class GLStatus:
    """Whether 3D views can be drawn here; if not, ``why`` (a short phrase) and ``how`` to get 3D (a sentence)."""

    ok: bool
    why: str = ""
    how: str = ""

    def notice(self) -> str:
        """The one line a 2D fallback shows above its picture."""
        return f"2D view: {self.why}. {self.how}."


_status: GLStatus | None = None


def gl_status() -> GLStatus:
    """Find out once (needs the QApplication) whether an OpenGL 2.1+ context can be made on this platform:
    pyqtgraph's 3D views need one, and without it they stay blank or raise inside Qt's paint event.
    ``AI_LAB_3D=off`` in the environment turns 3D off on purpose (for a driver that crashes)."""
    global _status
    if _status is None:
        _status = _probe()
        log.info("3D views: %s", "OpenGL works" if _status.ok else f"2D fallback ({_status.why})")
    return _status


def _probe() -> GLStatus:
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    if os.environ.get("AI_LAB_3D", "").strip().lower() in ("off", "0", "no", "false"):
        return GLStatus(False, "3D is turned off (AI_LAB_3D=off)", "Unset AI_LAB_3D for 3D")
    platform = QGuiApplication.platformName()
    if platform in NO_GL_PLATFORMS:
        return GLStatus(False, f"Qt's {platform} platform has no OpenGL",
                        f"For 3D, run without QT_QPA_PLATFORM={platform}")
    how = "For 3D, install OpenGL drivers (Mesa) or use a local desktop"
    context = QOpenGLContext()
    if not context.create() or not context.isValid():
        return GLStatus(False, "OpenGL could not start here", how)
    surface = QOffscreenSurface()
    surface.setFormat(context.format())
    surface.create()
    try:
        if not context.makeCurrent(surface):
            return GLStatus(False, "OpenGL could not draw here", how)
        reachable = _pyopengl_reaches_current_context()
        context.doneCurrent()
    finally:
        surface.destroy()
    if not reachable:
        return GLStatus(False, "PyOpenGL cannot reach this display's OpenGL", how)
    major, minor = context.format().version()
    if not context.isOpenGLES() and (major, minor) < (2, 1):  # pyqtgraph's own requirement
        return GLStatus(False, f"this display has OpenGL {major}.{minor}, 3D needs 2.1",
                        "For 3D, update the graphics driver")
    return GLStatus(True)


def _pyopengl_reaches_current_context() -> bool:
    """pyqtgraph draws through PyOpenGL, which must find the context Qt made current. PyOpenGL looks through GLX
    by default, but Qt makes its contexts through EGL where the X server has no GLX (and on some VMs and remote
    desktops): then every item fails to draw. Tried through GLX, then, while PyOpenGL is not in use yet, through
    EGL (``PYOPENGL_PLATFORM=egl``, kept for the whole process when it works)."""
    import sys

    def reaches() -> bool:
        try:
            from OpenGL import platform

            return bool(platform.PLATFORM.GetCurrentContext())
        except Exception:  # noqa: BLE001 - no usable PyOpenGL platform at all
            return False

    def forget_pyopengl() -> None:
        for name in [m for m in sys.modules if m == "OpenGL" or m.startswith("OpenGL.")]:
            del sys.modules[name]

    if reaches():
        return True
    if os.environ.get("PYOPENGL_PLATFORM") or "pyqtgraph.opengl" in sys.modules:
        return False
    forget_pyopengl()
    os.environ["PYOPENGL_PLATFORM"] = "egl"
    if reaches():
        log.info("3D views: PyOpenGL switched to EGL")
        return True
    forget_pyopengl()
    del os.environ["PYOPENGL_PLATFORM"]
    return False


def gl():
    gl_status()  # settles which way PyOpenGL reaches the context, before pyqtgraph.opengl imports it
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


def _drop_stale_errors() -> None:
    """Read and drop GL error flags left before this paint. They are sticky: one left by a call nobody checked
    (Qt's own drawing or the driver; seen with Mesa under Xvfb while the window was resized) made PyOpenGL raise
    from pyqtgraph's first GL call (glClearColor) inside Qt's paint event, so the view was not drawn and the
    user got an error. Errors of our own calls are still raised where they happen."""
    from OpenGL import GL

    for _ in range(8):  # a context holds a few flags at most; a lost context would answer forever
        error = GL.glGetError()
        if error == GL.GL_NO_ERROR:
            return
        log.debug("dropped a GL error left before painting: 0x%04x", error)


def view_class():
    """GLViewWidget that keeps pyqtgraph's shader cache valid for its own context (see above)."""
    global _view_class
    if _view_class is None:
        base = gl().GLViewWidget

        class LabGLView(base):
            """``paint_overlay`` (a callable, or None) paints on top of the items, for labels that must not be
            drawn over by points; ``on_resize`` (a callable, or None) hears about size changes, to keep a cloud in
            view. (Not ``resized``: QOpenGLWidget has a signal by that name.)"""

            paint_overlay = None
            on_resize = None

            def setBackground(self, colour) -> None:  # noqa: N802 - lets lab_app.plotting.themed() recolour it
                self.setBackgroundColor(colour)

            def paint(self, *args, **kwargs):
                _drop_stale_errors()
                _swap_programs(store=False)
                try:
                    super().paint(*args, **kwargs)
                    if self.paint_overlay is not None:
                        self.paint_overlay(kwargs["region"], kwargs["viewport"])
                finally:
                    _swap_programs(store=True)

            def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
                super().resizeEvent(event)
                if self.on_resize is not None:
                    self.on_resize()

        _view_class = LabGLView
    return _view_class
