"""One neuron: presets compute their truth tables, the line detector sees lines, XOR needs two layers."""

from __future__ import annotations

import numpy as np
import pytest

from engines.neuralnet.neuron import (
    Neuron,
    activate,
    and_neuron,
    gate_neuron,
    line_image,
    nand_neuron,
    or_neuron,
    truth_table,
    vertical_line_detector,
    xor_network,
)


@pytest.mark.parametrize("n_inputs", [2, 3])
@pytest.mark.parametrize("gate, make", [("and", and_neuron), ("or", or_neuron), ("nand", nand_neuron)])
def test_gate_presets_match_their_truth_tables(gate, make, n_inputs):
    rows, targets = truth_table(gate, n_inputs)
    neuron = make(n_inputs)
    assert neuron.fires(rows).tolist() == targets.astype(bool).tolist()
    assert np.array_equal(neuron.output(rows), targets)  # step activation: output is the spike


def test_and_or_tables_are_the_familiar_ones():
    _, and2 = truth_table("and", 2)
    _, or2 = truth_table("or", 2)
    _, xor2 = truth_table("xor", 2)
    assert and2.tolist() == [0, 0, 0, 1]
    assert or2.tolist() == [0, 1, 1, 1]
    assert xor2.tolist() == [0, 1, 1, 0]


def test_xor_needs_two_layers_and_the_preset_network_does_it():
    net = xor_network()
    rows, targets = truth_table("xor", 2)
    assert [net.output(r) for r in rows] == targets.tolist()
    assert [net.fires(r) for r in rows] == targets.astype(bool).tolist()
    with pytest.raises(ValueError, match="no single neuron"):
        gate_neuron("xor")


@pytest.mark.parametrize("column", [0, 1, 2])
def test_vertical_line_detector_fires_on_vertical_not_horizontal(column):
    detector = vertical_line_detector(column)
    assert detector.n_inputs == 9
    assert detector.fires(line_image("vertical", column))
    for row in range(3):
        assert not detector.fires(line_image("horizontal", row))
    for other in {0, 1, 2} - {column}:
        assert not detector.fires(line_image("vertical", other))
    broken = line_image("vertical", column)
    broken[column] = 0.0  # top pixel of the line missing
    assert not detector.fires(broken)
    assert not detector.fires(np.zeros(9))


def test_weighted_sum_threshold_and_trace():
    neuron = Neuron([0.5, 0.5, 0.5], threshold=1.0)
    trace = neuron.trace([1, 0, 1])
    assert trace.products == (0.5, 0.0, 0.5)
    assert trace.weighted_sum == pytest.approx(1.0)
    assert trace.net_input == pytest.approx(0.0)
    assert trace.fires and trace.output == 1.0
    assert not neuron.fires([1, 0, 0])
    assert neuron.bias == -1.0


@pytest.mark.parametrize("activation", ["step", "sigmoid", "relu", "tanh"])
def test_every_activation_fires_at_the_same_place(activation):
    neuron = Neuron([1.0, 1.0], threshold=1.5, activation=activation)
    assert neuron.fires([1, 1]) and not neuron.fires([1, 0])
    assert neuron.output([1, 1]) > neuron.output([1, 0])


def test_activation_values():
    z = np.array([-2.0, 0.0, 2.0])
    assert activate(z, "step").tolist() == [0, 1, 1]
    assert activate(z, "relu").tolist() == [0, 0, 2]
    assert activate(0.0, "sigmoid") == pytest.approx(0.5)
    assert activate(z, "tanh") == pytest.approx(np.tanh(z))


def test_bad_inputs_are_refused_clearly():
    with pytest.raises(ValueError, match="3 inputs but got 2"):
        Neuron([1, 1, 1]).output([1, 0])
    with pytest.raises(ValueError, match="unknown activation"):
        Neuron([1], activation="softsign")
    with pytest.raises(ValueError):
        and_neuron(4)
