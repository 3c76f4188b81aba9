#!/usr/bin/python3
"""Independent reference generator for the MLP library's optimizer golden tests.

Generates, next to this script:

  optimizer_trajectories.json
      One entry per optimizer case (sgd, momentum / nesterov, adam, rprop,
      with and without L2 weight decay and gradient clipping, full batch and
      mini-batches) on a
      3-5-2 network with 10 samples. Each entry holds the optimizer settings,
      the batch size, the initial model (in the library's "backprop-model"
      format), the data (samples are columns: x is inputs x N, y is
      outputs x N) and, for each of 10 steps, the loss of that step's forward
      pass (computed on that step's mini-batch BEFORE the update) and all the
      parameters AFTER the update.

Conventions (identical to the C++ library): a layer has weights of shape
(units, inputs) -- exactly torch.nn.Linear.weight -- and a bias of length
units; z = W a_prev + b, a = f(z). Losses are torch's mean reductions:
  mse           = torch.nn.functional.mse_loss (mean over all elements)
  bce           = binary_cross_entropy_with_logits on the output logits
                  (output activation "sigmoid"), mean over all elements
  cross_entropy = -(y * log_softmax(z)).sum(over outputs).mean(over samples)
                  (output activation "softmax"; y may be soft).
Mini-batches are consecutive sample ranges [0,B), [B,2B), ... (last one
smaller), restarting at 0 after the last one; batch_size 0 means full batch.

Every trajectory is computed twice, in float64:
  * with torch (autograd + torch.optim.SGD / Adam / Rprop; weights and biases
    in two param groups so that weight decay applies to weights only), and
  * with a separate plain-NumPy implementation (hand-written backprop and the
    textbook update rules: sgd, momentum/nesterov, L2-coupled Adam with
    per-step bias correction, iRPROP-),
and the script asserts that both agree to 1e-12 (relative) on every loss and
every parameter of every step before writing the file. The gradients of the
NumPy backprop are additionally checked against central finite differences
on the initial parameters of every case.

Regenerate (from the repository root) with:

    /usr/bin/python3 tests/golden/generate_optimizers.py

(requires Debian's python3-numpy and python3-torch).

The same file also holds "schedule_cases": learning-rate schedules (torch.optim.lr_scheduler's
StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau), each with sgd, momentum and adam,
full batch and mini-batches of 4 in file order, over SCHEDULE_EPOCHS epochs, the scheduler stepped
once after every epoch (ReduceLROnPlateau on the validation loss where the case has validation
data, else on the epoch's training loss: the size-weighted mean of its mini-batch losses, each
before its update). Each epoch records the learning rate it used, its training loss, the
validation loss after it and the parameters after it. torch's trajectory is checked against the
NumPy implementation driven by an independent schedule (the closed forms of StepLR, ExponentialLR
and CosineAnnealingLR, and the textbook plateau rule), and every case must change the rate.
"""

import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "optimizer_trajectories.json")

torch.set_default_dtype(torch.float64)

N_SAMPLES = 10
N_STEPS = 10
SIZES = [3, 5, 2]
LEAKY_ALPHA = 0.01
RTOL = 1e-12

# torch defaults, used for keys a case does not use
DEFAULT_SETTINGS = {
    "lr": 0.01,
    "momentum": 0.0,
    "nesterov": False,
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1e-8,
    "weight_decay": 0.0,
    "rprop_delta0": 0.01,
    "rprop_delta_min": 1e-6,
    "rprop_delta_max": 50.0,
    "rprop_increase": 1.2,
    "rprop_decrease": 0.5,
    "clip_norm": 0.0,  # 0: no clipping; else torch.nn.utils.clip_grad_norm_(params, clip_norm)
}

CASES = [
    dict(name="sgd_full_tanh_sigmoid_mse", optimizer="sgd", batch=0,
         hidden="tanh", output="sigmoid", loss="mse", targets="uniform",
         settings=dict(lr=0.5)),
    dict(name="sgd_batch4_relu_softmax_ce", optimizer="sgd", batch=4,
         hidden="relu", output="softmax", loss="cross_entropy",
         targets="onehot", settings=dict(lr=0.3)),
    dict(name="momentum_full_tanh_sigmoid_mse", optimizer="momentum", batch=0,
         hidden="tanh", output="sigmoid", loss="mse", targets="uniform",
         settings=dict(lr=0.1, momentum=0.9)),
    dict(name="nesterov_batch4_relu_softmax_ce", optimizer="momentum",
         batch=4, hidden="relu", output="softmax", loss="cross_entropy",
         targets="onehot", settings=dict(lr=0.1, momentum=0.9, nesterov=True)),
    dict(name="momentum_batch3_tanh_linear_mse_wd", optimizer="momentum",
         batch=3, hidden="tanh", output="linear", loss="mse",
         targets="uniform",
         settings=dict(lr=0.05, momentum=0.8, weight_decay=0.01)),
    dict(name="adam_full_tanh_sigmoid_mse", optimizer="adam", batch=0,
         hidden="tanh", output="sigmoid", loss="mse", targets="uniform",
         settings=dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)),
    dict(name="adam_batch4_relu_softmax_ce_soft", optimizer="adam", batch=4,
         hidden="relu", output="softmax", loss="cross_entropy",
         targets="soft",
         settings=dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)),
    dict(name="adam_batch3_sigmoid_sigmoid_bce_wd", optimizer="adam", batch=3,
         hidden="sigmoid", output="sigmoid", loss="bce", targets="binary",
         settings=dict(lr=0.005, beta1=0.8, beta2=0.99, eps=1e-7,
                       weight_decay=0.001)),
    dict(name="rprop_full_tanh_sigmoid_mse", optimizer="rprop", batch=0,
         hidden="tanh", output="sigmoid", loss="mse", targets="uniform",
         settings=dict(lr=0.1, rprop_delta0=0.1)),
    dict(name="rprop_full_relu_softmax_ce", optimizer="rprop", batch=0,
         hidden="relu", output="softmax", loss="cross_entropy",
         targets="onehot", settings=dict(lr=0.05, rprop_delta0=0.05)),
    dict(name="sgd_full_leakyrelu_linear_mse_wd", optimizer="sgd", batch=0,
         hidden="leaky_relu", output="linear", loss="mse", targets="uniform",
         settings=dict(lr=0.1, weight_decay=0.1)),
    # Gradient clipping (appended: the cases above keep their seeds and data).
    dict(name="sgd_full_tanh_sigmoid_mse_clip", optimizer="sgd", batch=0,
         hidden="tanh", output="sigmoid", loss="mse", targets="uniform",
         settings=dict(lr=0.5, clip_norm=0.05)),
    dict(name="momentum_batch3_tanh_linear_mse_wd_clip", optimizer="momentum",
         batch=3, hidden="tanh", output="linear", loss="mse",
         targets="uniform",
         settings=dict(lr=0.05, momentum=0.8, weight_decay=0.01, clip_norm=0.2)),
    dict(name="adam_batch4_relu_softmax_ce_clip", optimizer="adam", batch=4,
         hidden="relu", output="softmax", loss="cross_entropy",
         targets="onehot",
         settings=dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, clip_norm=0.1)),
]


# Learning-rate schedules: (kind, its parameters, validation data?, lr scale), each with every
# optimizer of SCHEDULE_OPTIMIZERS, full batch and mini-batches of 4. The plateau cases scale the
# rate by the first of PLATEAU_LR_SCALES under which torch's ReduceLROnPlateau drops it (a small
# rate improves the loss by less than its threshold; a large one makes the loss jump about).
SCHEDULE_EPOCHS = 12
SCHEDULE_DEFAULTS = dict(step_size=10, gamma=0.1, t_max=0, min_lr=0.0, patience=10, factor=0.1)
PLATEAU_LR_SCALES = [0.002, 0.0005, 0.01, 5.0, 1e-4, 20.0]
SCHEDULE_KINDS = [
    ("step", dict(step_size=3, gamma=0.5), False, [1.0]),
    ("exponential", dict(gamma=0.8), False, [1.0]),
    # T_max below the epochs: past it the rate climbs back, as torch's does
    ("cosine", dict(t_max=5, min_lr=0.001), False, [1.0]),
    ("plateau", dict(patience=1, factor=0.5, min_lr=0.0), False, PLATEAU_LR_SCALES),
    ("plateau", dict(patience=0, factor=0.3, min_lr=1e-4), True, PLATEAU_LR_SCALES),
]
SCHEDULE_OPTIMIZERS = [
    ("sgd", dict(lr=0.5)),
    ("momentum", dict(lr=0.1, momentum=0.9)),
    ("adam", dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8)),
]


# ----------------------------------------------------------------------------
# Data and initial parameters (NumPy legacy Mersenne Twister, fixed seeds)
# ----------------------------------------------------------------------------

def make_case_data(seed, targets):
    np.random.seed(seed)
    Ws, bs = [], []
    for fan_in, units in zip(SIZES[:-1], SIZES[1:]):
        Ws.append(np.random.randn(units, fan_in) * np.sqrt(1.0 / fan_in))
        bs.append(np.random.randn(units) * 0.1)
    x = np.random.randn(SIZES[0], N_SAMPLES)
    k = SIZES[-1]
    if targets == "uniform":
        y = np.random.random_sample((k, N_SAMPLES))
    elif targets == "binary":
        y = (np.random.random_sample((k, N_SAMPLES)) < 0.5).astype(np.float64)
    elif targets == "onehot":
        cls = np.random.randint(0, k, N_SAMPLES)
        y = np.zeros((k, N_SAMPLES))
        y[cls, np.arange(N_SAMPLES)] = 1.0
    elif targets == "soft":
        u = np.random.random_sample((k, N_SAMPLES))
        y = u / u.sum(axis=0, keepdims=True)
    else:
        raise ValueError(targets)
    return Ws, bs, x, y


def batch_ranges(batch, n):
    """Infinite generator of (start, stop) mini-batch ranges in file order."""
    if batch == 0:
        batch = n
    while True:
        for s in range(0, n, batch):
            yield s, min(s + batch, n)


# ----------------------------------------------------------------------------
# NumPy implementation (hand-written forward / backward / optimizer rules)
# ----------------------------------------------------------------------------

def np_act(name, z):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_ALPHA * z)
    if name == "linear":
        return z.copy()
    if name == "softmax":
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    raise ValueError(name)


def np_act_prime(name, z):
    if name == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)
    if name == "tanh":
        t = np.tanh(z)
        return 1.0 - t * t
    if name == "relu":
        return np.where(z > 0, 1.0, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_ALPHA)
    if name == "linear":
        return np.ones_like(z)
    raise ValueError(name)


def np_loss_and_grads(Ws, bs, acts, loss, x, y):
    """Loss (torch mean reduction) and dL/dW, dL/db by backprop."""
    a = x
    zs, as_ = [], [x]
    for W, b, f in zip(Ws, bs, acts):
        z = W @ a + b[:, None]
        a = np_act(f, z)
        zs.append(z)
        as_.append(a)
    zL, aL = zs[-1], as_[-1]
    k, n = y.shape
    if loss == "mse":
        assert acts[-1] != "softmax"
        L = np.mean((aL - y) ** 2)
        delta = (2.0 * (aL - y) / (k * n)) * np_act_prime(acts[-1], zL)
    elif loss == "bce":
        assert acts[-1] == "sigmoid"
        L = np.mean(np.maximum(zL, 0.0) - zL * y
                    + np.log1p(np.exp(-np.abs(zL))))
        delta = (aL - y) / (k * n)
    elif loss == "cross_entropy":
        assert acts[-1] == "softmax"
        m = zL.max(axis=0, keepdims=True)
        logp = zL - m - np.log(np.exp(zL - m).sum(axis=0, keepdims=True))
        L = np.mean(-(y * logp).sum(axis=0))
        delta = (aL * y.sum(axis=0, keepdims=True) - y) / n
    else:
        raise ValueError(loss)
    dWs, dbs = [None] * len(Ws), [None] * len(Ws)
    for l in range(len(Ws) - 1, -1, -1):
        dWs[l] = delta @ as_[l].T
        dbs[l] = delta.sum(axis=1)
        if l > 0:
            delta = (Ws[l].T @ delta) * np_act_prime(acts[l - 1], zs[l - 1])
    return L, dWs, dbs


def np_finite_difference_check(Ws, bs, acts, loss, x, y):
    _, dWs, dbs = np_loss_and_grads(Ws, bs, acts, loss, x, y)
    h = 1e-6
    for params, grads in ((Ws, dWs), (bs, dbs)):
        for p, g in zip(params, grads):
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                lp = np_loss_and_grads(Ws, bs, acts, loss, x, y)[0]
                p[idx] = old - h
                lm = np_loss_and_grads(Ws, bs, acts, loss, x, y)[0]
                p[idx] = old
                fd = (lp - lm) / (2 * h)
                assert abs(fd - g[idx]) <= 1e-7 * max(1.0, abs(g[idx])), \
                    (fd, g[idx])


class NpOptimizer:
    """Textbook update rules, one state per parameter array."""

    def __init__(self, kind, s, params, is_weight):
        self.kind, self.s = kind, s
        self.is_weight = is_weight
        self.t = 0
        self.state = [dict() for _ in params]
        for st, p in zip(self.state, params):
            if kind == "momentum":
                st["v"] = np.zeros_like(p)
            elif kind == "adam":
                st["m"] = np.zeros_like(p)
                st["v"] = np.zeros_like(p)
            elif kind == "rprop":
                st["delta"] = np.full_like(p, s["rprop_delta0"])
                st["gprev"] = np.zeros_like(p)

    def step(self, params, grads):
        s = self.s
        self.t += 1  # one count per step, not per tensor
        for p, g, st, isw in zip(params, grads, self.state, self.is_weight):
            wd = s["weight_decay"] if isw else 0.0
            if self.kind == "rprop":
                assert wd == 0.0
            else:
                g = g + wd * p
            lr = s["lr"]
            if self.kind == "sgd":
                p -= lr * g
            elif self.kind == "momentum":
                mu = s["momentum"]
                st["v"] = mu * st["v"] + g
                if s["nesterov"]:
                    p -= lr * (g + mu * st["v"])
                else:
                    p -= lr * st["v"]
            elif self.kind == "adam":
                b1, b2, eps = s["beta1"], s["beta2"], s["eps"]
                st["m"] = b1 * st["m"] + (1.0 - b1) * g
                st["v"] = b2 * st["v"] + (1.0 - b2) * g * g
                mhat = st["m"] / (1.0 - b1 ** self.t)
                vhat = st["v"] / (1.0 - b2 ** self.t)
                p -= lr * mhat / (np.sqrt(vhat) + eps)
            elif self.kind == "rprop":
                sg = np.sign(g * st["gprev"])
                d = st["delta"]
                d = np.where(sg > 0,
                             np.minimum(d * s["rprop_increase"],
                                        s["rprop_delta_max"]), d)
                d = np.where(sg < 0,
                             np.maximum(d * s["rprop_decrease"],
                                        s["rprop_delta_min"]), d)
                g = np.where(sg < 0, 0.0, g)
                st["delta"] = d
                p -= np.sign(g) * d
                st["gprev"] = g
                st.setdefault("flips", 0)
                st["flips"] += int((sg < 0).sum())
            else:
                raise ValueError(self.kind)


def run_numpy(case, settings, Ws0, bs0, x, y):
    acts = [case["hidden"], case["output"]]
    Ws = [W.copy() for W in Ws0]
    bs = [b.copy() for b in bs0]
    params = [Ws[0], bs[0], Ws[1], bs[1]]
    opt = NpOptimizer(case["optimizer"], settings, params,
                      [True, False, True, False])
    out = []
    clipped = 0
    ranges = batch_ranges(case["batch"], N_SAMPLES)
    for _ in range(N_STEPS):
        s0, s1 = next(ranges)
        L, dWs, dbs = np_loss_and_grads(Ws, bs, acts, case["loss"],
                                        x[:, s0:s1], y[:, s0:s1])
        grads = [dWs[0], dbs[0], dWs[1], dbs[1]]
        if settings["clip_norm"] > 0:
            # the global L2 norm of every gradient, and one factor on all when below 1
            norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads))
            factor = settings["clip_norm"] / (norm + 1e-6)
            if factor < 1.0:
                grads = [g * factor for g in grads]
                clipped += 1
        opt.step(params, grads)
        out.append((float(L), [(W.copy(), b.copy()) for W, b in zip(Ws, bs)]))
    flips = sum(st.get("flips", 0) for st in opt.state)
    # a clipping case must clip at some steps (and may leave others), or it tests nothing
    assert settings["clip_norm"] == 0 or 0 < clipped, case["name"] + " never clips"
    return out, flips


# ----------------------------------------------------------------------------
# torch implementation (autograd + torch.optim)
# ----------------------------------------------------------------------------

def t_act(name, z):
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "relu":
        return torch.relu(z)
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(LEAKY_ALPHA)(z)
    if name == "linear":
        return z
    if name == "softmax":
        return torch.softmax(z, dim=0)
    raise ValueError(name)


def t_loss(name, zL, aL, y):
    F = torch.nn.functional
    if name == "mse":
        return F.mse_loss(aL, y)
    if name == "bce":
        return F.binary_cross_entropy_with_logits(zL, y)
    if name == "cross_entropy":
        return -(y * F.log_softmax(zL, dim=0)).sum(dim=0).mean()
    raise ValueError(name)


def run_torch(case, settings, Ws0, bs0, x, y):
    acts = [case["hidden"], case["output"]]
    Ws = [torch.tensor(W, requires_grad=True) for W in Ws0]
    bs = [torch.tensor(b, requires_grad=True) for b in bs0]
    s = settings
    groups = [dict(params=Ws, weight_decay=s["weight_decay"]),
              dict(params=bs, weight_decay=0.0)]
    kind = case["optimizer"]
    if kind == "sgd":
        opt = torch.optim.SGD(groups, lr=s["lr"])
    elif kind == "momentum":
        opt = torch.optim.SGD(groups, lr=s["lr"], momentum=s["momentum"],
                              dampening=0.0, nesterov=s["nesterov"])
    elif kind == "adam":
        opt = torch.optim.Adam(groups, lr=s["lr"],
                               betas=(s["beta1"], s["beta2"]), eps=s["eps"],
                               amsgrad=False)
    elif kind == "rprop":
        assert s["weight_decay"] == 0.0
        opt = torch.optim.Rprop([dict(params=Ws), dict(params=bs)],
                                lr=s["rprop_delta0"],
                                etas=(s["rprop_decrease"],
                                      s["rprop_increase"]),
                                step_sizes=(s["rprop_delta_min"],
                                            s["rprop_delta_max"]))
    else:
        raise ValueError(kind)
    xt, yt = torch.tensor(x), torch.tensor(y)
    out = []
    ranges = batch_ranges(case["batch"], N_SAMPLES)
    for _ in range(N_STEPS):
        s0, s1 = next(ranges)
        a = xt[:, s0:s1]
        z = None
        for W, b, f in zip(Ws, bs, acts):
            z = W @ a + b[:, None]
            a = t_act(f, z)
        L = t_loss(case["loss"], z, a, yt[:, s0:s1])
        opt.zero_grad()
        L.backward()
        if s["clip_norm"] > 0:
            torch.nn.utils.clip_grad_norm_(Ws + bs, s["clip_norm"])
        opt.step()
        out.append((L.item(),
                    [(W.detach().numpy().copy(), b.detach().numpy().copy())
                     for W, b in zip(Ws, bs)]))
    return out


# ----------------------------------------------------------------------------

def assert_close(a, b, what):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-3)
    err = np.max(np.abs(a - b) / scale)
    assert err <= RTOL, "%s: torch and numpy differ (rel %g)" % (what, err)
    return err


# ----------------------------------------------------------------------------
# Learning-rate schedules: whole epochs, the scheduler stepped after each
# ----------------------------------------------------------------------------

def schedule_case_list():
    cases = []
    for kind, params, validation, lr_scales in SCHEDULE_KINDS:
        for optimizer, settings in SCHEDULE_OPTIMIZERS:
            for batch in (0, 4):
                schedule = dict(SCHEDULE_DEFAULTS)
                schedule.update(params)
                schedule["kind"] = kind
                net = (dict(hidden="tanh", output="sigmoid", loss="mse", targets="uniform")
                       if batch == 0 or validation else
                       dict(hidden="relu", output="softmax", loss="cross_entropy",
                            targets="onehot"))
                name = "%s_%s_%s%s" % (kind, optimizer, "full" if batch == 0 else "batch4",
                                       "_validation" if validation else "")
                cases.append(dict(name=name, optimizer=optimizer, batch=batch,
                                  settings=dict(settings), lr_scales=lr_scales, schedule=schedule,
                                  validation=validation, **net))
    return cases


def np_schedule_lr(schedule, lr0, e, plateau):
    """The closed forms of StepLR, ExponentialLR, CosineAnnealingLR; plateau: its tracked rate."""
    kind = schedule["kind"]
    if kind == "step":
        return lr0 * schedule["gamma"] ** (e // schedule["step_size"])
    if kind == "exponential":
        return lr0 * schedule["gamma"] ** e
    if kind == "cosine":
        T = schedule["t_max"] or SCHEDULE_EPOCHS
        eta = schedule["min_lr"]
        return eta + (lr0 - eta) * (1.0 + np.cos(np.pi * e / T)) / 2.0
    if kind == "plateau":
        return plateau["lr"]
    raise ValueError(kind)


def np_plateau_step(schedule, plateau, watched):
    """ReduceLROnPlateau, mode min, threshold 1e-4 relative, cooldown 0, eps 1e-8."""
    if watched < plateau["best"] * (1.0 - 1e-4):
        plateau["best"], plateau["bad"] = watched, 0
    else:
        plateau["bad"] += 1
    if plateau["bad"] > schedule["patience"]:
        new = max(plateau["lr"] * schedule["factor"], schedule["min_lr"])
        if plateau["lr"] - new > 1e-8:
            plateau["lr"] = new
        plateau["bad"] = 0


def run_schedule_numpy(case, settings, Ws0, bs0, x, y, xv, yv):
    acts = [case["hidden"], case["output"]]
    Ws = [W.copy() for W in Ws0]
    bs = [b.copy() for b in bs0]
    params = [Ws[0], bs[0], Ws[1], bs[1]]
    opt = NpOptimizer(case["optimizer"], settings, params, [True, False, True, False])
    schedule = case["schedule"]
    plateau = dict(lr=settings["lr"], best=np.inf, bad=0)
    batch = case["batch"] or N_SAMPLES
    out = []
    for e in range(SCHEDULE_EPOCHS):
        lr = np_schedule_lr(schedule, settings["lr"], e, plateau)
        opt.s = dict(settings, lr=lr)
        total = 0.0
        for s0 in range(0, N_SAMPLES, batch):
            s1 = min(s0 + batch, N_SAMPLES)
            L, dWs, dbs = np_loss_and_grads(Ws, bs, acts, case["loss"], x[:, s0:s1], y[:, s0:s1])
            total += float(L) * (s1 - s0)
            opt.step(params, [dWs[0], dbs[0], dWs[1], dbs[1]])
        loss = total / N_SAMPLES
        val = None
        if xv is not None:
            val = float(np_loss_and_grads(Ws, bs, acts, case["loss"], xv, yv)[0])
        if schedule["kind"] == "plateau":
            np_plateau_step(schedule, plateau, val if val is not None else loss)
        out.append((lr, loss, val, [(W.copy(), b.copy()) for W, b in zip(Ws, bs)]))
    return out


def t_forward(Ws, bs, acts, a):
    z = None
    for W, b, f in zip(Ws, bs, acts):
        z = W @ a + b[:, None]
        a = t_act(f, z)
    return z, a


def run_schedule_torch(case, settings, Ws0, bs0, x, y, xv, yv):
    acts = [case["hidden"], case["output"]]
    Ws = [torch.tensor(W, requires_grad=True) for W in Ws0]
    bs = [torch.tensor(b, requires_grad=True) for b in bs0]
    s = settings
    groups = [dict(params=Ws, weight_decay=s["weight_decay"]),
              dict(params=bs, weight_decay=0.0)]
    kind = case["optimizer"]
    if kind == "sgd":
        opt = torch.optim.SGD(groups, lr=s["lr"])
    elif kind == "momentum":
        opt = torch.optim.SGD(groups, lr=s["lr"], momentum=s["momentum"], dampening=0.0,
                              nesterov=s["nesterov"])
    elif kind == "adam":
        opt = torch.optim.Adam(groups, lr=s["lr"], betas=(s["beta1"], s["beta2"]),
                               eps=s["eps"], amsgrad=False)
    else:
        raise ValueError(kind)
    sc = case["schedule"]
    S = torch.optim.lr_scheduler
    if sc["kind"] == "step":
        scheduler = S.StepLR(opt, step_size=sc["step_size"], gamma=sc["gamma"])
    elif sc["kind"] == "exponential":
        scheduler = S.ExponentialLR(opt, gamma=sc["gamma"])
    elif sc["kind"] == "cosine":
        scheduler = S.CosineAnnealingLR(opt, T_max=sc["t_max"] or SCHEDULE_EPOCHS,
                                        eta_min=sc["min_lr"])
    elif sc["kind"] == "plateau":
        # torch's defaults otherwise: threshold 1e-4 (rel), cooldown 0, eps 1e-8
        scheduler = S.ReduceLROnPlateau(opt, mode="min", factor=sc["factor"],
                                        patience=sc["patience"], min_lr=sc["min_lr"])
    else:
        raise ValueError(sc["kind"])
    xt, yt = torch.tensor(x), torch.tensor(y)
    batch = case["batch"] or N_SAMPLES
    out = []
    for _ in range(SCHEDULE_EPOCHS):
        lr = opt.param_groups[0]["lr"]
        assert opt.param_groups[1]["lr"] == lr
        total = 0.0
        for s0 in range(0, N_SAMPLES, batch):
            s1 = min(s0 + batch, N_SAMPLES)
            z, a = t_forward(Ws, bs, acts, xt[:, s0:s1])
            L = t_loss(case["loss"], z, a, yt[:, s0:s1])
            total += L.item() * (s1 - s0)
            opt.zero_grad()
            L.backward()
            opt.step()
        loss = total / N_SAMPLES
        val = None
        if xv is not None:
            with torch.no_grad():
                z, a = t_forward(Ws, bs, acts, torch.tensor(xv))
                val = t_loss(case["loss"], z, a, torch.tensor(yv)).item()
        if sc["kind"] == "plateau":
            scheduler.step(val if val is not None else loss)
        else:
            scheduler.step()
        out.append((lr, loss, val, [(W.detach().numpy().copy(), b.detach().numpy().copy())
                                    for W, b in zip(Ws, bs)]))
    return out


def schedule_cases_out():
    cases_out = []
    for idx, case in enumerate(schedule_case_list()):
        Ws0, bs0, x, y = make_case_data(5000 + 17 * idx, case["targets"])
        xv = yv = None
        if case["validation"]:
            assert case["targets"] == "uniform"
            xv = np.random.randn(SIZES[0], N_SAMPLES)
            yv = np.random.random_sample((SIZES[-1], N_SAMPLES))
        for scale in case["lr_scales"]:  # the first scale whose rate changes
            settings = dict(DEFAULT_SETTINGS)
            settings.update(case["settings"])
            settings["lr"] *= scale
            assert set(settings) == set(DEFAULT_SETTINGS)
            t_traj = run_schedule_torch(case, settings, Ws0, bs0, x, y, xv, yv)
            if len(set(r[0] for r in t_traj)) > 1:
                break
        np_traj = run_schedule_numpy(case, settings, Ws0, bs0, x, y, xv, yv)
        worst = 0.0
        for e, ((lr_n, L_n, v_n, p_n), (lr_t, L_t, v_t, p_t)) in enumerate(zip(np_traj, t_traj)):
            what = "%s epoch %d" % (case["name"], e)
            worst = max(worst, assert_close(lr_n, lr_t, what + " lr"))
            worst = max(worst, assert_close(L_n, L_t, what + " loss"))
            if v_n is not None:
                worst = max(worst, assert_close(v_n, v_t, what + " validation loss"))
            for l, ((Wn, bn), (Wt, bt)) in enumerate(zip(p_n, p_t)):
                worst = max(worst, assert_close(Wn, Wt, what + " layer %d W" % l))
                worst = max(worst, assert_close(bn, bt, what + " layer %d b" % l))
        lrs = [r[0] for r in t_traj]
        # the rate must change, or the case tests nothing; cosine must also climb back past T
        assert len(set(lrs)) > 1, case["name"] + ": the learning rate never changes"
        if case["schedule"]["kind"] == "cosine":
            T = case["schedule"]["t_max"]
            assert T + 1 < SCHEDULE_EPOCHS and lrs[T + 1] > lrs[T], case["name"]
        layers = []
        acts = [case["hidden"], case["output"]]
        for l, (W, b) in enumerate(zip(Ws0, bs0)):
            layers.append({"activation": acts[l], "weights": W.tolist(), "bias": b.tolist()})
        entry = {
            "name": case["name"],
            "optimizer": case["optimizer"],
            "settings": settings,
            "schedule": case["schedule"],
            "batch_size": case["batch"],
            "model": {"format": "backprop-model", "version": 1, "inputs": SIZES[0],
                      "loss": case["loss"], "layers": layers},
            "x": x.tolist(),
            "y": y.tolist(),
        }
        if xv is not None:
            entry["x_val"], entry["y_val"] = xv.tolist(), yv.tolist()
        entry["epochs"] = [{"lr": lr, "loss": L, "val_loss": v,
                            "layers": [{"weights": W.tolist(), "bias": b.tolist()}
                                       for W, b in params]}
                           for lr, L, v, params in t_traj]
        cases_out.append(entry)
        print("%-36s ok  max rel torch/numpy diff %.2e  lr %g -> %g (%d rates)  loss %.6f -> %.6f"
              % (case["name"], worst, lrs[0], lrs[-1], len(set(lrs)), t_traj[0][1],
                 t_traj[-1][1]))
    return cases_out


def main():
    cases_out = []
    for idx, case in enumerate(CASES):
        settings = dict(DEFAULT_SETTINGS)
        settings.update(case["settings"])
        assert set(settings) == set(DEFAULT_SETTINGS)
        seed = 2024 + 17 * idx
        Ws0, bs0, x, y = make_case_data(seed, case["targets"])
        acts = [case["hidden"], case["output"]]

        np_finite_difference_check([W.copy() for W in Ws0],
                                   [b.copy() for b in bs0], acts,
                                   case["loss"], x, y)
        np_traj, flips = run_numpy(case, settings, Ws0, bs0, x, y)
        t_traj = run_torch(case, settings, Ws0, bs0, x, y)

        worst = 0.0
        for step, ((Ln, pn), (Lt, pt)) in enumerate(zip(np_traj, t_traj)):
            worst = max(worst, assert_close(Ln, Lt, "%s step %d loss"
                                            % (case["name"], step)))
            for l, ((Wn, bn), (Wt, bt)) in enumerate(zip(pn, pt)):
                worst = max(worst, assert_close(
                    Wn, Wt, "%s step %d layer %d W" % (case["name"], step, l)))
                worst = max(worst, assert_close(
                    bn, bt, "%s step %d layer %d b" % (case["name"], step, l)))
        # the parameters must actually move, biases included
        for (W0, b0), (Wf, bf) in zip(zip(Ws0, bs0), t_traj[-1][1]):
            assert np.any(W0 != Wf) and np.any(b0 != bf)
        if case["optimizer"] == "rprop":
            assert flips > 0, "rprop case never exercises the sign-flip branch"

        layers = []
        for l, (W, b) in enumerate(zip(Ws0, bs0)):
            layer = {"activation": acts[l], "weights": W.tolist(),
                     "bias": b.tolist()}
            if acts[l] == "leaky_relu":
                layer["alpha"] = LEAKY_ALPHA
            layers.append(layer)
        steps = []
        for L, params in t_traj:
            steps.append({"loss": float(L),
                          "layers": [{"weights": W.tolist(),
                                      "bias": b.tolist()}
                                     for W, b in params]})
        cases_out.append({
            "name": case["name"],
            "optimizer": case["optimizer"],
            "settings": settings,
            "batch_size": case["batch"],
            "model": {"format": "backprop-model", "version": 1,
                      "inputs": SIZES[0], "loss": case["loss"],
                      "layers": layers},
            "x": x.tolist(),
            "y": y.tolist(),
            "steps": steps,
        })
        print("%-36s ok  max rel torch/numpy diff %.2e  loss %.6f -> %.6f%s"
              % (case["name"], worst, t_traj[0][0], t_traj[-1][0],
                 ("  (rprop sign flips: %d)" % flips)
                 if case["optimizer"] == "rprop" else ""))

    doc = {"generator": "tests/golden/generate_optimizers.py",
           "torch_version": torch.__version__,
           "cases": cases_out,
           "schedule_cases": schedule_cases_out()}
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    # round-trip check
    with open(OUT) as fh:
        back = json.load(fh)
    assert back == json.loads(json.dumps(doc))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
