#!/usr/bin/python3
"""Converts the two MiniFASNet presentation-attack models (PyTorch state dicts) to ONNX, and checks ONNX against PyTorch.

Run at development time only, with Debian's python3-torch and python3-onnx (CI and users never need Python):

    apt-get install -y python3-torch python3-onnx
    /usr/bin/python3 train/export-minifasnet.py --src ../shared/models/minifasnet --out models/minifasnet

The network is rebuilt here from the reference implementation in minivision-ai's Silent-Face-Anti-Spoofing
(Apache-2.0, https://github.com/minivision-ai/Silent-Face-Anti-Spoofing, src/model_lib/MiniFASNet.py, by zhuying,
Minivision): the same layers under the same parameter names, so that the published state dicts load with strict key
matching. The channel lists ("keep") are upstream's `keep_dict` values ('1.8M' for V1SE, '1.8M_' for V2).

Input: 1x3x80x80 float, BGR, 0..255 (upstream's ToTensor does not divide by 255). Output: 3 logits; softmax class 1 =
real face. The check at the end runs the ONNX file on onnxruntime-node (the runtime the server uses; Debian's
python3-onnx 1.12 has no evaluator) and PyTorch on two inputs anyone can rebuild: x[i] = (i * 37) % 256 and a flat
grey 128. Their logits are written to check.json, which tests/unit/minifasnet.test.ts checks again.
"""
import argparse
import hashlib
import json
import os
import subprocess

import numpy as np
import torch
from torch import nn

# Upstream's keep_dict: output channels of each convolution, in network order.
KEEP_V1 = [32, 32, 103, 103, 64, 13, 13, 64, 26, 26, 64, 13, 13, 64, 52, 52, 64, 231, 231, 128, 154, 154, 128, 52, 52,
           128, 26, 26, 128, 52, 52, 128, 26, 26, 128, 26, 26, 128, 308, 308, 128, 26, 26, 128, 26, 26, 128, 512, 512]
KEEP_V2 = [32, 32, 103, 103, 64, 13, 13, 64, 13, 13, 64, 13, 13, 64, 13, 13, 64, 231, 231, 128, 231, 231, 128, 52, 52,
           128, 26, 26, 128, 77, 77, 128, 26, 26, 128, 26, 26, 128, 308, 308, 128, 26, 26, 128, 26, 26, 128, 512, 512]


class ConvBlock(nn.Module):
    """conv -> batch norm -> PReLU (upstream Conv_block); `act=False` is upstream's Linear_block."""

    def __init__(self, cin, cout, k=1, s=1, p=0, groups=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size=k, stride=s, padding=p, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        if act:
            self.prelu = nn.PReLU(cout)
        self.act = act

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.prelu(x) if self.act else x


class SqueezeExcite(nn.Module):
    """Upstream SEModule: global pool, 1x1 down (BN, ReLU), 1x1 up (BN, sigmoid), channel scale."""

    def __init__(self, ch, reduction=4):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(ch, ch // reduction, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(ch // reduction)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv2d(ch // reduction, ch, kernel_size=1, bias=False)
        self.bn2 = nn.BatchNorm2d(ch)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        w = self.sigmoid(self.bn2(self.fc2(self.relu(self.bn1(self.fc1(self.avg_pool(x)))))))
        return x * w


class DepthWise(nn.Module):
    """Upstream Depth_Wise / Depth_Wise_SE: 1x1 expand, 3x3 depthwise, 1x1 project; residual (with SE when `se`)."""

    def __init__(self, cin, c_exp, c_dw, cout, stride, residual, se=False):
        super().__init__()
        self.conv = ConvBlock(cin, c_exp)
        self.conv_dw = ConvBlock(c_exp, c_dw, k=3, s=stride, p=1, groups=c_exp)
        self.project = ConvBlock(c_dw, cout, act=False)
        self.residual = residual
        if se:
            self.se_module = SqueezeExcite(cout)
        self.se = se

    def forward(self, x):
        y = self.project(self.conv_dw(self.conv(x)))
        if not self.residual:
            return y
        return x + (self.se_module(y) if self.se else y)


class Stage(nn.Module):
    """Upstream Residual / ResidualSE: a run of residual DepthWise blocks; with SE, the last block carries it."""

    def __init__(self, keep, start, blocks, se):
        super().__init__()
        mods = []
        for b in range(blocks):
            i = start + 3 * b
            mods.append(DepthWise(keep[i], keep[i + 1], keep[i + 2], keep[i + 3], 1, True, se and b == blocks - 1))
        self.model = nn.Sequential(*mods)

    def forward(self, x):
        return self.model(x)


class MiniFASNet(nn.Module):
    def __init__(self, keep, se, conv6_kernel=5, embedding_size=128, num_classes=3):
        super().__init__()
        self.conv1 = ConvBlock(3, keep[0], k=3, s=2, p=1)
        self.conv2_dw = ConvBlock(keep[0], keep[1], k=3, s=1, p=1, groups=keep[1])
        self.conv_23 = DepthWise(keep[1], keep[2], keep[3], keep[4], 2, False)
        self.conv_3 = Stage(keep, 4, 4, se)
        self.conv_34 = DepthWise(keep[16], keep[17], keep[18], keep[19], 2, False)
        self.conv_4 = Stage(keep, 19, 6, se)
        self.conv_45 = DepthWise(keep[37], keep[38], keep[39], keep[40], 2, False)
        self.conv_5 = Stage(keep, 40, 2, se)
        self.conv_6_sep = ConvBlock(keep[46], keep[47])
        self.conv_6_dw = ConvBlock(keep[47], keep[48], k=conv6_kernel, groups=keep[48], act=False)
        self.linear = nn.Linear(512, embedding_size, bias=False)
        self.bn = nn.BatchNorm1d(embedding_size)
        self.prob = nn.Linear(embedding_size, num_classes, bias=False)

    def forward(self, x):
        for m in (self.conv1, self.conv2_dw, self.conv_23, self.conv_3, self.conv_34, self.conv_4, self.conv_45,
                  self.conv_5, self.conv_6_sep, self.conv_6_dw):
            x = m(x)
        x = torch.flatten(x, 1)
        return self.prob(self.bn(self.linear(x)))  # dropout is the identity at inference


MODELS = [
    # (source file, output file, keep, squeeze-excite)
    ("2.7_80x80_MiniFASNetV2.pth", "minifasnet-v2-2.7_80x80.onnx", KEEP_V2, False),
    ("4_0_0_80x80_MiniFASNetV1SE.pth", "minifasnet-v1se-4.0_80x80.onnx", KEEP_V1, True),
]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import onnx
    from onnx_prelu import rewrite_prelu  # this script's folder is on sys.path when it is run
    samples = {"ramp": (np.arange(3 * 80 * 80) * 37 % 256).astype(np.float32).reshape(1, 3, 80, 80),
               "grey": np.full((1, 3, 80, 80), 128, np.float32)}
    check = {}
    for src, dst, keep, se in MODELS:
        state = torch.load(os.path.join(args.src, src), map_location="cpu")
        state = {k[7:] if k.startswith("module.") else k: v for k, v in state.items()}
        net = MiniFASNet(keep, se)
        net.load_state_dict(state, strict=True)
        net.eval()
        out = os.path.join(args.out, dst)
        torch.onnx.export(net, torch.from_numpy(samples["grey"]), out, input_names=["input"], output_names=["logits"],
                          opset_version=13, dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                          do_constant_folding=True)
        model = onnx.load(out)
        # PRelu as plain convolutions and Relu (train/onnx_prelu.py): the same logits, half the CPU on onnxruntime.
        rewrite_prelu(model)
        onnx.save(model, out)
        worst = 0.0
        onnx_logits = run_onnxruntime_node(out)
        check[dst] = {}
        for name, x in samples.items():
            with torch.no_grad():
                ref = net(torch.from_numpy(x)).numpy().ravel()
            got = np.array(onnx_logits[name], np.float32)
            check[dst][name] = [float(v) for v in ref]
            worst = max(worst, float(np.abs(ref - got).max()))
            print(f"{dst} {name}: torch logits {ref.round(4).tolist()}  onnxruntime-node {got.round(4).tolist()}")
        if worst > 1e-3:
            raise SystemExit(f"{dst}: ONNX differs from PyTorch by {worst}")
        print(f"{dst}: max |onnx - torch| = {worst:.2e}  sha256 {sha256(out)}  (source {src} sha256 {sha256(os.path.join(args.src, src))})")


    with open(os.path.join(args.out, "check.json"), "w") as f:
        json.dump({"inputs": {"ramp": "x[i] = (i * 37) % 256, i over NCHW 1x3x80x80", "grey": "128 everywhere"},
                   "torchLogits": check}, f, indent=2)
        f.write("\n")


NODE_CHECK = """
const ort = require('onnxruntime-node');
(async () => {
  const s = await ort.InferenceSession.create(process.argv[1], { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const n = 3 * 80 * 80, out = {};
  const inputs = { ramp: Float32Array.from({ length: n }, (_, i) => (i * 37) % 256), grey: new Float32Array(n).fill(128) };
  for (const [k, x] of Object.entries(inputs)) {
    const r = await s.run({ input: new ort.Tensor('float32', x, [1, 3, 80, 80]) });
    out[k] = Array.from(r.logits.data);
  }
  console.log(JSON.stringify(out));
})();
"""


def run_onnxruntime_node(path):
    res = subprocess.run(["node", "-e", NODE_CHECK, os.path.abspath(path)], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


if __name__ == "__main__":
    main()
