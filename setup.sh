#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for backprop and builds it: installs the Debian packages the
# build and the tests need (only those missing; safe to run again), configures and builds into
# build/. The tool is then build/backprop.
#
#   ./setup.sh                 install what is missing, configure, build
#   BUILD_TYPE=Debug ./setup.sh
#   BENCH=1 ./setup.sh         also the benchmark suite's competitors (bench/run.sh)
#   CMAKE_ARGS="-DBACKPROP_WERROR=ON" ./setup.sh    extra cmake options (CI: warnings are errors)
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  build-essential cmake pkg-config   # compiler and build
  libeigen3-dev                      # linear algebra (Eigen 3.4)
  libopenblas-openmp-dev             # the large matrix products (OpenBLAS, OpenMP build)
  nlohmann-json3-dev                 # model files and JSON output
  libcli11-dev                       # command-line parsing
  libfmt-dev                         # formatting
  zlib1g-dev                         # gzip-compressed IDX files
  dataset-fashion-mnist              # Fashion-MNIST (IDX files under /usr/share/datasets)
  libgtest-dev libgmock-dev          # unit tests
  libcairo2-dev fonts-dejavu-core    # figures (PNG, SVG, PDF) and their font
  graphviz                           # backprop graph: DOT to SVG/PNG
  clang-14 libclang-rt-14-dev        # libFuzzer targets (scripts/fuzz.sh)
  pybind11-dev python3-dev           # the Python package (python/)
  python3-numpy python3-sklearn      # ... its arrays and estimators
  python3-pytest python3-matplotlib  # ... its tests (the lesson's plots)
  python3-pandas                     # ... scikit-learn's estimator checks with DataFrames
  libcpp-httplib-dev                 # backprop serve: the playground's HTTP server
  chromium                           # ... its browser tests (headless, driven by playwright-core)
  libonnx-dev libprotobuf-dev protobuf-compiler  # ONNX export and import (the ONNX project's library)
  python3-onnx python3-torch         # ... its checks: onnx.checker and PyTorch's torch.onnx.export
  libopenmpi-dev openmpi-bin         # training on several processes (mpirun; include/backprop/mpi.h)
)
if [[ "${BENCH:-0}" == 1 ]]; then
  # NumPy and PyTorch as Debian ships them, FANN 2.2, and OpenBLAS's threaded build (without it
  # NumPy and PyTorch fall back to the reference BLAS, 30x slower: an unfair comparison).
  packages+=(python3-numpy python3-torch libfann-dev libopenblas0-pthread)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" > /dev/null
fi

# npm packages (package.json, versions pinned by package-lock.json) into node_modules/: uPlot, which
# the playground's binary embeds; playwright-core and onnxruntime-node for the tests.
# ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's install script would try to download CUDA
# libraries; the CPU runtime ships inside the package.
# Node.js 20 and npm come with the machine (NodeSource's nodejs, which includes npm; Debian's npm
# package would conflict with it); Debian's nodejs + npm where neither is there.
if ! command -v npm > /dev/null; then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm > /dev/null
fi
if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s package-lock.json node_modules/.backprop-lock; then
  echo "setup: installing the npm packages (package-lock.json)"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error > /dev/null
  cp package-lock.json node_modules/.backprop-lock
fi

read -ra cmake_args <<< "${CMAKE_ARGS:-}"
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" "${cmake_args[@]}" > /dev/null
cmake --build build -j"$(nproc)"
# The Python package: build/python/backprop (the module and its pure-Python files). A .pth file in
# Debian's local site directory (/usr/local/lib/python3.X/dist-packages) puts build/python on
# /usr/bin/python3's path, so `import backprop` works from any directory and follows rebuilds.
if [[ -f build/python/backprop/__init__.py ]]; then
  site_dir=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO mkdir -p "$site_dir"
  echo "$PWD/build/python" | $SUDO tee "$site_dir/backprop.pth" > /dev/null
  echo "setup: /usr/bin/python3 imports backprop from $PWD/build/python ($site_dir/backprop.pth)"
fi
echo "setup: done; the tool is build/backprop"
