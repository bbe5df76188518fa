"""The Playground's settings panel: data, network and training knobs, read back as a PlaygroundConfig."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget)

from engines.neuralnet.datasets import CLASSIFICATION, MAX_CLASSES, MULTICLASS_CAPABLE, REGRESSION
from engines.neuralnet.features import DEFAULT_FEATURES, FEATURE_LABELS, FEATURES
from engines.neuralnet.mlp import HIDDEN_ACTIVATIONS, MAX_LAYERS, MAX_UNITS, REGULARIZATIONS
from engines.neuralnet.playground import PlaygroundConfig

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FRAME_EVERY = 5
GRID_SIZE = 50
STRUCTURE_DELAY_MS = 150  # a dragged noise slider resets once, not at every tick
DRAW, CSV = "draw", "csv"  # datasets that are not generated: points clicked in, points from a file
TASKS = {"classification": CLASSIFICATION, "regression": REGRESSION}


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
    load_csv_requested = Signal()
    clear_points_requested = Signal()

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
        self.task_combo = _combo(tuple(TASKS), "classification")
        self.dataset_combo = QComboBox()
        self.csv_name: str | None = None  # the loaded file's name, offered as a dataset of its task
        self.csv_task = "classification"
        self._fill_datasets()
        self.classes_spin = QSpinBox()
        self.classes_spin.setRange(2, MAX_CLASSES)
        self.classes_spin.setToolTip("Number of classes (Gaussian and spiral data only)")
        self.draw_hint = QLabel("Click the picture: left = orange, right or Shift+click = blue")
        self.draw_hint.setWordWrap(True)
        self.draw_hint.setVisible(False)
        self.csv_button = QPushButton("Load CSV…")
        self.csv_button.setToolTip("A text file with one x,y,label per line")
        self.clear_button = QPushButton("Clear points")
        self.clear_button.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.clear_button)
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
        form.addRow("problem", self.task_combo)
        form.addRow("dataset", self.dataset_combo)
        form.addRow("classes", self.classes_spin)
        form.addRow(self.draw_hint)
        form.addRow(buttons)
        form.addRow(self.noise_label, self.noise_slider)
        form.addRow("split", self.test_spin)
        form.addRow("seed", self.seed_spin)
        layout.addWidget(data)

        feats = QGroupBox("Input features")
        grid = QGridLayout(feats)
        self.feature_boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(FEATURES):
            box = QCheckBox(FEATURE_LABELS[name])
            box.setChecked(name in DEFAULT_FEATURES)
            grid.addWidget(box, i // 3, i % 3)
            self.feature_boxes[name] = box
        self.features_error = QLabel("pick at least one feature")
        self.features_error.setStyleSheet("color: #e03131")
        self.features_error.setVisible(False)
        grid.addWidget(self.features_error, 3, 0, 1, 3)
        layout.addWidget(feats)

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
        self._features: tuple[str, ...] = DEFAULT_FEATURES
        for box in self.feature_boxes.values():
            box.toggled.connect(self._on_features)
        self.task_combo.currentIndexChanged.connect(lambda _i: self._fill_datasets())
        self.dataset_combo.currentIndexChanged.connect(lambda _i: self._update_data_widgets())
        self.csv_button.clicked.connect(self.load_csv_requested)
        self.clear_button.clicked.connect(self.clear_points_requested)
        self._update_data_widgets()
        for signal in (self.dataset_combo.currentIndexChanged, self.test_spin.valueChanged,
                       self.classes_spin.valueChanged,
                       self.seed_spin.valueChanged, self.activation_combo.currentIndexChanged):
            signal.connect(self._structure_timer.start)
        self.layers_edit.editingFinished.connect(self._on_layers)
        for signal in (self.lr_combo.currentIndexChanged, self.batch_spin.valueChanged,
                       self.reg_combo.currentIndexChanged, self.reg_rate_combo.currentIndexChanged):
            signal.connect(lambda *_: self.training_changed.emit(self.training_settings()))

    def _fill_datasets(self) -> None:
        """The datasets of the chosen problem, plus "your points" (classification) and a loaded CSV of that kind."""
        task = self.task_combo.currentData()
        combo = self.dataset_combo
        combo.blockSignals(True)
        combo.clear()
        for name in TASKS[task]:
            combo.addItem(name, name)
        if task == "classification":
            combo.addItem("your points (click)", DRAW)
        if self.csv_name and self.csv_task == task:
            combo.addItem(f"CSV: {self.csv_name}", CSV)
        combo.blockSignals(False)
        if hasattr(self, "classes_spin"):
            self._update_data_widgets()
            self._structure_timer.start()

    def add_csv(self, name: str, task: str) -> None:
        """Offer a loaded file as a dataset and choose it (the page holds the points)."""
        self.csv_name, self.csv_task = name, task
        self.task_combo.blockSignals(True)
        self.task_combo.setCurrentIndex(list(TASKS).index(task))
        self.task_combo.blockSignals(False)
        self._fill_datasets()
        self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(CSV))

    def select_dataset(self, name: str) -> None:
        """Choose ``name`` (switching the problem when needed)."""
        task = "regression" if name in REGRESSION else "classification"
        if self.task_combo.currentData() != task:
            self.task_combo.setCurrentIndex(list(TASKS).index(task))
        self.dataset_combo.setCurrentIndex(self.dataset_combo.findData(name))

    def _update_data_widgets(self) -> None:
        name = self.dataset_combo.currentData()
        self.classes_spin.setEnabled(name in MULTICLASS_CAPABLE)
        self.draw_hint.setVisible(name == DRAW)
        self.clear_button.setVisible(name == DRAW)
        self.noise_slider.setEnabled(name not in (DRAW, CSV))

    def _on_features(self, _checked: bool = False) -> None:
        chosen = tuple(f for f in FEATURES if self.feature_boxes[f].isChecked())
        self.features_error.setVisible(not chosen)
        if chosen and chosen != self._features:
            self._features = chosen
            self._structure_timer.start()

    def dataset(self) -> str:
        return self.dataset_combo.currentData()

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
        name = self.dataset_combo.currentData()
        return PlaygroundConfig(
            dataset=name, noise=self.noise_slider.value() / 100, features=self._features,
            n_classes=self.classes_spin.value() if name in MULTICLASS_CAPABLE else 2,
            test_fraction=self.test_spin.value() / 100, hidden_layers=self._hidden_layers,
            activation=self.activation_combo.currentData(), seed=self.seed_spin.value(),
            epochs=None, frame_every=FRAME_EVERY, grid_size=GRID_SIZE, **self.training_settings())
