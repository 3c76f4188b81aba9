#!/usr/bin/python3
"""Independent NumPy reference generator for the MLP library's golden tests.

Generates, next to this script:

  lesson_examples.json
      One entry per worked example of the neural-networks lesson
      ("single-neuron", "network-2-2-1", "exercise-9.1") plus a batched
      example ("batch-2-3-2"). Each entry holds the initial model, the data
      and the expected forward values, loss, backward values (dL/da_L, per
      layer z, a, f'(z), delta, dW, db, W^T delta) and the parameters after
      one gradient-descent step.

  numpy_mt_normals.json
      Raw outputs of NumPy's legacy Mersenne-Twister generator
      (np.random.seed + randn / random_sample), the lesson's XOR weight
      initialisation, and the result of the lesson's XOR training run.

Everything is computed in float64 with plain NumPy straight from the textbook
equations (samples are columns; W has shape (units, inputs); z = W a_prev + b;
mse = mean over all outputs x samples of (a_L - y)^2;
dL/da_L = 2 (a_L - y) / (outputs * N); delta_L = dL/da_L * f'(z_L);
delta_l = (W_{l+1}^T delta_{l+1}) * f'(z_l); dW_l = delta_l a_{l-1}^T;
db_l = sum over samples of delta_l; W <- W - lr dW, b <- b - lr db).
The script asserts agreement with the lesson's rounded prints and checks every
gradient against central finite differences.

Regenerate (from the repository root) with:

    /usr/bin/python3 tests/golden/generate_lesson.py
"""

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    return np.tanh(z)


def tanh_prime(z):
    t = np.tanh(z)
    return 1.0 - t * t


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
}


# ----------------------------------------------------------------------------
# Model helpers
# ----------------------------------------------------------------------------

def to_arrays(layers):
    return [
        {
            "activation": l["activation"],
            "W": np.array(l["weights"], dtype=np.float64),
            "b": np.array(l["bias"], dtype=np.float64),
        }
        for l in layers
    ]


def forward(layers, x):
    """Returns (list of per-layer dicts with Wa_prev, z, a, a_prev), output."""
    a = x
    record = []
    for l in layers:
        f, _ = ACTIVATIONS[l["activation"]]
        wa = l["W"] @ a
        z = wa + l["b"][:, None]
        a_new = f(z)
        record.append({"a_prev": a, "Wa_prev": wa, "z": z, "a": a_new})
        a = a_new
    return record, a


def mse(yhat, y):
    return float(np.mean((yhat - y) ** 2))


def loss_of(layers, x, y):
    _, yhat = forward(layers, x)
    return mse(yhat, y)


def backward(layers, record, y):
    yhat = record[-1]["a"]
    outputs, n = yhat.shape
    dL_da = 2.0 * (yhat - y) / (outputs * n)
    grad_a = dL_da
    per_layer = [None] * len(layers)
    for i in reversed(range(len(layers))):
        l = layers[i]
        _, fp = ACTIVATIONS[l["activation"]]
        fprime = fp(record[i]["z"])
        delta = grad_a * fprime
        dW = delta @ record[i]["a_prev"].T
        db = delta.sum(axis=1)
        pulled_back = l["W"].T @ delta
        per_layer[i] = {"fprime": fprime, "delta": delta, "dW": dW,
                        "db": db, "pulled_back": pulled_back}
        grad_a = pulled_back
    return dL_da, per_layer


def gd_step(layers, grads, lr):
    return [
        {
            "activation": l["activation"],
            "W": l["W"] - lr * g["dW"],
            "b": l["b"] - lr * g["db"],
        }
        for l, g in zip(layers, grads)
    ]


# ----------------------------------------------------------------------------
# Finite-difference check
# ----------------------------------------------------------------------------

FD_EPS = 1e-6
FD_TOL = 1e-7
# Floor on the denominator of the relative error so that exactly-zero
# gradients (e.g. weights multiplying a zero input) are compared absolutely.
FD_FLOOR = 1e-6


def rel_err(num, ana):
    return abs(num - ana) / max(abs(num), abs(ana), FD_FLOOR)


def central_diff(fun, arr, idx):
    old = arr[idx]
    arr[idx] = old + FD_EPS
    lp = fun()
    arr[idx] = old - FD_EPS
    lm = fun()
    arr[idx] = old
    return (lp - lm) / (2.0 * FD_EPS)


def check_gradients(name, layers, x, y, grads, dx):
    layers = [dict(l, W=l["W"].copy(), b=l["b"].copy()) for l in layers]
    x = x.copy()
    fun = lambda: loss_of(layers, x, y)
    worst = 0.0
    for li, (l, g) in enumerate(zip(layers, grads)):
        for arr, ana, what in ((l["W"], g["dW"], "dW"), (l["b"], g["db"], "db")):
            for idx in np.ndindex(arr.shape):
                num = central_diff(fun, arr, idx)
                e = rel_err(num, ana[idx])
                worst = max(worst, e)
                assert e < FD_TOL, (name, li, what, idx, num, ana[idx], e)
    for idx in np.ndindex(x.shape):
        num = central_diff(fun, x, idx)
        e = rel_err(num, dx[idx])
        worst = max(worst, e)
        assert e < FD_TOL, (name, "dx", idx, num, dx[idx], e)
    return worst


# ----------------------------------------------------------------------------
# Lesson examples
# ----------------------------------------------------------------------------

EXAMPLES = {
    "single-neuron": {
        "inputs": 1, "loss": "mse", "lr": 1.0,
        "layers": [
            {"activation": "sigmoid", "weights": [[0.5]], "bias": [-0.5]},
        ],
        "x": [[2.0]], "y": [[1.0]],
    },
    "network-2-2-1": {
        "inputs": 2, "loss": "mse", "lr": 1.0,
        "layers": [
            {"activation": "sigmoid", "weights": [[0.5, 0.3], [-0.2, 0.8]],
             "bias": [0.1, -0.1]},
            {"activation": "sigmoid", "weights": [[0.6, -0.4]], "bias": [0.2]},
        ],
        "x": [[1.0], [0.0]], "y": [[1.0]],
    },
    "exercise-9.1": {
        "inputs": 1, "loss": "mse", "lr": 1.0,
        "layers": [
            {"activation": "sigmoid", "weights": [[0.5]], "bias": [0.0]},
            {"activation": "sigmoid", "weights": [[-1.0]], "bias": [0.5]},
        ],
        "x": [[1.0]], "y": [[0.0]],
    },
    "batch-2-3-2": {
        "inputs": 2, "loss": "mse", "lr": 0.5,
        "layers": [
            {"activation": "tanh",
             "weights": [[0.1, -0.2], [0.4, 0.3], [-0.5, 0.6]],
             "bias": [0.05, -0.02, 0.01]},
            {"activation": "sigmoid",
             "weights": [[0.7, -0.3, 0.2], [-0.6, 0.5, 0.9]],
             "bias": [0.1, -0.2]},
        ],
        "x": [[1.0, -0.5, 0.25], [0.5, 2.0, -1.0]],
        "y": [[1.0, 0.0, 0.5], [0.0, 1.0, 0.25]],
    },
}

# Rounded values printed by the lesson (checked to 1e-3).
LESSON_PRINTS = {
    "single-neuron": {
        ("z", 0): [[0.5]],
        ("a", 0): [[0.6225]],
        ("dW", 0): [[-0.3549]],
        ("db", 0): [-0.1774],
        "loss": 0.1425,
    },
    "network-2-2-1": {
        ("z", 0): [[0.6], [-0.3]],
        ("a", 0): [[0.6457], [0.4256]],
        ("z", 1): [[0.4172]],
        ("a", 1): [[0.6028]],
        ("delta", 1): [[-0.1903]],
        ("dW", 1): [[-0.1229, -0.0810]],
        ("delta", 0): [[-0.0261], [0.0186]],
        ("W_new", 1): [[0.7229, -0.3190]],
        "loss": 0.1578,
    },
    "exercise-9.1": {
        ("z", 0): [[0.5]],
        ("a", 0): [[0.6225]],
        ("z", 1): [[-0.1225]],
        ("a", 1): [[0.4694]],
        ("delta", 1): [[0.2338]],
        ("dW", 1): [[0.1455]],
        ("delta", 0): [[-0.0549]],
        ("W_new", 1): [[-1.1455]],
        ("b_new", 1): [0.2662],
        ("W_new", 0): [[0.5549]],
        ("b_new", 0): [0.0549],
        "loss": 0.2203,
    },
}


def rows(a):
    a = np.asarray(a, dtype=np.float64)
    assert a.ndim == 2
    return [[float(v) for v in r] for r in a]


def vec(a):
    a = np.asarray(a, dtype=np.float64)
    assert a.ndim == 1
    return [float(v) for v in a]


def run_example(name, spec):
    layers = to_arrays(spec["layers"])
    x = np.array(spec["x"], dtype=np.float64)
    y = np.array(spec["y"], dtype=np.float64)
    assert x.shape[0] == spec["inputs"]
    record, yhat = forward(layers, x)
    loss = mse(yhat, y)
    dL_da, grads = backward(layers, record, y)
    updated = gd_step(layers, grads, spec["lr"])

    worst = check_gradients(name, layers, x, y, grads, grads[0]["pulled_back"])

    # Compare with the lesson's rounded prints.
    prints = LESSON_PRINTS.get(name, {})
    for key, want in prints.items():
        if key == "loss":
            got = loss
        else:
            what, li = key
            if what in ("z", "a"):
                got = record[li][what]
            elif what in ("delta", "dW", "db"):
                got = grads[li][what]
            elif what == "W_new":
                got = updated[li]["W"]
            elif what == "b_new":
                got = updated[li]["b"]
            else:
                raise KeyError(what)
        assert np.allclose(got, want, rtol=0.0, atol=1e-3), (name, key, got, want)

    expected_layers = []
    for r, g in zip(record, grads):
        expected_layers.append({
            "Wa_prev": rows(r["Wa_prev"]),
            "z": rows(r["z"]),
            "a": rows(r["a"]),
            "fprime": rows(g["fprime"]),
            "delta": rows(g["delta"]),
            "dW": rows(g["dW"]),
            "db": vec(g["db"]),
            "pulled_back": rows(g["pulled_back"]),
        })

    out = dict(spec)
    out["expected"] = {
        "loss": loss,
        "dL_da_output": rows(dL_da),
        "layers": expected_layers,
        "updated": [{"weights": rows(l["W"]), "bias": vec(l["b"])} for l in updated],
    }
    return out, worst


# ----------------------------------------------------------------------------
# NumPy legacy RNG references and the lesson's XOR run
# ----------------------------------------------------------------------------

def xor_init():
    np.random.seed(42)
    W1 = np.random.randn(4, 2) * np.sqrt(2.0 / 2)
    W2 = np.random.randn(1, 4) * np.sqrt(2.0 / 4)
    return W1, W2


def xor_run():
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    y = np.array([[0.0, 1.0, 1.0, 0.0]])
    W1, W2 = xor_init()
    b1 = np.zeros((4, 1))
    b2 = np.zeros((1, 1))
    lr = 2.0
    epochs = 10000
    n = X.shape[1]
    record_at = {0, 2000, 4000, 6000, 8000, 9999}
    loss_at = {}
    for epoch in range(epochs):
        z1 = W1 @ X + b1
        a1 = sigmoid(z1)
        z2 = W2 @ a1 + b2
        a2 = sigmoid(z2)
        loss = float(np.mean((a2 - y) ** 2))
        if epoch in record_at:
            loss_at[str(epoch)] = loss
        dA2 = 2.0 * (a2 - y) / (y.shape[0] * n)
        dZ2 = dA2 * a2 * (1.0 - a2)
        dW2 = dZ2 @ a1.T
        db2 = dZ2.sum(axis=1, keepdims=True)
        dA1 = W2.T @ dZ2
        dZ1 = dA1 * a1 * (1.0 - a1)
        dW1 = dZ1 @ X.T
        db1 = dZ1.sum(axis=1, keepdims=True)
        W2 = W2 - lr * dW2
        b2 = b2 - lr * db2
        W1 = W1 - lr * dW1
        b1 = b1 - lr * db1
    a2 = sigmoid(W2 @ sigmoid(W1 @ X + b1) + b2)
    final_loss = float(np.mean((a2 - y) ** 2))
    # The lesson's network learns XOR.
    assert np.all(np.round(a2) == y), a2
    return {
        "loss_at": {k: loss_at[k] for k in ["0", "2000", "4000", "6000", "8000", "9999"]},
        "final_output": vec(a2[0]),
        "final_loss": final_loss,
        "final_W1": rows(W1),
        "final_b1": vec(b1[:, 0]),
        "final_W2": rows(W2),
        "final_b2": vec(b2[:, 0]),
    }


def rng_refs():
    out = {}
    np.random.seed(42)
    out["seed42_randn_10"] = vec(np.random.randn(10))
    np.random.seed(42)
    out["seed42_uniform_raw_5"] = vec(np.random.random_sample(5))
    np.random.seed(0)
    out["seed0_randn_7"] = vec(np.random.randn(7))
    W1, W2 = xor_init()
    out["lesson_xor_init"] = {"W1": rows(W1), "W2": rows(W2)}
    out["lesson_xor_run"] = xor_run()
    # Sanity: well-known values of the legacy generator.
    assert abs(out["seed42_randn_10"][0] - 0.4967141530112327) < 1e-15
    assert abs(out["seed0_randn_7"][0] - 1.764052345967664) < 1e-15
    assert abs(out["seed42_uniform_raw_5"][0] - 0.3745401188473625) < 1e-15
    return out


def write_json(name, obj):
    path = os.path.join(HERE, name)
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.write("\n")
    # Round-trip check: what was written reads back to the same floats.
    with open(path) as fh:
        assert json.load(fh) == obj
    return path


def main():
    examples = {}
    for name, spec in EXAMPLES.items():
        examples[name], worst = run_example(name, spec)
        print("%-14s loss=%r  worst FD rel err=%.2e" % (name, examples[name]["expected"]["loss"], worst))
    print("wrote", write_json("lesson_examples.json", examples))

    refs = rng_refs()
    print("XOR loss_at:", refs["lesson_xor_run"]["loss_at"])
    print("XOR final_loss:", refs["lesson_xor_run"]["final_loss"])
    print("XOR final_output:", refs["lesson_xor_run"]["final_output"])
    print("wrote", write_json("numpy_mt_normals.json", refs))


if __name__ == "__main__":
    main()
