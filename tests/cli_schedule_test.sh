#!/usr/bin/env bash
# Learning-rate schedules, --stop-loss, rprop's parameters and --weight-init uniform:LOW,HIGH on
# the command line: in --help with their defaults, recorded per epoch and in the model, resumed
# bit-identically, and refused with the flag's name when misused (exit status 2).
set -u
BP="$1"
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

help=$("$BP" train --help)
for flag in "--lr-schedule TEXT=constant" "--lr-step-size INT=10" "--lr-gamma FLOAT=0.1" \
  "--lr-t-max INT=--epochs" "--lr-min FLOAT=0" "--lr-patience INT=10" \
  "--lr-factor FLOAT=0.1" "--stop-loss FLOAT=0" "--rprop-increase FLOAT=1.2" \
  "--rprop-decrease FLOAT=0.5" "--rprop-delta-min FLOAT=1e-06" \
  "--rprop-delta-max FLOAT=50" "uniform:LOW,HIGH"; do
  check "train --help shows '$flag'" -- grep -qF -- "$flag" <<< "$help"
done

# StepLR: the history's lr column halves every 3 epochs; the model records the schedule.
expect 0 "lr 0.5 step(step_size=3, gamma=0.5)" -- "$BP" train --dataset moons --epochs 7 \
  --optimizer gd --lr 0.5 --lr-schedule step --lr-step-size 3 --lr-gamma 0.5 \
  --history "$tmp/step.csv" --save "$tmp/step.json"
check "history header has lr" -- grep -q "^epoch,.*,lr$" "$tmp/step.csv"
lrs=$(cut -d, -f8 "$tmp/step.csv" | tail -n +2 | tr '\n' ' ')
check "StepLR rates (found: $lrs)" -- test "$lrs" = "0.5 0.5 0.5 0.25 0.25 0.25 0.125 "
expect 0 'lr_schedule="step(step_size=3, gamma=0.5)"' -- "$BP" info --model "$tmp/step.json"
check "the model file keeps every epoch's lr" -- grep -q '"lr": \[0.5, 0.5, 0.5, 0.25' "$tmp/step.json"

# Resume under cosine (past T_max) and plateau: the same model as a straight run.
# (plateau with a small rate, so that the validation loss improves by less than 1e-4 relative)
for schedule in "cosine --lr-t-max 4 --lr-min 0.001" "plateau --lr-patience 0 --lr-factor 0.5 --lr 1e-6"; do
  read -r -a s <<< "--lr-schedule $schedule"
  f=(--dataset moons --n 200 --batch-size 32 --validation-fraction 0.2 "${s[@]}")
  "$BP" train "${f[@]}" --epochs 9 --save "$tmp/straight.json" --history "$tmp/h.csv" --quiet
  check "${s[1]}: the rate changes after epoch 3" -- \
    test "$(sed -n 5p "$tmp/h.csv" | cut -d, -f8)" != "$(tail -1 "$tmp/h.csv" | cut -d, -f8)"
  "$BP" train "${f[@]}" --epochs 4 --checkpoint "$tmp/ck.json" --checkpoint-every 1 --quiet
  expect 0 "Resuming $tmp/ck.json after epoch 3" -- \
    "$BP" train "${f[@]}" --epochs 9 --resume "$tmp/ck.json" --save "$tmp/resumed.json"
  same_model "$tmp/straight.json" "$tmp/resumed.json" "resumed ${s[1]} run"
  rm -f "$tmp/ck.json"
done
# cosine's T defaults to --epochs: a checkpoint resumed with other --epochs is refused
"$BP" train --dataset moons --epochs 4 --lr-schedule cosine --checkpoint "$tmp/ck.json" \
  --checkpoint-every 2 --quiet
expect 2 "was made with other settings" -- \
  "$BP" train --dataset moons --epochs 8 --lr-schedule cosine --resume "$tmp/ck.json"

# Misuse: each names its flag.
expect 2 "--lr-gamma: only --lr-schedule step or exponential takes it (found --lr-schedule constant)" \
  -- "$BP" train --dataset moons --epochs 2 --lr-gamma 0.5
expect 2 "--lr-patience: only --lr-schedule plateau takes it (found --lr-schedule cosine)" \
  -- "$BP" train --dataset moons --epochs 2 --lr-schedule cosine --lr-patience 3
expect 2 "--lr-t-max: only --lr-schedule cosine takes it" \
  -- "$BP" train --dataset moons --epochs 2 --lr-schedule step --lr-t-max 3
expect 2 "--lr-schedule: unknown learning-rate schedule 'linear'" \
  -- "$BP" train --dataset moons --epochs 2 --lr-schedule linear
expect 2 "--lr-schedule: rprop takes its initial step sizes from --lr once" \
  -- "$BP" train --dataset moons --epochs 2 --optimizer rprop --lr-schedule exponential
expect 2 "--lr-step-size: expected a positive number of epochs, found 0" \
  -- "$BP" train --dataset moons --epochs 2 --lr-schedule step --lr-step-size 0
expect 2 "--lr-gamma: expected a positive factor, found -0.5" \
  -- "$BP" train --dataset moons --epochs 2 --lr-schedule exponential --lr-gamma -0.5
expect 2 "--lr-factor: expected a factor in (0, 1), found 1" \
  -- "$BP" train --dataset moons --epochs 2 --lr-schedule plateau --lr-factor 1
expect 2 "--lr-min: expected a rate >= 0, found -1" \
  -- "$BP" train --dataset moons --epochs 2 --lr-schedule cosine --lr-min -1
expect 2 "--lr-t-max: expected a positive number of epochs, found 0" \
  -- "$BP" train --dataset moons --epochs 2 --lr-schedule cosine --lr-t-max 0

# --stop-loss: stops at the first epoch whose training loss is below it.
expect 0 "(stopped: the loss fell below --stop-loss)" -- "$BP" train --dataset moons --epochs 2000 \
  --stop-loss 0.3 --history "$tmp/stop.csv" --save "$tmp/stop.json"
last=$(tail -1 "$tmp/stop.csv" | cut -d, -f2)
before=$(tail -2 "$tmp/stop.csv" | head -1 | cut -d, -f2)
check "stopped at the first loss below 0.3 ($before, then $last)" -- \
  awk "BEGIN{exit !($last < 0.3 && $before >= 0.3)}"
expect 0 "stop_loss=0.3" -- "$BP" info --model "$tmp/stop.json"
expect 2 "--stop-loss: expected 0 (off) or a positive loss, found -1" \
  -- "$BP" train --dataset moons --epochs 2 --stop-loss -1

# rprop's parameters: accepted with rprop, recorded, validated; refused with another optimizer.
expect 0 "rprop_increase=1.1" -- bash -c "'$BP' train --dataset moons --epochs 5 --optimizer rprop \
  --rprop-increase 1.1 --rprop-decrease 0.4 --rprop-delta-min 1e-5 --rprop-delta-max 1 \
  --save '$tmp/rprop.json' --quiet && '$BP' info --model '$tmp/rprop.json'"
expect 2 "--rprop-increase: expected a factor above 1, found 1" \
  -- "$BP" train --dataset moons --epochs 2 --optimizer rprop --rprop-increase 1
expect 2 "--rprop-decrease: expected a factor in (0, 1), found 0" \
  -- "$BP" train --dataset moons --epochs 2 --optimizer rprop --rprop-decrease 0
expect 2 "--rprop-delta-min: expected a positive step size, found 0" \
  -- "$BP" train --dataset moons --epochs 2 --optimizer rprop --rprop-delta-min 0
expect 2 "--rprop-delta-max: expected a finite step size >= --rprop-delta-min, found 0.001" \
  -- "$BP" train --dataset moons --epochs 2 --optimizer rprop --rprop-delta-min 0.01 \
  --rprop-delta-max 0.001
expect 2 "--rprop-delta-max: only --optimizer rprop takes it (found --optimizer adam)" \
  -- "$BP" train --dataset moons --epochs 2 --rprop-delta-max 3

# --weight-init uniform:LOW,HIGH (biases drawn too, as FANN)
expect 0 'weight_init="uniform:-0.2,0.3"' -- bash -c "'$BP' train --dataset moons --epochs 1 \
  --weight-init uniform:-0.2,0.3 --save '$tmp/u.json' --quiet && '$BP' info --model '$tmp/u.json'"
expect 2 "--weight-init: expected uniform:LOW,HIGH with finite numbers LOW < HIGH (as uniform:-0.1,0.1), found 'uniform:0.3,-0.2'" \
  -- "$BP" train --dataset moons --epochs 1 --weight-init uniform:0.3,-0.2
expect 2 "--weight-init: expected uniform:LOW,HIGH" \
  -- "$BP" train --dataset moons --epochs 1 --weight-init uniform:x
finish cli_schedule
