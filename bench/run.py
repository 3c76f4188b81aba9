#!/usr/bin/python3
"""run.py — the benchmark suite's driver: runs every implementation of every workload, alternating
them round-robin in one session so that machine drift hits all alike, and writes bench/RESULTS.md.

Normally started by bench/run.sh, which builds the programs first. Each measurement is its own
process (a fresh start, its own peak RSS); within a repetition the implementations run one after
another, and the starting implementation rotates from one repetition to the next.

Workloads (see bench/README.md):
  W1  the lesson's XOR: 2-4-1 sigmoid, mse, full-batch GD lr 2, 10000 epochs, float64
  W2  the lesson's circle (Exercise 9.4): 2-10-1, 200 samples, lr 1.5, 15000 epochs, float64
  W3  Fashion-MNIST 784-256-128-10 relu, softmax + cross-entropy, adam 1e-3, batch 128, float32
  W4  single-sample forward latency, 2-10-1 and 784-256-128-10, float32
  peak  sgemm on 1024 x 1024 matrices by Eigen and by OpenBLAS, 1 and 2 threads
  W3cli   W3 through the command line, `backprop train --dataset fashion-mnist` (not in the default set)
  W3busy  W3 at 1 and 2 threads while a spinning process keeps one core busy (not in the default set)
"""
import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shlex
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"
COMPETITORS = os.path.join(HERE, "competitors")
FASHION_SIZES = [784, 256, 128, 10]
# Forward + 2x for backward, per sample per step (the count; the first layer's dL/dx is
# not counted: nobody needs it).
FLOPS_PER_SAMPLE = 2 * sum(a * b for a, b in zip(FASHION_SIZES[:-1], FASHION_SIZES[1:])) * 3
# The work actually needed: the same less the first layer's dL/dx (W1ᵀ delta), which neither
# PyTorch (its input does not require grad) nor, when it reports so, ours computes.
FLOPS_NEEDED_PER_SAMPLE = FLOPS_PER_SAMPLE - 2 * FASHION_SIZES[0] * FASHION_SIZES[1]
ANCHORS = {  # medians measured earlier on the reference machine (from the issue), for sanity
    ("W1", "numpy (lesson)"): "48 µs", ("W1", "FANN 2.2"): "0.75 µs",
    ("W2", "numpy (lesson)"): "76 µs", ("W2", "FANN 2.2"): "58 µs",
    ("W3", "PyTorch", 2): "1.01 s", ("W3", "PyTorch", 1): "1.25 s",
    ("W4", "2-10-1", "FANN fann_run"): "120 ns", ("W4", "2-10-1", "PyTorch eager"): "9 µs",
    ("W4", "784-256-128-10", "PyTorch traced"): "24 µs",
    ("W4", "784-256-128-10", "FANN fann_run"): "109 µs",
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: fewer repetitions and epochs (about 2 minutes)")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"),
                   help="where bench/run.sh built the programs")
    p.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--only", default="peak,W1,W2,W4,W3",
                   help="comma-separated subset of peak,W1,W2,W3,W4,W3cli,W3busy (the last two "
                        "only when named)")
    p.add_argument("--reps-gd", type=int, help="repetitions of W1 and W2 (default 5; quick 2)")
    p.add_argument("--reps-w3", type=int,
                   help="timing repetitions of W3 per implementation and thread count (3; quick 1)")
    p.add_argument("--w3-epochs", type=int, help="epochs per W3 timing repetition (2; quick 1)")
    p.add_argument("--w3-long-epochs", type=int,
                   help="epochs of the W3 accuracy run, test accuracy after 5, 10, half and the end (20; quick 2)")
    p.add_argument("--reps-w4", type=int, help="repetitions of W4 (5; quick 2)")
    p.add_argument("--reps-peak", type=int, help="repetitions of the sgemm peak, at start and end (2; quick 1)")
    p.add_argument("--threads", default="1,2", help="thread counts of W3 and the peak")
    p.add_argument("--w3-long-threads", type=int, default=1,
                   help="threads of the W3 accuracy run (default 1: the most robust on a busy 2-core machine)")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--cli", help="the command-line tool of W3cli/W3busy (default: backprop in "
                                 "--build-dir, else build/backprop)")
    p.add_argument("--w3cli-epochs", type=int,
                   help="epochs per W3cli/W3busy run of the command line (3; quick 2)")
    p.add_argument("--busy", default="idle,pinned,unpinned",
                   help="W3busy's conditions: idle, pinned (a spinning process pinned to the last "
                        "CPU), unpinned (the same, free to move)")
    p.add_argument("--openblas-coretype",
                   help="OPENBLAS_CORETYPE for NumPy and PyTorch (default: SkylakeX where the CPU "
                        "has AVX-512, else Haswell)")
    p.add_argument("--wait-idle", type=float, default=0,
                   help="first wait up to this many seconds for the 1-minute load average to fall "
                        "below --idle-load")
    p.add_argument("--idle-load", type=float, default=0.5)
    p.add_argument("--command", help="the command line to record (bench/run.sh passes its own)")
    p.add_argument("--report-from", metavar="RESULTS_JSONL",
                   help="measure nothing: rewrite the report from the raw records of an earlier session")
    a = p.parse_args()
    a.build_dir = os.path.abspath(a.build_dir)
    a.out = os.path.abspath(a.out)
    quick = a.quick
    defaults = dict(reps_gd=(5, 2), reps_w3=(3, 1), w3_epochs=(2, 1), w3_long_epochs=(20, 2),
                    reps_w4=(5, 2), reps_peak=(2, 1), w3cli_epochs=(3, 2))
    for key, (full, short) in defaults.items():
        if getattr(a, key) is None:
            setattr(a, key, short if quick else full)
    a.w4_min_time_ms, a.w4_rounds = (20, 3) if quick else (50, 7)
    a.only = set(a.only.split(","))
    a.threads = [int(t) for t in a.threads.split(",")]
    a.busy = a.busy.split(",")
    if a.command is None:
        a.command = " ".join(shlex.quote(x) for x in [PYTHON, "bench/run.py"] + sys.argv[1:])
    return a


# ---- machine ------------------------------------------------------------------------------------
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:  # noqa: BLE001 - information only
        return ""


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def machine_info():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    flags = cpu_flags()
    mem_kib = int(sh("awk '/MemTotal/ {print $2}' /proc/meminfo") or 0)

    def dpkg(p):
        return sh(f"dpkg-query -W -f='${{Version}}' {p} 2>/dev/null") or "not installed"

    try:
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "include",
                                "apps", "CMakeLists.txt"], capture_output=True, text=True).stdout
    except OSError:
        dirty = ""
    return {
        "cpu": model, "cores": os.cpu_count(),
        "threads_per_core": sh("lscpu | awk -F: '/Thread\\(s\\) per core/ {gsub(/ /,\"\",$2); print $2}'"),
        "hypervisor": sh("lscpu | awk -F: '/Hypervisor vendor/ {gsub(/^ +/,\"\",$2); print $2}'"),
        "simd": ", ".join(x for x in ["avx2", "fma", "avx512f"] if x in flags) or "none",
        "avx512": "avx512f" in flags,
        "memory_gib": round(mem_kib / 1048576, 1),
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "compiler": sh("c++ --version | head -1"),
        "git": sh(f"git -C {shlex.quote(ROOT)} rev-parse --short HEAD"),
        "dirty": [line[3:] for line in dirty.splitlines() if len(line) > 3],
        "versions": {p: dpkg(p) for p in ["libeigen3-dev", "python3-numpy", "python3-torch",
                                           "libfann2", "libopenblas0-pthread"]},
        "blas_alternative": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
    }


def load1():
    return os.getloadavg()[0]


# ---- running ------------------------------------------------------------------------------------
class Runner:
    def __init__(self, args):
        self.args = args
        self.records = []
        self.failures = []
        self.work = os.path.join(args.build_dir, "bench-work")
        if args.report_from:
            self.raw_path = os.path.abspath(args.report_from)
            self.work = os.path.dirname(self.raw_path)
            self.raw = None
        else:
            os.makedirs(self.work, exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self.raw_path = os.path.join(self.work, f"results-{stamp}.jsonl")
            self.raw = open(self.raw_path, "w")
        self.bin = {}
        for name in ["bench_backprop", "bench_eigen_gemm", "bench_fann_double", "bench_fann_float"]:
            for d in [args.build_dir, os.path.join(args.build_dir, "bench")]:
                if os.access(os.path.join(d, name), os.X_OK):
                    self.bin[name] = os.path.join(d, name)
                    break
        self.cli = args.cli or next((c for c in [os.path.join(args.build_dir, "backprop"),
                                                 os.path.join(ROOT, "build", "backprop")]
                                        if os.access(c, os.X_OK)), None)
        flags = cpu_flags()
        self.coretype = args.openblas_coretype or (
            "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else "")
        self.openblas_dir = "/usr/lib/x86_64-linux-gnu/openblas-pthread"

    def env(self, kind, threads):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith(("OMP_", "OPENBLAS_", "MKL_", "GOMP_"))}
        e["OMP_NUM_THREADS"] = str(threads)
        if self.coretype:  # ours links OpenBLAS too (statically): the same kernels for all
            e["OPENBLAS_CORETYPE"] = self.coretype
        if kind == "python":
            e.update(OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                     OMP_WAIT_POLICY="passive")
            if os.path.isdir(self.openblas_dir):  # OpenBLAS even if the alternative points elsewhere
                e["LD_LIBRARY_PATH"] = self.openblas_dir + (":" + e["LD_LIBRARY_PATH"]
                                                            if e.get("LD_LIBRARY_PATH") else "")
        return e

    def run(self, workload, labels, cmd, kind, threads, rep, timeout, extra=None):
        """Runs one process; its JSON lines become records labelled by `labels` (a function of
        the record, or a string)."""
        if cmd is None:
            return
        before = load1()
        t0 = time.time()
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                               env=self.env(kind, threads), cwd=COMPETITORS)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired:
            out, err, rc = "", f"timed out after {timeout} s", -1
        wall = time.time() - t0
        lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
        name = labels if isinstance(labels, str) else "?"
        if rc != 0 or not lines:
            msg = (err or "").strip().splitlines()[-3:]
            self.failures.append((workload, name, rep, rc, " | ".join(msg)))
            self.raw.write(json.dumps({"failure": self.failures[-1]}) + "\n")
            print(f"  FAILED {workload} {name} rep {rep}: rc {rc}: {' | '.join(msg)}", flush=True)
            return
        for r in lines:
            r.update(workload=workload, rep=rep, threads=r.get("threads", threads), load1=before,
                     process_seconds=wall, label=labels(r) if callable(labels) else labels)
            if extra:
                r.update(extra)
            self.records.append(r)
            self.raw.write(json.dumps(r) + "\n")
            self.raw.flush()
            key = next((k for k in ["us_per_epoch", "s_per_epoch", "ns_per_call", "gflops"] if k in r), None)
            print(f"  {workload:5} rep {rep}  {r['label']:34} {key} = {r.get(key, float('nan')):.6g}"
                  f"   (load {before:.2f})", flush=True)

    def run_cli(self, workload, label, cmd, threads, rep, timeout, extra=None):
        """Runs the command-line tool and reads its time per epoch as it reports it: the summary's
        "Trained N epochs in X s (+Y s evaluating the test set)", and the wall time between the
        epoch lines it prints (what a user watching it sees)."""
        if cmd is None:
            return
        before = load1()
        t0 = time.monotonic()
        p = subprocess.Popen(["timeout", str(timeout)] + cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=self.env("native", threads),
                             cwd=ROOT)
        last, gaps, setup, trained, test_acc = None, [], "", None, None
        for line in p.stdout:
            now = time.monotonic()
            if line.startswith("Training "):
                setup, last = line.strip(), now
            elif line.startswith("Epoch "):
                if last is not None:
                    gaps.append(now - last)
                last = now
                m = re.search(r"Test accuracy = ([0-9.]+)%", line)
                test_acc = float(m.group(1)) / 100 if m else None
            m = re.match(r"Trained (\d+) epochs in ([0-9.e+-]+) s(?: \(\+([0-9.e+-]+) s evaluating)?",
                         line)
            if m:
                trained = (int(m.group(1)), float(m.group(2)), float(m.group(3) or 0))
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t0
        if p.returncode != 0 or trained is None:
            msg = err.strip().splitlines()[-3:]
            self.failures.append((workload, label, rep, p.returncode, " | ".join(msg)))
            self.raw.write(json.dumps({"failure": self.failures[-1]}) + "\n")
            print(f"  FAILED {workload} {label} rep {rep}: rc {p.returncode}: {' | '.join(msg)}", flush=True)
            return
        epochs, train_s, test_s = trained
        r = {"impl": "cli", "threads": threads, "epochs": epochs, "s_per_epoch": train_s / epochs,
             "test_s_per_epoch": test_s / epochs, "reporting_share": test_s / (train_s + test_s),
             "epoch_gaps": gaps, "seen_s_per_epoch": statistics.median(gaps[1:] or gaps),
             "setup": setup, "test_accuracy": test_acc, "load_end": load1(),
             "cpu_utilisation": (usage.ru_utime + usage.ru_stime) / wall, "max_rss_kib": usage.ru_maxrss,
             "workload": workload, "rep": rep, "load1": before, "process_seconds": wall,
             "label": label, "command": " ".join(shlex.quote(c) for c in cmd)}
        r.update(extra or {})
        self.records.append(r)
        self.raw.write(json.dumps(r) + "\n")
        self.raw.flush()
        print(f"  {workload:5} rep {rep}  {label:34} s_per_epoch = {r['s_per_epoch']:.6g} "
              f"(+{r['test_s_per_epoch']:.3g} test; seen {r['seen_s_per_epoch']:.3g})   (load {before:.2f})",
              flush=True)

    def select(self, workload, label=None, **match):
        out = [r for r in self.records if r["workload"] == workload and (label is None or r["label"] == label)]
        for k, v in match.items():
            out = [r for r in out if r.get(k) == v]
        return out


BLAS_PROBE = """
import time, torch
torch.set_num_threads(1)
x, W = torch.randn(128, 784), torch.randn(256, 784)
for _ in range(3): torch.nn.functional.linear(x, W)
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < 0.5:
    torch.nn.functional.linear(x, W); n += 1
print(2 * 128 * 784 * 256 * n / (time.perf_counter() - t0) / 1e9)
"""


def blas_checks(R):
    """PyTorch's float32 Linear (128 x 784 -> 256, W3's first layer) under each BLAS at hand, and
    whether OpenBLAS survives being forced to SkylakeX on this CPU."""
    checks = []
    candidates = [("OpenBLAS, core " + (R.coretype or "auto"), {})]
    if os.path.exists("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"):
        candidates.append(("reference BLAS (libblas3)",
                           {"LD_LIBRARY_PATH": "/usr/lib/x86_64-linux-gnu/blas"}))
    if "avx512f" not in cpu_flags() and os.path.isdir(R.openblas_dir):
        candidates.append(("OpenBLAS forced to SkylakeX", {"OPENBLAS_CORETYPE": "SkylakeX"}))
    for name, change in candidates:
        env = R.env("python", 1)
        env.update(change)
        try:
            p = subprocess.run([PYTHON, "-c", BLAS_PROBE], capture_output=True, text=True,
                               timeout=120, env=env)
            if p.returncode == 0:
                checks.append((name, f"{float(p.stdout.split()[-1]):.1f} GFLOP/s"))
            else:
                sig = -p.returncode
                checks.append((name, f"crashed (signal {sig}{', SIGILL' if sig == 4 else ''})"
                               if p.returncode < 0 else f"failed (exit {p.returncode})"))
        except subprocess.TimeoutExpired:
            checks.append((name, "timed out"))
    return checks


def rotated(items, rep):
    k = rep % len(items)
    return items[k:] + items[:k]


# ---- the workloads ------------------------------------------------------------------------------
PEAK_BACKENDS = {"eigen": "Eigen", "openblas": "OpenBLAS"}


def run_peak(R, args, phase):
    exe = R.bin.get("bench_eigen_gemm")
    configs = [(b, t) for t in args.threads for b in PEAK_BACKENDS]
    for rep in range(args.reps_peak):
        for backend, t in rotated(configs, rep):
            R.run("peak", f"{PEAK_BACKENDS[backend]} sgemm 1024³, {t} thr",
                  [exe, "--backend", backend, "--threads", str(t)] if exe else None,
                  "native", t, f"{phase}{rep}", 120, extra={"phase": phase, "backend": backend})


def gd_impls(R, weights, data, lr, epochs):
    common = ["--weights", weights, "--data", data, "--lr", str(lr), "--epochs", str(epochs)]
    ours = R.bin.get("bench_backprop")
    fann = R.bin.get("bench_fann_double")
    return [
        ("ours (fit)", [ours, "gd", "--variant", "fit"] + common if ours else None, "native"),
        ("ours (train)", [ours, "gd", "--variant", "train"] + common if ours else None, "native"),
        ("ours (Network loop)", [ours, "gd", "--variant", "loop"] + common if ours else None, "native"),
        ("numpy (lesson)", [PYTHON, "numpy_mlp.py"] + common, "python"),
        ("PyTorch manual", [PYTHON, "torch_mlp.py", "gd", "--variant", "manual"] + common, "python"),
        ("PyTorch autograd", [PYTHON, "torch_mlp.py", "gd", "--variant", "autograd"] + common, "python"),
        ("FANN 2.2", [fann, "gd"] + common if fann else None, "native"),
    ]


def run_gd(R, args, workload, weights, data, lr, epochs):
    impls = gd_impls(R, weights, data, lr, epochs)
    for rep in range(args.reps_gd):
        for label, cmd, kind in rotated(impls, rep):
            R.run(workload, label, cmd, kind, 1, rep, 600)


def w4_label(r):
    names = {("ours", "forward"): "ours forward()", ("ours", "predict_one"): "ours predict_one()",
             ("torch", "eager"): "PyTorch eager", ("torch", "traced"): "PyTorch traced",
             ("torch", "addmv"): "PyTorch addmv (hand-written)",
             ("fann", "fann_run"): "FANN fann_run"}
    return names.get((r["impl"], r["variant"]), f"{r['impl']} {r['variant']}")


def run_w4(R, args, files):
    timing = ["--min-time-ms", str(args.w4_min_time_ms), "--rounds", str(args.w4_rounds)]
    ours, fann = R.bin.get("bench_backprop"), R.bin.get("bench_fann_float")
    for rep in range(args.reps_w4):
        for arch, hidden, output, fann_hidden, fann_output in [
                ("2-10-1", "sigmoid", "sigmoid", "sigmoid", "sigmoid"),
                ("784-256-128-10", "relu", "softmax", "linear_piece", "linear")]:
            w = files[arch]
            impls = [
                ([ours, "latency", "--weights", w, "--hidden", hidden, "--output", output] + timing
                 if ours else None, "native"),
                ([PYTHON, "torch_mlp.py", "latency", "--weights", w, "--hidden", hidden,
                  "--output", output] + timing, "python"),
                ([fann, "latency", "--weights", w, "--hidden", fann_hidden, "--output", fann_output]
                 + timing if fann else None, "native"),
            ]
            for cmd, kind in rotated(impls, rep):
                R.run("W4", w4_label, cmd, kind, 1, rep, 300, extra={"arch": arch})


def fashion_cmd(R, args, impl, threads, epochs, eval_epochs, weights):
    common = ["--weights", weights, "--data-dir", args.data_dir, "--epochs", str(epochs),
              "--threads", str(threads), "--eval-epochs", ",".join(str(e) for e in eval_epochs) or ","]
    if impl == "ours":
        exe = R.bin.get("bench_backprop")
        return ([exe, "fashion"] + common if exe else None), "native"
    return [PYTHON, "torch_mlp.py", "fashion"] + common, "python"


def run_w3(R, args, weights):
    configs = [(impl, t) for t in args.threads for impl in ["ours", "torch"]]
    label = {"ours": "ours", "torch": "PyTorch"}
    for rep in range(args.reps_w3):
        for impl, t in rotated(configs, rep):
            cmd, kind = fashion_cmd(R, args, impl, t, args.w3_epochs, [], weights)
            R.run("W3", label[impl], cmd, kind, t, rep, 1200)
    long_epochs = args.w3_long_epochs
    checkpoints = sorted({e for e in (5, 10) if e < long_epochs} | {max(1, long_epochs // 2), long_epochs})
    t = args.w3_long_threads
    for impl in ["ours", "torch"]:
        cmd, kind = fashion_cmd(R, args, impl, t, long_epochs, checkpoints, weights)
        R.run("W3-long", label[impl], cmd, kind, t, 0, 3600)


def cli_cmd(R, args, threads, extra=()):
    if R.cli is None:
        return None
    return [R.cli, "train", "--dataset", "fashion-mnist", "--data-dir", args.data_dir,
            "--epochs", str(args.w3cli_epochs), "--threads", str(threads)] + list(extra)


def run_w3cli(R, args):
    """W3 as a user runs it: `backprop train --dataset fashion-mnist` (784-256-128-10, adam 1e-3,
    batch 128, float32: the command line's defaults for it, its own initial weights)."""
    for rep in range(args.reps_w3):
        for t in rotated(args.threads, rep):
            R.run_cli("W3cli", "backprop train", cli_cmd(R, args, t), t, rep, 600)


@contextlib.contextmanager
def busy_core(mode, seconds):
    """A process spinning on one core for at most `seconds` (it stops itself), pinned to the last
    CPU or free to move; killed on the way out whatever happens."""
    if mode == "idle":
        yield None
        return
    spin = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass"
    cmd = [PYTHON, "-c", spin]
    if mode == "pinned":
        cmd = ["taskset", "-c", str(os.cpu_count() - 1)] + cmd
    p = subprocess.Popen(cmd)
    try:
        time.sleep(0.3)  # running before the measurement starts
        yield p
    finally:
        p.kill()
        p.wait()


# W3busy's implementations: (label, how to run it)
BUSY_IMPLS = ["ours (harness)", "backprop train", "backprop train --batch-size 64 (unsharded)"]


def run_w3busy(R, args, weights):
    """W3 at 1 and 2 threads, the machine idle and with one core kept busy by a spinning process:
    the harness (train()), the command line, and the command line on a net that is not split
    into shards (batch 64: the products' own OpenMP threads)."""
    configs = [(impl, t, mode) for mode in args.busy for t in args.threads for impl in BUSY_IMPLS]
    for rep in range(args.reps_w3):
        for impl, t, mode in rotated(configs, rep):
            extra = {"condition": mode, "impl_name": impl}
            with busy_core(mode, 660):
                if impl == "ours (harness)":
                    cmd, kind = fashion_cmd(R, args, "ours", t, args.w3_epochs, [], weights)
                    R.run("W3busy", impl, cmd, kind, t, rep, 600, extra=extra)
                else:
                    more = ["--batch-size", "64"] if "64" in impl else []
                    R.run_cli("W3busy", impl, cli_cmd(R, args, t, more), t, rep, 600, extra=extra)


# ---- the report ---------------------------------------------------------------------------------
def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return min(values), statistics.median(values), max(values)


def fmt_time(seconds):
    if seconds is None:
        return "–"
    for unit, scale in [("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)]:
        if abs(seconds) >= scale or unit == "ns":
            v = seconds / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return str(seconds)


def fmt_ratio(r):
    if r is None:
        return "–"
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def rel_dev(a, b):
    return max(abs(x - y) / max(abs(y), 1e-300) for x, y in zip(a, b))


def gd_section(R, workload, title, unit_scale=1e-6):
    labels = [l for l, _, _ in gd_impls(R, "", "", 0, 0)]
    ours = stats([r["us_per_epoch"] for r in R.select(workload, "ours (fit)")])
    ours_cp = next((r["loss_checkpoints"] for r in R.select(workload, "ours (fit)")), None)
    lines = [f"### {title}", "",
             "| implementation | µs/epoch min | median | max | time ÷ ours | final loss | max rel. dev. of loss trajectory from ours | runs |",
             "|---|---|---|---|---|---|---|---|"]
    summary = {}
    for label in labels:
        rs = R.select(workload, label)
        s = stats([r["us_per_epoch"] for r in rs])
        if s is None:
            lines.append(f"| {label} | failed or not run | | | | | | 0 |")
            continue
        ratio = s[1] / ours[1] if ours else None
        dev = rel_dev(rs[0]["loss_checkpoints"], ours_cp) if ours_cp else None
        finals = sorted({f"{r['final_loss']:.10g}" for r in rs})
        lines.append(f"| {label} | {s[0]:.3g} | **{s[1]:.3g}** | {s[2]:.3g} | {fmt_ratio(ratio)} | "
                     f"{', '.join(finals)} | {dev:.1e} | {len(rs)} |" if dev is not None else
                     f"| {label} | {s[0]:.3g} | **{s[1]:.3g}** | {s[2]:.3g} | {fmt_ratio(ratio)} | "
                     f"{', '.join(finals)} | – | {len(rs)} |")
        summary[label] = (s[1] * unit_scale, ratio)
    return lines, summary


def peak_of(R, threads, backend=None):
    """(min, median, max) GFLOP/s of the 1024³ sgemm (one backend, or both when None); the
    practical peak is the max (least disturbed run of the faster library)."""
    return stats([r["gflops"] for r in R.select("peak") if r["threads"] == threads
                  and (backend is None or r.get("backend", "eigen") == backend)
                  and "error" not in r])


def w3_section(R, args):
    lines = ["### W3 — Fashion-MNIST 784-256-128-10 relu, softmax + cross-entropy, adam 1e-3, batch 128, float32", "",
             f"Timing runs: {args.w3_epochs} epoch(s) per repetition after a 20-batch warm-up, "
             f"{args.reps_w3} repetition(s) per implementation and thread count; s/epoch is each "
             f"run's mean epoch. GFLOP/s (issue's count) counts {FLOPS_PER_SAMPLE:,} flops per sample "
             "(2·(784·256+256·128+128·10)·3: forward + 2× for backward); GFLOP/s (work done) counts "
             f"{FLOPS_NEEDED_PER_SAMPLE:,}: the same less the first layer's dL/dx (2·784·256), which "
             "training does not need and neither implementation computed (plus it again if ours did); "
             "% of peak = work-done GFLOP/s ÷ the best 1024³ sgemm below (Eigen's or OpenBLAS's, whichever is faster) at the same thread count. "
             "CPU use = CPU seconds ÷ wall seconds while training (≈ threads actually busy).", "",
             "| implementation | threads | s/epoch min | median | max | time ÷ ours | samples/s | GFLOP/s (issue's count) | GFLOP/s (work done) | % of peak | CPU use | peak RSS | test acc. after the run | runs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    summary = {}
    for t in args.threads:
        ours = stats([r["s_per_epoch"] for r in R.select("W3", "ours", threads=t)])
        for label in ["ours", "PyTorch"]:
            rs = R.select("W3", label, threads=t)
            s = stats([r["s_per_epoch"] for r in rs])
            if s is None:
                lines.append(f"| {label} | {t} | failed or not run | | | | | | | | | | | 0 |")
                continue
            gflops = FLOPS_PER_SAMPLE * rs[0]["samples"] / s[1] / 1e9
            done = FLOPS_NEEDED_PER_SAMPLE + (2 * FASHION_SIZES[0] * FASHION_SIZES[1]
                                              if rs[0].get("computes_input_gradient") else 0)
            gflops_done = done * rs[0]["samples"] / s[1] / 1e9
            peak = peak_of(R, t)
            pct = f"{100 * gflops_done / peak[2]:.0f} %" if peak else "–"
            ratio = s[1] / ours[1] if ours else None
            rss = max(r["max_rss_kib"] for r in rs) / 1024
            cpu = statistics.median(r["cpu_utilisation"] for r in rs)
            acc = ", ".join(f"{100 * r['test_accuracy']:.2f} %" for r in rs)
            lines.append(f"| {label} | {t} | {s[0]:.3g} | **{s[1]:.3g}** | {s[2]:.3g} | {fmt_ratio(ratio)} | "
                         f"{rs[0]['samples'] / s[1]:,.0f} | {gflops:.1f} | {gflops_done:.1f} | {pct} | {cpu:.2f} | {rss:.0f} MiB | "
                         f"{acc} | {len(rs)} |")
            summary[(label, t)] = (s[1], ratio)
    lines += ["", f"Accuracy run: {args.w3_long_epochs} epochs from the same initial weights, "
              f"{args.w3_long_threads} thread(s), one run each (test set of 10000).", "",
              "| implementation | test accuracy | s/epoch (mean of the run) | final training loss | peak RSS |",
              "|---|---|---|---|---|"]
    for label in ["ours", "PyTorch"]:
        rs = R.select("W3-long", label)
        if not rs:
            lines.append(f"| {label} | failed or not run | | | |")
            continue
        r = rs[0]
        accs = ", ".join(f"{100 * a:.2f} % after {int(e)}" for e, a in zip(r["eval_epochs"], r["eval_test_accuracy"]))
        lines.append(f"| {label} | {accs} | {r['s_per_epoch']:.3g} | {r['final_train_loss']:.4f} | "
                     f"{r['max_rss_kib'] / 1024:.0f} MiB |")
        summary[("long", label)] = r
    return lines, summary


def w3cli_section(R, args):
    lines = ["### W3 through the command line — `backprop train --dataset fashion-mnist`", "",
             f"`{R.cli} train --dataset fashion-mnist --epochs {args.w3cli_epochs} --threads T` "
             "(784-256-128-10 relu, softmax + cross-entropy, adam 1e-3, batch 128, float32; its own "
             "initial weights, no warm-up), the same environment as the harness (`OMP_NUM_THREADS`, "
             "`OPENBLAS_CORETYPE`). *Training* is the tool's own summary, \"Trained N epochs in X s\" "
             "÷ N (every epoch, the first one's allocations included); *test set* is the time it "
             "reports evaluating the test set after every epoch (\"+Y s\" ÷ N), and *reporting share* "
             "Y ÷ (X + Y); *seen* is the median wall time between the epoch lines it prints after the "
             "first (training, test evaluation and printing). *Harness* is W3's `ours` median of this "
             "session at the same thread count.", "",
             "| threads | training s/epoch min | median | max | test set s/epoch | reporting share | seen s/epoch | harness s/epoch | training ÷ harness | CPU use | test acc. | runs |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for t in args.threads:
        rs = R.select("W3cli", threads=t)
        s = stats([r["s_per_epoch"] for r in rs])
        if s is None:
            lines.append(f"| {t} | failed or not run | | | | | | | | | | 0 |")
            continue
        h = stats([r["s_per_epoch"] for r in R.select("W3", "ours", threads=t)])
        test = statistics.median(r["test_s_per_epoch"] for r in rs)
        share = statistics.median(r["reporting_share"] for r in rs)
        seen = statistics.median(r["seen_s_per_epoch"] for r in rs)
        cpu = statistics.median(r["cpu_utilisation"] for r in rs)
        acc = ", ".join(f"{100 * r['test_accuracy']:.1f} %" for r in rs if r.get("test_accuracy"))
        lines.append(f"| {t} | {s[0]:.3g} | **{s[1]:.3g}** | {s[2]:.3g} | {test:.3g} | {100 * share:.1f} % | "
                     f"{seen:.3g} | {h[1]:.3g} | {s[1] / h[1]:.2f}× | {cpu:.2f} | {acc} | {len(rs)} |"
                     if h else
                     f"| {t} | {s[0]:.3g} | **{s[1]:.3g}** | {s[2]:.3g} | {test:.3g} | {100 * share:.1f} % | "
                     f"{seen:.3g} | – | – | {cpu:.2f} | {acc} | {len(rs)} |")
    setups = sorted({r["setup"].split(", float32, ")[-1] for r in R.select("W3cli")})
    if setups:
        lines += ["", "Thread choices the tool printed: " + "; ".join(f"`{x}`" for x in setups)]
    return lines


BUSY_NAMES = {"idle": "idle", "pinned": "one core busy (pinned)", "unpinned": "one core busy (unpinned)"}


def w3busy_section(R, args):
    modes = [m for m in args.busy if m in BUSY_NAMES]
    lines = ["### W3 on a busy machine — one core kept busy by a spinning process", "",
             "Each measurement runs beside a Python busy loop (`while time.monotonic() < end: pass`, "
             "bounded in time and killed after the run) pinned to the last CPU with `taskset` "
             "(*pinned*) or free to move (*unpinned*), or alone (*idle*). s/epoch: the harness's "
             f"mean epoch ({args.w3_epochs} epochs after a warm-up), the command line's training time "
             f"÷ epochs ({args.w3cli_epochs} epochs). The unsharded row trains with batch 64, too small "
             "for data-parallel shards: its products use OpenBLAS's own OpenMP threads. "
             "*2 ÷ 1* is the 2-thread median over the 1-thread median in the same condition "
             "(below 1: two threads help).", "",
             "| implementation | threads | " + " | ".join(f"{BUSY_NAMES[m]} s/epoch (median; min–max)" for m in modes)
             + " | runs |", "|---|---|" + "---|" * len(modes) + "---|"]
    med = {}
    for impl in BUSY_IMPLS:
        for t in args.threads:
            cells, n = [], 0
            for m in modes:
                rs = [r for r in R.select("W3busy", impl, threads=t) if r.get("condition") == m]
                s = stats([r["s_per_epoch"] for r in rs])
                n += len(rs)
                if s is None:
                    cells.append("–")
                    continue
                med[(impl, t, m)] = s[1]
                cells.append(f"**{s[1]:.3g}** ({s[0]:.3g}–{s[2]:.3g})")
            lines.append(f"| {impl} | {t} | " + " | ".join(cells) + f" | {n} |")
        if 1 in args.threads and 2 in args.threads:
            ratio = [f"{med[(impl, 2, m)] / med[(impl, 1, m)]:.2f}" if (impl, 2, m) in med and (impl, 1, m) in med
                     else "–" for m in modes]
            lines.append(f"| {impl} | 2 ÷ 1 | " + " | ".join(ratio) + " | |")
    setups = sorted({(r["label"], r["threads"], r["setup"].split(", float32, ")[-1])
                     for r in R.select("W3busy") if r.get("setup")})
    if setups:
        lines += ["", "Thread choices the command line printed: "
                  + "; ".join(f"{label}, `--threads {t}`: `{x}`" for label, t, x in setups)]
    loads = [r["load1"] for r in R.select("W3busy")]
    if loads:
        lines += ["", f"1-minute load average before the runs: median {statistics.median(loads):.2f}, "
                  f"max {max(loads):.2f} (the spinning process itself adds up to 1)."]
    return lines


def w4_section(R):
    lines = ["### W4 — single-sample forward latency, float32, 1 thread", "",
             "Each run calibrates a call count to ~50 ms, then times several rounds of it and "
             "reports the median round; min/median/max are over the runs.", "",
             "| network | implementation | per call min | median | max | time ÷ ours forward() | time ÷ ours predict_one() | output[0] | runs |",
             "|---|---|---|---|---|---|---|---|---|"]
    summary = {}
    for arch in ["2-10-1", "784-256-128-10"]:
        rs_arch = R.select("W4", arch=arch)
        ours_f = stats([r["ns_per_call"] for r in rs_arch if r["label"] == "ours forward()"])
        ours_p = stats([r["ns_per_call"] for r in rs_arch if r["label"] == "ours predict_one()"])
        for label in ["ours forward()", "ours predict_one()", "PyTorch eager", "PyTorch traced",
                      "PyTorch addmv (hand-written)", "FANN fann_run"]:
            rs = [r for r in rs_arch if r["label"] == label]
            s = stats([r["ns_per_call"] for r in rs])
            if s is None:
                if label not in ("ours predict_one()", "PyTorch addmv (hand-written)"):
                    lines.append(f"| {arch} | {label} | failed or not run | | | | | | 0 |")
                continue
            rf = s[1] / ours_f[1] if ours_f else None
            rp = s[1] / ours_p[1] if ours_p else None
            lines.append(f"| {arch} | {label} | {fmt_time(s[0] * 1e-9)} | **{fmt_time(s[1] * 1e-9)}** | "
                         f"{fmt_time(s[2] * 1e-9)} | {fmt_ratio(rf)} | {fmt_ratio(rp)} | {rs[0]['output0']:.6g} | {len(rs)} |")
            summary[(arch, label)] = (s[1] * 1e-9, rf, rp)
    return lines, summary


def peak_section(R, args):
    lines = ["### Peak — sgemm 1024 × 1024 × 1024 by Eigen 3.4 (-march=native) and by OpenBLAS (the static "
             "OpenMP build the engine links), bench_eigen_gemm", "",
             "| library | threads | GFLOP/s min | median | max | runs (start / end of the session) |",
             "|---|---|---|---|---|---|"]
    for t in args.threads:
        for backend, name in PEAK_BACKENDS.items():
            rs = [r for r in R.select("peak") if r["threads"] == t and r.get("backend", "eigen") == backend
                  and "error" not in r]
            s = stats([r["gflops"] for r in rs])
            if s is None:
                lines.append(f"| {name} | {t} | failed or not run | | | |")
                continue
            start = [f"{r['gflops']:.1f}" for r in rs if r["phase"] == "start"]
            end = [f"{r['gflops']:.1f}" for r in rs if r["phase"] == "end"]
            lines.append(f"| {name} | {t} | {s[0]:.1f} | **{s[1]:.1f}** | {s[2]:.1f} | "
                         f"{' '.join(start)} / {' '.join(end)} |")
    return lines


def write_report(R, args, info, started, finished, loads):
    out = []
    out += ["# Benchmark results", "",
            f"Written by `bench/run.py` on {info['date']} ({'quick smoke run' if args.quick else 'full run'}, "
            f"{(finished - started) / 60:.1f} minutes). The exact command:", "", "```sh", args.command, "```", ""]
    if args.report_from:
        out += [f"(This report was rewritten from that session's raw records by `bench/run.py --report-from "
                f"{os.path.relpath(os.path.abspath(args.report_from), ROOT)}`; nothing was measured again.)", ""]
    out += [
            
            "Every number below comes from this one session; implementations were alternated "
            "round-robin within each workload (each repetition runs every implementation once, in a "
            "rotated order, each in a fresh process). Raw records: "
            f"`{os.path.relpath(R.raw_path, ROOT)}` (`bench/run.py --report-from` that file rewrites this report).", "",
            "## Machine", "",
            f"- CPU: {info['cpu']}, {info['cores']} cores ({info['threads_per_core']} thread per core"
            f"{', under ' + info['hypervisor'] if info['hypervisor'] else ''}); SIMD: {info['simd']}"
            f"{'' if info['avx512'] else ' (no AVX-512)'}; memory {info['memory_gib']} GiB; Linux {info['kernel']}",
            f"- Load average (1 min) at start {loads[0]:.2f}, at end {loads[1]:.2f}; "
            f"during measurements median {statistics.median([r['load1'] for r in R.records]) if R.records else float('nan'):.2f}, "
            f"max {max([r['load1'] for r in R.records], default=float('nan')):.2f}",
            f"- Compiler: {info['compiler']}; ours and FANN's bench code built Release with -march=native",
            "- Packages: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
            f"- libblas.so.3 → {info['blas_alternative']}; OpenBLAS core type forced for NumPy/PyTorch: "
            f"{R.coretype or '(none)'}" + (f"; OpenBLAS as loaded by PyTorch: {R.torch_core}" if getattr(R, "torch_core", None) else ""),
            "- PyTorch float32 `Linear` 128×784→256 (W3's first layer), 1 thread, by BLAS: "
            + "; ".join(f"{n}: {v}" for n, v in R.blas_checks),
            f"- Source: git {info['git']}" + (f", with uncommitted changes in {', '.join(info['dirty'])} "
                                             "(the engine is being optimised: these numbers are of that working tree)"
                                             if info["dirty"] else ", clean tree"),
            ""]

    gd1, s1 = gd_section(R, "W1", "W1 — the lesson's XOR: 2-4-1 sigmoid, mse, full-batch GD lr 2, 10000 epochs, float64")
    gd2, s2 = gd_section(R, "W2", "W2 — the lesson's circle (Exercise 9.4): 2-10-1, 200 samples, lr 1.5, 15000 epochs, float64")
    w3, s3 = w3_section(R, args)
    w4, s4 = w4_section(R)

    # Headline
    out += ["## Headline (medians; time ÷ ours above 1 means ours is faster)", "",
            "| workload | ours | numpy (lesson) | PyTorch | FANN 2.2 |", "|---|---|---|---|---|"]

    def cell(summary, key, note=""):
        v = summary.get(key)
        if not v:
            return "–"
        return f"{fmt_time(v[0])}{note} ({fmt_ratio(v[1])})" if v[1] is not None else fmt_time(v[0])

    def ours_cell(summary, key):
        v = summary.get(key)
        return f"**{fmt_time(v[0])}**" if v else "–"

    for wl, s in [("W1 XOR, per epoch", s1), ("W2 circle, per epoch", s2)]:
        if wl[:2] not in args.only:
            continue
        pt = [k for k in ["PyTorch manual", "PyTorch autograd"] if k in s]
        best_pt = min(pt, key=lambda k: s[k][0]) if pt else None
        out.append(f"| {wl} | {ours_cell(s, 'ours (fit)')} | {cell(s, 'numpy (lesson)')} | "
                   f"{cell(s, best_pt, ' ' + best_pt.split()[1]) if best_pt else '–'} | {cell(s, 'FANN 2.2')} |")
    for t in (args.threads if "W3" in args.only else []):
        o = s3.get(("ours", t))
        p = s3.get(("PyTorch", t))
        out.append(f"| W3 Fashion-MNIST, per epoch, {t} thread{'s' if t > 1 else ''} | "
                   f"{'**' + fmt_time(o[0]) + '**' if o else '–'} | – | "
                   f"{fmt_time(p[0]) + ' (' + fmt_ratio(p[1]) + ')' if p else '–'} | not run (no softmax/cross-entropy) |")
    for arch in (["2-10-1", "784-256-128-10"] if "W4" in args.only else []):
        o = s4.get((arch, "ours forward()"))
        op = s4.get((arch, "ours predict_one()"))
        pe, pt_ = s4.get((arch, "PyTorch eager")), s4.get((arch, "PyTorch traced"))
        f = s4.get((arch, "FANN fann_run"))
        ours_txt = (f"**{fmt_time(o[0])}** forward()" if o else "–") + (
            f", {fmt_time(op[0])} predict_one()" if op else "")
        torch_txt = " / ".join(x for x in [
            f"{fmt_time(pe[0])} eager ({fmt_ratio(pe[1])})" if pe else "",
            f"{fmt_time(pt_[0])} traced ({fmt_ratio(pt_[1])})" if pt_ else ""] if x) or "–"
        out.append(f"| W4 {arch}, per call | {ours_txt} | – | {torch_txt} | "
                   f"{fmt_time(f[0]) + ' (' + fmt_ratio(f[1]) + ')' if f else '–'} |")
    la, lp = s3.get(("long", "ours")), s3.get(("long", "PyTorch"))
    if la or lp:
        def accs(r):
            return ", ".join(f"{100 * a:.1f} % @{int(e)}" for e, a in zip(r["eval_epochs"], r["eval_test_accuracy"])) if r else "–"
        out.append(f"| W3 test accuracy (epochs) | {accs(la)} | – | {accs(lp)} | – |")
    out += ["", "Ratios are the competitor's median time ÷ ours (ours = the library's pipeline `fit()` for W1/W2, "
            "`Network::forward` on a 1-column matrix for W4).", ""]

    out += ["## Details", ""]
    for name, section in [("W1", gd1), ("W2", gd2), ("W3", w3), ("W4", w4)]:
        if name in args.only:
            out += section + [""]
    if "peak" in args.only:
        out += peak_section(R, args) + [""]
    if "W3cli" in args.only:
        out += w3cli_section(R, args) + [""]
    if "W3busy" in args.only:
        out += w3busy_section(R, args) + [""]

    # Anchors
    out += ["### Sanity check against the anchor figures of the issue (measured earlier, medians)", "",
            "| figure | anchor | this session |", "|---|---|---|"]
    for key, anchor in ANCHORS.items():
        if key[0] in ("W1", "W2"):
            v = (s1 if key[0] == "W1" else s2).get(key[1])
            now = fmt_time(v[0]) if v else "–"
            name = f"{key[0]} {key[1]}, per epoch"
        elif key[0] == "W3":
            v = s3.get((key[1], key[2]))
            now = fmt_time(v[0]) if v else "–"
            name = f"W3 {key[1]}, {key[2]} thread(s), per epoch"
        else:
            v = s4.get((key[1], key[2]))
            now = fmt_time(v[0]) if v else "–"
            name = f"W4 {key[1]} {key[2]}, per call"
        out.append(f"| {name} | {anchor} | {now} |")
    out += [""]

    out += ["## How each implementation was run (fair tuning)", ""] + TUNING_NOTES(R) + [""]
    out += ["## Unfair or odd things noticed", ""] + odd_notes(R, args, s1, s2, s3, s4) + [""]
    if R.failures:
        out += ["## Failures", ""] + [f"- {w} {l} rep {rep}: exit {rc}: `{msg}`" for w, l, rep, rc, msg in R.failures] + [""]
    with open(args.out, "w") as f:
        f.write("\n".join(out))
    print(f"wrote {args.out}")


def TUNING_NOTES(R):
    return [
        "- **Same work everywhere.** Initial weights are made once with NumPy (`competitors/inputs.py`: "
        "`np.random.seed(42)`, `randn(units, inputs)·sqrt(2/inputs)` layer by layer, biases 0 — for "
        "2-4-1 and 2-10-1 exactly the lesson's MLP.__init__) and read by every implementation from "
        "the same text file (17 significant digits: the float64 bits round-trip). W1/W2 data are the "
        "lesson's XOR table and its `generate_circle_data()` verbatim, from one file. W3 uses the same "
        "784-256-128-10 initial weights for ours and PyTorch. Every loss is recorded every epoch.",
        "- **ours**: `bench_backprop` through the public API only: W1/W2 the library's pipeline "
        "`backprop::fit()` (an in-memory labelled data set, these weights as the starting model, "
        "full-batch sgd, accuracy recorded every epoch, as `backprop train` runs it); for reference "
        "`backprop::train()` with `TrainOptions{batch_size 0, sgd}` and the lesson's loop written with "
        "`Network::forward/loss_value/backward` and `Optimizer::step` with `OptimizerOptions::gd`); W3 `train()` with adam lr 1e-3, batch 128, "
        "shuffle, seed 42, no per-batch accuracy; W4 `Network<float>::forward` on a 1-column matrix and "
        "`predict_one` where the library has it. Threads: only `OMP_NUM_THREADS` is set (1 or 2), and "
        "`backprop::set_threads(n)` is called (Eigen and OpenBLAS, one OpenMP pool); the engine decides the rest. "
        "Its large products go through OpenBLAS (Debian libopenblas-openmp-dev, linked statically) with the same "
        "`OPENBLAS_CORETYPE` as NumPy and PyTorch; the small ones through its own fixed-size kernels.",
        "- **numpy (lesson)**: the lesson's section-6 `MLP` class and section-7 loop (`competitors/numpy_mlp.py`), "
        "float64, progress printing removed. `/usr/bin/python3`, Debian python3-numpy.",
        "- **PyTorch** (Debian python3-torch, CPU): `torch.set_num_threads(n)`, "
        "`torch.set_flush_denormal(True)`, `OMP_WAIT_POLICY=passive`, `OMP_NUM_THREADS`/"
        "`OPENBLAS_NUM_THREADS`/`MKL_NUM_THREADS` = n (n = 1 except W3's 2-thread runs), "
        f"`OPENBLAS_CORETYPE={R.coretype}`, `LD_LIBRARY_PATH` on Debian's OpenBLAS (pthread). "
        "W1/W2 float64 in two forms: *manual* (the lesson's class in tensor ops, no autograd) and "
        "*autograd* (`nn.Sequential` + `mse_loss` + `backward()` + `optim.SGD`, `zero_grad(set_to_none=True)`); "
        "the headline shows the faster. W3: `nn.Sequential` + `F.cross_entropy` + `optim.Adam`, "
        "mini-batches by indexing with `torch.randperm` (no DataLoader). W4: under `torch.no_grad()`, "
        "eager, and `torch.jit.freeze(torch.jit.trace(model))`; the output layer includes the softmax "
        "(784 net) or sigmoid (2-10-1), like ours.",
        "- **numpy** gets the same OpenBLAS settings as PyTorch (`OPENBLAS_CORETYPE`, 1 thread).",
        "- **FANN 2.2** (Debian libfann-dev; `bench_fann.c`): W1/W2 with libdoublefann (float64), "
        "`FANN_TRAIN_BATCH`, `FANN_SIGMOID` at steepness 0.5 (FANN's sigmoid is 1/(1+e^(−2·s·x)), so "
        "0.5 is the logistic), `FANN_ERRORFUNC_LINEAR`, learning rate 2× ours (4 and 3: FANN's batch update "
        "is lr/N·Σ(y−a)·f′·a_prev, without the factor 2 of the mse gradient), momentum 0, weights and "
        "biases copied in with `fann_set_weight_array`; the loss of each epoch is `fann_train_epoch`'s "
        "return value. W4 with libfloatfann (float32) and `fann_run`; FANN has no relu and no softmax, "
        "so the 784 net uses `FANN_LINEAR_PIECE` hidden units (clamp to [0, 1]: relu's cost) and a "
        "linear output. W3 is not run: FANN has no softmax/cross-entropy (and no adam).",
        "- **Timing**: `std::chrono::steady_clock` / `clock_gettime(CLOCK_MONOTONIC)` / `time.perf_counter()` "
        "around the training loop only (data loading, process start and warm-up excluded; W3 test-set "
        "evaluations excluded from epoch times). Peak RSS is `getrusage(RUSAGE_SELF).ru_maxrss` of the "
        "whole process (PyTorch's includes the Python interpreter and libtorch, ~300 MiB before any data).",
    ]


def odd_notes(R, args, s1, s2, s3, s4):
    notes = []
    # W1 agreement
    for wl, title in [("W1", "W1"), ("W2", "W2")]:
        ours = R.select(wl, "ours (fit)")
        if not ours:
            continue
        o = ours[0]["loss_checkpoints"]
        devs = {}
        for label in ["numpy (lesson)", "PyTorch manual", "PyTorch autograd", "ours (train)", "ours (Network loop)", "FANN 2.2"]:
            rs = R.select(wl, label)
            if rs:
                devs[label] = rel_dev(rs[0]["loss_checkpoints"], o)
        same = [k for k, v in devs.items() if v < 1e-9]
        if same:
            notes.append(f"- {title}: the final losses of ours, {', '.join(same)} agree to "
                         f"{max(devs[k] for k in same):.0e} relative at every checkpoint (epochs 0, E/10, …, last): "
                         "the same float64 computation from the same weights.")
        if "FANN 2.2" in devs:
            notes.append(
                f"- {title}: FANN's losses differ from the others by up to {100 * devs['FANN 2.2']:.2g} % "
                "(final " + ", ".join(f"{r['final_loss']:.6g}" for r in R.select(wl, 'FANN 2.2')[:1]) +
                f" vs ours {ours[0]['final_loss']:.6g}). Not a bug in the set-up: FANN's "
                "`fann_activation_derived` clamps a sigmoid output to [0.01, 0.99] before taking "
                "σ(1−σ), so once outputs saturate it takes different steps (a NumPy replica of the lesson "
                "with that clamp reproduces FANN's XOR losses to ~1e-7), and FANN sums the MSE in float32. "
                "Its work per epoch is the same.")
    notes.append("- W1/W2 are tiny (4 and 200 samples): the timings measure per-call overhead "
                 "(Python, dispatch, allocation) far more than arithmetic. NumPy and PyTorch pay the "
                 "interpreter on every operation; that is the point of comparing with them, not a tuning gap.")
    # W3 threads
    one = stats([r["s_per_epoch"] for r in R.select("W3", "ours", threads=1)])
    for t in args.threads:
        rs = R.select("W3", "ours", threads=t)
        if not rs or t == 1:
            continue
        cpu = statistics.median(r["cpu_utilisation"] for r in rs)
        nb = max(r.get("eigen_nb_threads", 1) for r in rs)
        med = statistics.median(r["s_per_epoch"] for r in rs)
        load = statistics.median(r["load1"] for r in rs)
        pt1 = stats([r["s_per_epoch"] for r in R.select("W3", "PyTorch", threads=1)])
        ptt = stats([r["s_per_epoch"] for r in R.select("W3", "PyTorch", threads=t)])
        if nb <= 1:
            notes.append(f"- W3 ours with {t} threads: Eigen reported 1 thread (the library is not built "
                         "with OpenMP), so its multi-thread figure is its 1-thread figure.")
        elif one and med > 1.3 * one[1]:
            notes.append(
                f"- W3 ours got *slower* with {t} threads ({med:.3g} s/epoch vs {one[1]:.3g} s with 1; "
                f"{cpu:.2f} CPUs busy; median load {load:.1f} on {os.cpu_count()} cores). OpenMP "
                "GEMMs (OpenBLAS's and Eigen's) synchronise their threads by spinning, so when other "
                "processes take a core, a thread can spin through its time slices waiting for a "
                "descheduled one: the likely cause."
                + (f" PyTorch lost less ({pt1[1]:.3g} → {ptt[1]:.3g} s)." if pt1 and ptt else "")
                + " This is why `backprop train` picks 2 threads only on an idle machine.")
        elif cpu < 0.8 * t:
            notes.append(f"- W3 ours with {t} threads kept {cpu:.2f} CPUs busy on average (Eigen set to {nb}): "
                         "only the large products run in parallel.")
    p1, p2 = peak_of(R, 1), peak_of(R, 2)
    if p1 and p2 and p2[2] < 1.2 * p1[2]:
        notes.append(f"- Peak: the best 1024³ sgemm with 2 threads ({p2[2]:.1f} GFLOP/s) was "
                     f"{'slower than' if p2[2] < p1[2] else 'hardly faster than'} with 1 ({p1[2]:.1f}): "
                     "GEMM threads synchronise by spinning, which a busy machine punishes; so the "
                     "\"% of peak\" "
                     "of the 2-thread rows is against a depressed peak.")
    ours_rs = R.select("W3", "ours")
    if ours_rs and "computes_input_gradient" in ours_rs[0] and ours_rs[0]["computes_input_gradient"]:
        notes.append("- W3: ours' `Network::backward` also computed dL/dx of the first layer (Wᵀδ, "
                     "2·784·256 flops per sample), which training does not need and PyTorch skips (its "
                     "input does not require grad); the work-done GFLOP/s of ours include it.")
    notes.append("- W3: the test accuracies of ours and PyTorch start from the same weights but shuffle "
                 "differently (NumPy's legacy shuffle vs torch.randperm), so they agree only statistically.")
    notes.append("- W4: FANN's output[0] differs for 784-256-128-10 because its net has clamped-linear "
                 "hidden units and no softmax (see above); for 2-10-1 all outputs agree.")
    notes.append("- W3 peak RSS: ours keeps the training set as a 784×60000 float matrix (184 MiB); "
                 "PyTorch the same as a tensor, plus ~300 MiB of interpreter and libtorch.")
    if not R.coretype.startswith("SkylakeX"):
        sky = dict(R.blas_checks).get("OpenBLAS forced to SkylakeX", "not tried")
        ref = dict(R.blas_checks).get("reference BLAS (libblas3)")
        notes.append(
            f"- The issue asks for `OPENBLAS_CORETYPE=SkylakeX`; this CPU has no AVX-512 and OpenBLAS "
            f"forced to SkylakeX {sky if 'crash' in sky else 'gave ' + sky}, so NumPy and PyTorch got "
            f"`{R.coretype}`, OpenBLAS's AVX2/FMA kernels for this CPU."
            + (f" What matters is OpenBLAS itself: Debian's reference libblas3 gives PyTorch's Linear "
               f"{ref} (see Machine), so libopenblas0-pthread must be installed for a fair comparison."
               if ref else ""))
    v = s4.get(("784-256-128-10", "PyTorch traced"))
    mv = s4.get(("784-256-128-10", "PyTorch addmv (hand-written)"))
    if v and mv and v[0] > 2 * mv[0]:
        notes.append(
            f"- W4 784-256-128-10: PyTorch's batch-1 `Linear` ({fmt_time(v[0])} traced) goes through "
            "`addmm` → OpenBLAS 0.3.21 sgemm with m = 1, which packs the whole weight matrix on every "
            "call (OpenBLAS's small-matrix path is for AVX-512 cores only, and gemv forwarding came in "
            f"0.3.27); the same forward hand-written with `torch.addmv` (gemv) takes {fmt_time(mv[0])}. "
            "That explains most of the gap to the issue's 24 µs anchor, measured on an AVX-512 machine. "
            "Tracing and freezing do not change it (the graph still calls aten::linear/matmul).")
    loads = [r["load1"] for r in R.records]
    if loads and max(loads) > 1.5:
        when = "throughout the session" if statistics.median(loads) > 1.5 else "during part of the session"
        notes.append(f"- The machine was busy {when} (1-minute load average median "
                     f"{statistics.median(loads):.1f}, up to {max(loads):.1f}, on {os.cpu_count()} cores, "
                     "other work running): absolute times "
                     "are inflated and noisy; the round-robin order spreads that over all implementations, "
                     "so the ratios are the figures to read. Compare min columns for the least disturbed runs.")
    return notes


def report_from(args):
    """Rebuilds the report of an earlier session from its results.jsonl."""
    R = Runner(args)
    session, end = {}, {}
    with open(args.report_from) as f:
        for line in f:
            r = json.loads(line)
            if "session" in r:
                session = r["session"]
            elif "session_end" in r:
                end = r["session_end"]
            elif "failure" in r:
                R.failures.append(tuple(r["failure"]))
            else:
                R.records.append(r)
    if not session:
        raise SystemExit(f"{args.report_from}: no session record (written by an older run.py)")
    for key, value in session["args"].items():
        if key not in ("out", "report_from"):
            setattr(args, key, value)
    args.only, args.threads = set(args.only), list(args.threads)
    R.coretype, R.blas_checks = session["coretype"], [tuple(c) for c in session["blas_checks"]]
    R.torch_core = end.get("torch_core", "")
    write_report(R, args, session["info"], session["started"], end.get("finished", session["started"]),
                 (session["load_start"], end.get("load_end", float("nan"))))
    return 0


def main():
    args = parse_args()
    # SIGTERM (and SIGHUP) unwind like Ctrl-C, so that W3busy's spinning process is always killed
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)
    if args.report_from:
        return report_from(args)
    R = Runner(args)
    missing = [n for n in ["bench_backprop", "bench_eigen_gemm", "bench_fann_double", "bench_fann_float"]
               if n not in R.bin]
    if missing:
        print(f"warning: not built: {', '.join(missing)} (in {args.build_dir})", flush=True)
    if args.wait_idle > 0:
        deadline = time.time() + args.wait_idle
        while load1() > args.idle_load and time.time() < deadline:
            print(f"waiting for the machine to calm down (load {load1():.2f})", flush=True)
            time.sleep(10)
    info = machine_info()
    inputs_dir = os.path.join(R.work, "inputs")
    subprocess.run([PYTHON, os.path.join(COMPETITORS, "inputs.py"), inputs_dir], check=True)
    files = {"2-4-1": os.path.join(inputs_dir, "w_2-4-1.txt"),
             "2-10-1": os.path.join(inputs_dir, "w_2-10-1.txt"),
             "784-256-128-10": os.path.join(inputs_dir, "w_784-256-128-10.txt")}
    R.blas_checks = blas_checks(R)
    started, load_start = time.time(), load1()
    saved = {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(args).items()}
    R.raw.write(json.dumps({"session": {"info": info, "args": saved, "coretype": R.coretype,
                                        "blas_checks": R.blas_checks, "started": started,
                                        "load_start": load_start}}) + "\n")
    print(f"benchmark session on {info['cpu']} ({info['cores']} cores), load {load_start:.2f}", flush=True)

    if "peak" in args.only:
        run_peak(R, args, "start")
    if "W1" in args.only:
        run_gd(R, args, "W1", files["2-4-1"], os.path.join(inputs_dir, "xor.txt"), 2.0, 10000)
    if "W2" in args.only:
        run_gd(R, args, "W2", files["2-10-1"], os.path.join(inputs_dir, "circle.txt"), 1.5, 15000)
    if "W4" in args.only:
        run_w4(R, args, files)
    if "W3" in args.only:
        run_w3(R, args, files["784-256-128-10"])
    if "W3cli" in args.only:
        run_w3cli(R, args)
    if "W3busy" in args.only:
        run_w3busy(R, args, files["784-256-128-10"])
    if "peak" in args.only:
        run_peak(R, args, "end")

    torch_cores = {r.get("openblas_core") for r in R.records if r.get("openblas_core")}
    R.torch_core = ", ".join(sorted(torch_cores))
    finished, load_end = time.time(), load1()
    R.raw.write(json.dumps({"session_end": {"finished": finished, "load_end": load_end,
                                            "torch_core": R.torch_core}}) + "\n")
    R.raw.close()
    write_report(R, args, info, started, finished, (load_start, load_end))
    return 1 if R.failures else 0


if __name__ == "__main__":
    sys.exit(main())
