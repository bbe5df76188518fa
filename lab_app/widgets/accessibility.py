"""Every control gets an accessible name (what a screen reader says) and a tooltip, from what the page shows.

Pages name their controls in the visible text: a button's caption, a form label, a label just before the
control, a placeholder, a tooltip. :func:`name_controls` reads those once, after a page is built, so each page
does not have to repeat them; :func:`unnamed_controls` lists what is still missing (the accessibility test).
"""

from __future__ import annotations

import re

from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox, QComboBox,
                               QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QLayout, QLineEdit, QPlainTextEdit,
                               QScrollBar, QSpinBox, QTextEdit, QWidget)

CONTROL_TYPES = (QAbstractButton, QComboBox, QAbstractSpinBox, QAbstractSlider, QLineEdit, QPlainTextEdit, QTextEdit,
                 QAbstractItemView)
COMPOSITES = (QComboBox, QAbstractSpinBox, QAbstractItemView, QLineEdit)  # their inner buttons and editors are parts
_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    return " ".join(_TAG.sub(" ", text or "").replace("&", "").split()).strip(" :")


def is_control(widget: QWidget) -> bool:
    """A widget the user operates (not a scroll bar or a part inside another control, e.g. a spin box's line edit)."""
    if not isinstance(widget, CONTROL_TYPES) or isinstance(widget, QScrollBar) or widget.objectName().startswith("qt_"):
        return False
    parent = widget.parentWidget()
    while parent is not None:  # parts of composite Qt widgets (a combo's list, a spin box's editor)
        if isinstance(parent, COMPOSITES):
            return False
        parent = parent.parentWidget()
    return True


def _layout_of(widget: QWidget) -> QLayout | None:
    parent = widget.parentWidget()
    if parent is None or parent.layout() is None:
        return None
    stack = [parent.layout()]
    while stack:
        layout = stack.pop()
        if layout.indexOf(widget) >= 0:
            return layout
        stack += [layout.itemAt(i).layout() for i in range(layout.count()) if layout.itemAt(i).layout() is not None]
    return None


def label_text_for(widget: QWidget) -> str:
    """The text a sighted user reads as this control's name: its form label, or a label right before it."""
    layout = _layout_of(widget)
    if isinstance(layout, QFormLayout):
        label = layout.labelForField(widget)
        if isinstance(label, QLabel) and _plain(label.text()):
            return _plain(label.text())
    if layout is not None:
        index = layout.indexOf(widget)
        if index > 0:
            before = layout.itemAt(index - 1).widget()
            if isinstance(before, QLabel) and _plain(before.text()) and len(_plain(before.text())) < 60:
                return _plain(before.text())
    for label in widget.window().findChildren(QLabel):
        if label.buddy() is widget and _plain(label.text()):
            return _plain(label.text())
    return ""


def _group_title(widget: QWidget) -> str:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QGroupBox) and parent.title():
            return _plain(parent.title())
        parent = parent.parentWidget()
    return ""


def _heading_above(widget: QWidget, levels: int = 3) -> str:
    """The nearest short label placed before ``widget`` (or before the box holding it), up to ``levels`` boxes up."""
    child = widget
    for _ in range(levels):
        layout = _layout_of(child)
        if layout is not None:
            for i in range(layout.indexOf(child) - 1, -1, -1):
                before = layout.itemAt(i).widget()
                if isinstance(before, QLabel) and _plain(before.text()):
                    return _plain(before.text()).split(" — ")[0].split(". ")[0][:60]
        child = child.parentWidget()
        if child is None:
            break
    return ""


def _kind_in(widget: QWidget) -> str:
    """E.g. "Sampling tree view: spin box" from the custom widget that holds it (a last resort)."""
    parent = widget.parentWidget()
    while parent is not None and type(parent).__module__.startswith("PySide6"):
        parent = parent.parentWidget()
    if parent is None:
        return ""
    owner = re.sub(r"(?<!^)([A-Z])", r" \1", type(parent).__name__).lower().capitalize()
    kind = re.sub(r"(?<!^)([A-Z])", r" \1", type(widget).__name__.removeprefix("Q")).lower()
    return f"{owner}: {kind}"


def best_name(widget: QWidget) -> str:
    if isinstance(widget, QAbstractButton) and _plain(widget.text()):
        return _plain(widget.text())
    affixes = (f"{widget.prefix()} {widget.suffix()}" if isinstance(widget, (QSpinBox, QDoubleSpinBox)) else "")
    for text in (label_text_for(widget), affixes, getattr(widget, "placeholderText", lambda: "")(),
                 _plain(widget.toolTip()), _group_title(widget), _heading_above(widget), _kind_in(widget)):
        if _plain(text):
            return _plain(text)
    return ""


def name_controls(root: QWidget) -> None:
    """Give every control under ``root`` that lacks one an accessible name and a tooltip from what it shows."""
    for widget in root.findChildren(QWidget):
        if not is_control(widget):
            continue
        name = widget.accessibleName() or best_name(widget)
        if name and not widget.accessibleName():
            widget.setAccessibleName(name)
        if name and not widget.toolTip():
            widget.setToolTip(name)


def unnamed_controls(root: QWidget) -> list[str]:
    """``"Type 'objectName' in Parent"`` for each control under ``root`` without an accessible name or a tooltip."""
    missing = []
    for widget in root.findChildren(QWidget):
        if is_control(widget) and (not widget.accessibleName() or not widget.toolTip()):
            parent = widget.parentWidget()
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} in {type(parent).__name__}"
                           f" (name {widget.accessibleName()!r}, tooltip {bool(widget.toolTip())})")
    return missing


def emphasise(widget: QWidget, scale: float = 1.2, bold: bool = True) -> None:
    """Make ``widget``'s text ``scale`` times the size of the app font, and bold: it follows the system font size
    (a stylesheet in px would not)."""
    font = widget.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    widget.setFont(font)
