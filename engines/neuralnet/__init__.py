"""The Neural Net tab's engine: one neuron, the perceptron rule, the playground MLP.

Modules, each with one job:

* :mod:`~engines.neuralnet.neuron`: a single neuron, logic-gate and line-detector presets, XOR from three neurons;
* :mod:`~engines.neuralnet.perceptron`: the perceptron learning rule as a step-by-step job;
* :mod:`~engines.neuralnet.datasets`: TensorFlow-Playground-style 2-D datasets, splits, CSV loading;
* :mod:`~engines.neuralnet.features`: input features (x₁, x₂, x₁², …) for the playground;
* :mod:`~engines.neuralnet.mlp`: a NumPy multi-layer perceptron with backprop and SGD;
* :mod:`~engines.neuralnet.playground`: the live-training playground and its job;
* :mod:`~engines.neuralnet.export`: safetensors save/load and ONNX export.

Run ``python -m engines.neuralnet --help`` for the command line. Nothing here uses torch
(the networks are tiny; NumPy is faster for them) or any GUI library.
"""
