"""pyqtgraph, imported on first use and kept in step with the app's theme.

Pages call :func:`pg` instead of ``import pyqtgraph`` at module level, so the window
paints before pyqtgraph (about half a second to import) is loaded, and register their
plot widgets with :func:`themed` so a theme change recolours them.

3D views (``pyqtgraph.opengl``) take the theme's background too: give their items
``glOptions="translucent"``, since the default additive blending turns every colour white
on the light theme's white background.
"""

from __future__ import annotations

import os
import weakref

from lab_app.theme import PLOT_COLORS, current_theme

_themed: weakref.WeakSet = weakref.WeakSet()
_configured_for: str | None = None


def pg():
    """The pyqtgraph module, configured for the current theme."""
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import pyqtgraph

    global _configured_for
    theme = current_theme()
    if _configured_for != theme:
        background, foreground = PLOT_COLORS[theme]
        pyqtgraph.setConfigOptions(
            background=background, foreground=foreground, antialias=True, imageAxisOrder="row-major"
        )
        _configured_for = theme
    return pyqtgraph


def themed(widget):
    """Register a pyqtgraph widget (PlotWidget, GraphicsLayoutWidget…) to follow theme changes. Its axes write
    the plain numbers (:func:`plain_numbers`)."""
    _themed.add(widget)
    plain_numbers(widget)
    restyle(widget, current_theme())
    return widget


def plain_numbers(widget):
    """The axes of a pyqtgraph plot widget write the plain numbers: 0.02, not 20 with a "(×0.001)" added to the
    axis name, which was cut off or missed. The one place the app turns pyqtgraph's SI prefixes off."""
    plot_item = widget.getPlotItem() if hasattr(widget, "getPlotItem") else None
    if plot_item is not None:
        for name in ("left", "bottom", "right", "top"):
            plot_item.getAxis(name).enableAutoSIPrefix(False)
    return widget


def restyle(widget, theme: str) -> None:
    background, foreground = PLOT_COLORS[theme]
    if hasattr(widget, "setBackground"):
        widget.setBackground(background)
    plot_item = widget.getPlotItem() if hasattr(widget, "getPlotItem") else None
    if plot_item is not None:
        for name in ("left", "bottom", "right", "top"):
            axis = plot_item.getAxis(name)
            axis.setPen(foreground)
            axis.setTextPen(foreground)


def on_theme_changed(theme: str) -> None:
    """Recolour every registered widget (called by the main window after a theme switch)."""
    if _configured_for is None:
        return  # pyqtgraph not imported yet: it will be configured on first use
    pg()
    from shiboken6 import isValid

    for widget in list(_themed):
        if isValid(widget):  # a closed window's plots may linger in Python after Qt deleted them
            restyle(widget, theme)
        else:
            _themed.discard(widget)
