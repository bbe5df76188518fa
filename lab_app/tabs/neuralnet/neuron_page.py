"""Page "One neuron": inputs, weights and a threshold, live; presets; the perceptron rule; why XOR needs two layers."""

from __future__ import annotations

import time
from collections.abc import Generator

import numpy as np
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from engines.core.jobs import Event, Frame
from engines.neuralnet.neuron import (ACTIVATIONS, GRID_SIDE, Neuron, NeuronNetwork, NeuronTrace, line_image,
                                      truth_table, vertical_line_detector, xor_network)
from engines.neuralnet.perceptron import PerceptronConfig, PerceptronResult, learn_perceptron
from lab_app.tabs.neuralnet.neuron_diagram import NetworkDiagram
from lab_app.tabs.neuralnet.pixel_grid import PixelGrid
from lab_app.tabs.neuralnet.truth_table_view import TruthTable
from lab_app.tabs.neuralnet.value_slider import ValueSlider
from lab_app.tabs.page import LabPage

# (label, gate or "line"): the line detector works on a 3×3 picture, the rest on a truth table.
PRESETS = (("Vertical-line detector", "line"), ("AND", "and"), ("OR", "or"), ("XOR: why one neuron can't", "xor"))
PRESET_WEIGHTS = {"and": 1.0, "or": 1.0, "xor": 1.0}
PERCEPTRON_EPOCHS = 30

EXPLAINER = """
<p><b>What a neuron does.</b> Each input is multiplied by its weight and the products are added up.
If that weighted sum reaches the threshold θ, the neuron <i>fires</i>. In the circle, Σ w·a is that sum (Σ:
add up, w: each weight, a: each input) and z = sum − θ is how far it is over the threshold: it fires when z is 0
or more. The colours mean one thing each:
a positive weight (blue) pushes towards firing, a negative one (orange) pushes against it, a thicker line is a
bigger weight, and yellow means "on" (an input or pixel that is 1, a neuron that fires).
The activation decides what number comes out: <i>step</i> gives just 0 or 1, <i>sigmoid</i> a smooth version
between 0 and 1, <i>tanh</i> a smooth one between −1 and 1 (so it can come out negative), and <i>ReLU</i>
passes on how far above the threshold the sum is (0 below it).</p>
<p><b>Presets.</b> With weights 1 and threshold 2, two inputs make AND; lower the threshold to 1 and it is OR.
The line detector gives the pixels of the middle column weight +1 and all others −1, so only a full
middle line gets over the threshold of 2.5.</p>
<p><b>Learning and its limit.</b> The perceptron rule (the oldest way to train one neuron) nudges each weight
after every wrong answer, and it is
guaranteed to finish whenever one straight line can separate the 1-rows from the 0-rows, as for AND and OR.
XOR's 1-rows sit on opposite corners, so no single line works and the rule goes round in circles.
Add a hidden layer (one neuron for OR, one for NAND, "not both", then AND on top) and XOR is easy.</p>
"""


def paced(job: Generator[Event, None, PerceptronResult], delay_s: float) -> Generator[Event, None, PerceptronResult]:
    """Pass ``job``'s events on, pausing ``delay_s`` after each frame so a person can follow the steps."""
    while True:
        try:
            event = next(job)
        except StopIteration as stop:
            return stop.value
        yield event
        if delay_s and isinstance(event, Frame):
            time.sleep(delay_s)


class NeuronPage(LabPage):
    def __init__(self, ctx, spec, parent: QWidget | None = None) -> None:
        super().__init__(ctx, spec, parent)
        self.perceptron_delay_s = 0.12
        self.last_perceptron_result: PerceptronResult | None = None
        self._loading = False
        self._build_controls()
        self._build_picture()
        self.perceptron_runner = self.new_runner("Perceptron")
        self.perceptron_runner.frame.connect(self._on_perceptron_frame)
        self.perceptron_runner.finished.connect(self._on_perceptron_finished)
        self.perceptron_runner.running_changed.connect(self._on_perceptron_running)
        self.set_explainer(EXPLAINER)
        self.apply_preset(0)

    # -- building -----------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.preset_combo = QComboBox()
        for label, _ in PRESETS:
            self.preset_combo.addItem(label)
        self.preset_combo.currentIndexChanged.connect(self.apply_preset)
        self.controls.addWidget(QLabel("<b>Preset</b>"))
        self.controls.addWidget(self.preset_combo)

        self.n_inputs_spin = QSpinBox()
        self.n_inputs_spin.setRange(2, 3)
        self.n_inputs_spin.setPrefix("inputs: ")
        self.n_inputs_spin.valueChanged.connect(lambda _v: self.apply_preset(self.preset_combo.currentIndex()))
        self.controls.addWidget(self.n_inputs_spin)

        inputs_box = QGroupBox("Inputs")
        inputs_layout = QVBoxLayout(inputs_box)
        row = QHBoxLayout()
        self.input_boxes = [QCheckBox(f"a{i + 1}") for i in range(3)]
        for box in self.input_boxes:
            box.toggled.connect(self.refresh)
            row.addWidget(box)
        inputs_layout.addLayout(row)
        self.pixel_grid = PixelGrid()
        self.pixel_grid.changed.connect(self.refresh)
        inputs_layout.addWidget(self.pixel_grid)
        self.controls.addWidget(inputs_box)

        weights_box = QGroupBox("Weights and threshold")
        weights_layout = QVBoxLayout(weights_box)
        self.weight_sliders = [ValueSlider(f"w{i + 1}", -3.0, 3.0) for i in range(3)]
        self.threshold_slider = ValueSlider("θ", -3.0, 3.0)
        for slider in (*self.weight_sliders, self.threshold_slider):
            slider.valueChanged.connect(self.refresh)
            weights_layout.addWidget(slider)
        self.activation_combo = QComboBox()
        self.activation_combo.addItems(list(ACTIVATIONS))
        self.activation_combo.currentTextChanged.connect(self.refresh)
        activation_row = QHBoxLayout()
        activation_row.addWidget(QLabel("activation"))
        activation_row.addWidget(self.activation_combo, 1)
        weights_layout.addLayout(activation_row)
        self.controls.addWidget(weights_box)

        self.learn_box = learn_box = QGroupBox("Learn the weights")
        learn_layout = QVBoxLayout(learn_box)
        self.learn_button = QPushButton("Run the perceptron rule")
        self.learn_button.setToolTip("Start from zero weights and correct them after every wrong row")
        self.learn_button.clicked.connect(self.run_perceptron)
        self.hidden_layer_button = QPushButton("Add a hidden layer")
        self.hidden_layer_button.setCheckable(True)
        self.hidden_layer_button.toggled.connect(self._show_hidden_layer)
        learn_layout.addWidget(self.learn_button)
        learn_layout.addWidget(self.hidden_layer_button)
        self.controls.addWidget(learn_box)

    def _build_picture(self) -> None:
        picture = QWidget()
        layout = QVBoxLayout(picture)
        layout.setContentsMargins(0, 0, 0, 0)
        self.diagram = NetworkDiagram()
        self.xor_diagram = NetworkDiagram()
        self.xor_caption = QLabel("<b>With a hidden layer:</b> OR and NAND look at the inputs, "
                                  "an AND neuron combines them. Every row of XOR comes out right.")
        self.xor_caption.setWordWrap(True)
        layout.addWidget(self.diagram, 3)
        layout.addWidget(self.xor_caption)
        layout.addWidget(self.xor_diagram, 3)

        bottom = QHBoxLayout()
        self.table_box = QGroupBox("Truth table: what the neuron says")
        table_layout = QVBoxLayout(self.table_box)
        self.truth_table = TruthTable()
        table_layout.addWidget(self.truth_table)
        self.xor_table_box = QGroupBox("Two layers say")
        xor_table_layout = QVBoxLayout(self.xor_table_box)
        self.xor_truth_table = TruthTable()
        xor_table_layout.addWidget(self.xor_truth_table)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setMinimumWidth(200)
        bottom.addWidget(self.table_box, 2)
        bottom.addWidget(self.xor_table_box, 2)
        bottom.addWidget(self.status_label, 2)
        layout.addLayout(bottom)
        self.set_picture(picture)

    # -- state --------------------------------------------------------------------------------
    @property
    def gate(self) -> str:
        return PRESETS[self.preset_combo.currentIndex()][1]

    @property
    def n_inputs(self) -> int:
        return 2 if self.gate == "xor" else self.n_inputs_spin.value()

    def apply_preset(self, index: int) -> None:
        """Load the preset's weights, threshold and inputs (step activation)."""
        self.perceptron_runner.cancel()
        gate = PRESETS[index][1]
        line = gate == "line"
        self._loading = True
        self.hidden_layer_button.setChecked(False)
        self._show_hidden_layer(False)
        self.n_inputs_spin.setVisible(gate in ("and", "or"))
        self.pixel_grid.setVisible(line)
        self.activation_combo.setCurrentText("step")
        for i, (box, slider) in enumerate(zip(self.input_boxes, self.weight_sliders)):
            used = line or i < self.n_inputs
            box.setVisible(not line and used)
            slider.setVisible(used)
            slider.name_label.setText(f"col {i + 1}" if line else f"w{i + 1}")
        if line:
            detector = vertical_line_detector(1)
            for col, slider in enumerate(self.weight_sliders):
                slider.set_value(detector.weights[col])
            self.threshold_slider.set_value(detector.threshold)
            self.pixel_grid.set_pixels(line_image("vertical", 1))  # click pixels to break the line
        else:
            for slider in self.weight_sliders:
                slider.set_value(1.0)
            # AND needs every input; OR (and the best XOR can do with one line) needs one.
            self.threshold_slider.set_value(float(self.n_inputs) if gate == "and" else 1.0)
            for box in self.input_boxes:
                box.setChecked(False)
        self.learn_box.setVisible(not line)
        self.hidden_layer_button.setVisible(gate == "xor")
        self.table_box.setVisible(not line)
        self.status_label.setText("")
        self._loading = False
        self.refresh()

    def inputs(self) -> list[float]:
        if self.gate == "line":
            return self.pixel_grid.pixels()
        return [1.0 if box.isChecked() else 0.0 for box in self.input_boxes[: self.n_inputs]]

    def neuron(self) -> Neuron:
        """The neuron the sliders describe (for the line detector, one weight per column of pixels)."""
        if self.gate == "line":
            columns = [s.value() for s in self.weight_sliders]
            weights = [columns[i % GRID_SIDE] for i in range(GRID_SIDE * GRID_SIDE)]
        else:
            weights = [s.value() for s in self.weight_sliders[: self.n_inputs]]
        return Neuron(weights, self.threshold_slider.value(), self.activation_combo.currentText())

    def current_trace(self) -> NeuronTrace:
        return self.neuron().trace(self.inputs())

    def refresh(self, *_args) -> None:
        if self._loading:
            return
        neuron = self.neuron()
        if self.gate == "line":
            labels = [f"p{i + 1}" for i in range(GRID_SIDE * GRID_SIDE)]
            self.pixel_grid.set_weights(neuron.weights)
        else:
            labels = [f"a{i + 1}" for i in range(self.n_inputs)]
            x, t = truth_table(self.gate, self.n_inputs)
            self.truth_table.show_rows(x, t, neuron.fires(x).astype(float))
        self.diagram.show_network(NeuronNetwork([[neuron]]), self.inputs(), labels)
        if self.hidden_layer_button.isChecked():
            self._refresh_xor_network()

    # -- the two-layer XOR --------------------------------------------------------------------
    def _show_hidden_layer(self, on: bool) -> None:
        for widget in (self.xor_diagram, self.xor_caption, self.xor_table_box):
            widget.setVisible(on)
        if on:
            self._refresh_xor_network()

    def _refresh_xor_network(self) -> None:
        network = xor_network()
        self.xor_diagram.show_network(network, self.inputs()[:2])
        x, t = truth_table("xor", 2)
        self.xor_truth_table.show_rows(x, t, np.array([float(network.fires(row)) for row in x]))

    # -- the perceptron rule ------------------------------------------------------------------
    def run_perceptron(self) -> None:
        """Learn the current gate from zero weights, one row at a time, on the worker thread."""
        if self.gate == "line":
            return
        self.activation_combo.setCurrentText("step")
        config = PerceptronConfig(gate=self.gate, n_inputs=self.n_inputs, learning_rate=0.1,
                                  max_epochs=PERCEPTRON_EPOCHS)
        delay = self.perceptron_delay_s
        self.last_perceptron_result = None
        self.status_label.setText("Learning…")
        self.perceptron_runner.start(
            lambda cancel: paced(learn_perceptron(config, cancel), delay), label="Perceptron rule")

    def _set_weights(self, weights: list[float], threshold: float) -> None:
        self._loading = True
        for slider, weight in zip(self.weight_sliders, weights):
            slider.set_value(weight)
        self.threshold_slider.set_value(threshold)
        self._loading = False

    def _on_perceptron_frame(self, frame: Frame) -> None:
        p = frame.payload
        self._set_weights(p["weights"], p["threshold"])
        self._loading = True
        for box, value in zip(self.input_boxes, p["inputs"]):
            box.setChecked(bool(value))
        self._loading = False
        self.refresh()
        verdict = "right" if p["error"] == 0 else "wrong → weights nudged"
        self.status_label.setText(f"<b>Epoch {p['epoch']}</b>, row {p['row'] + 1}: the neuron said "
                                  f"{p['output']:g}, wanted {p['target']:g} ({verdict}).<br>"
                                  f"Mistakes so far this epoch: {p['errors_this_epoch']}")

    def _on_perceptron_finished(self, result: PerceptronResult) -> None:
        self.last_perceptron_result = result
        self._set_weights(result.weights, result.threshold)
        self.refresh()
        errors = ", ".join(str(e) for e in result.errors_per_epoch[-8:])
        head = "✔ Learned it" if result.converged else "✘ Failed"
        extra = "" if result.converged or self.gate != "xor" else \
            "<br>Press <i>Add a hidden layer</i> to see two layers do it."
        self.status_label.setText(f"<b>{head}</b>: {result.message}<br>Mistakes per epoch (last few): "
                                  f"{errors}{extra}")

    def _on_perceptron_running(self, running: bool) -> None:
        self.learn_button.setEnabled(not running and self.gate != "line")
        self.preset_combo.setEnabled(not running)
