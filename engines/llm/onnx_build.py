"""The GPT's ONNX graph written node by node from its weights (the layout: :mod:`engines.llm.onnx_graph`).

Written by hand rather than traced from torch, so that a token runs as few operators as
possible: the positions, the mask (cache slots from ``past_length`` on, and the future
among the new tokens) and the shapes are made once and shared by every layer; reshapes use
fixed shapes; and with ``fused=True`` (the default) each residual add + LayerNorm is one
``SkipLayerNormalization`` and each bias + tanh-GELU one ``FastGelu`` (ONNX Runtime's
com.microsoft operators, in every onnxruntime build). ``fused=False`` writes the same
computation with standard ONNX operators only. Both give the numbers of
:meth:`engines.llm.gpt.GPT.forward` (tested). Needs the ``onnx`` package, not torch.
"""

from __future__ import annotations

import math

import numpy as np

MS_DOMAIN = "com.microsoft"
GELU_C = math.sqrt(2.0 / math.pi)  # tanh-GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))


class _Graph:
    """Nodes and initializers, with names made up as they are added."""

    def __init__(self) -> None:
        self.nodes, self.inits, self._n = [], [], 0

    def const(self, name: str, array) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.array(array, order="C"), name))  # keeps 0-d scalars 0-d
        return name

    def op(self, op_type: str, inputs: list[str], outputs: int | list[str] = 1, domain: str = "", **attrs):
        from onnx import helper

        self._n += 1
        names = outputs if isinstance(outputs, list) else [f"{op_type}_{self._n}_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=f"{op_type}_{self._n}", domain=domain, **attrs))
        return names[0] if len(names) == 1 else names


def _add_norm(g: _Graph, x: str, residual: str | None, bias: str | None, gamma: str, beta: str, eps: float,
              fused: bool) -> tuple[str, str]:
    """(LayerNorm(x + residual + bias), x + residual + bias); without a residual, plain LayerNorm of x."""
    if residual is None:
        return g.op("LayerNormalization", [x, gamma, beta], epsilon=eps), x
    if fused:
        out = g.op("SkipLayerNormalization", [x, residual, gamma, beta, bias or ""], 4, domain=MS_DOMAIN, epsilon=eps)
        return out[0], out[3]
    total = g.op("Add", [x, residual])
    total = g.op("Add", [total, bias]) if bias else total
    return g.op("LayerNormalization", [total, gamma, beta], epsilon=eps), total


def _gelu(g: _Graph, x: str, bias: str | None, fused: bool) -> str:
    if fused:
        return g.op("FastGelu", [x, bias] if bias else [x], domain=MS_DOMAIN)
    x = g.op("Add", [x, bias]) if bias else x
    cube = g.op("Mul", [g.op("Mul", [x, x]), x])
    inner = g.op("Mul", [g.op("Add", [x, g.op("Mul", [cube, "c_gelu_a"])]), "c_gelu_c"])
    return g.op("Mul", [g.op("Mul", [x, "c_half"]), g.op("Add", [g.op("Tanh", [inner]), "c_one"])])


def build_graph(weights: dict[str, np.ndarray], cfg, fused: bool = True):
    """The :class:`onnx.ModelProto` of a GPT whose tensors (torch layout, GPT-2 names) are ``weights``."""
    from onnx import TensorProto, helper

    from engines.llm.onnx_graph import IR_VERSION, OPSET, attention_outputs, cache_inputs, new_kv_outputs

    L, C, nh, hd, eps = cfg.n_layer, cfg.n_embd, cfg.n_head, cfg.head_dim, cfg.layer_norm_epsilon
    w = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
    g = _Graph()
    plain = () if fused else (("c_one", 1.0), ("c_half", 0.5), ("c_gelu_a", 0.044715), ("c_gelu_c", GELU_C))
    for name, value in (("c_zero", 0.0), ("c_ninf", -np.inf), *plain):
        g.const(name, np.array(value, np.float32))
    g.const("c_i0", np.array(0, np.int64)), g.const("c_i1", np.array(1, np.int64))
    g.const("c_heads", np.array([0, 0, nh, hd], np.int64)), g.const("c_width", np.array([0, 0, C], np.int64))
    g.const("c_column", np.array([-1, 1], np.int64)), g.const("c_axis2", np.array([2], np.int64))

    def bias(name: str) -> str | None:
        return g.const(name, w[name]) if name in w else None

    def norm_params(prefix: str) -> tuple[str, str]:
        beta = w.get(prefix + ".bias", np.zeros(C, np.float32))
        return g.const(prefix + ".weight", w[prefix + ".weight"]), g.const(prefix + ".bias", beta)

    # made once for all layers: positions, the additive mask (new tokens, slots + new tokens), the split sizes
    new = g.op("Shape", ["idx"], start=1, end=2)
    slots = g.op("Shape", ["past_key_t_0"], start=3, end=4)
    start, count, room = (g.op("Squeeze", [v]) for v in ("past_length", new, slots))
    positions = g.op("Range", [start, g.op("Add", [start, count]), "c_i1"])
    x = g.op("Add", [g.op("Gather", [g.const("transformer.wte.weight", w["transformer.wte.weight"]), "idx"]),
                     g.op("Gather", [g.const("transformer.wpe.weight", w["transformer.wpe.weight"]), positions])])
    empty = g.op("GreaterOrEqual", [g.op("Range", ["c_i0", room, "c_i1"]), "past_length"])  # (N,) unfilled slots
    old_mask = g.op("Expand", [g.op("Where", [empty, "c_ninf", "c_zero"]), g.op("Concat", [new, slots], axis=0)])
    steps = g.op("Range", ["c_i0", count, "c_i1"])
    future = g.op("Greater", [steps, g.op("Reshape", [steps, "c_column"])])  # (T, T): key after query
    mask = g.op("Concat", [old_mask, g.op("Where", [future, "c_ninf", "c_zero"])], axis=1)  # (T, N + T)
    sizes = g.op("Concat", [slots, new], axis=0)
    first_row = g.op("Sub", [new, "attention_rows"])

    residual, pending_bias = None, None  # the residual stream, and the bias still to add to x
    for i in range(L):
        p = f"transformer.h.{i}."
        h, residual = _add_norm(g, x, residual, pending_bias, *norm_params(p + "ln_1"), eps, fused)
        qkv_w, qkv_b = w[p + "attn.c_attn.weight"].T.copy(), w.get(p + "attn.c_attn.bias")
        qkv_w[:, :C] /= math.sqrt(hd)  # 1/√head_dim goes into the query weights: query × keys is a plain product
        qkv = g.op("MatMul", [h, g.const(p + "attn.c_attn.weight", qkv_w)])
        if qkv_b is not None:
            qkv_b = qkv_b.copy()
            qkv_b[:C] /= math.sqrt(hd)
            qkv = g.op("Add", [qkv, g.const(p + "attn.c_attn.bias", qkv_b)])
        q, k, v = g.op("Split", [qkv], 3, axis=2)
        q = g.op("Transpose", [g.op("Reshape", [q, "c_heads"])], perm=[0, 2, 1, 3])  # (B, heads, T, hd)
        k_t = g.op("Transpose", [g.op("Reshape", [k, "c_heads"])], [f"key_t_{i}"], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [v, "c_heads"])], [f"value_{i}"], perm=[0, 2, 1, 3])
        scores = g.op("Concat", [g.op("MatMul", [q, f"past_key_t_{i}"]), g.op("MatMul", [q, k_t])], axis=3)
        att = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)  # (B, heads, T, N + T)
        g.op("Slice", [att, first_row, new, "c_axis2"], [f"attention_{i}"])
        on_old, on_new = g.op("Split", [att, sizes], 2, axis=3)
        y = g.op("Add", [g.op("MatMul", [on_old, f"past_value_{i}"]), g.op("MatMul", [on_new, v])])
        y = g.op("Reshape", [g.op("Transpose", [y], perm=[0, 2, 1, 3]), "c_width"])
        x = g.op("MatMul", [y, g.const(p + "attn.c_proj.weight", w[p + "attn.c_proj.weight"].T)])
        h, residual = _add_norm(g, x, residual, bias(p + "attn.c_proj.bias"), *norm_params(p + "ln_2"), eps, fused)
        h = g.op("MatMul", [h, g.const(p + "mlp.c_fc.weight", w[p + "mlp.c_fc.weight"].T)])
        h = _gelu(g, h, bias(p + "mlp.c_fc.bias"), fused)
        x = g.op("MatMul", [h, g.const(p + "mlp.c_proj.weight", w[p + "mlp.c_proj.weight"].T)])
        pending_bias = bias(p + "mlp.c_proj.bias")
    h, _ = _add_norm(g, x, residual, pending_bias, *norm_params("transformer.ln_f"), eps, fused)
    head = w.get("lm_head.weight", w["transformer.wte.weight"]).T
    g.op("MatMul", [h, g.const("lm_head.weight", head)], ["logits"])

    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [helper.make_tensor_value_info("idx", i64, ["batch", "new_tokens"]),
              helper.make_tensor_value_info("past_length", i64, [1]),
              helper.make_tensor_value_info("attention_rows", i64, [1])]
    for j, name in enumerate(cache_inputs(L)):
        shape = ["batch", nh, hd, "slots"] if j % 2 == 0 else ["batch", nh, "slots", hd]
        inputs.append(helper.make_tensor_value_info(name, f32, shape))
    outs = [helper.make_tensor_value_info("logits", f32, ["batch", "new_tokens", cfg.vocab_size])]
    for j, name in enumerate(new_kv_outputs(L)):
        shape = ["batch", nh, hd, "new_tokens"] if j % 2 == 0 else ["batch", nh, "new_tokens", hd]
        outs.append(helper.make_tensor_value_info(name, f32, shape))
    outs += [helper.make_tensor_value_info(n, f32, ["batch", nh, "rows", "keys"]) for n in attention_outputs(L)]
    graph = helper.make_graph(g.nodes, "gpt", inputs, outs, g.inits)
    opsets = [helper.make_opsetid("", OPSET)] + ([helper.make_opsetid(MS_DOMAIN, 1)] if fused else [])
    return helper.make_model(graph, opset_imports=opsets, ir_version=IR_VERSION, producer_name="ai-lab")
