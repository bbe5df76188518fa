"""A labelled slider for a decimal value (a weight, a threshold), with its value shown beside it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget


class ValueSlider(QWidget):
    """``name [=====|====] 1.5``: a slider over ``[minimum, maximum]`` in steps of ``step``.

    ``valueChanged(float)`` fires whenever the value changes (by hand or by :meth:`set_value`).
    """

    valueChanged = Signal(float)  # noqa: N815 - Qt naming

    def __init__(self, name: str, minimum: float, maximum: float, step: float = 0.1,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._step = step
        self.name_label = QLabel(name)
        self.name_label.setMinimumWidth(28)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(minimum / step), round(maximum / step))
        self.slider.setPageStep(5)
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(40)
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.name_label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.value_label)
        self.slider.valueChanged.connect(self._on_slider)
        self._on_slider(self.slider.value())

    def value(self) -> float:
        return round(self.slider.value() * self._step, 6)

    def set_value(self, value: float) -> None:
        """Move to the nearest step (clamped to the range)."""
        self.slider.setValue(round(float(value) / self._step))

    def _on_slider(self, _raw: int) -> None:
        self.value_label.setText(f"{self.value():+.1f}")
        self.valueChanged.emit(self.value())
