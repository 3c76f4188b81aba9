#!/usr/bin/env bash
# Installs the built library into a temporary prefix and builds the examples as an outside
# project against it with find_package(backprop), then runs the example.
set -eu
build="$1"
examples="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
cmake -S "$examples" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$tmp/build" > /dev/null
"$tmp/build/lesson_2_2_1" | grep -q "gradient check: max relative error"
echo "installed package: find_package(backprop) works, example runs"
