#!/usr/bin/env bash
# Installs the built library into a temporary prefix and builds the examples as an outside
# project against it with find_package(backprop), then runs the example; then builds
# xor_external.cpp with nothing but the installed pkg-config file's flags and runs it.
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

# The installed backprop.pc: its paths are relative to its own folder, so they must name the
# temporary prefix. (CXXFLAGS: scripts/sanitize.sh puts its sanitizer flags there.)
pc=$(find "$tmp/prefix" -name backprop.pc)
read -ra flags <<< "$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs backprop)"
read -ra cxxflags <<< "${CXXFLAGS:-}"
"${CXX:-g++}" -std=c++17 "${cxxflags[@]}" "$examples/xor_external.cpp" "${flags[@]}" -o "$tmp/xor"
[[ $("$tmp/xor" | grep -c -- '->') == 4 ]]
echo "installed package: pkg-config's flags build and run xor_external.cpp"
