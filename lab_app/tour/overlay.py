"""The tour's pictures: a ring around the control to touch (it follows the control when the window changes) and
the card that says what to notice, with Back / Next / Leave.

Neither takes the mouse or blocks the window: the ring lets clicks through, the card sits in a corner away from
the control.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QCheckBox, QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QStackedWidget,
                               QTabWidget, QVBoxLayout, QWidget)

RING = QColor(245, 158, 11)  # amber: reads on the light and the dark theme
FOLLOW_MS = 150  # splitters, scroll areas and layouts move controls without telling the window


class Highlight(QWidget):
    """A transparent layer over ``window`` that draws a ring around :attr:`target` wherever it is now."""

    moved = Signal(QRect)  # the ring's new place in window coordinates (null when hidden)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("tourHighlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target: QWidget | None = None
        self.ring = QRect()
        self._timer = QTimer(self)
        self._timer.setInterval(FOLLOW_MS)
        self._timer.timeout.connect(self.follow)
        window.installEventFilter(self)
        self.setGeometry(window.rect())

    def point_at(self, target: QWidget | None) -> None:
        self.target = target
        if target is not None:
            _scroll_into_view(target)
            self._timer.start()
        else:
            self._timer.stop()
        self.follow()

    def follow(self) -> None:
        """Place the ring on the target's current spot (hidden when the target is not on screen)."""
        window = self.parentWidget()
        self.setGeometry(window.rect())
        self.raise_()
        target = self.target
        ring = QRect()
        if target is not None and target.isVisible():
            top_left = target.mapTo(window, target.rect().topLeft())
            ring = QRect(top_left, target.size()).adjusted(-4, -4, 4, 4)
        if ring != self.ring:
            self.ring = ring
            self.update()
            self.moved.emit(ring)
        self.setVisible(not ring.isNull())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            QTimer.singleShot(0, self.follow)  # after the layout has moved the target
        return False

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.ring.isNull():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(RING, 3))
        painter.drawRoundedRect(self.ring, 6, 6)

    def stop(self) -> None:
        self._timer.stop()
        self.parentWidget().removeEventFilter(self)
        self.hide()
        self.deleteLater()


def _scroll_into_view(widget: QWidget) -> None:
    """Show the tab (of a tab widget or a stack) that holds ``widget`` and scroll areas to it."""
    child, parent = widget, widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QStackedWidget) and parent.indexOf(child) >= 0 and parent.currentWidget() is not child:
            holder = parent.parentWidget()
            if isinstance(holder, QTabWidget) and holder.indexOf(child) >= 0:
                holder.setCurrentWidget(child)
            else:
                parent.setCurrentWidget(child)
        child, parent = parent, parent.parentWidget()
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget)
        parent = parent.parentWidget()


class TourCard(QFrame):
    """The floating panel: "3 of 22", the stop's title, its text, Back / Next / Leave and "don't show at start".

    Keyboard: Alt+B back, Alt+N next, Alt+L leave, Tab moves between them; the card keeps no focus from the page.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("tourCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Guided tour")
        self.counter = QLabel()
        self.title = QLabel()
        self.title.setObjectName("tourTitle")
        self.text = QLabel()
        self.text.setObjectName("tourText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.back_button = QPushButton("‹ &Back")
        self.next_button = QPushButton("&Next ›")
        self.leave_button = QPushButton("&Leave tour")
        for button, name, tip in ((self.back_button, "tourBack", "The previous stop (Alt+B)"),
                                  (self.next_button, "tourNext", "The next stop (Alt+N)"),
                                  (self.leave_button, "tourLeave",
                                   "Close the tour; Help → Tour opens it again (Alt+L)")):
            button.setObjectName(name)
            button.setAccessibleName(button.text().replace("&", "").strip("‹› "))
            button.setToolTip(tip)
        self.dont_show = QCheckBox("Don't open at start")
        self.dont_show.setObjectName("tourDontShow")
        self.dont_show.setAccessibleName("Don't open the tour at start")
        self.dont_show.setToolTip("Remembered; Help → Tour still opens it")
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        leave_row = QHBoxLayout()
        leave_row.addWidget(self.dont_show, 1)
        leave_row.addWidget(self.leave_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counter)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        layout.addLayout(leave_row)
        window.installEventFilter(self)
        self._avoid = QRect()

    def show_stop(self, number: int, total: int, title: str, text: str) -> None:
        self.counter.setText(f"Tour · stop {number} of {total}")
        self.title.setText(f"<b>{title}</b>")
        self.text.setText(text)
        self.setAccessibleDescription(f"{title}. {QLabel(text).text()}")
        self.back_button.setEnabled(number > 1)
        self.next_button.setText("&Next ›" if number < total else "&Finish")
        self.show()
        self.raise_()

    def place(self, avoid: QRect | None = None) -> None:
        """Bottom left, over the empty lower part of the page list, so the page and its explainer stay in view;
        bottom right or top right when that would cover ``avoid`` (the ringed control)."""
        if avoid is not None:
            self._avoid = avoid
        window = self.parentWidget()
        em = self.fontMetrics().averageCharWidth()
        width = min(max(250, em * 36), max(200, window.width() // 2))
        self.setFixedWidth(width)
        self.adjustSize()
        margin = em * 2
        bottom = window.height() - self.height() - margin * 3
        spots = (QRect(margin, bottom, width, self.height()),
                 QRect(window.width() - width - margin, bottom, width, self.height()),
                 QRect(window.width() - width - margin, margin * 4, width, self.height()))
        self.setGeometry(next((spot for spot in spots if not spot.intersects(self._avoid)), spots[0]))
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize and self.isVisible():
            QTimer.singleShot(0, self.place)
        return False
