#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/ and
# runs the whole test suite under them; exits non-zero on any test failure or sanitizer report.
#
#   scripts/sanitize.sh                       the whole suite, GoogleTest executables in one go
#   SANITIZE_PER_TEST=1 scripts/sanitize.sh   plain ctest: every test in a process of its own
#
# Environment: SANITIZE_BUILD_DIR (default build-asan), CXX (default the system's c++).
#
# Choices, all for CI's time budget (two cores) without losing what the sanitizers are for:
# - -O1 -g1: quick to compile, fast enough to run; stack traces still name files and lines.
#   No NDEBUG, so assert() and Eigen's own index, shape and alignment assertions stay on.
# - -fno-sanitize=alignment,null: these two UBSan checks instrument every load and store in
#   Eigen's kernels, which made the tests 4x slower and the build 35% slower. What they catch is
#   still caught: a null dereference crashes and ASan reports it with a stack trace; misaligned
#   Eigen data trips Eigen's assertions. (The fuzz targets keep both checks for the readers.)
# - BACKPROP_NATIVE=OFF: -march=native makes Eigen compile AVX-512 paths too, 25% more build
#   time; the portable build is the one sanitized here.
# - ctest runs each GoogleTest test in a process of its own: ~650 starts of a large instrumented
#   binary (and its static set-up, which parses the golden files) cost minutes under ASan.
#   Instead each GoogleTest executable ctest knows runs once per core on a shard of its tests
#   (GTEST_TOTAL_SHARDS), with the flags ctest would pass, and ctest runs the other tests (the
#   command line, the installed package). SANITIZE_PER_TEST=1 runs plain ctest instead.
# - The NoAllocation tests are left out: backprop_no_alloc_test replaces malloc to count
#   allocations, which cannot coexist with ASan's allocator; it crashes at once, even when
#   GoogleTest's discovery runs it at build time to list its tests. So the test executables run
#   through a small wrapper (CMake's CROSSCOMPILING_EMULATOR, which gtest_discover_tests and the
#   tests it adds honour) that answers "no tests" for that one executable.
# - No Python package (BACKPROP_PYTHON=OFF): an instrumented extension cannot load into the
#   uninstrumented /usr/bin/python3 (ASan's runtime must come first); the library it binds is
#   what the sanitizers check, through every other test.
# - LeakSanitizer ignores fontconfig (drawn text in the figures), which keeps its caches until
#   exit by design, and Open MPI's libraries, which keep theirs past MPI_Finalize (the MPI tests
#   themselves run without the leak check: tests/CMakeLists.txt says why).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SANITIZE_BUILD_DIR:-build-asan}"
mkdir -p "$build"
build=$(cd "$build" && pwd)
jobs=$(nproc)

flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
flags+=" -fno-sanitize=alignment,null"
# Also in the environment: tests/install_test.sh configures a project of its own against the
# installed (instrumented) library, and CMake takes its first CXXFLAGS from there.
export CXXFLAGS="$flags"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$build/lsan.supp"
printf 'leak:%s\n' libfontconfig.so libmpi.so libopen-pal.so libopen-rte.so libpmix.so \
  libhwloc.so libevent > "$build/lsan.supp"

wrapper="$build/run-test.sh"
cat > "$wrapper" << 'WRAPPER'
#!/bin/sh
# Written by scripts/sanitize.sh: runs a test executable, except the malloc-interposing one.
case "$(basename "$1")" in
  backprop_no_alloc_test) exit 0 ;;
esac
exec "$@"
WRAPPER
chmod +x "$wrapper"

start=$SECONDS
echo "sanitize: building with $flags in $build/"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_CROSSCOMPILING_EMULATOR="$wrapper" \
  -DBACKPROP_NATIVE=OFF -DBACKPROP_PYTHON=OFF > /dev/null
cmake --build "$build" -j"$jobs" > /dev/null
echo "sanitize: built in $((SECONDS - start)) s; running the tests"

if [[ "${SANITIZE_PER_TEST:-0}" == 1 ]]; then
  ctest --test-dir "$build" --output-on-failure -j"$jobs" -E '^NoAllocation\.'
  echo "sanitize: done in $((SECONDS - start)) s"
  exit 0
fi

# "N: Test command: COMMAND ARGS..." for every test; GoogleTest's go through the wrapper.
listing=$(ctest --test-dir "$build" -N -V)
mapfile -t executables < <(awk -v w="$wrapper" \
  '$2 == "Test" && $3 == "command:" && $4 == w { gsub(/"/, "", $5); print $5 }' <<< "$listing" |
  sort -u)
others=$(awk -v w="$wrapper" \
  '$2 == "Test" && $3 == "command:" && $4 != w { sub(/:$/, "", $1); printf ",%s", $1 }' \
  <<< "$listing")
if ((${#executables[@]} == 0)); then
  # The suite has GoogleTest executables: finding none means the listing was misread.
  echo "sanitize: found no GoogleTest executables in 'ctest -N -V'; run SANITIZE_PER_TEST=1" >&2
  exit 1
fi

logs="$build/sanitize-logs"
rm -rf "$logs"
mkdir -p "$logs"
names=()
pids=()
logfiles=()
# Interrupted or failed: stop whatever is still running.
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
}
trap cleanup EXIT
if [[ -n "$others" ]]; then
  # -I 0,0,0,N,M...: exactly the tests numbered N, M...
  ctest --test-dir "$build" --output-on-failure -j"$jobs" -I "0,0,0$others" \
    > "$logs/ctest.log" 2>&1 &
  names+=("ctest (tests other than GoogleTest's)")
  pids+=($!)
  logfiles+=("$logs/ctest.log")
fi
for exe in "${executables[@]}"; do
  for ((shard = 0; shard < jobs; shard++)); do
    log="$logs/$(basename "$exe").$shard.log"
    (cd "$(dirname "$exe")" && GTEST_TOTAL_SHARDS=$jobs GTEST_SHARD_INDEX=$shard \
      "$exe" --gtest_also_run_disabled_tests --gtest_filter='-NoAllocation.*') > "$log" 2>&1 &
    names+=("$(basename "$exe") shard $((shard + 1))/$jobs")
    pids+=($!)
    logfiles+=("$log")
  done
done

failed=0
for i in "${!pids[@]}"; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  log="${logfiles[$i]}"
  if ((rc == 0)); then
    summary=$(grep -E '^\[  PASSED  \]|tests passed' "$log" | tail -1 || true)
    echo "sanitize: ${names[$i]}: ok ${summary:+($summary)}"
  else
    failed=1
    echo "sanitize: ${names[$i]}: FAILED (exit status $rc); the end of $log:" >&2
    tail -n 100 "$log" >&2
  fi
done
pids=()
echo "sanitize: done in $((SECONDS - start)) s"
exit "$failed"
