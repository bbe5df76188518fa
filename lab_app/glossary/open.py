"""Open the glossary from anywhere (an explainer link, a menu, F1): one dialog per window, reused."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def open_glossary(widget: QWidget | None, key: str | None = None, query: str = ""):
    """Show the glossary of ``widget``'s window at term ``key`` (or filtered by ``query``); returns the dialog."""
    from lab_app.glossary.dialog import GlossaryDialog

    window = widget.window() if widget is not None else None
    dialog = getattr(window, "_glossary_dialog", None) if window is not None else None
    if dialog is None:
        dialog = GlossaryDialog(window, open_page=getattr(window, "open_glossary_page", None))
        if window is not None:
            window._glossary_dialog = dialog
    dialog.show_term(key, query)
    return dialog
