#!/usr/bin/python3
"""Static int8 quantisation (QDQ) of the dlib ResNet ONNX that train/export-embedding-onnx.py writes, for
onnxruntime-node's int8 kernels (u8s8, VNNI where the CPU has it). Run at development time only, with Debian's
python3-onnx and numpy (CI and users never need Python):

    /usr/bin/python3 train/quantize-int8.py calib-graph models/faceapi/face_recognition_resnet34.onnx /tmp/resnet-calib.onnx
    npx tsx train/int8-resnet.ts ranges --graph /tmp/resnet-calib.onnx --root ../shared/faces --half dev --out /tmp/resnet-ranges.json
    /usr/bin/python3 train/quantize-int8.py qdq models/faceapi/face_recognition_resnet34.onnx /tmp/resnet-ranges.json \\
        models/faceapi/face_recognition_resnet34.int8.onnx
    npx tsx train/int8-resnet.ts check --root ../shared/faces --half test

`calib-graph` folds each kernel's constant chain (the file keeps face-api's uint8 kernels and dequantises them with
constant nodes) and writes the float graph with every activation also a graph output, so the Node side can record
each activation's range over calibration chips. `qdq` then writes the quantised graph:

* kernels: int8, symmetric, one scale per output channel (DequantizeLinear, axis 0); biases int32 at input scale x
  kernel scale, as onnxruntime's QDQ Conv fusion expects;
* activations entering a Conv, Add or pool: uint8, one scale and zero point per tensor, from the recorded min and max
  (widened to include 0); QuantizeLinear -> DequantizeLinear pairs that onnxruntime fuses into QLinearConv and
  QLinearAdd when the session is built;
* the input's preprocessing (cast, layout, mean and scale), the global average and the final 256 -> 128 MatMul stay
  float.
"""
import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
QUANTISED_INPUTS = ("Conv", "Add", "MaxPool", "AveragePool")


def load_folded(src):
    """The graph's nodes with constant chains (Cast, Mul, Add on initialisers) folded into float constants."""
    model = onnx.load(src)
    values = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    kept = []
    for node in model.graph.node:
        if node.op_type in ("Cast", "Mul", "Add") and all(i in values for i in node.input):
            a = [values[i] for i in node.input]
            if node.op_type == "Cast":
                values[node.output[0]] = a[0].astype(np.float32)
            elif node.op_type == "Mul":
                values[node.output[0]] = (a[0] * a[1]).astype(np.float32)
            else:
                values[node.output[0]] = (a[0] + a[1]).astype(np.float32)
        else:
            kept.append(node)
    used = {i for n in kept for i in n.input}
    return model, kept, {k: v for k, v in values.items() if k in used}


def save(model, nodes, constants, outputs, name, dst, check=True):
    inits = [numpy_helper.from_array(np.asarray(v), k) for k, v in constants.items()]
    graph = helper.make_graph(nodes, name, list(model.graph.input), outputs, inits)
    out = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    out.ir_version = 8
    if check:  # the calibration graph's extra outputs have no declared shape, which the checker refuses
        onnx.checker.check_model(out)
    onnx.save(out, dst)


def calib_graph(src, dst):
    model, nodes, constants = load_folded(src)
    final = model.graph.output[0].name
    acts = [o for n in nodes if n.op_type != "Cast" for o in n.output if o != final]
    outputs = list(model.graph.output) + [helper.make_tensor_value_info(a, TensorProto.FLOAT, None) for a in acts]
    save(model, nodes, constants, outputs, "calibration", dst, check=False)
    print(f"{dst}: {len(acts)} activations")


def qdq(src, ranges_file, dst):
    model, nodes, constants = load_folded(src)
    ranges = json.load(open(ranges_file))["ranges"]
    out, extra, dequantised = [], {}, {}

    def act_params(t):
        lo, hi = ranges[t]
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        scale = (hi - lo) / 255.0 or 1e-8
        return np.float32(scale), np.uint8(min(255, max(0, int(round(-lo / scale)))))

    def fake_quant(t):
        """t -> QuantizeLinear -> DequantizeLinear, once per tensor: the name consumers read instead of t."""
        if t not in dequantised:
            s, z = act_params(t)
            extra[t + "_s"], extra[t + "_z"] = np.array(s, np.float32), np.array(z, np.uint8)
            out.append(helper.make_node("QuantizeLinear", [t, t + "_s", t + "_z"], [t + "_q"]))
            out.append(helper.make_node("DequantizeLinear", [t + "_q", t + "_s", t + "_z"], [t + "_dq"]))
            dequantised[t] = t + "_dq"
        return dequantised[t]

    def copy(node, inputs):
        n = helper.make_node(node.op_type, inputs, list(node.output), name=node.name)
        n.attribute.extend(node.attribute)
        return n

    for node in nodes:
        if node.op_type == "Conv":
            x, w, b = node.input
            sx, _ = act_params(x)
            kernel = constants.pop(w)
            sw = np.maximum(np.abs(kernel).reshape(kernel.shape[0], -1).max(axis=1), 1e-12) / 127.0
            extra[w + "_q"] = np.clip(np.round(kernel / sw[:, None, None, None]), -127, 127).astype(np.int8)
            extra[w + "_s"], extra[w + "_z"] = sw.astype(np.float32), np.zeros(kernel.shape[0], np.int8)
            out.append(helper.make_node("DequantizeLinear", [w + "_q", w + "_s", w + "_z"], [w + "_dq"], axis=0))
            bias, sb = constants.pop(b), (sx * sw).astype(np.float32)
            extra[b + "_q"] = np.round(bias / sb).astype(np.int32)
            extra[b + "_s"], extra[b + "_z"] = sb, np.zeros(kernel.shape[0], np.int32)
            out.append(helper.make_node("DequantizeLinear", [b + "_q", b + "_s", b + "_z"], [b + "_dq"], axis=0))
            out.append(copy(node, [fake_quant(x), w + "_dq", b + "_dq"]))
        elif node.op_type in QUANTISED_INPUTS:
            out.append(copy(node, [fake_quant(i) if i in ranges else i for i in node.input]))
        else:
            out.append(node)
    constants.update(extra)
    save(model, out, constants, list(model.graph.output), "int8", dst)
    print(f"{dst}: {sum(n.op_type == 'QuantizeLinear' for n in out)} quantised activations")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "calib-graph":
        calib_graph(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "qdq":
        qdq(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
