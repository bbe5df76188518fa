"""Save a trained playground network: safetensors + JSON (to reload it) and ONNX (to run it anywhere).

The safetensors folder holds ``layers.<i>.weight`` ``(n_in, n_out)`` and ``layers.<i>.bias``
``(n_out,)`` plus a config naming the architecture ``playground-mlp``. The ONNX graph
takes raw points ``points (N, 2)`` float32, computes the same input features, then
``MatMul → Add → activation`` per layer; it outputs ``output (N, n_out)`` and, so that
the insides stay visible, ``hidden_<l> (N, units)`` for every hidden layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engines.core.model_io import ModelFileError, atomic_path, load_model, save_model
from engines.neuralnet.mlp import MLP

ARCHITECTURE = "playground-mlp"
ONNX_OPSET = 17
ONNX_IR_VERSION = 8  # readable by every onnxruntime ≥ 1.15
_ONNX_ACT = {"tanh": "Tanh", "relu": "Relu", "sigmoid": "Sigmoid", "softmax": "Softmax", "linear": None}


def save_playground_model(folder: str | Path, model: MLP, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model`` to ``folder`` (``model.safetensors`` + ``config.json``), atomically.

    ``extra`` (e.g. dataset name, epochs, losses) is stored in the config for display.
    """
    config = {
        "layer_sizes": model.layer_sizes,
        "activation": model.activation,
        "task": model.task,
        "features": list(model.features),
        **(extra or {}),
    }
    return save_model(folder, model.tensors(), config, ARCHITECTURE)


def load_playground_model(folder: str | Path) -> tuple[MLP, dict[str, Any]]:
    """Read a folder written by :func:`save_playground_model` → ``(model, config)``.

    Raises :class:`engines.core.model_io.ModelFileError` for a missing, corrupt or
    foreign model, including weights whose shapes do not match the config.
    """
    config, tensors = load_model(folder, ARCHITECTURE)
    try:
        model = MLP.from_tensors(tensors, config["activation"], config["task"], tuple(config["features"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError("invalid_config", Path(folder) / "config.json", str(exc)) from exc
    if model.layer_sizes != list(config.get("layer_sizes", model.layer_sizes)):
        raise ModelFileError("invalid_config", Path(folder) / "config.json",
                             f"layer sizes {config['layer_sizes']} do not match the weights {model.layer_sizes}")
    return model, config


# --- ONNX ----------------------------------------------------------------------------------------

def _feature_nodes(features: tuple[str, ...]) -> tuple[list[Any], list[Any], str]:
    """Nodes that turn ``points (N, 2)`` into ``features (N, F)``; returns (nodes, initialisers, name)."""
    from onnx import TensorProto, helper

    inits = [
        helper.make_tensor("idx_0", TensorProto.INT64, [1], [0]),
        helper.make_tensor("idx_1", TensorProto.INT64, [1], [1]),
        helper.make_tensor("idx_2", TensorProto.INT64, [1], [2]),
    ]
    nodes = [
        helper.make_node("Slice", ["points", "idx_0", "idx_1", "idx_1"], ["x1"], name="take_x1"),  # (N, 1)
        helper.make_node("Slice", ["points", "idx_1", "idx_2", "idx_1"], ["x2"], name="take_x2"),
    ]
    recipes = {"x1sq": ("Mul", ["x1", "x1"]), "x2sq": ("Mul", ["x2", "x2"]), "x1x2": ("Mul", ["x1", "x2"]),
               "sinx1": ("Sin", ["x1"]), "sinx2": ("Sin", ["x2"])}
    for name in features:
        if name in recipes:
            op, inputs = recipes[name]
            nodes.append(helper.make_node(op, inputs, [name], name=f"feature_{name}"))
    nodes.append(helper.make_node("Concat", list(features), ["features"], axis=1, name="features"))
    return nodes, inits, "features"


def build_onnx(model: MLP, include_hidden: bool = True):
    """An ``onnx.ModelProto`` computing ``model`` in float32 (see the module docstring)."""
    from onnx import TensorProto, checker, helper, numpy_helper

    nodes, inits, current = _feature_nodes(model.features)
    outputs = []
    last = len(model.weights) - 1
    for i, (w, b) in enumerate(zip(model.weights, model.biases)):
        inits.append(numpy_helper.from_array(w.astype(np.float32), f"layers.{i}.weight"))
        inits.append(numpy_helper.from_array(b.astype(np.float32), f"layers.{i}.bias"))
        nodes.append(helper.make_node("MatMul", [current, f"layers.{i}.weight"], [f"matmul_{i}"], name=f"matmul_{i}"))
        act_name = model.output_activation if i == last else model.activation
        op = _ONNX_ACT[act_name]
        out_name = "output" if i == last else f"hidden_{i}"
        add_out = out_name if op is None else f"logits_{i}"
        nodes.append(helper.make_node("Add", [f"matmul_{i}", f"layers.{i}.bias"], [add_out], name=f"add_{i}"))
        if op is not None:
            attrs = {"axis": -1} if op == "Softmax" else {}
            nodes.append(helper.make_node(op, [add_out], [out_name], name=f"{act_name}_{i}", **attrs))
        if i < last and include_hidden:
            outputs.append(helper.make_tensor_value_info(out_name, TensorProto.FLOAT, ["batch", w.shape[1]]))
        current = out_name
    outputs.insert(0, helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", model.layer_sizes[-1]]))
    graph = helper.make_graph(
        nodes, "playground_mlp",
        [helper.make_tensor_value_info("points", TensorProto.FLOAT, ["batch", 2])],
        outputs, initializer=inits,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
                                   producer_name="ai-lab", doc_string=f"{ARCHITECTURE}: {model.layer_sizes}")
    onnx_model.ir_version = ONNX_IR_VERSION
    checker.check_model(onnx_model)
    return onnx_model


def export_onnx(model: MLP, path: str | Path, include_hidden: bool = True) -> Path:
    """Write ``model`` as an ONNX file at ``path`` (atomically) and return the path."""
    import onnx

    path = Path(path)
    proto = build_onnx(model, include_hidden)
    with atomic_path(path) as tmp:
        onnx.save(proto, str(tmp))
    return path


class OnnxPlaygroundModel:
    """The ONNX runner: the same ``predict(points)`` as :class:`~engines.neuralnet.mlp.MLP`,
    computed by ONNX Runtime from a file written by :func:`export_onnx`."""

    def __init__(self, path: str | Path, threads: int = 1, trusted: bool = False) -> None:
        from engines.core.device import DeviceInfo
        from engines.core.onnx_session import create_session

        self.session = create_session(path, DeviceInfo("cpu", "CPU", "cpu"), threads=threads, trusted=trusted)
        self.output_names = [o.name for o in self.session.get_outputs()]

    def run(self, points: np.ndarray) -> dict[str, np.ndarray]:
        """Points ``(N, 2)`` → ``{"output": (N, n_out), "hidden_<l>": (N, units), …}`` (float32)."""
        feed = {"points": np.ascontiguousarray(points, dtype=np.float32)}
        return dict(zip(self.output_names, self.session.run(None, feed)))

    def predict(self, points: np.ndarray) -> np.ndarray:
        """Points ``(N, 2)`` → outputs ``(N, n_out)``."""
        return self.run(points)["output"]
