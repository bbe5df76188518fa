"""The Playground's settings panel: data, network and training knobs, read back as a PlaygroundConfig."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QSlider, QSpinBox,
                               QVBoxLayout, QWidget)

from engines.neuralnet.datasets import CLASSIFICATION
from engines.neuralnet.mlp import HIDDEN_ACTIVATIONS, MAX_LAYERS, MAX_UNITS, REGULARIZATIONS
from engines.neuralnet.playground import PlaygroundConfig

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FRAME_EVERY = 5
GRID_SIZE = 50
STRUCTURE_DELAY_MS = 150  # a dragged noise slider resets once, not at every tick


def parse_hidden_layers(text: str) -> tuple[int, ...]:
    """``"4, 2"`` → ``(4, 2)``; an empty text means no hidden layer. Raises ValueError if out of range."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError as exc:
        raise ValueError("write neuron counts separated by commas, e.g. 4,2") from exc
    if len(sizes) > MAX_LAYERS or any(not 1 <= s <= MAX_UNITS for s in sizes):
        raise ValueError(f"up to {MAX_LAYERS} layers of 1–{MAX_UNITS} neurons")
    return sizes


def _combo(values, default) -> QComboBox:
    combo = QComboBox()
    for value in values:
        combo.addItem(f"{value:g}" if isinstance(value, float) else str(value), value)
    combo.setCurrentIndex(list(values).index(default))
    return combo


class PlaygroundControls(QWidget):
    """Emits ``structure_changed`` when the data or the network's shape changes (needs a reset)
    and ``training_changed(dict)`` with the training settings that can change mid-run."""

    structure_changed = Signal()
    training_changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._structure_timer = QTimer(self)
        self._structure_timer.setSingleShot(True)
        self._structure_timer.setInterval(STRUCTURE_DELAY_MS)
        self._structure_timer.timeout.connect(self.structure_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        data = QGroupBox("Data")
        form = QFormLayout(data)
        self.dataset_combo = _combo(CLASSIFICATION, "circle")
        self.noise_slider = QSlider(Qt.Orientation.Horizontal)
        self.noise_slider.setRange(0, 50)
        self.noise_label = QLabel()
        self.test_spin = QSpinBox()
        self.test_spin.setRange(10, 90)
        self.test_spin.setSingleStep(10)
        self.test_spin.setValue(50)
        self.test_spin.setSuffix(" % test")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 99999)
        form.addRow("dataset", self.dataset_combo)
        form.addRow(self.noise_label, self.noise_slider)
        form.addRow("split", self.test_spin)
        form.addRow("seed", self.seed_spin)
        layout.addWidget(data)

        net = QGroupBox("Network")
        form = QFormLayout(net)
        self.layers_edit = QLineEdit("4,2")
        self.layers_edit.setToolTip("Neurons per hidden layer, e.g. 4,2 (empty: no hidden layer)")
        self.layers_error = QLabel()
        self.layers_error.setWordWrap(True)
        self.layers_error.setStyleSheet("color: #e03131")
        self.layers_error.setVisible(False)
        self.activation_combo = _combo(HIDDEN_ACTIVATIONS, "tanh")
        form.addRow("hidden", self.layers_edit)
        form.addRow(self.layers_error)
        form.addRow("activation", self.activation_combo)
        layout.addWidget(net)

        train = QGroupBox("Training")
        form = QFormLayout(train)
        self.lr_combo = _combo(LEARNING_RATES, 0.03)
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 100)
        self.batch_spin.setValue(10)
        self.reg_combo = _combo(REGULARIZATIONS, "none")
        self.reg_rate_combo = _combo(REGULARIZATION_RATES, 0.0)
        form.addRow("learning rate", self.lr_combo)
        form.addRow("batch size", self.batch_spin)
        form.addRow("regularisation", self.reg_combo)
        form.addRow("reg. rate", self.reg_rate_combo)
        layout.addWidget(train)

        self._hidden_layers: tuple[int, ...] = (4, 2)
        self.noise_label.setText("noise 0 %")
        self.noise_slider.valueChanged.connect(self._on_noise)
        for signal in (self.dataset_combo.currentIndexChanged, self.test_spin.valueChanged,
                       self.seed_spin.valueChanged, self.activation_combo.currentIndexChanged):
            signal.connect(self._structure_timer.start)
        self.layers_edit.editingFinished.connect(self._on_layers)
        for signal in (self.lr_combo.currentIndexChanged, self.batch_spin.valueChanged,
                       self.reg_combo.currentIndexChanged, self.reg_rate_combo.currentIndexChanged):
            signal.connect(lambda *_: self.training_changed.emit(self.training_settings()))

    def _on_noise(self, value: int) -> None:
        self.noise_label.setText(f"noise {value} %")
        self._structure_timer.start()

    def _on_layers(self) -> None:
        try:
            layers = parse_hidden_layers(self.layers_edit.text())
        except ValueError as exc:
            self.layers_error.setText(str(exc))
            self.layers_error.setVisible(True)
            return
        self.layers_error.setVisible(False)
        if layers != self._hidden_layers:
            self._hidden_layers = layers
            self._structure_timer.start()

    def training_settings(self) -> dict:
        """The settings a running network can switch to between epochs."""
        return {"learning_rate": self.lr_combo.currentData(), "batch_size": self.batch_spin.value(),
                "regularization": self.reg_combo.currentData(),
                "regularization_rate": self.reg_rate_combo.currentData()}

    def config(self) -> PlaygroundConfig:
        """Everything, as the engine's config (trains until paused: ``epochs=None``)."""
        return PlaygroundConfig(
            dataset=self.dataset_combo.currentData(), noise=self.noise_slider.value() / 100,
            test_fraction=self.test_spin.value() / 100, hidden_layers=self._hidden_layers,
            activation=self.activation_combo.currentData(), seed=self.seed_spin.value(),
            epochs=None, frame_every=FRAME_EVERY, grid_size=GRID_SIZE, **self.training_settings())
