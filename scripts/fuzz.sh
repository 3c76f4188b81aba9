#!/usr/bin/env bash
# Fuzzes the readers of untrusted input (CSV, IDX, model files, ONNX files, FANN training files) with libFuzzer.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     default 30
#
# Builds fuzz/ with clang 14 (ASan + UBSan + libFuzzer) into build-fuzz/, then runs fuzz_csv,
# fuzz_idx, fuzz_model and fuzz_onnx side by side, each for SECONDS_PER_TARGET on a scratch copy of its
# committed corpus (fuzz/corpus/NAME/): new inputs the run finds stay in the copy, so CI never
# grows the committed corpus. Any crash, sanitizer report, uncaught non-backprop::Error
# exception, broken invariant, hang (-timeout) or oversized allocation (-rss_limit_mb,
# -malloc_limit_mb) fails the script; the input that caused it is kept under
# build-fuzz/artifacts/ and printed with the command that replays it.
#
# Environment: CXX_FUZZ (default clang++-14), FUZZ_BUILD_DIR (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]  (a positive whole number; default 30)" >&2
  exit 2
fi
cxx="${CXX_FUZZ:-clang++-14}"
build="${FUZZ_BUILD_DIR:-build-fuzz}"
targets=(csv idx model onnx fann)

if ! command -v "$cxx" > /dev/null; then
  echo "fuzz: $cxx not found; on Debian: apt-get install clang-14 libclang-rt-14-dev" >&2
  exit 2
fi

scratch=$(mktemp -d)
pids=()
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

start=$SECONDS
echo "fuzz: building ${targets[*]/#/fuzz_} with $cxx in $build/"
cmake -S fuzz -B "$build" -DCMAKE_CXX_COMPILER="$cxx" > "$scratch/configure.log" 2>&1 || {
  cat "$scratch/configure.log" >&2
  exit 1
}
cmake --build "$build" -j"$(nproc)" > /dev/null
echo "fuzz: built in $((SECONDS - start)) s; running each target for $seconds s"

artifacts="$build/artifacts"
mkdir -p "$artifacts"

# All at once: each is single-threaded, and CI's budget is wall time.
for t in "${targets[@]}"; do
  cp -R "fuzz/corpus/$t" "$scratch/corpus-$t"
  # -timeout: seconds one input may take before it counts as a hang. -max_len: the committed
  # seeds are at most a few kB, and longer inputs mostly just slow the search down.
  "$build/fuzz_$t" "$scratch/corpus-$t" -dict="fuzz/$t.dict" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=512 -malloc_limit_mb=256 -max_len=8192 \
    -artifact_prefix="$artifacts/$t-" -print_final_stats=1 > "$scratch/$t.log" 2>&1 &
  pids+=($!)
done

failed=0
for i in "${!targets[@]}"; do
  t="${targets[$i]}"
  rc=0
  wait "${pids[$i]}" || rc=$?
  log="$scratch/$t.log"
  if ((rc == 0)); then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz: fuzz_$t ok: ${runs:-?} inputs, $cov"
  else
    failed=1
    echo "fuzz: fuzz_$t FAILED (exit status $rc); the end of its log:" >&2
    tail -n 60 "$log" >&2
    # libFuzzer names the saved input in a "Test unit written to PATH" line.
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [[ -n "$reproducer" ]]; then
      echo "fuzz: reproducer: $reproducer" >&2
      echo "fuzz: replay it with: $build/fuzz_$t $reproducer" >&2
    fi
  fi
done
pids=()
echo "fuzz: done in $((SECONDS - start)) s"
exit "$failed"
