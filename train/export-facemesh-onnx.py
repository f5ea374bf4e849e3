#!/usr/bin/python3
"""Converts Human's face mesh (MediaPipe's face landmark model as a TF.js graph model: models/facemesh.json and .bin in
@vladmandic/human) to ONNX, op for op, for onnxruntime-node. The live path runs the mesh on every face it embeds; on
TF.js WASM that is ~5 ms a face, the largest single step of a live embedding after the embedding networks (issue 20).

The graph is small and regular: _FusedConv2D (Conv + BiasAdd [+ Prelu]), DepthwiseConv2dNative, AddV2, Prelu, MaxPool,
a channel Pad, Sigmoid and Reshape. Each becomes its ONNX op with the same weights (the file's float16 weights widened
to float32, as TF.js does), TF's "SAME" padding written out as the explicit pads TF uses (the extra row and column at
the bottom and right). The input stays NHWC, [N, 192, 192, 3] with values 0..1, as Human feeds it; the outputs are the
two the server reads: `confidence` [N, 1] (after the graph's sigmoid) and `mesh` [N, 1404] (468 x, y, z in the
192-pixel crop). The contours head, which nothing reads, is left out. Every PRelu is then rewritten by onnx_prelu.py.

Development time only (Debian's python3-onnx and numpy):

    /usr/bin/python3 train/export-facemesh-onnx.py node_modules/@vladmandic/human/models/facemesh.json models/facemesh/facemesh.onnx

tests/unit/face-mesh-onnx.test.ts checks the file against TF.js running the original model on real faces.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from onnx_prelu import rewrite_prelu

SIZE = 192


def load_weights(model_json, path):
    """The graph model's weights by name, decoded as TF.js decodes them (float16 widened to float32)."""
    raw = open(os.path.join(os.path.dirname(path), model_json["weightsManifest"][0]["paths"][0]), "rb").read()
    out, offset = {}, 0
    for group in model_json["weightsManifest"]:
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q and q["dtype"] == "float16":
                arr = np.frombuffer(raw, np.float16, n, offset).astype(np.float32)
                offset += 2 * n
            elif w["dtype"] == "int32":
                arr = np.frombuffer(raw, np.int32, n, offset)
                offset += 4 * n
            elif w["dtype"] == "float32":
                arr = np.frombuffer(raw, np.float32, n, offset)
                offset += 4 * n
            else:
                raise ValueError(f"unexpected weight {w}")
            out[w["name"]] = arr.reshape(w["shape"])
    if offset != len(raw):
        raise ValueError(f"read {offset} of {len(raw)} weight bytes")
    return out


def same_pads(size, kernel, stride):
    """TF 'SAME' padding along one axis: (before, after, output size); TF puts the odd pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


def convert(path):
    model_json = json.load(open(path))
    weights = load_weights(model_json, path)
    nodes_by_name = {n["name"]: n for n in model_json["modelTopology"]["node"]}
    inits, nodes = [], []
    shapes = {}  # tensor name -> (channels, height, width), NCHW

    def const(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def attr_list(node, key):
        return [int(v) for v in node["attr"][key]["list"]["i"]]

    def padding(node):
        import base64

        return base64.b64decode(node["attr"]["padding"]["s"]).decode()

    def conv(node, x, kernel_hwio, depthwise, bias=None, out=None):
        c_in, h, w = shapes[x]
        kh, kw = kernel_hwio.shape[:2]
        stride = attr_list(node, "strides")[1]
        if padding(node) == "SAME":
            t, b, oh = same_pads(h, kh, stride)
            l, r, ow = same_pads(w, kw, stride)
        else:
            t = b = l = r = 0
            oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
        if depthwise:  # [kh, kw, C, 1] -> [C, 1, kh, kw]
            wt = kernel_hwio.transpose(2, 3, 0, 1).reshape(c_in, 1, kh, kw)
            c_out, group = c_in, c_in
        else:  # [kh, kw, I, O] -> [O, I, kh, kw]
            wt = kernel_hwio.transpose(3, 2, 0, 1)
            c_out, group = wt.shape[0], 1
        inputs = [x, const(out + "_w", wt)]
        if bias is not None:
            inputs.append(const(out + "_b", bias.reshape(-1)))
        nodes.append(
            helper.make_node("Conv", inputs, [out], kernel_shape=[kh, kw], strides=[stride, stride], pads=[t, l, b, r], group=group)
        )
        shapes[out] = (c_out, oh, ow)
        return out

    def prelu(x, alpha, out):
        c = shapes[x][0]
        nodes.append(helper.make_node("PRelu", [x, const(out + "_slope", alpha.reshape(c, 1, 1))], [out]))
        shapes[out] = shapes[x]
        return out

    names = {}  # TF tensor name -> ONNX tensor name

    def build(name):
        """Emits the ONNX nodes for TF node `name` (and its inputs, first); returns the ONNX tensor name."""
        if name in names:
            return names[name]
        node = nodes_by_name[name]
        op = node["op"]
        ins = node.get("input", [])
        out = name.replace("StatefulPartitionedCall/model_1/", "")
        if op == "Placeholder":
            nodes.append(helper.make_node("Transpose", ["input"], ["input_nchw"], perm=[0, 3, 1, 2]))
            shapes["input_nchw"] = (3, SIZE, SIZE)
            result = "input_nchw"
        elif op == "_FusedConv2D":
            import base64

            fused = [base64.b64decode(s).decode() for s in node["attr"]["fused_ops"]["list"]["s"]]
            x = build(ins[0])
            y = conv(node, x, weights[ins[1]], False, weights[ins[2]], out + ("_conv" if "Prelu" in fused else ""))
            if fused == ["BiasAdd", "Prelu"]:
                y = prelu(y, weights[ins[3]], out)
            elif fused != ["BiasAdd"]:
                raise ValueError(f"{name}: fused ops {fused}")
            result = y
        elif op == "DepthwiseConv2dNative":
            result = conv(node, build(ins[0]), weights[ins[1]], True, None, out)
        elif op == "Prelu":
            result = prelu(build(ins[0]), weights[ins[1]], out)
        elif op == "AddV2":
            a, b = build(ins[0]), build(ins[1])
            assert shapes[a] == shapes[b], (name, shapes[a], shapes[b])
            nodes.append(helper.make_node("Add", [a, b], [out]))
            shapes[out] = shapes[a]
            result = out
        elif op == "MaxPool":
            x = build(ins[0])
            k, s = attr_list(node, "ksize")[1], attr_list(node, "strides")[1]
            assert padding(node) == "VALID"
            nodes.append(helper.make_node("MaxPool", [x], [out], kernel_shape=[k, k], strides=[s, s]))
            c, h, w = shapes[x]
            shapes[out] = (c, (h - k) // s + 1, (w - k) // s + 1)
            result = out
        elif op == "Pad":
            x = build(ins[0])
            p = weights[ins[1]]  # NHWC [[0,0],[0,0],[0,0],[0,k]]
            assert not p[:3].any() and p[3, 0] == 0, (name, p)
            pads = helper.make_tensor(out + "_pads", TensorProto.INT64, [8], [0, 0, 0, 0, 0, int(p[3, 1]), 0, 0])
            inits.append(pads)
            nodes.append(helper.make_node("Pad", [x, out + "_pads"], [out], mode="constant"))
            c, h, w = shapes[x]
            shapes[out] = (c + int(p[3, 1]), h, w)
            result = out
        elif op == "Sigmoid":
            x = build(ins[0])
            nodes.append(helper.make_node("Sigmoid", [x], [out]))
            shapes[out] = shapes[x]
            result = out
        else:
            raise ValueError(f"{name}: op {op} not converted")
        names[name] = result
        return result

    def flatten(tf_name, out, width):
        x = build(tf_name)
        assert shapes[x] == (width, 1, 1), (tf_name, shapes[x])
        nodes.append(helper.make_node("Flatten", [x], [out], axis=1))

    flatten("StatefulPartitionedCall/model_1/activation_1/Sigmoid", "confidence", 1)
    flatten("StatefulPartitionedCall/model_1/conv2d_21/BiasAdd", "mesh", 1404)
    graph = helper.make_graph(
        nodes,
        "facemesh",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", SIZE, SIZE, 3])],
        [
            helper.make_tensor_value_info("confidence", TensorProto.FLOAT, ["N", 1]),
            helper.make_tensor_value_info("mesh", TensorProto.FLOAT, ["N", 1404]),
        ],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="facestream export-facemesh-onnx.py")
    model.ir_version = 7
    onnx.checker.check_model(model)
    rewritten = rewrite_prelu(model)
    return model, rewritten


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    model, rewritten = convert(src)
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    onnx.save(model, dst)
    print(f"{dst}: {len(model.graph.node)} nodes, {rewritten} PRelu rewritten")
