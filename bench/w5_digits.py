#!/usr/bin/python3
"""W5 — scikit-learn's workload: digits, StandardScaler + MLPClassifier, one thread each.

Settings (identical for every implementation): one hidden layer of 32 relu units, softmax +
cross-entropy, adam lr 1e-3 (beta 0.9/0.999, eps 1e-8), L2 alpha 1e-4 (scikit-learn's: alpha/2
||W||² per batch, biases free), batches of 200 reshuffled every epoch, exactly 500 epochs
(tol=0, n_iter_no_change huge), float64, inputs standardised on the training split; data
../shared/data/digits_{train,test}.csv. Per seed (0..S-1) every implementation fits once, the
order rotated round-robin; the table gives the median wall time of one fit (the pipeline's
fit: scaler + estimator) and the mean test accuracy over the seeds.

  backprop (Python)    backprop.MLPClassifier(threads=1) in a Pipeline
  backprop fit()       the library's fit() call inside that estimator (data steps + training):
                       the Python wrapper's cost is the first over this
  scikit-learn         sklearn.neural_network.MLPClassifier (NumPy on OpenBLAS, 1 thread)
  backprop, float     the same with backprop's own precision="float" (float32: not the
                       identical settings, shown beside them)
  PyTorch              nn.Sequential(Linear, ReLU, Linear) + CrossEntropyLoss + optim.Adam
                       (weight decay alpha/batch on the weights only), randperm batches

    /usr/bin/python3 bench/w5_digits.py [--seeds 5] [--out FILE]   (bench/run.sh appends it to RESULTS.md)
Needs the Python package (./setup.sh) and python3-torch (BENCH=1 ./setup.sh).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"  # before NumPy and PyTorch load their BLAS

import argparse  # noqa: E402
import datetime  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("BACKPROP_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
SETTINGS = dict(hidden_layer_sizes=(32,), activation="relu", solver="adam", alpha=1e-4,
                batch_size=200, learning_rate_init=1e-3, max_iter=500, tol=0.0,
                n_iter_no_change=10**9, shuffle=True)


def load(name):
    table = np.loadtxt(os.path.join(DATA, name), delimiter=",", skiprows=1)
    return table[:, :-1], table[:, -1].astype(int)


def run_backprop(X, y, Xt, yt, seed):
    import backprop
    model = make_pipeline(StandardScaler(),
                          backprop.MLPClassifier(random_state=seed, threads=1, **SETTINGS))
    t = time.perf_counter()
    model.fit(X, y)
    wall = time.perf_counter() - t
    return wall, model.score(Xt, yt), model[-1]._fit_seconds


def run_backprop_float(X, y, Xt, yt, seed):
    import backprop
    model = make_pipeline(StandardScaler(), backprop.MLPClassifier(
        random_state=seed, threads=1, precision="float", **SETTINGS))
    t = time.perf_counter()
    model.fit(X, y)
    wall = time.perf_counter() - t
    return wall, model.score(Xt, yt), None


def run_sklearn(X, y, Xt, yt, seed):
    from sklearn.neural_network import MLPClassifier
    model = make_pipeline(StandardScaler(), MLPClassifier(random_state=seed, **SETTINGS))
    t = time.perf_counter()
    model.fit(X, y)
    wall = time.perf_counter() - t
    return wall, model.score(Xt, yt), None


def run_torch(X, y, Xt, yt, seed):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    t = time.perf_counter()
    scaler = StandardScaler().fit(X)
    x = torch.tensor(scaler.transform(X), dtype=torch.float64)
    target = torch.tensor(y)
    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(),
                              torch.nn.Linear(32, 10)).double()
    weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in net.named_parameters() if n.endswith("bias")]
    opt = torch.optim.Adam([{"params": weights, "weight_decay": SETTINGS["alpha"] / 200},
                            {"params": biases, "weight_decay": 0.0}],
                           lr=SETTINGS["learning_rate_init"], betas=(0.9, 0.999), eps=1e-8)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    for _ in range(SETTINGS["max_iter"]):
        order = torch.randperm(n)
        for start in range(0, n, 200):
            idx = order[start:start + 200]
            opt.zero_grad()
            loss = loss_fn(net(x[idx]), target[idx])
            loss.backward()
            opt.step()
    wall = time.perf_counter() - t
    with torch.no_grad():
        pred = net(torch.tensor(scaler.transform(Xt), dtype=torch.float64)).argmax(1).numpy()
    return wall, float(np.mean(pred == yt)), None


IMPLEMENTATIONS = [("backprop (Python)", run_backprop), ("scikit-learn", run_sklearn),
                   ("PyTorch", run_torch),
                   ("backprop (Python), precision='float'", run_backprop_float)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(HERE, "..", "build-bench", "w5.md"))
    args = parser.parse_args()
    X, y = load("digits_train.csv")
    Xt, yt = load("digits_test.csv")
    warnings.simplefilter("ignore")  # ConvergenceWarning: all 500 epochs are run on purpose
    times = {name: [] for name, _ in IMPLEMENTATIONS}
    accuracy = {name: [] for name, _ in IMPLEMENTATIONS}
    library = []
    loads = []
    for seed in range(args.seeds):
        k = seed % len(IMPLEMENTATIONS)
        order = IMPLEMENTATIONS[k:] + IMPLEMENTATIONS[:k]
        for name, run in order:
            loads.append(os.getloadavg()[0])
            wall, acc, inner = run(X, y, Xt, yt, seed)
            times[name].append(wall)
            accuracy[name].append(acc)
            if inner is not None:
                library.append(inner)
            print(f"seed {seed}  {name:38s} {wall:.3f} s  accuracy {acc:.4f}", flush=True)
    ours = float(np.median(times["backprop (Python)"]))
    lib = float(np.median(library))
    flt = float(np.median(times["backprop (Python), precision='float'"]))
    rows = [("backprop fit() (the library call)", lib, accuracy["backprop (Python)"])]
    rows += [(name, float(np.median(times[name])), accuracy[name]) for name, _ in IMPLEMENTATIONS]
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    lines = [
        "# W5 — digits, StandardScaler + MLPClassifier (bench/w5_digits.py)",
        "",
        f"Written {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC at git {commit}; "
        f"{args.seeds} seeds; one thread each; load average (1 min) during the runs: median "
        f"{np.median(loads):.2f}, max {max(loads):.2f}. Settings: 64-32-10 relu, softmax + "
        "cross-entropy, adam 1e-3, alpha 1e-4, batch 200, exactly 500 epochs, float64.",
        "",
        "| implementation | s per fit (median) | time ÷ backprop (Python) | test accuracy, mean "
        "over seeds |",
        "|---|---|---|---|",
    ]
    for name, t, acc in rows:
        lines.append(f"| {name} | {t:.3f} | {t / ours:.2f}× | {100 * np.mean(acc):.2f} % |")
    lines += ["", f"The Python wrapper adds {100 * (ours / lib - 1):.1f} % over the library's fit() "
              f"call (target: at most 10 %); scikit-learn takes "
              f"{np.median(times['scikit-learn']) / ours:.2f}× as long as backprop through Python "
              f"(target: at least 4×), PyTorch {np.median(times['PyTorch']) / ours:.2f}×; in float32 "
              f"backprop is {np.median(times['scikit-learn']) / flt:.2f}× faster than "
              f"scikit-learn.", ""]
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
