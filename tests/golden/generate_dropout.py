#!/usr/bin/python3
"""Independent reference for dropout in training (include/backprop/layers/dropout.h).

Writes dropout.json next to this script. The masks are rebuilt here from the header's
specification alone (splitmix64 of the seed, the optimizer step, the sample's index in the
training set, the layer and the unit), and the network's forward pass, loss and gradients are
PyTorch's (float64, autograd), with the masks applied as torch.nn.Dropout applies its own:
kept units scaled by 1 / (1 - P) (asserted below on torch's dropout itself).

  one_pass    a 3-6-5-3 network (tanh, relu hidden layers with dropout 0.4 and 0.25; softmax +
              cross-entropy with class weights), one batch whose columns are samples
              17, 3, 250, ... at step 7 of seed 42: the loss and every dW, db.
  trajectory  the library's train() on 10 samples: plain SGD (lr 0.1), mini-batches of 4
              reshuffled every epoch by NumPy's legacy generator (np.random.RandomState(seed)
              .permutation(n), as the library's shuffle), 2 epochs; each batch's masks keyed by
              the optimizer's step count before its update and the samples' indices. Every
              batch's loss (before its update) and the final parameters.

Run: /usr/bin/python3 tests/golden/generate_dropout.py
"""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
M64 = (1 << 64) - 1


def splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


DOMAIN = int.from_bytes(b"dropout!", "big")


def mask(rate, seed, step, samples, layer, units):
    """(units x N) mask: 0 or 1 / (1 - rate), from the header's hash."""
    m = np.zeros((units, len(samples)))
    for j, sample in enumerate(samples):
        h = splitmix64(splitmix64(splitmix64(seed ^ DOMAIN) ^ step) ^ sample)
        for i in range(units):
            u = (splitmix64(h ^ ((layer << 32) | i)) >> 11) * 2.0 ** -53
            m[i, j] = 1 / (1 - rate) if u >= rate else 0.0
    return m


# torch's dropout keeps units scaled by 1 / (1 - p): the semantics matched here
kept = torch.nn.functional.dropout(torch.ones(10000), p=0.4, training=True)
assert set(np.unique(kept.numpy())) == {0.0, 1 / (1 - 0.4)}

rng = np.random.RandomState(7)
sizes = [3, 6, 5, 3]
rates = [0.4, 0.25, 0.0]
acts = [torch.tanh, torch.relu, None]
class_weights = [0.5, 2.0, 1.3]
W0 = [rng.randn(sizes[l + 1], sizes[l]) * 0.7 for l in range(3)]
b0 = [rng.randn(sizes[l + 1]) * 0.2 for l in range(3)]


def loss_and_grads(W, b, x, y, seed, step, samples):
    Wt = [torch.tensor(w, requires_grad=True) for w in W]
    bt = [torch.tensor(v, requires_grad=True) for v in b]
    a = torch.tensor(x)
    for l in range(3):
        z = Wt[l] @ a + bt[l][:, None]
        if l < 2:
            a = acts[l](z) * torch.tensor(mask(rates[l], seed, step, samples, l, sizes[l + 1]))
    # class-weighted cross-entropy, the mean over the N samples (losses.h)
    yt = torch.tensor(y)
    w = torch.tensor(class_weights)
    loss = -(w[:, None] * yt * torch.log_softmax(z, dim=0)).sum() / x.shape[1]
    loss.backward()
    return float(loss), [t.grad.numpy() for t in Wt], [t.grad.numpy() for t in bt]


def data(n):
    x = rng.randn(3, n)
    y = np.zeros((3, n))
    y[rng.randint(0, 3, n), np.arange(n)] = 1
    return x, y


rows = lambda m: [[float(v) for v in r] for r in np.atleast_2d(m)]
model = {"sizes": sizes, "rates": rates, "activations": ["tanh", "relu", "softmax"],
         "W": [rows(w) for w in W0], "b": [[float(v) for v in v_] for v_ in b0]}

x, y = data(7)
samples = [17, 3, 250, 8, 41, 99, 5]
loss, dW, db = loss_and_grads(W0, b0, x, y, 42, 7, samples)
one_pass = {"seed": 42, "step": 7, "samples": samples, "x": rows(x), "y": rows(y), "loss": loss,
            "dW": [rows(g) for g in dW], "db": [[float(v) for v in g] for g in db]}

n, batch, epochs, lr, seed = 10, 4, 2, 0.1, 5
x, y = data(n)
W = [w.copy() for w in W0]
b = [v.copy() for v in b0]
shuffles = np.random.RandomState(seed)
step = 0
losses = []
for epoch in range(epochs):
    order = shuffles.permutation(n)
    for begin in range(0, n, batch):
        idx = [int(i) for i in order[begin:begin + batch]]
        loss, dW, db = loss_and_grads(W, b, x[:, idx], y[:, idx], seed, step, idx)
        losses.append(loss)
        W = [w - lr * g for w, g in zip(W, dW)]
        b = [v - lr * g for v, g in zip(b, db)]
        step += 1
trajectory = {"seed": seed, "lr": lr, "batch_size": batch, "epochs": epochs, "x": rows(x),
              "y": rows(y), "batch_losses": losses, "W": [rows(w) for w in W],
              "b": [[float(v) for v in v_] for v_ in b]}

out = {"generator": "tests/golden/generate_dropout.py", "torch": torch.__version__,
       "class_weights": class_weights, "model": model, "one_pass": one_pass,
       "trajectory": trajectory}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dropout.json")
with open(path, "w") as f:
    json.dump(out, f)
    f.write("\n")
print("wrote", path)
