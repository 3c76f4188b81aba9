"""ONNX with Debian's python3-onnx and python3-torch (run with /usr/bin/python3).

  torch_test.py BACKPROP_BINARY SOURCE_DIR

1. onnx.checker.check_model(full_check=True) accepts every file `backprop export` writes (every
   activation, float and double, with and without the input scaling).
2. PyTorch MLPs (Linear + ReLU/Tanh/Sigmoid/LeakyReLU/Softmax, depths 0 to 3, nn.Flatten and
   nn.Identity as torch emits them, a hand-written x @ W + b that exports as MatMul + Add, opsets
   9 to 17) exported with torch.onnx.export and imported by backprop give PyTorch's outputs:
   within 1e-6 of the float32 model, 1e-12 of the same weights in float64 (backprop computes in
   double; the LeakyReLU slopes are exact in ONNX's float attribute), relative to
   max(|output|, 1). (torch 1.13 drops nn.Identity from its export; test_onnx.cpp covers Identity.)
3. The imported model exported again by backprop and run in onnxruntime-node gives PyTorch's
   float32 numbers within 1e-6.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
import torch
from torch import nn

bp, source = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp()
atexit.register(shutil.rmtree, work, ignore_errors=True)
failures = []


def run(*args):
    return subprocess.run([bp, *args], check=True, capture_output=True, text=True).stdout


def close(name, actual, expected, tol):
    err = np.max(np.abs(actual - expected) / np.maximum(np.abs(expected), 1.0))
    if not err <= tol:
        failures.append(f"{name}: error {err:.3g} > {tol:g}")
    return err


def write_csv(path, x):
    with open(path, "w") as f:
        f.write(",".join(f"x{j + 1}" for j in range(x.shape[1])) + "\n")
        for row in x:
            f.write(",".join(repr(float(v)) for v in row) + "\n")


def predict(model, csv):
    lines = run("predict", "--model", model, "--data", csv).strip().split("\n")
    return np.array([[float(v) for v in l.split(",")] for l in lines[1:]])


# ---- 1. the checker with full_check on backprop's own exports -----------------------------------
rng = np.random.default_rng(5)
x = rng.normal(size=(40, 3))
data = os.path.join(work, "train.csv")
with open(data, "w") as f:
    f.write("a,b,c,label,y\n")
    for r in x:
        f.write(f"{r[0] * 10 + 3},{r[1]},{r[2] - 7},{'p' if r.sum() > 0 else 'q'},{r[0] - r[1]}\n")
checked = 0
for i, act in enumerate(["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]):
    j = os.path.join(work, f"{act}.json")
    target = ["--target", "label"] if i % 2 else ["--targets", "y", "--features", "a,b,c"]
    std = ["--standardize"] if i % 3 else []
    run("train", "--data", data, *target, *std, "--hidden", "5,4", "--activation", act,
        "--epochs", "5", "--quiet", "--save", j)
    for precision in ["float", "double"]:
        o = os.path.join(work, f"{act}-{precision}.onnx")
        run("export", "--model", j, "--out", o, "--precision", precision)
        onnx.checker.check_model(onnx.load(o), full_check=True)
        checked += 1

# ---- 2 and 3. PyTorch's exports --------------------------------------------------------------


class MatMulAdd(nn.Module):
    """x @ W + b with W stored (inputs, units): torch exports MatMul + Add."""

    def __init__(self, n_in, n_out, act):
        super().__init__()
        self.W = nn.Parameter(torch.randn(n_in, n_out) * 0.5)
        self.b = nn.Parameter(torch.randn(n_out) * 0.1)
        self.W2 = nn.Parameter(torch.randn(n_out, 2) * 0.5)
        self.b2 = nn.Parameter(torch.randn(2) * 0.1)
        self.act = act

    def forward(self, x):
        return torch.sigmoid(self.act(x @ self.W + self.b) @ self.W2 + self.b2)


torch.manual_seed(3)
models = {
    "relu-softmax": (nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=-1)), 13),
    "tanh-sigmoid": (nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 1), nn.Sigmoid()), 17),
    "linear-only": (nn.Sequential(nn.Linear(4, 2)), 11),
    "flatten-leaky-identity": (nn.Sequential(nn.Flatten(), nn.Linear(4, 7), nn.LeakyReLU(0.125),
                                             nn.Identity(), nn.Linear(7, 5), nn.Sigmoid(),
                                             nn.Linear(5, 2)), 9),
    "deep": (nn.Sequential(nn.Linear(4, 9), nn.ReLU(), nn.Linear(9, 7), nn.Tanh(), nn.Linear(7, 5),
                           nn.LeakyReLU(0.25), nn.Linear(5, 3), nn.Softmax(dim=1)), 14),
    "matmul-add": (MatMulAdd(4, 6, torch.tanh), 13),
}
xs = rng.normal(size=(30, 4)).astype(np.float32) * 2
csv = os.path.join(work, "x.csv")
write_csv(csv, xs)
xin = os.path.join(work, "x.json")
with open(xin, "w") as f:
    json.dump({"type": "float32", "rows": xs.tolist()}, f)
node_modules = os.path.join(source, "node_modules", "onnxruntime-node")
if not os.path.isdir(node_modules):
    sys.exit(f"torch_test: {node_modules} is missing; run ./setup.sh (npm ci)")
worst = {"torch32": 0.0, "torch64": 0.0, "ort": 0.0}
ops_seen = set()
for name, (model, opset) in models.items():
    model.eval()
    path = os.path.join(work, name + ".onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.from_numpy(xs[:2]), path, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
                          opset_version=opset)
    ops_seen.update(n.op_type for n in onnx.load(path).graph.node)
    with torch.no_grad():
        y32 = model(torch.from_numpy(xs)).numpy().astype(np.float64)
        y64 = model.double()(torch.from_numpy(xs).double()).numpy()
        model.float()
    j = os.path.join(work, name + ".json")
    run("import", "--model", path, "--out", j)
    for m in [path, j]:  # the .onnx directly, and the imported JSON
        got = predict(m, csv)
        worst["torch32"] = max(worst["torch32"], close(f"{name} {m} vs torch float32", got, y32, 1e-6))
        worst["torch64"] = max(worst["torch64"], close(f"{name} {m} vs torch float64", got, y64, 1e-12))
    again = os.path.join(work, name + ".backprop.onnx")
    run("export", "--model", j, "--out", again)
    onnx.checker.check_model(onnx.load(again), full_check=True)
    out = subprocess.run(["node", os.path.join(source, "tests", "onnx", "ort_run.mjs"), source,
                          again, xin], check=True, capture_output=True, text=True).stdout
    worst["ort"] = max(worst["ort"], close(f"{name} backprop export in onnxruntime vs torch",
                                           np.array(json.loads(out)), y32, 1e-6))

for op in ["Gemm", "MatMul", "Add", "Flatten", "Relu", "Tanh", "Sigmoid", "LeakyRelu", "Softmax"]:
    if op not in ops_seen:
        failures.append(f"torch {torch.__version__} emitted no {op}: the layouts were not all tested")
print(f"onnx {onnx.__version__}: check_model(full_check=True) accepted {checked} exported files; "
      f"torch {torch.__version__}: {len(models)} MLPs (ops {sorted(ops_seen)}) imported; worst error "
      f"relative to max(|y|, 1): vs torch float32 {worst['torch32']:.2e}, vs the same weights in "
      f"float64 {worst['torch64']:.2e}, backprop's re-export in onnxruntime vs torch "
      f"{worst['ort']:.2e}")
if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
