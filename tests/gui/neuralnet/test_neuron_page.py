"""The "One neuron" page: sliders drive the sum and the spike; the perceptron rule learns OR and fails on XOR."""

from engines.neuralnet.perceptron import PerceptronResult
from lab_app.tabs.neuralnet.neuron_page import PRESETS, NeuronPage


def _page(window) -> NeuronPage:
    page = window.select("neuralnet", 0, build_now=True).pages[0].page
    assert isinstance(page, NeuronPage)
    return page


def _preset(page: NeuronPage, gate: str) -> None:
    page.preset_combo.setCurrentIndex([g for _, g in PRESETS].index(gate))


def test_and_preset_fires_only_when_both_inputs_are_on(window):
    page = _page(window)
    _preset(page, "and")
    page.input_boxes[0].setChecked(True)
    page.input_boxes[1].setChecked(True)
    trace = page.diagram.output_trace
    assert trace.weighted_sum == 2.0 and trace.fires
    page.input_boxes[1].setChecked(False)
    trace = page.diagram.output_trace
    assert trace.weighted_sum == 1.0 and not trace.fires
    assert page.truth_table.wrong_rows == []


def test_weight_slider_changes_the_weighted_sum_and_the_spike(window):
    page = _page(window)
    _preset(page, "and")
    page.input_boxes[0].setChecked(True)
    assert not page.diagram.output_trace.fires  # 1·1 + 1·0 = 1 < θ = 2
    page.weight_sliders[0].set_value(2.5)
    trace = page.diagram.output_trace
    assert trace.weighted_sum == 2.5 and trace.fires
    assert page.weight_sliders[0].value_label.text() == "+2.5"
    page.weight_sliders[0].slider.setValue(-10)  # by hand: −1.0
    assert page.diagram.output_trace.weighted_sum == -1.0 and not page.diagram.output_trace.fires


def test_line_detector_fires_on_the_middle_column_only(window):
    page = _page(window)
    _preset(page, "line")
    assert page.pixel_grid.pixels() == [0, 1, 0] * 3  # starts with a middle line
    assert page.diagram.output_trace.fires
    page.pixel_grid.toggle(4)  # a broken line: 2 < 2.5
    assert not page.diagram.output_trace.fires
    page.pixel_grid.set_pixels([0, 0, 0, 1, 1, 1, 0, 0, 0])
    assert not page.diagram.output_trace.fires


def test_xor_preset_shows_a_wrong_row_and_the_hidden_layer_fixes_it(window):
    page = _page(window)
    _preset(page, "xor")
    assert page.truth_table.wrong_rows  # one straight line cannot do XOR
    page.hidden_layer_button.setChecked(True)
    assert not page.xor_diagram.isHidden()
    assert page.xor_truth_table.wrong_rows == []


def _learn(page: NeuronPage, qtbot) -> PerceptronResult:
    page.perceptron_delay_s = 0.0
    page.run_perceptron()
    qtbot.waitUntil(lambda: page.last_perceptron_result is not None, timeout=10000)
    return page.last_perceptron_result


def test_perceptron_learns_or(window, qtbot):
    page = _page(window)
    _preset(page, "or")
    result = _learn(page, qtbot)
    assert result.converged
    assert "Learned" in page.status_label.text()
    assert page.truth_table.wrong_rows == []  # the sliders now hold the learned weights


def test_perceptron_fails_on_xor(window, qtbot):
    page = _page(window)
    _preset(page, "xor")
    result = _learn(page, qtbot)
    assert not result.converged
    assert "Failed" in page.status_label.text()
    assert page.truth_table.wrong_rows
    assert not page.perceptron_runner.is_running()
