#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ and
# runs the whole test suite under them; exits non-zero on any failure or sanitizer report.
#
#   scripts/sanitize.sh
#
# -O1 -g1 keep the build quick (UBSan makes optimising slow, full debug info makes it slower) and
# the tests fast, while stack traces still name files and lines.
# No NDEBUG, so assert() and Eigen's index and shape checks stay on as well.
#
# The NoAllocation tests are left out: their executable (backprop_no_alloc_test) replaces malloc
# to count allocations, which cannot coexist with ASan's allocator: it crashes at once, even
# when GoogleTest's discovery runs it to list its tests at build time. So test executables run
# through a small wrapper (CMake's CROSSCOMPILING_EMULATOR, which gtest_discover_tests and the
# tests it adds honour) that answers "no tests" for that one executable, and ctest -E leaves
# its tests out should they be listed some other way.
#
# Environment: CXX (compiler, default the system's c++), SANITIZE_BUILD_DIR (default build-asan).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SANITIZE_BUILD_DIR:-build-asan}"

flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
flags+=" -fno-sanitize=alignment,null"
# Also in the environment: tests/install_test.sh configures a project of its own against the
# installed (instrumented) library, and CMake takes its first CXXFLAGS from there.
export CXXFLAGS="$flags"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# fontconfig (under the plots) keeps its caches until exit by design; LeakSanitizer would call
# that a leak in every process that draws text.
export LSAN_OPTIONS="suppressions=$PWD/$build/lsan.supp"

start=$SECONDS
echo "sanitize: building with $flags in $build/"
mkdir -p "$build"
wrapper="$PWD/$build/run-test.sh"
cat > "$wrapper" << 'WRAPPER'
#!/bin/sh
# Written by scripts/sanitize.sh: runs a test executable, except the malloc-interposing one.
case "$(basename "$1")" in
  backprop_no_alloc_test) exit 0 ;;
esac
exec "$@"
WRAPPER
chmod +x "$wrapper"
echo "leak:libfontconfig.so" > "$build/lsan.supp"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_CROSSCOMPILING_EMULATOR="$wrapper" \
  -DBACKPROP_NATIVE=OFF > /dev/null
cmake --build "$build" -j"$(nproc)" > /dev/null
echo "sanitize: built in $((SECONDS - start)) s; running the tests"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -E '^NoAllocation\.'
echo "sanitize: done in $((SECONDS - start)) s"
