#!/usr/bin/env bash
# One training pipeline for every data source: checkpoints, resume, --plot, early stopping and
# --diagnose work the same on a CSV file, a generated set and Fashion-MNIST; a flag that does not
# apply to a source is refused; and the warnings for runs that would train garbage.
set -u
BP="$1"
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"
SHARED="${BACKPROP_SHARED_DATA:-$(dirname "$0")/../../shared/data}"
FASHION=/usr/share/datasets/fashion-mnist

"$BP" data circle --out "$tmp/circle.csv" > /dev/null
# Each source: the flags that name it, the epochs of a full run, the epoch to cut it after.
sources=("csv|--data $tmp/circle.csv --target label --batch-size 32|6|2"
         "generator|--dataset moons --n 300 --batch-size 32|6|2")
if [[ -f "$FASHION/train-images-idx3-ubyte.gz" || -f "$FASHION/train-images-idx3-ubyte" ]]; then
  sources+=("fashion|--dataset fashion-mnist --hidden 32 --threads 1|2|0")
else
  echo "note: no Fashion-MNIST in $FASHION; its pipeline checks are skipped"
fi
for entry in "${sources[@]}"; do
  IFS='|' read -r name flags epochs cut <<< "$entry"
  read -r -a f <<< "$flags"
  d="$tmp/$name"
  mkdir -p "$d"
  # checkpoints and resume: a run cut after epoch $cut and resumed equals the straight run
  "$BP" train "${f[@]}" --epochs "$epochs" --save "$d/straight.json" --quiet
  "$BP" train "${f[@]}" --epochs $((cut + 1)) --checkpoint "$d/ck.json" --checkpoint-every 1 --quiet
  expect 0 "Resuming $d/ck.json after epoch $cut" -- \
    "$BP" train "${f[@]}" --epochs "$epochs" --resume "$d/ck.json" --save "$d/resumed.json"
  same_model "$d/straight.json" "$d/resumed.json" "$name: resumed run"
  # figures into a directory that does not exist yet
  expect 0 "Wrote $d/figures/loss.png" -- "$BP" train "${f[@]}" --epochs 2 --plot "$d/figures"
  # early stopping on held-out data, and the diagnostics
  expect 0 "validation loss" -- "$BP" train "${f[@]}" --epochs 2 --validation-fraction 0.2 --patience 1
  expect 0 "Diagnostics" -- "$BP" train "${f[@]}" --epochs 1 --diagnose
done

# Flags that do not apply to a source are refused, not ignored.
expect 2 "--n/--noise: only the generated data sets" -- "$BP" train --data "$tmp/circle.csv" --target label --n 50
expect 2 "--n/--noise: only the generated data sets" -- "$BP" train --dataset fashion-mnist --noise 0.2
expect 2 "--target/--targets/--features: they name columns of --data" -- "$BP" train --dataset moons --target label
expect 2 "--data-dir: only --dataset fashion-mnist" -- "$BP" train --dataset moons --data-dir /tmp
expect 2 "--test-data: a held-out CSV file goes with --data FILE.csv" -- \
  "$BP" train --dataset moons --test-data "$tmp/circle.csv"
expect 2 "give a data set with --dataset (xor, circle, moons, spirals, blobs, fashion-mnist)" -- \
  "$BP" train --dataset moons --data "$tmp/circle.csv"

expect 2 "--print-every: expected 0 (off) or a positive number of epochs, found -1" -- \
  "$BP" train --dataset xor --print-every -1 --epochs 2

# Gradient clipping (its numbers: the PyTorch trajectories of tests/golden): accepted, recorded in
# the model, validated.
expect 0 "clip_norm=0.5" -- bash -c "'$BP' train --dataset moons --epochs 20 --clip-norm 0.5 \
  --save '$tmp/clip.json' --quiet && '$BP' info --model '$tmp/clip.json'"
expect 2 "--clip-norm: expected 0 (off) or a positive gradient norm, found -1" -- \
  "$BP" train --dataset moons --epochs 2 --clip-norm -1

# --keep-best: every epoch runs, the lowest validation loss is kept; validation data required.
expect 0 "Trained 300 epochs in" -- "$BP" train --dataset moons --epochs 300 --lr 0.2 \
  --validation-fraction 0.3 --keep-best
expect 0 "(kept the best epoch," -- "$BP" train --dataset moons --epochs 300 --lr 0.2 \
  --validation-fraction 0.3 --keep-best
expect 2 "--keep-best: keeping the best epoch needs validation data (--validation-fraction or --validation-data)" -- \
  "$BP" train --dataset moons --epochs 5 --keep-best

# Dropout and class weights (their numbers: tests/test_dropout.cpp, test_class_weights.cpp):
# saved in the model and its settings, a resumed run equals the straight one, predict uses the
# full network (the same predictions as the model without its rates), errors name the flags.
dw=(--dataset moons --n 200 --hidden 16,8 --batch-size 32 --dropout 0.3,0.1 --class-weight 0:1,1:2)
"$BP" train "${dw[@]}" --epochs 6 --save "$tmp/dw.json" --quiet
"$BP" train "${dw[@]}" --epochs 3 --checkpoint "$tmp/dw_ck.json" --checkpoint-every 1 --quiet
expect 0 "Resuming $tmp/dw_ck.json after epoch 2" -- \
  "$BP" train "${dw[@]}" --epochs 6 --resume "$tmp/dw_ck.json" --save "$tmp/dw_resumed.json"
same_model "$tmp/dw.json" "$tmp/dw_resumed.json" "dropout: resumed run"
expect 2 "made with other settings" -- \
  "$BP" train "${dw[@]/0.3,0.1/0.3,0.2}" --epochs 6 --resume "$tmp/dw_ck.json"
expect 0 '"dropout": 0.3' -- cat "$tmp/dw.json"
expect 0 '"class_weights": [1.0,2.0]' -- cat "$tmp/dw.json"
"$BP" data moons --n 20 --out "$tmp/dw_data.csv" > /dev/null
sed 's/, "dropout": 0\.[0-9]*//' "$tmp/dw.json" > "$tmp/dw_plain.json"
"$BP" predict --model "$tmp/dw.json" --data "$tmp/dw_data.csv" --out "$tmp/dw_p1.csv"
"$BP" predict --model "$tmp/dw_plain.json" --data "$tmp/dw_data.csv" --out "$tmp/dw_p2.csv"
expect 0 "" -- diff "$tmp/dw_p1.csv" "$tmp/dw_p2.csv"
expect 0 "" -- diff <("$BP" evaluate --model "$tmp/dw.json" --data "$tmp/dw_data.csv" | tail -n +2) \
  <("$BP" evaluate --model "$tmp/dw_plain.json" --data "$tmp/dw_data.csv" | tail -n +2)
expect 0 "layer 1: 2 -> 16 relu (dropout 0.3 in training)" -- "$BP" info --model "$tmp/dw.json"
expect 2 "--dropout: expected one rate for every hidden layer or one per hidden layer (1), found 3" -- \
  "$BP" train --dataset moons --epochs 2 --dropout 0.1,0.2,0.3
expect 2 "--dropout: expected rates in [0, 1), found 1" -- \
  "$BP" train --dataset moons --epochs 2 --dropout 1
expect 2 "--class-weight: unknown class 'cat' (the classes are 0, 1, or their indices 0 to 1)" -- \
  "$BP" train --dataset moons --epochs 2 --class-weight cat:2
expect 2 '--class-weight: expected "balanced" or class:weight pairs' -- \
  "$BP" train --dataset moons --epochs 2 --class-weight 0=1
expect 2 "--class-weight: class weights need class-label targets" -- \
  "$BP" train --data "$tmp/circle.csv" --targets label --epochs 2 --class-weight balanced

# After early stopping the summary shows the kept epoch's figures, not the last epoch's.
out=$("$BP" train --dataset moons --epochs 400 --lr 0.2 --validation-fraction 0.3 --patience 5 \
  --history "$tmp/h.csv" 2>&1)
kept=$(sed -n 's/.*stopped early; kept epoch \([0-9]*\)).*/\1/p' <<< "$out")
if [[ -n "$kept" ]]; then
  want=$(awk -F, -v e="$kept" 'NR > 1 && $1 == e { printf "loss %.6g", $2 }' "$tmp/h.csv")
  if grep -q "): $want," <<< "$out"; then pass=$((pass + 1)); else
    echo "FAIL: summary should show epoch $kept's $want"; echo "$out" | tail -3; fails=$((fails + 1)); fi
else
  echo "FAIL: the patience run did not stop early"; echo "$out" | tail -3; fails=$((fails + 1))
fi

# Runs that would train garbage get a warning, or fail.
if [[ -f "$SHARED/iris_train.csv" ]]; then
  expect 0 "warning: the class-label column 'sepal_length_cm' has" -- \
    "$BP" train --data "$SHARED/iris_train.csv" --target sepal_length_cm --epochs 1 --quiet
fi
expect 0 "warning: early stopping (patience) watches the training loss: there is no validation data; hold some out (--validation-fraction)" -- \
  "$BP" train --dataset moons --epochs 3 --patience 2 --quiet
printf 'a,b,y\n' > "$tmp/reg.csv"
for i in $(seq 1 40); do echo "$i,$((i * 3 % 17)),$((i * 7))" >> "$tmp/reg.csv"; done
expect 1 "training diverged at epoch" -- "$BP" train --data "$tmp/reg.csv" --targets y --optimizer gd --lr 10 --quiet
expect 1 "the loss grew from" -- "$BP" train --data "$tmp/reg.csv" --targets y --optimizer gd --lr 10 --quiet

# Renamed flags: the old spelling still works and says what to use.
expect 0 "note: --init is deprecated; use --init-model" -- \
  "$BP" train --dataset moons --epochs 2 --save "$tmp/m.json" --quiet --init "$tmp/csv/straight.json"
expect 0 "note: a data set named without --dataset is deprecated; use --dataset moons" -- \
  "$BP" train moons --epochs 1 --quiet
expect 0 "note: --epsilon is deprecated; use --adam-epsilon" -- "$BP" train --dataset moons --epochs 1 --epsilon 1e-7 --quiet
expect 0 "note: --alpha is deprecated; use --negative-slope" -- \
  "$BP" train --dataset moons --epochs 1 --activation leaky_relu --alpha 0.1 --quiet

finish cli_pipeline
