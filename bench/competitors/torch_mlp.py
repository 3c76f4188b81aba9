"""torch_mlp.py — PyTorch (CPU, Debian python3-torch) as a competitor for W1–W4.

    /usr/bin/python3 torch_mlp.py gd --variant manual|autograd --weights W --data D --lr LR --epochs E
        W1/W2 in float64. `manual`: the lesson's MLP written with tensor ops (forward storing z and a,
        backward with its update), no autograd. `autograd`: nn.Sequential(Linear, Sigmoid, Linear,
        Sigmoid) + mse_loss + backward() + torch.optim.SGD. The loss of every epoch is recorded.
    /usr/bin/python3 torch_mlp.py fashion --weights W --data-dir DIR --epochs E --threads T
                                  [--warmup-batches K] [--eval-epochs 5,10]
        W3 in float32: nn.Sequential(784-256 relu, 256-128 relu, 128-10) + F.cross_entropy (softmax
        fused), torch.optim.Adam(lr 1e-3), batches of 128 by manual indexing with torch.randperm.
    /usr/bin/python3 torch_mlp.py latency --weights W --hidden relu|sigmoid --output softmax|sigmoid
        W4 in float32 under torch.no_grad(), one sample (1 x n): eager, and torch.jit.trace + freeze;
        for reference also the same forward hand-written with torch.addmv (gemv instead of gemm).

Tuning (stated in RESULTS.md): torch.set_num_threads(T) (1 for W1, W2, W4),
torch.set_flush_denormal(True); the driver sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS = T,
OMP_WAIT_POLICY=passive and OpenBLAS's core type.
"""
import argparse
import json
import resource
import time

import numpy as np
import torch
import torch.nn.functional as F

import inputs


def checkpoints(history):
    n = len(history)
    return [float(history[k * n // 10]) for k in range(10)] + [float(history[-1])]


def blas_info():
    """The BLAS library this process loaded, and OpenBLAS's core type if it is OpenBLAS."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "blas" in path or "mkl" in path or "dnnl" in path:
                libs.add(path)
    corename = None
    try:
        import ctypes
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        corename = lib.openblas_get_corename().decode()
    except OSError:
        pass
    return sorted(libs), corename


def setup(threads):
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)


def load_layers(modules, layers, dtype):
    with torch.no_grad():
        for m, (W, b) in zip(modules, layers):
            m.weight.copy_(torch.from_numpy(W).to(dtype))
            m.bias.copy_(torch.from_numpy(b.ravel()).to(dtype))


# ---- W1/W2 ---------------------------------------------------------------------------------------
def run_gd(args):
    setup(1)
    sizes, layers = inputs.read_weights(args.weights)
    X_np, y_np = inputs.read_data(args.data)
    n_epochs, lr = args.epochs, args.lr
    loss_history = []

    if args.variant == "manual":
        X, y = torch.from_numpy(X_np), torch.from_numpy(y_np)  # (features, N), float64
        (W1, b1), (W2, b2) = [(torch.from_numpy(W), torch.from_numpy(b)) for W, b in layers]
        N = X.shape[1]

        def sigmoid_derivative(z):
            s = torch.sigmoid(z)
            return s * (1 - s)

        start = time.perf_counter()
        for epoch in range(n_epochs):
            # forward, storing z and a
            z1 = W1 @ X + b1
            a1 = torch.sigmoid(z1)
            z2 = W2 @ a1 + b2
            a2 = torch.sigmoid(z2)
            loss_history.append(torch.mean((y - a2) ** 2).item())
            # backward with the update
            dL_da2 = -2 * (y - a2) / N
            delta2 = dL_da2 * sigmoid_derivative(z2)
            dW2 = delta2 @ a1.T
            db2 = torch.sum(delta2, dim=1, keepdim=True)
            delta1 = (W2.T @ delta2) * sigmoid_derivative(z1)
            dW1 = delta1 @ X.T
            db1 = torch.sum(delta1, dim=1, keepdim=True)
            W2 -= lr * dW2
            b2 -= lr * db2
            W1 -= lr * dW1
            b1 -= lr * db1
        elapsed = time.perf_counter() - start
    elif args.variant == "autograd":
        X = torch.from_numpy(X_np.T.copy())  # (N, features): PyTorch's samples-as-rows
        y = torch.from_numpy(y_np.T.copy())
        model = torch.nn.Sequential(
            torch.nn.Linear(sizes[0], sizes[1]), torch.nn.Sigmoid(),
            torch.nn.Linear(sizes[1], sizes[2]), torch.nn.Sigmoid()).double()
        load_layers([model[0], model[2]], layers, torch.float64)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        start = time.perf_counter()
        for epoch in range(n_epochs):
            optimizer.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(X), y)
            loss.backward()
            optimizer.step()
            loss_history.append(loss.item())
        elapsed = time.perf_counter() - start
    else:
        raise SystemExit("--variant: manual or autograd")

    print(json.dumps({"impl": "torch", "variant": args.variant, "epochs": n_epochs,
                      "us_per_epoch": 1e6 * elapsed / n_epochs, "seconds": elapsed,
                      "final_loss": loss_history[-1], "loss_checkpoints": checkpoints(loss_history)}))


# ---- W3 ------------------------------------------------------------------------------------------
def fashion_model(sizes):
    return torch.nn.Sequential(
        torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(),
        torch.nn.Linear(sizes[1], sizes[2]), torch.nn.ReLU(),
        torch.nn.Linear(sizes[2], sizes[3]))


def test_accuracy(model, X, y):
    model.eval()
    with torch.no_grad():
        acc = (model(X).argmax(dim=1) == y).double().mean().item()
    model.train()
    return acc


def run_fashion(args):
    setup(args.threads)
    sizes, layers = inputs.read_weights(args.weights)
    t0 = time.perf_counter()
    x_train, y_train = inputs.load_fashion_mnist(args.data_dir, True)
    x_test, y_test = inputs.load_fashion_mnist(args.data_dir, False)
    X, Y = torch.from_numpy(x_train), torch.from_numpy(y_train)
    X_test, Y_test = torch.from_numpy(x_test), torch.from_numpy(y_test)
    load_seconds = time.perf_counter() - t0

    model = fashion_model(sizes)
    linears = [model[0], model[2], model[4]]
    batch, n = 128, X.shape[0]
    generator = torch.Generator().manual_seed(42)

    def epoch_pass(optimizer, count):
        perm = torch.randperm(count, generator=generator)
        total = 0.0
        for begin in range(0, count, batch):
            idx = perm[begin:begin + batch]
            xb, yb = X[idx], Y[idx]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * idx.shape[0]
        return total / count

    if args.warmup_batches > 0:  # first-touch allocations, then back to the initial weights
        load_layers(linears, layers, torch.float32)
        epoch_pass(torch.optim.Adam(model.parameters(), lr=1e-3), min(n, args.warmup_batches * batch))
    load_layers(linears, layers, torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    eval_epochs = [int(e) for e in args.eval_epochs.split(",") if e]
    epoch_seconds, eval_at, eval_acc = [], [], []
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    train_wall = 0.0
    for epoch in range(args.epochs):
        t = time.perf_counter()
        loss = epoch_pass(optimizer, n)
        epoch_seconds.append(time.perf_counter() - t)
        train_wall += epoch_seconds[-1]
        if epoch + 1 in eval_epochs:
            eval_at.append(epoch + 1)
            eval_acc.append(test_accuracy(model, X_test, Y_test))
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    mean_epoch = sum(epoch_seconds) / len(epoch_seconds)
    libs, corename = blas_info()
    print(json.dumps({
        "impl": "torch", "threads": args.threads, "torch_threads": torch.get_num_threads(),
        "epochs": args.epochs, "samples": n, "s_per_epoch": mean_epoch, "epoch_seconds": epoch_seconds,
        "samples_per_s": n / mean_epoch, "cpu_utilisation": cpu / train_wall,
        "final_train_loss": loss, "test_accuracy": test_accuracy(model, X_test, Y_test),
        "eval_epochs": eval_at, "eval_test_accuracy": eval_acc, "load_seconds": load_seconds,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "blas": libs, "openblas_core": corename}))


# ---- W4 ------------------------------------------------------------------------------------------
def time_calls(call, min_time_ms, rounds):
    for _ in range(200):
        call()
    n = 16
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            call()
        ms = 1e3 * (time.perf_counter() - t0)
        if ms >= min_time_ms / 4:
            n = max(n, int(n * min_time_ms / max(ms, 1e-3)))
            break
        n *= 4
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            call()
        out.append(1e9 * (time.perf_counter() - t0) / n)
    return out


def run_latency(args):
    setup(1)
    sizes, layers = inputs.read_weights(args.weights)
    act = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}
    modules = []
    for l in range(len(sizes) - 1):
        modules.append(torch.nn.Linear(sizes[l], sizes[l + 1]))
        last = l == len(sizes) - 2
        if last:
            modules.append(torch.nn.Softmax(dim=1) if args.output == "softmax" else torch.nn.Sigmoid())
        else:
            modules.append(act[args.hidden]())
    model = torch.nn.Sequential(*modules).eval()
    load_layers([m for m in modules if isinstance(m, torch.nn.Linear)], layers, torch.float32)
    x = torch.from_numpy(inputs.latency_input(sizes[0]).astype(np.float32)).reshape(1, -1)
    arch = "-".join(str(s) for s in sizes)

    with torch.no_grad():
        eager = time_calls(lambda: model(x), args.min_time_ms, args.rounds)
        print(json.dumps({"impl": "torch", "variant": "eager", "arch": arch,
                          "ns_per_call": float(np.median(eager)), "rounds_ns": eager,
                          "output0": float(model(x)[0, 0])}))
        # For reference, not idiomatic: the same forward hand-written with torch.addmv (gemv),
        # which avoids the batch-1 gemm of nn.Linear.
        linears = [m for m in modules if isinstance(m, torch.nn.Linear)]
        Ws = [m.weight.detach().clone() for m in linears]
        bs = [m.bias.detach().clone() for m in linears]
        hidden_f = torch.relu if args.hidden == "relu" else torch.sigmoid
        output_f = (lambda h: torch.softmax(h, 0)) if args.output == "softmax" else torch.sigmoid
        fs = [hidden_f] * (len(Ws) - 1) + [output_f]
        x1 = x[0]

        def addmv_forward():
            h = x1
            for W, b, f in zip(Ws, bs, fs):
                h = f(torch.addmv(b, W, h))
            return h

        mv = time_calls(addmv_forward, args.min_time_ms, args.rounds)
        print(json.dumps({"impl": "torch", "variant": "addmv", "arch": arch,
                          "ns_per_call": float(np.median(mv)), "rounds_ns": mv,
                          "output0": float(addmv_forward()[0])}))
        traced = torch.jit.freeze(torch.jit.trace(model, x))
        for _ in range(10):  # the profiling executor specialises over the first runs
            traced(x)
        jit = time_calls(lambda: traced(x), args.min_time_ms, args.rounds)
        print(json.dumps({"impl": "torch", "variant": "traced", "arch": arch,
                          "ns_per_call": float(np.median(jit)), "rounds_ns": jit,
                          "output0": float(traced(x)[0, 0])}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["gd", "fashion", "latency"])
    parser.add_argument("--variant", default="manual")
    parser.add_argument("--weights", required=True)
    parser.add_argument("--data")
    parser.add_argument("--data-dir")
    parser.add_argument("--lr", type=float)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup-batches", type=int, default=20)
    parser.add_argument("--eval-epochs", default="")
    parser.add_argument("--hidden", default="sigmoid")
    parser.add_argument("--output", default="sigmoid")
    parser.add_argument("--min-time-ms", type=float, default=50)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    {"gd": run_gd, "fashion": run_fashion, "latency": run_latency}[args.mode](args)


if __name__ == "__main__":
    main()
