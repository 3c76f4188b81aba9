"""inputs.py — the benchmark's shared inputs, made once with NumPy and read by every implementation.

Weights: the lesson's initialisation, generalised layer by layer (section 6's MLP.__init__):
    np.random.seed(42); W(l) = randn(units, inputs) * sqrt(2 / inputs); b(l) = 0
so the 2-4-1 file holds exactly the lesson's XOR weights, and the 2-10-1 file the circle
solution's (it seeds 42 before creating the MLP, whose __init__ seeds 42 again).
Data: the lesson's XOR table, and its generate_circle_data() (Exercise 9.4), verbatim.
Fashion-MNIST: the IDX files read with gzip + NumPy, pixels / 255 as float32.

File formats are described in bench_common.h. Numbers are written with repr(), which round-trips
float64 exactly, so every implementation reads the same bits.
"""
import gzip
import os

import numpy as np


def he_normal_weights(sizes, seed=42):
    np.random.seed(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = np.random.randn(n_out, n_in) * np.sqrt(2.0 / n_in)
        b = np.zeros((n_out, 1))
        layers.append((W, b))
    return layers


def write_weights(path, sizes, seed=42):
    layers = he_normal_weights(sizes, seed)
    with open(path, "w") as f:
        f.write("backprop-bench-weights 1\n")
        f.write(f"{len(sizes) - 1} " + " ".join(str(s) for s in sizes) + "\n")
        for W, b in layers:
            for row in W:
                f.write(" ".join(repr(float(v)) for v in row) + "\n")
            f.write(" ".join(repr(float(v)) for v in b.ravel()) + "\n")


def read_weights(path):
    with open(path) as f:
        words = f.read().split()
    assert words[0] == "backprop-bench-weights" and words[1] == "1", path
    layers = int(words[2])
    sizes = [int(w) for w in words[3:4 + layers]]
    values = np.array(words[4 + layers:], dtype=np.float64)
    out, k = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = values[k:k + n_out * n_in].reshape(n_out, n_in)
        k += n_out * n_in
        b = values[k:k + n_out].reshape(n_out, 1)
        k += n_out
        out.append((W.copy(), b.copy()))
    assert k == len(values), path
    return sizes, out


def write_data(path, X, y):
    with open(path, "w") as f:
        f.write("backprop-bench-data 1\n")
        f.write(f"{X.shape[0]} {y.shape[0]} {X.shape[1]}\n")
        for M in (X, y):
            for row in M:
                f.write(" ".join(repr(float(v)) for v in row) + "\n")


def read_data(path):
    with open(path) as f:
        words = f.read().split()
    assert words[0] == "backprop-bench-data" and words[1] == "1", path
    features, targets, n = (int(w) for w in words[2:5])
    values = np.array(words[5:], dtype=np.float64)
    X = values[:features * n].reshape(features, n)
    y = values[features * n:].reshape(targets, n)
    return X, y


def xor_data():
    # Section 7, verbatim.
    X_xor = np.array([[0, 0, 1, 1],
                      [0, 1, 0, 1]], dtype=float)
    y_xor = np.array([[0, 1, 1, 0]], dtype=float)
    return X_xor, y_xor


def generate_circle_data(n_samples=200, noise=0.1):
    """Exercise 9.4, verbatim."""
    np.random.seed(42)
    X = np.random.randn(2, n_samples) * 0.7
    y = ((X[0] ** 2 + X[1] ** 2) < 0.5).astype(float).reshape(1, -1)
    X += np.random.randn(2, n_samples) * noise
    return X, y


def latency_input(n):
    """The single sample of W4, the same in every implementation: ((i * 37) mod 101) / 100."""
    return np.array([((i * 37) % 101) / 100.0 for i in range(n)], dtype=np.float64)


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def load_fashion_mnist(directory, train):
    """(images as float32 (N, 784) in [0, 1], labels as int64 (N,))."""
    prefix = os.path.join(directory, "train" if train else "t10k")
    images = _read_idx(prefix + "-images-idx3-ubyte.gz")
    labels = _read_idx(prefix + "-labels-idx1-ubyte.gz")
    x = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0)
    return x, labels.astype(np.int64)


def main(directory):
    """Writes every input file of the suite into `directory`."""
    os.makedirs(directory, exist_ok=True)
    write_weights(os.path.join(directory, "w_2-4-1.txt"), [2, 4, 1])
    write_weights(os.path.join(directory, "w_2-10-1.txt"), [2, 10, 1])
    write_weights(os.path.join(directory, "w_784-256-128-10.txt"), [784, 256, 128, 10])
    write_data(os.path.join(directory, "xor.txt"), *xor_data())
    write_data(os.path.join(directory, "circle.txt"), *generate_circle_data())


if __name__ == "__main__":
    import sys
    main(sys.argv[1])
