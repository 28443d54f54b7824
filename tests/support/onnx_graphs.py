"""Small ONNX graphs built with onnx.helper for the model tests (real onnxruntime sessions)."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _model(graph: onnx.GraphProto, metadata: dict[str, str] | None = None) -> bytes:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    return model.SerializeToString()


def constant_output_model(
    output: np.ndarray,
    *,
    input_hw: tuple[int, int] = (640, 640),
    batch: int | str = "batch",
    metadata: dict[str, str] | None = None,
) -> bytes:
    """An image model whose output is `output` (shape [1, ...]) for every image of the batch.

    `batch`: the input's batch dimension, symbolic (default) or a fixed size.
    The graph still reads its input (mean * 0, broadcast over the batch) so that the
    output's batch size follows the input's, as a real exported model's does.
    """
    rank = output.ndim
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [batch, 3, *input_hw])
    result = helper.make_tensor_value_info("output0", TensorProto.FLOAT, [batch, *output.shape[1:]])
    nodes = [
        # opset 17: axes is an attribute; without it the batch would be reduced too
        helper.make_node("ReduceMean", ["images"], ["mean"], keepdims=1, axes=[1, 2, 3]),  # [B,1,1,1]
        helper.make_node("Reshape", ["mean", "bshape"], ["mean_b"]),  # [B,1,...]
        helper.make_node("Mul", ["mean_b", "zero"], ["zeroed"]),
        helper.make_node("Add", ["zeroed", "const"], ["output0"]),
    ]
    inits = [
        numpy_helper.from_array(np.array([-1] + [1] * (rank - 1), np.int64), "bshape"),
        numpy_helper.from_array(np.zeros((), np.float32), "zero"),
        numpy_helper.from_array(output.astype(np.float32), "const"),
    ]
    graph = helper.make_graph(nodes, "constant", [image], [result], initializer=inits)
    return _model(graph, metadata)


def channel_mean_classifier(
    *, input_hw: tuple[int, int] = (64, 64), metadata: dict[str, str] | None = None
) -> bytes:
    """A "classifier" whose 3 scores are the mean R, G and B of the (RGB, /255) input: [B, 3]."""
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, *input_hw])
    result = helper.make_tensor_value_info("output0", TensorProto.FLOAT, ["batch", 3])
    nodes = [helper.make_node("ReduceMean", ["images"], ["output0"], keepdims=0, axes=[2, 3])]
    graph = helper.make_graph(nodes, "channel_mean", [image], [result])
    return _model(graph, metadata)
