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
