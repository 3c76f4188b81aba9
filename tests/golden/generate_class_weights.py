#!/usr/bin/python3
"""Independent reference for the library's class-weighted losses (include/backprop/losses.h).

Writes class_weights.json next to this script:

  cases     each a loss on an output layer's logits z (m x N, samples are columns), targets y
            (m x N) and class weights w, with the loss value and dL/dz computed by PyTorch
            (float64, autograd):
              cross_entropy  torch.nn.functional.cross_entropy(z.T, classes or probabilities,
                             weight=w, reduction="sum") / N        (one-hot and soft targets)
              bce, 1 output  binary_cross_entropy_with_logits(z, y, weight=w_y) (its mean) for
                             0/1 targets, and weight=w_0, pos_weight=w_1/w_0 for soft targets
              bce, m outputs binary_cross_entropy_with_logits(z, y, weight=w_j per column)
              mse            mean over outputs and samples of w_j (a - y)^2, a = f(z)
            The mean is the sum of the weighted terms over N (Keras' class_weight), which is
            what torch's per-sample weights give; torch's CrossEntropyLoss(weight) "mean" would
            divide by the sum of the weights instead.
  balanced  label lists with scikit-learn's compute_class_weight("balanced") weights.

Run: /usr/bin/python3 tests/golden/generate_class_weights.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils.class_weight import compute_class_weight

torch.set_default_dtype(torch.float64)
rng = np.random.RandomState(2026)


def rows(t):
    return [[float(v) for v in row] for row in t.detach().numpy()]


def case(name, loss, output, z, y, w, value_fn):
    zt = torch.tensor(z, requires_grad=True)
    yt = torch.tensor(y)
    wt = torch.tensor(w)
    value = value_fn(zt, yt, wt)
    value.backward()
    return {"name": name, "loss": loss, "output": output, "z": rows(zt), "y": rows(yt),
            "class_weights": [float(v) for v in w], "loss_value": float(value),
            "delta": rows(zt.grad)}


def one_hot(classes, k):
    y = np.zeros((k, len(classes)))
    y[classes, np.arange(len(classes))] = 1
    return y


cases = []
N = 7

# cross_entropy, one-hot targets: torch's class-index form
k = 3
classes = rng.randint(0, k, N)
classes[:3] = [0, 1, 2]
z = rng.randn(k, N) * 2
w = [0.5, 2.0, 1.3]
cases.append(case("cross_entropy_one_hot", "cross_entropy", "softmax", z, one_hot(classes, k), w,
                  lambda z, y, w: F.cross_entropy(z.T, torch.tensor(classes), weight=w,
                                                  reduction="sum") / z.shape[1]))
# cross_entropy, soft targets: torch's probability form (each class's term weighed)
p = rng.rand(k, N)
p /= p.sum(axis=0)
cases.append(case("cross_entropy_soft", "cross_entropy", "softmax", rng.randn(k, N), p, w,
                  lambda z, y, w: F.cross_entropy(z.T, y.T, weight=w, reduction="sum")
                  / z.shape[1]))
# cross_entropy with extreme logits: finite and exact
z = rng.randn(k, N) * 300
cases.append(case("cross_entropy_extreme", "cross_entropy", "softmax", z, one_hot(classes, k), w,
                  lambda z, y, w: F.cross_entropy(z.T, torch.tensor(classes), weight=w,
                                                  reduction="sum") / z.shape[1]))

# bce, one output, 0/1 targets: per-sample weights w_y
y01 = np.array([[0, 1, 1, 0, 1, 0, 0]], dtype=float)
wb = [0.7, 3.0]
cases.append(case("bce_binary", "bce", "sigmoid", rng.randn(1, N) * 3, y01, wb,
                  lambda z, y, w: F.binary_cross_entropy_with_logits(
                      z, y, weight=w[0] * (1 - y) + w[1] * y)))
# bce, one output, soft targets: weight w_0 and pos_weight w_1 / w_0
cases.append(case("bce_soft", "bce", "sigmoid", rng.randn(1, N) * 3, rng.rand(1, N), wb,
                  lambda z, y, w: F.binary_cross_entropy_with_logits(
                      z, y, weight=w[0], pos_weight=w[1] / w[0])))
# bce, several sigmoid outputs with one-hot targets: each column weighs its class's weight
cases.append(case("bce_one_hot", "bce", "sigmoid", rng.randn(k, N), one_hot(classes, k), w,
                  lambda z, y, w: F.binary_cross_entropy_with_logits(
                      z, y, weight=(w[:, None] * y).sum(0, keepdim=True).expand_as(y))))

# mse, linear outputs with one-hot targets, and one sigmoid output with 0/1 targets
cases.append(case("mse_one_hot_linear", "mse", "linear", rng.randn(k, N), one_hot(classes, k), w,
                  lambda z, y, w: ((w[:, None] * y).sum(0) * ((z - y) ** 2).sum(0)).sum()
                  / (z.shape[0] * z.shape[1])))
cases.append(case("mse_binary_sigmoid", "mse", "sigmoid", rng.randn(1, N) * 2, y01, wb,
                  lambda z, y, w: ((w[0] * (1 - y) + w[1] * y) * (torch.sigmoid(z) - y) ** 2)
                  .mean()))
cases.append(case("mse_one_hot_softmax", "mse", "softmax", rng.randn(k, N), one_hot(classes, k),
                  w, lambda z, y, w: ((w[:, None] * y).sum(0)
                                      * ((torch.softmax(z, 0) - y) ** 2).sum(0)).sum()
                  / (z.shape[0] * z.shape[1])))

# Unit weights reproduce the plain losses (torch's unweighted functions).
cases.append(case("cross_entropy_unit_weights", "cross_entropy", "softmax", rng.randn(k, N),
                  one_hot(classes, k), [1.0, 1.0, 1.0],
                  lambda z, y, w: F.cross_entropy(z.T, torch.tensor(classes))))
cases.append(case("bce_unit_weights", "bce", "sigmoid", rng.randn(1, N), y01, [1.0, 1.0],
                  lambda z, y, w: F.binary_cross_entropy_with_logits(z, y)))

balanced = []
for labels, k in [([0, 0, 0, 0, 1], 2), ([2, 0, 1, 1, 2, 2, 2, 0, 2, 1, 2], 3),
                  (list(rng.randint(0, 4, 50)), 4)]:
    labels = [int(v) for v in labels]
    weights = compute_class_weight("balanced", classes=np.arange(k), y=np.array(labels))
    balanced.append({"labels": labels, "classes": k, "weights": [float(v) for v in weights]})

out = {"generator": "tests/golden/generate_class_weights.py", "torch": torch.__version__,
       "cases": cases, "balanced": balanced}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "class_weights.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path, len(cases), "cases")
