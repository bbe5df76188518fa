"""What a newcomer would see as cut off or covered on a page: labels, fields, buttons, plot titles, legends.

Each check returns a list of plain-words problems (empty = fine). ``tests/gui/test_page_fit.py`` runs them on every
page at 1280×800; a screenshot script can print them too.
"""

from __future__ import annotations

import sys

import numpy as np
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import (QAbstractButton, QAbstractScrollArea, QCheckBox, QComboBox, QLabel, QLineEdit,
                               QRadioButton, QStyle, QStyleOptionComboBox, QStyleOptionFrame, QTextEdit, QWidget)

from lab_app.widgets.wrapping_field import WrappingField

SLACK = 1  # px of rounding allowed


def shown_rect(widget: QWidget) -> QRect:
    """The part of ``widget`` (its own coordinates) that its ancestors leave on screen.

    A scroll area's viewport clips only sideways here: what lies below its fold is reached by scrolling (a widget
    taller than the viewport counts as cut to the viewport's height).
    """
    rect = widget.rect()
    offset_x = offset_y = 0
    current = widget
    while not current.isWindow() and current.parentWidget() is not None:
        offset_x, offset_y = offset_x + current.x(), offset_y + current.y()
        parent = current.parentWidget()
        bounds = parent.rect().translated(-offset_x, -offset_y)
        scroller = parent.parentWidget()
        if isinstance(scroller, QAbstractScrollArea) and scroller.viewport() is parent:
            # Scrolled into view: as high as the viewport allows, only cut at the sides.
            rect = rect.intersected(QRect(bounds.x(), rect.y(), bounds.width(), rect.height()))
            rect = QRect(rect.x(), bounds.y(), rect.width(), min(rect.height(), bounds.height()))
            current = parent
            continue
        rect = rect.intersected(bounds)
        current = parent
    return rect


def _name(widget: QWidget) -> str:
    text = ""
    for getter in ("text", "currentText", "placeholderText", "title"):
        if hasattr(widget, getter):
            text = getattr(widget, getter)() or text
            if text:
                break
    text = " ".join(str(text).split())
    return f"{type(widget).__name__} {text[:60]!r}"


def label_problems(label: QLabel) -> list[str]:
    if not label.text().strip() or (label.pixmap() is not None and not label.pixmap().isNull()):
        return []
    shown = shown_rect(label)
    if label.wordWrap():
        need = label.heightForWidth(label.width())
        problems = []
        if shown.height() < need - SLACK:
            problems.append(f"{_name(label)}: wrapped text needs {need} px of height, {shown.height()} shown")
        if shown.width() < label.width() - SLACK:
            problems.append(f"{_name(label)}: {label.width() - shown.width()} px cut off at the side")
        return problems
    need = label.minimumSizeHint().width()
    if shown.width() < need - SLACK:
        return [f"{_name(label)}: needs {need} px, {shown.width()} shown"]
    need_h = label.minimumSizeHint().height()
    if shown.height() < need_h - SLACK:
        return [f"{_name(label)}: needs {need_h} px of height, {shown.height()} shown"]
    return []


def line_edit_needed_width(edit: QLineEdit) -> int:
    """Width at which the field shows its text (or, when empty, its placeholder) in full."""
    text = edit.text() or edit.placeholderText()
    fm = edit.fontMetrics()
    tm, cm = edit.textMargins(), edit.contentsMargins()
    inner = fm.horizontalAdvance(text) + 2 * 2 + tm.left() + tm.right() + cm.left() + cm.right()  # 2 = Qt's margin
    opt = QStyleOptionFrame()
    opt.initFrom(edit)
    opt.lineWidth = edit.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, opt, edit) if edit.hasFrame() \
        else 0
    return edit.style().sizeFromContents(QStyle.ContentsType.CT_LineEdit, opt, QSize(inner, fm.height()), edit).width()


def line_edit_problems(edit: QLineEdit) -> list[str]:
    if not (edit.text() or edit.placeholderText()):
        return []
    need = line_edit_needed_width(edit)
    shown = shown_rect(edit).width()
    if shown < need - SLACK:
        return [f"{_name(edit)}: needs {need} px to show its text, {shown} shown"]
    return []


def combo_problems(combo: QComboBox) -> list[str]:
    if combo.isEditable() or not combo.currentText():  # an editable one is checked through its line edit
        return []
    opt = QStyleOptionComboBox()
    opt.initFrom(combo)
    opt.editable = False
    opt.frame = combo.hasFrame()
    opt.currentText = combo.currentText()
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    need = combo.fontMetrics().horizontalAdvance(combo.currentText()) + 4  # styles inset the text a little
    if not combo.itemIcon(combo.currentIndex()).isNull():
        need += combo.iconSize().width() + 4
    shown = min(field.width(), shown_rect(combo).width() - field.x())
    if shown < need - SLACK:
        return [f"{_name(combo)}: needs {need} px for its text, {shown} shown"]
    return []


def button_problems(button: QAbstractButton) -> list[str]:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text:
        return []
    if isinstance(button, (QCheckBox, QRadioButton)):
        need = button.sizeHint().width()
    else:  # push and tool buttons: the text plus a little air (their sizeHint asks for 80 px even for "Go")
        need = button.fontMetrics().horizontalAdvance(text) + 8
        if not button.icon().isNull():
            need += button.iconSize().width() + 4
    shown = shown_rect(button).width()
    if shown < need - SLACK:
        return [f"{_name(button)}: needs {need} px, {shown} shown"]
    return []


def wrapping_field_problems(field: WrappingField) -> list[str]:
    if field.verticalScrollBar().maximum() > 0:
        return [f"{_name(field)}: {field.text_height()} px of text in a {field.viewport().height()} px field"]
    if shown_rect(field).width() < field.width() - SLACK:
        return [f"{_name(field)}: cut off at the side"]
    return []


def plot_title_problems(root: QWidget) -> list[str]:
    """pyqtgraph titles (LabelItem) that run past the edge of their plot's view."""
    pg = sys.modules.get("pyqtgraph")
    if pg is None:
        return []
    problems = []
    for view in root.findChildren(pg.GraphicsView):
        if not view.isVisible() or view.scene() is None:
            continue
        port = view.viewport().rect()
        for item in view.scene().items():
            if isinstance(item, pg.LabelItem) and item.isVisible() and item.text:
                margin = int(item.item.document().documentMargin())  # blank padding around the glyphs
                box = view.mapFromScene(item.item.sceneBoundingRect()).boundingRect()
                box = box.adjusted(margin, margin, -margin, -margin)
                side = max(0, port.left() - box.left()) + max(0, box.right() - port.right())
                ends = max(0, port.top() - box.top()) + max(0, box.bottom() - port.bottom())
                if side > SLACK or ends > SLACK:
                    problems.append(f"plot title {item.text[:60]!r}: {side} px past the sides of its plot, "
                                    f"{ends} px past the top or bottom")
    return problems


def legend_problems(root: QWidget) -> list[str]:
    """pyqtgraph legends drawn over a curve of their plot (points of the curve, on screen, under the legend)."""
    pg = sys.modules.get("pyqtgraph")
    if pg is None:
        return []
    problems = []
    for view in root.findChildren(pg.GraphicsView):
        if not view.isVisible() or view.scene() is None:
            continue
        items = [i for i in view.scene().items() if i.isVisible()]
        curves = [i for i in items if isinstance(i, pg.PlotDataItem)]
        for legend in (i for i in items if isinstance(i, pg.LegendItem)):
            box = legend.sceneBoundingRect()
            for curve in curves:
                x, y = curve.getData()
                if x is None or not len(x):
                    continue
                t = curve.sceneTransform()
                sx = t.m11() * np.asarray(x) + t.m21() * np.asarray(y) + t.dx()
                sy = t.m12() * np.asarray(x) + t.m22() * np.asarray(y) + t.dy()
                port = curve.getViewBox().sceneBoundingRect() if curve.getViewBox() is not None else box
                shown = (sx >= port.left()) & (sx <= port.right()) & (sy >= port.top()) & (sy <= port.bottom())
                under = shown & (sx >= box.left()) & (sx <= box.right()) & (sy >= box.top()) & (sy <= box.bottom())
                if under.any():
                    problems.append(f"legend covers {int(under.sum())} points of the curve {curve.name()!r}")
    return problems


def _laid_out(layout) -> list[QWidget]:
    """The widgets ``layout`` and its nested layouts place (not overlays a page draws on top on purpose)."""
    found = []
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is not None:
            found.append(item.widget())
        elif item.layout() is not None:
            found += _laid_out(item.layout())
    return found


def overlap_problems(page: QWidget) -> list[str]:
    """Widgets that one layout places on top of each other (it was asked for more height than it had)."""
    problems = []
    for container in [page, *page.findChildren(QWidget)]:
        if not container.isVisible() or container.layout() is None:
            continue
        placed = [w for w in _laid_out(container.layout()) if w.isVisible() and not w.isWindow()]
        for i, a in enumerate(placed):
            for b in placed[i + 1:]:
                both = a.geometry().intersected(b.geometry())
                if both.width() > SLACK and both.height() > SLACK:
                    problems.append(f"{_name(a)} and {_name(b)} overlap by {both.height()} px")
    return problems


def controls_gap_problems(page: QWidget) -> list[str]:
    """Labels in the page's controls column given far more height than their text needs: the column spreads its
    spare height as blank gaps between the controls (a vertically expanding widget there defeats its top
    alignment). One such label alone is allowed: it may keep a line free for a longer text it changes to."""
    controls = getattr(page, "controls", None)
    if controls is None:
        return []
    problems = []
    for label in _laid_out(controls):
        if not isinstance(label, QLabel) or not label.isVisible() or not label.text().strip():
            continue
        needed = label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        needed = max(needed, label.minimumHeight())
        if label.height() - needed > 12:
            problems.append(f"{_name(label)} stands in {label.height() - needed} px of blank space")
    return problems if len(problems) > 1 else []


def page_problems(page: QWidget) -> list[str]:
    """Every cut-off text on the visible part of ``page``."""
    problems: list[str] = []
    for widget in page.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel):
            problems += label_problems(widget)
        elif isinstance(widget, QLineEdit):
            problems += line_edit_problems(widget)
        elif isinstance(widget, QComboBox):
            problems += combo_problems(widget)
        elif isinstance(widget, QAbstractButton):
            problems += button_problems(widget)
        elif isinstance(widget, WrappingField):
            problems += wrapping_field_problems(widget)
        elif isinstance(widget, QTextEdit) and widget.horizontalScrollBar().maximum() > 0:
            bar = widget.horizontalScrollBar()  # text areas may scroll down, but not sideways at first sight
            problems.append(f"{type(widget).__name__}: {bar.maximum()} px of its text hidden at the side")
    return (problems + overlap_problems(page) + plot_title_problems(page) + legend_problems(page)
            + controls_gap_problems(page))
