"""A square pad you draw a digit on with the mouse: white strokes on black, kept as a NumPy array; and the row
that keeps it square and lets it grow with the page (:class:`PadRow`)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QPointF, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

PAD_SIZE = 208  # the drawing's own pixels (what image() gives); on screen the pad is this size or larger
MAX_SIDE = 420  # on screen: larger than this, a mouse stroke would be a long walk
REST_MIN = 280  # what the row leaves at least for the picture after the pad and its neighbour (the bars)
PEN_WIDTH = 16  # about the same share of the pad as 22 px on the earlier 280-px pad
THROTTLE_MS = 60  # at most ~16 predictions a second while the mouse moves


class DrawPad(QWidget):
    """Paint with the left mouse button; ``changed`` fires (throttled) while drawing and on release.

    ``image()`` gives the drawing as ``uint8 (PAD_SIZE, PAD_SIZE)``, 255 = ink, whatever size the pad is shown at
    (the drawing is scaled to the widget; strokes keep the same share of it).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._canvas = QImage(PAD_SIZE, PAD_SIZE, QImage.Format.Format_Grayscale8)
        self._canvas.fill(0)
        self._last: QPointF | None = None
        self._clock = QElapsedTimer()
        self._clock.start()
        self._late = QTimer(self)  # delivers the last move after a throttled burst
        self._late.setSingleShot(True)
        self._late.timeout.connect(self._emit_now)
        self.setMinimumSize(PAD_SIZE, PAD_SIZE)
        self.resize(PAD_SIZE, PAD_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw a digit here with the mouse")

    def sizeHint(self) -> QSize:
        return QSize(PAD_SIZE, PAD_SIZE)

    # -- API -----------------------------------------------------------------------------------
    def clear(self) -> None:
        self._canvas.fill(0)
        self._last = None
        self.update()
        self.changed.emit()

    def is_empty(self) -> bool:
        return not self.image().any()

    def image(self) -> np.ndarray:
        """The drawing: ``uint8 (PAD_SIZE, PAD_SIZE)``, 0 = black background, 255 = white ink."""
        ptr = self._canvas.constBits()
        stride = self._canvas.bytesPerLine()
        data = np.frombuffer(ptr, dtype=np.uint8, count=stride * PAD_SIZE).reshape(PAD_SIZE, stride)
        return data[:, :PAD_SIZE].copy()

    def set_image(self, image: np.ndarray) -> None:
        """Replace the drawing with ``image (H, W)`` (0..1 floats or 0..255), scaled to the pad."""
        array = np.asarray(image, dtype=np.float64)
        if array.max() > 1.0:
            array = array / 255.0
        rows = (np.arange(PAD_SIZE) * array.shape[0] // PAD_SIZE)
        cols = (np.arange(PAD_SIZE) * array.shape[1] // PAD_SIZE)
        big = np.ascontiguousarray((np.clip(array[rows][:, cols], 0, 1) * 255).astype(np.uint8))
        self._canvas = QImage(big.data, PAD_SIZE, PAD_SIZE, PAD_SIZE, QImage.Format.Format_Grayscale8).copy()
        self.update()
        self.changed.emit()

    def stroke(self, points: list[tuple[float, float]]) -> None:
        """Draw a polyline through ``points`` (pad pixel coordinates), as a mouse drag would."""
        for i, (x, y) in enumerate(points):
            if i == 0:
                self._last = QPointF(x, y)
                self._draw_to(QPointF(x, y))
            else:
                self._draw_to(QPointF(x, y))
        self._last = None
        self.changed.emit()

    # -- painting ----------------------------------------------------------------------------
    def _draw_to(self, point: QPointF) -> None:
        painter = QPainter(self._canvas)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(255, 255, 255), PEN_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        start = self._last if self._last is not None else point
        painter.drawLine(start, point)
        painter.end()
        self._last = point
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRect(0, 0, self.width(), self.height()), self._canvas)
        painter.setPen(QPen(QColor(90, 90, 90), 1))
        painter.drawRect(0, 0, self.width() - 1, self.height() - 1)
        if self.is_empty():
            painter.setPen(QColor(140, 140, 140))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "draw a digit here")
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self._draw_to(self._on_canvas(event))

    def _on_canvas(self, event: QMouseEvent) -> QPointF:
        """The mouse position in the drawing's own pixels (the pad may be shown larger)."""
        pos = event.position()
        return QPointF(pos.x() * PAD_SIZE / max(1, self.width()), pos.y() * PAD_SIZE / max(1, self.height()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._draw_to(self._on_canvas(event))
            self._throttled_emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._draw_to(self._on_canvas(event))
            self._last = None
            self._emit_now()

    def _throttled_emit(self) -> None:
        if self._clock.elapsed() >= THROTTLE_MS:
            self._emit_now()
        elif not self._late.isActive():
            self._late.start(THROTTLE_MS)

    def _emit_now(self) -> None:
        self._late.stop()
        self._clock.restart()
        self.changed.emit()


def pad_side(height: int, width: int) -> int:
    """The pad's side in a picture area ``width`` × ``height``: about half its height (the pictures above keep the
    rest), leaving ``REST_MIN`` px of the row after the pad and its same-width neighbour; never under PAD_SIZE."""
    return max(PAD_SIZE, min(int(0.47 * height), (width - REST_MIN) // 2, MAX_SIDE))


class PadRow(QWidget):
    """One row: the pad, ``beside`` it a widget as wide as the pad (the 8×8 picture the network gets), then
    ``rest``. The pad stays square and grows with ``host`` (see :func:`pad_side`); it was 208 px on any screen."""

    def __init__(self, pad: DrawPad, beside: QWidget, rest: QWidget, host: QWidget) -> None:
        super().__init__()
        self.pad, self.beside = pad, beside
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(pad)
        layout.addWidget(beside)
        layout.addWidget(rest, 1)
        self.set_side(PAD_SIZE)
        host.installEventFilter(self)

    def set_side(self, side: int) -> None:
        self.pad.setFixedSize(side, side)
        self.beside.setFixedWidth(side)
        self.setFixedHeight(side)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            side = pad_side(watched.height(), watched.width())
            if side != self.pad.width():
                self.set_side(side)
        return False
