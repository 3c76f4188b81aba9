#!/usr/bin/env bash
# run.sh — builds the benchmark programs (Release, -march=native) into build-bench/ and runs the
# whole suite, writing bench/RESULTS.md. Not part of the unit tests or CI.
#
#   bench/run.sh                 the full suite (5-11 minutes on 2 cores), then W5 (bench/w5_digits.py)
#   bench/run.sh --quick         a smoke run of every workload (about 2 minutes)
#   bench/run.sh --help          every option of bench/run.py (repetitions, epochs, --only, ...)
#   bench/run.sh --only W3,W3cli,W3busy --out bench/W3_CLI_RESULTS.md
#                                W3 through the harness, the command line, and on a busy machine
#
# Needs the Debian packages of setup.sh plus: python3-numpy python3-torch libfann-dev
# libopenblas0-pthread zlib1g-dev (see bench/README.md). BENCH_BUILD_DIR overrides build-bench/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-bench}"

for arg in "$@"; do
  if [[ $arg == -h || $arg == --help ]]; then exec /usr/bin/python3 "$root/bench/run.py" --help; fi
done

if grep -Eq '^[^#]*add_subdirectory\(bench\)' "$root/CMakeLists.txt"; then
  # The top-level project adds bench/ under its option.
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBACKPROP_BUILD_BENCH=ON \
        -DBACKPROP_BUILD_TESTS=OFF -DBACKPROP_BUILD_EXAMPLES=OFF > /dev/null
else
  # Not wired yet: bench/CMakeLists.txt is then a project of its own that adds the library.
  build="$build/standalone"
  cmake -S "$root/bench" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
fi
targets=(bench_backprop bench_eigen_gemm)
# The command-line tool for W3cli and W3busy (--only W3cli,W3busy), built the same way.
for arg in "$@"; do [[ $arg == *W3cli* || $arg == *W3busy* ]] && targets+=(backprop_cli); done
if [[ -e /usr/include/doublefann.h ]]; then targets+=(bench_fann_double bench_fann_float); fi
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

cd "$root"
/usr/bin/python3 bench/run.py --build-dir "$build" --command "bench/run.sh${*:+ $*}" "$@"

# W5 and onnxruntime belong to the full suite's bench/RESULTS.md: not after a partial run (--only)
# or one written elsewhere (--out).
for arg in "$@"; do
  if [[ $arg == --only* || $arg == --out* ]]; then
    echo "run.sh: W5 and W4 in onnxruntime skipped (--only or --out: not the full suite)" >&2
    exit 0
  fi
done

# W5, scikit-learn's workload through the Python package (python/, built by ./setup.sh), appended
# to the same report: it needs /usr/bin/python3 with backprop, scikit-learn and PyTorch.
w5_seeds=5
for arg in "$@"; do [[ $arg == --quick ]] && w5_seeds=2; done
if /usr/bin/python3 -c "import backprop, sklearn, torch" 2> /dev/null; then
  /usr/bin/python3 bench/w5_digits.py --seeds "$w5_seeds" --out "$build/w5.md"
  { echo; sed 's/^# W5/## W5/' "$build/w5.md"; } >> bench/RESULTS.md
else
  echo "run.sh: W5 skipped: /usr/bin/python3 lacks backprop (./setup.sh), sklearn or torch" >&2
fi

# W4 in onnxruntime (what a deploying engineer compares against): the W4 networks exported by
# the command line of ./setup.sh's build, run by onnxruntime-node (npm, installed by setup.sh).
if command -v node > /dev/null && [[ -d "$root/node_modules/onnxruntime-node" && -x "$root/build/backprop" ]]; then
  { echo; echo "## W4 in onnxruntime (bench/onnx_latency.mjs)"; echo;
    echo "| workload | implementation | per call min | median | max |"; echo "|---|---|---|---|---|";
    node "$root/bench/onnx_latency.mjs" "$root/build/backprop" | grep '^|'; } >> bench/RESULTS.md
else
  echo "run.sh: W4 in onnxruntime skipped: needs node, node_modules (./setup.sh) and build/backprop" >&2
fi
