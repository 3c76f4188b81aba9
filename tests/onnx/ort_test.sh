#!/usr/bin/env bash
# Runs tests/onnx/ort_test.mjs: exported models in onnxruntime-node (the npm package setup.sh
# installs into node_modules/) against `backprop predict`.
#   tests/onnx/ort_test.sh BACKPROP_BINARY SOURCE_DIR
set -euo pipefail
bp="$1"
src="$2"
if ! command -v node > /dev/null; then
  echo "ort_test: node not found on PATH; run ./setup.sh (it installs Node.js and the npm packages)" >&2
  exit 1
fi
if [[ ! -d "$src/node_modules/onnxruntime-node" ]]; then
  echo "ort_test: $src/node_modules/onnxruntime-node is missing; run ./setup.sh (npm ci)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node "$src/tests/onnx/ort_test.mjs" "$bp" "$src" "$work"

# The command line around it: every --model reads .onnx (train --init-model too), bad files and
# flags get one-line errors and the documented exit statuses.
fail() {
  echo "ort_test: $*" >&2
  exit 1
}
m="$work/cross_entropy-softmax-1.onnx"
"$bp" train --data "$work/train.csv" --target label --features f1,f2,f3,f4 --init-model "$m" \
  --epochs 2 --quiet --save "$work/continued.json" > /dev/null || fail "train --init-model M.onnx failed"
"$bp" info --model "$m" | grep -q "network 4-6-3" || fail "info --model M.onnx"
head -c 300 "$m" > "$work/cut.onnx"
rc=0
err=$("$bp" predict --model "$work/cut.onnx" --data "$work/test.csv" 2>&1 > /dev/null) || rc=$?
[[ $rc == 1 && $err == *cut.onnx*truncated* && $(wc -l <<< "$err") == 1 ]] ||
  fail "truncated file: exit $rc, message '$err'"
rc=0
err=$("$bp" export --model "$work/continued.json" --out "$work/x.onnx" --precision half 2>&1) || rc=$?
[[ $rc == 2 && $err == *--precision* ]] || fail "--precision half: exit $rc, message '$err'"
rc=0
err=$("$bp" export --model "$work/continued.json" --out "$work/x.json" 2>&1) || rc=$?
[[ $rc == 2 && $err == *.onnx* ]] || fail "export --out x.json: exit $rc, message '$err'"
rc=0
err=$("$bp" import --model "$m" --out "$work/y.onnx" 2>&1) || rc=$?
[[ $rc == 2 && $err == *.json* ]] || fail "import --out y.onnx: exit $rc, message '$err'"
echo "ort_test: command-line checks passed"
