#!/usr/bin/env bash
# Uses the library from the build tree the two ways an outside program would, without installing:
#   (a) a plain compiler command line with exactly the flags of the build tree's pkg-config file
#       (PKG_CONFIG_PATH=BUILD_DIR) and no -D flags of ours: include/backprop/config.h alone must
#       give the program the settings libbackprop.a is built with;
#   (b) an outside CMake project (examples/) configured with -Dbackprop_DIR=BUILD_DIR.
# Both build examples/xor_external.cpp, the lesson's XOR through the public API, and its four
# outputs must equal those of `backprop xor`. (Without config.h, (a) gets Eigen's default heap
# alignment, frees the library's matrices with plain free(), and aborts: "double free or
# corruption" or "free(): invalid pointer".) Last, (c): a file that includes Eigen before the
# backprop headers, with another alignment, must not compile.
#
#   tests/external_test.sh BUILD_DIR SOURCE_DIR BACKPROP_CLI
# Environment: CXX (default g++); CXXFLAGS, added to (a)'s command line and read by CMake in (b)
# (scripts/sanitize.sh puts its sanitizer flags there).
set -euo pipefail
build="$1"
source="$2"
cli="$3"
cxx="${CXX:-g++}"
read -ra cxxflags <<< "${CXXFLAGS:-}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "0 1 0.9893" for each input, from `backprop xor`'s "Input: (0, 1) → Output: 0.9893 → ..." and
# from xor_external's "(0, 1) -> 0.9893".
outputs() { sed -nE 's/.*\(([01]), ([01])\)[^0-9]*([0-9]+\.[0-9]+).*/\1 \2 \3/p' "$1"; }

"$cli" xor > "$tmp/cli.txt"
outputs "$tmp/cli.txt" > "$tmp/expected.txt"
if [[ $(wc -l < "$tmp/expected.txt") != 4 ]]; then
  echo "external: expected four outputs from '$cli xor', got:" >&2
  cat "$tmp/cli.txt" >&2
  exit 1
fi

# Runs a built program and compares its four outputs with `backprop xor`'s.
check() {
  local name="$1" program="$2"
  if ! "$program" > "$tmp/$name.txt" 2> "$tmp/$name.err"; then
    echo "external: $name: $program failed:" >&2
    cat "$tmp/$name.txt" "$tmp/$name.err" >&2
    exit 1
  fi
  outputs "$tmp/$name.txt" > "$tmp/$name.outputs"
  if ! diff "$tmp/expected.txt" "$tmp/$name.outputs" > "$tmp/$name.diff"; then
    echo "external: $name: the outputs differ from 'backprop xor' (< backprop xor, > $name):" >&2
    cat "$tmp/$name.diff" >&2
    exit 1
  fi
}

# (a) pkg-config, from the build tree.
flags=$(PKG_CONFIG_PATH="$build${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
  pkg-config --cflags --libs backprop)
if [[ " $flags " == *" -D"* ]]; then
  echo "external: pkg-config's flags define macros; config.h should carry them: $flags" >&2
  exit 1
fi
read -ra pc_flags <<< "$flags"
"$cxx" -std=c++17 "${cxxflags[@]}" "$source/examples/xor_external.cpp" "${pc_flags[@]}" \
  -o "$tmp/xor_pkgconfig"
check pkg-config "$tmp/xor_pkgconfig"
echo "external: $cxx -std=c++17 xor_external.cpp \$(pkg-config --cflags --libs backprop) works"
echo "external:   pkg-config --cflags --libs backprop: $flags"

# (b) CMake, from the build tree.
if ! cmake -S "$source/examples" -B "$tmp/cmake" -Dbackprop_DIR="$build" \
  -DCMAKE_BUILD_TYPE=Release > "$tmp/configure.log" 2>&1; then
  cat "$tmp/configure.log" >&2
  exit 1
fi
cmake --build "$tmp/cmake" --target xor_external > "$tmp/build.log" 2>&1 || {
  cat "$tmp/build.log" >&2
  exit 1
}
check cmake "$tmp/cmake/xor_external"
echo "external: find_package(backprop) with -Dbackprop_DIR=$build works"

# (c) Eigen first, with its own default alignment (16 bytes without -march): config.h refuses.
printf '#include <Eigen/Core>\n#include <backprop/tensor.h>\n' > "$tmp/eigen_first.cpp"
read -ra pc_cflags <<< "$(PKG_CONFIG_PATH="$build" pkg-config --cflags backprop)"
if "$cxx" -std=c++17 -fsyntax-only "${pc_cflags[@]}" "$tmp/eigen_first.cpp" 2> "$tmp/eigen_first.err"; then
  echo "external: a file that includes Eigen (16-byte alignment) before backprop compiled" >&2
  exit 1
fi
if ! grep -q "Eigen was included before the backprop headers" "$tmp/eigen_first.err"; then
  echo "external: including Eigen first failed, but not with config.h's message:" >&2
  cat "$tmp/eigen_first.err" >&2
  exit 1
fi
echo "external: including Eigen first with another alignment stops at config.h's #error"
echo "external: both programs print backprop xor's outputs: $(cut -d' ' -f3 "$tmp/expected.txt" | tr '\n' ' ')"
