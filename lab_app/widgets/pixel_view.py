"""A small picture shown enlarged with every pixel kept sharp (nearest-neighbour), a title above it.

``clicked(x, y)`` reports which pixel of the picture was clicked (e.g. a frame of a filmstrip tree).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


class PixelView(QWidget):
    """Shows a small uint8 (H, W, 3) image enlarged with nearest-neighbour scaling, a caption above."""

    clicked = Signal(int, int)  # the picture's pixel (x, y) under a left click

    def __init__(self, title: str = "", min_side: int = 64, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.placeholder = ""  # a hint drawn in the empty box until there is a picture
        self.align_top = False  # True: the picture sits right under its title instead of centred
        self.image: np.ndarray | None = None
        self._qimage: QImage | None = None
        self.setMinimumSize(min_side, min_side + 18)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(160, 180)

    def set_title(self, title: str) -> None:
        self.title = title
        self.update()

    def set_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.update()

    def set_image(self, image: np.ndarray | None) -> None:
        if image is None:
            self.image, self._qimage = None, None
        else:
            arr = np.ascontiguousarray(image, np.uint8)
            if arr.ndim == 2:
                arr = arr[:, :, None]
            if arr.shape[2] == 1:  # grey
                arr = np.repeat(arr, 3, axis=2)
            self.image = np.ascontiguousarray(arr[:, :, :3])
            h, w = self.image.shape[:2]
            self._qimage = QImage(self.image.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        text_h = 18 if self.title else 0
        if self.title:
            painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            painter.drawText(QRectF(0, 0, self.width(), text_h), Qt.AlignmentFlag.AlignCenter, self.title)
        area = QRectF(0, text_h, self.width(), self.height() - text_h)
        if self._qimage is None:
            painter.setPen(QColor("#999"))
            painter.drawRect(area.adjusted(2, 2, -2, -2))
            if self.placeholder:
                painter.drawText(area.adjusted(8, 8, -8, -8),
                                 int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap), self.placeholder)
            return
        w, h = self._qimage.width(), self._qimage.height()
        scale = min(area.width() / w, area.height() / h)
        if scale >= 2 and int(scale) / scale > 0.85:
            scale = int(scale)  # whole multiples keep every pixel the same size when little room is lost
        tw, th = w * scale, h * scale
        top = area.y() if self.align_top else area.y() + (area.height() - th) / 2
        target = QRectF(area.x() + (area.width() - tw) / 2, top, tw, th)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._qimage)
        self._target = target

    def image_pixel(self, x: float, y: float) -> tuple[int, int] | None:
        """The picture's pixel at widget point (x, y), or None off the picture."""
        target = getattr(self, "_target", None)
        if self.image is None or target is None or not target.contains(x, y):
            return None
        h, w = self.image.shape[:2]
        return (min(w - 1, int((x - target.x()) * w / target.width())),
                min(h - 1, int((y - target.y()) * h / target.height())))

    def mousePressEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        hit = self.image_pixel(pos.x(), pos.y()) if event.button() == Qt.MouseButton.LeftButton else None
        if hit is not None:
            self.clicked.emit(*hit)
        super().mousePressEvent(event)
