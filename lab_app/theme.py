"""Light and dark looks (Fusion style + a palette) and the matching plot colours."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# Plot colours per effective theme: (background, foreground/axes)
PLOT_COLORS = {"light": ("#ffffff", "#202124"), "dark": ("#1e1f22", "#d4d4d8")}
ACCENT = {"light": "#3b5bdb", "dark": "#748ffc"}


def system_prefers_dark(app: QApplication) -> bool:
    """Whether the platform's colour scheme is dark (``styleHints().colorScheme()`` is ``Dark``).

    Asked through Fusion's standard palette, which Qt (6.5+) makes dark exactly when the platform
    theme's colour scheme is Dark: reading ``colorScheme()`` would make PySide6 build every enum
    of the ``Qt`` namespace, ~15 ms before the first paint.
    """
    if app.style().name().lower() != "fusion":
        from PySide6.QtCore import Qt

        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    palette = app.style().standardPalette()
    return palette.color(QPalette.ColorRole.Window).lightness() < palette.color(QPalette.ColorRole.WindowText).lightness()


def effective_theme(app: QApplication, mode: str) -> str:
    """``light`` or ``dark`` for a setting of ``system``/``light``/``dark``."""
    if mode == "system":
        return "dark" if system_prefers_dark(app) else "light"
    return "dark" if mode == "dark" else "light"


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#2b2d31"), QColor("#1e1f22"), QColor("#e4e4e7")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#313338"),
        QPalette.ColorRole.ToolTipBase: QColor("#111214"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#8b8d93"),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#383a40"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Link: QColor(ACCENT["dark"]),
        QPalette.ColorRole.Highlight: QColor("#4c6ef5"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Light: QColor("#45474d"),
        QPalette.ColorRole.Midlight: QColor("#3a3c42"),
        QPalette.ColorRole.Mid: QColor("#2f3136"),
        QPalette.ColorRole.Dark: QColor("#1a1b1e"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6d6f75"))
    return p


def _light_palette(app: QApplication) -> QPalette:
    p = app.style().standardPalette()
    p.setColor(QPalette.ColorRole.Link, QColor(ACCENT["light"]))
    p.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT["light"]))
    return p


def apply_theme(app: QApplication, mode: str) -> str:
    """Style the whole app for ``mode``; return the effective theme (``light``/``dark``)."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    effective = effective_theme(app, mode)
    app.setPalette(_dark_palette() if effective == "dark" else _light_palette(app))
    app.setProperty("ai_lab_theme", effective)
    return effective


def current_theme(app: QApplication | None = None) -> str:
    app = app or QApplication.instance()
    value = app.property("ai_lab_theme") if app is not None else None
    return value if value in PLOT_COLORS else "light"
