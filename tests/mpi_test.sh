#!/usr/bin/env bash
# One model trained by several processes: `mpirun -np N backprop train ...` (distributed.h).
#   - with --deterministic, 2 and 3 processes (over shared memory, and over TCP on loopback) save
#     the model a one-process run saves, bit for bit: moons, iris, one Fashion-MNIST epoch;
#   - a checkpoint written by 2 processes resumes on 3 to the one-process model;
#   - rank 0 alone prints and writes files; the default (allreduced) sums train as well;
#   - faults end the job, never hang it: a killed rank, a data file missing on one rank, other
#     data on one rank, a command that does not run in a job — each a non-zero exit, with the
#     rank named, within a bounded time.
set -u
BP="$1"
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"
SHARED="${BACKPROP_SHARED_DATA:-$(dirname "$0")/../../shared/data}"
FASHION=/usr/share/datasets/fashion-mnist
# As root, Open MPI needs both variables; in containers its shared-memory transport's single-copy
# mechanism (CMA) is often not permitted.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# every job bounded in time: a hang fails the test instead of stalling it
job() { timeout 300 mpirun --oversubscribe "$@"; }

cases=("moons|--dataset moons --n 500 --batch-size 200 --epochs 20"
       "iris|--data $SHARED/iris_train.csv --target target --standardize --epochs 60 --hidden 8")
if [[ -f "$FASHION/train-images-idx3-ubyte.gz" || -f "$FASHION/train-images-idx3-ubyte" ]]; then
  cases+=("fashion|--dataset fashion-mnist --epochs 1")
else
  echo "note: no Fashion-MNIST in $FASHION; its check is skipped"
fi
for entry in "${cases[@]}"; do
  IFS='|' read -r name flags <<< "$entry"
  read -r -a f <<< "$flags"
  "$BP" train "${f[@]}" --deterministic --quiet --save "$tmp/$name-1.json" --history "$tmp/$name-1.csv"
  for np in 2 3; do
    out=$(job -np $np "$BP" train "${f[@]}" --deterministic --save "$tmp/$name-$np.json" \
      --history "$tmp/$name-$np.csv" 2>&1)
    same_model "$tmp/$name-1.json" "$tmp/$name-$np.json" "$name: $np processes"
    check "$name: $np processes, the same history" -- cmp -s "$tmp/$name-1.csv" "$tmp/$name-$np.csv"
    check "$name: $np processes, rank 0 alone prints" -- \
      test "$(grep -c "Saved the model" <<< "$out")" -eq 1 -a "$(grep -c "^Training " <<< "$out")" -eq 1
    [[ $np == 2 ]] && check "$name: the set-up line says how" -- grep -q "over 2 processes (deterministic" <<< "$out"
  done
done

# over TCP on loopback instead of shared memory
job -np 2 --mca btl self,tcp --mca btl_tcp_if_include lo "$BP" train --dataset moons --n 500 --batch-size 200 --epochs 20 \
  --deterministic --quiet --save "$tmp/moons-tcp.json"
same_model "$tmp/moons-1.json" "$tmp/moons-tcp.json" "moons: 2 processes over TCP"

# a checkpoint of 2 processes resumed on 3: the one-process model
m=(--dataset moons --n 500 --batch-size 150 --deterministic --quiet)
"$BP" train "${m[@]}" --epochs 6 --save "$tmp/straight.json"
job -np 2 "$BP" train "${m[@]}" --epochs 3 --checkpoint "$tmp/ck.json" --checkpoint-every 1
check "the checkpoint is written once, by rank 0" -- test -f "$tmp/ck.json"
job -np 3 "$BP" train "${m[@]}" --epochs 6 --resume "$tmp/ck.json" --save "$tmp/resumed.json"
same_model "$tmp/straight.json" "$tmp/resumed.json" "resumed on 3 processes"

# the default mode (each rank updates its slice of the parameters): a checkpoint of 2 processes,
# which gathers every rank's slice of Adam's state, resumes to the straight 2-process run
d=(--dataset moons --n 500 --batch-size 150 --hidden 64,64 --quiet)
job -np 2 "$BP" train "${d[@]}" --epochs 6 --save "$tmp/default-straight.json"
job -np 2 "$BP" train "${d[@]}" --epochs 3 --checkpoint "$tmp/default-ck.json" --checkpoint-every 1
job -np 2 "$BP" train "${d[@]}" --epochs 6 --resume "$tmp/default-ck.json" --save "$tmp/default-resumed.json"
same_model "$tmp/default-straight.json" "$tmp/default-resumed.json" "default mode: resumed on 2 processes"

# the default sums: the same training, other roundings
expect 0 "over 2 processes (reduce-scattered sums)" -- job -np 2 "$BP" train --dataset moons --epochs 300 --batch-size 64
expect 0 "training accuracy 100%" -- job -np 2 "$BP" train --dataset moons --epochs 300 --batch-size 64

ranks_of() {  # the backprop processes below PID (timeout, then mpirun, then the ranks)
  local child
  for child in $(pgrep -P "$1"); do
    [[ $(ps -o comm= -p "$child") == backprop ]] && echo "$child"
    ranks_of "$child"
  done
}
# start_job LOG ARGS...: a 2-process training job in the background; sets launcher and ranks
start_job() {
  local log="$1"
  shift
  job -np 2 "$BP" train "$@" > "$log" 2>&1 &
  launcher=$!
  ranks=""
  for _ in $(seq 100); do  # the two ranks started (at most 10 s)
    ranks=$(ranks_of $launcher)
    [[ $(wc -w <<< "$ranks") -ge 2 ]] && break
    sleep 0.1
  done
  check "two ranks started ($ranks)" -- test "$(wc -w <<< "$ranks")" -eq 2
  sleep 1
}

# a rank killed mid-run ends the job, non-zero, naming the rank, within seconds
start_job "$tmp/killed.log" --dataset moons --epochs 100000000 --quiet
kill -9 "$(tail -1 <<< "$ranks")"
start=$SECONDS
wait $launcher
status=$?
check "a killed rank ends the job non-zero (exit $status)" -- test $status -ne 0
check "... within 30 s ($((SECONDS - start)) s)" -- test $((SECONDS - start)) -le 30
check "... and the launcher names the rank" -- grep -q "process rank [01] .* exited on signal 9" "$tmp/killed.log"

# SIGTERM to one rank stops every rank after the epoch; rank 0 writes the checkpoint and says so
start_job "$tmp/signal.log" --dataset moons --epochs 100000000 --quiet --checkpoint "$tmp/signal.json"
kill -TERM "$(tail -1 <<< "$ranks")"
wait $launcher
status=$?
check "a signal to one rank: the job stops non-zero (exit $status)" -- test $status -ne 0
check "... rank 0 says why and where the checkpoint is" -- \
  grep -q "stopped with the other processes of the job .*checkpoint written to $tmp/signal.json" "$tmp/signal.log"
check "... and it is there" -- test -s "$tmp/signal.json"

# a data file missing on one rank (different command lines per rank: MPMD)
"$BP" data moons --out "$tmp/moons.csv" > /dev/null
expect 1 "error (rank 1 of 2): $tmp/missing.csv: cannot open" -- \
  job -np 1 "$BP" train --data "$tmp/moons.csv" --target label --epochs 1000000 : \
      -np 1 "$BP" train --data "$tmp/missing.csv" --target label --epochs 1000000
# other data on one rank
expect 1 "rank 1 has 150 samples of 2 inputs" -- \
  job -np 1 "$BP" train --dataset moons --epochs 10 : -np 1 "$BP" train --dataset moons --n 150 --epochs 10
# commands that run in one process
expect 2 "backprop info runs in one process" -- job -np 2 "$BP" info --model "$tmp/straight.json"

finish mpi_cli
