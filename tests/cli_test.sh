#!/usr/bin/env bash
# End-to-end checks of the command line: outputs, exit statuses and error messages.
set -u
BP="$1"
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

expect 0 "backprop 0.1.0 (large matrix products: " -- "$BP" --version
expect 0 "a(2) = sigmoid(z(2)) = [ 0.6028060471 ]" -- "$BP" trace --example network-2-2-1
expect 0 "W(2) = [  0.7228044909 -0.3190585307 ]" -- "$BP" trace --example network-2-2-1
expect 0 "L = mean(e^2) over 1 output x 1 sample = 0.1425369566" -- "$BP" trace --example single-neuron
expect 0 "dL/dW(1) = delta(1) a(0)^T = [ -0.3548938347 ]" -- "$BP" trace --example single-neuron
expect 0 "W(2) = [ -1.145" -- "$BP" trace --example exercise-9.1
expect 0 '"loss":0.157763036256934' -- "$BP" trace --example network-2-2-1 --format json
expect 0 "All gradients verified" -- "$BP" gradcheck --layers 2-3-2 --activation sigmoid \
  --output-activation sigmoid --loss mse --seed 42
expect 0 "All gradients verified" -- "$BP" gradcheck --layers 3-4-1
expect 0 "All gradients verified" -- "$BP" gradcheck --layers 4-5-3 --activation tanh \
  --output-activation softmax --loss cross_entropy --samples 5
expect 0 "All gradients verified" -- "$BP" gradcheck --example network-2-2-1
expect 0 "order 4" -- "$BP" gradcheck --layers 3-5-5-2 --activation relu --output-activation linear \
  --order 4 --epsilon 1e-3
expect 2 "--order" -- "$BP" gradcheck --layers 2-1 --order 3

# A model file, data from flags and from a CSV file.
cat > "$tmp/m.json" <<'JSON'
{"format": "backprop-model", "version": 1, "inputs": 2, "loss": "mse",
 "layers": [
   {"activation": "sigmoid", "weights": [[0.5, 0.3], [-0.2, 0.8]], "bias": [0.1, -0.1]},
   {"activation": "sigmoid", "weights": [[0.6, -0.4]], "bias": [0.2]}]}
JSON
expect 0 "a(2) = sigmoid(z(2)) = [ 0.6028060471 ]" -- "$BP" trace --model "$tmp/m.json" --x 1,0 --y 1
expect 0 "4 samples" -- "$BP" trace --model "$tmp/m.json" --x 0,0 --x 0,1 --x 1,0 --x 1,1 \
  --y 0 --y 1 --y 1 --y 0 --lr 2
printf 'x1,x2,y\r\n0,0,0\r\n1,0,1\r\n' > "$tmp/d.csv"
expect 0 "2 samples" -- "$BP" trace --model "$tmp/m.json" --data "$tmp/d.csv" --targets y
expect 0 "All gradients verified" -- "$BP" gradcheck --model "$tmp/m.json" --data "$tmp/d.csv" --targets y
expect 0 "loss bce" -- "$BP" trace --model "$tmp/m.json" --x 1,0 --y 1 --loss bce

# Errors: usage errors exit 2, data errors exit 1, each naming what is wrong where.
expect 2 "give --example NAME or --model FILE" -- "$BP" trace
expect 2 "unknown example 'nope'" -- "$BP" trace --example nope
expect 2 "--x: expected comma-separated finite numbers like 1,0, found '1,a'" -- \
  "$BP" trace --model "$tmp/m.json" --x 1,a --y 1
expect 2 "--y: expected one target per --x" -- "$BP" trace --model "$tmp/m.json" --x 1,0
expect 2 "the data has 3 input values per sample, the network expects 2" -- \
  "$BP" trace --model "$tmp/m.json" --x 1,0,1 --y 1
expect 1 "$tmp/missing.json: cannot open" -- "$BP" trace --model "$tmp/missing.json" --x 1,0 --y 1
echo '{"format": "backprop-model", "version": 1, "inputs": 2' > "$tmp/trunc.json"
expect 1 "trunc.json:2:1: not valid JSON" -- "$BP" trace --model "$tmp/trunc.json" --x 1,0 --y 1
expect 2 "--layers: expected positive layer sizes joined by '-', like 2-3-2, found '2--1'" -- \
  "$BP" gradcheck --layers 2--1
expect 2 "unknown activation 'gelu'" -- "$BP" gradcheck --layers 2-2-1 --activation gelu
expect 2 "loss bce needs a sigmoid output layer, found relu" -- \
  "$BP" gradcheck --layers 2-2-1 --activation relu --loss bce
expect 2 "--targets: " -- "$BP" trace --model "$tmp/m.json" --data "$tmp/d.csv" --targets nope
printf 'x1,x2,y\n0,zero,0\n' > "$tmp/bad.csv"
expect 1 "bad.csv:2:2 (column 'x2'): expected a finite number, found 'zero'" -- \
  "$BP" trace --model "$tmp/m.json" --data "$tmp/bad.csv" --targets y
expect 2 "format" -- "$BP" trace --example single-neuron --format xml
expect 2 "" -- "$BP" frobnicate
expect 0 "gradcheck" -- "$BP" --help
expect 0 "--output-activation" -- "$BP" gradcheck --help

# ---- training: the lesson's experiments, data sets, models
SHARED="${BACKPROP_SHARED_DATA:-$(dirname "$0")/../../shared/data}"
expect 0 "Epoch     0: Loss = 0.255405, Accuracy = 50%" -- "$BP" xor
expect 0 "Epoch  8000: Loss = 0.000151, Accuracy = 100%" -- "$BP" xor
expect 0 "✓ Input: (1, 1) → Output: 0.0102 → Predicted: 0 (True: 0)" -- "$BP" xor
out=$("$BP" xor 2>&1)
[[ $(grep -c "✓" <<< "$out") -eq 4 ]] && pass=$((pass + 1)) || { echo "FAIL: xor not 4/4"; fails=$((fails + 1)); }
out=$("$BP" circle 2>&1)
acc=$(sed -n 's/^Final training accuracy: \([0-9.]*\)%$/\1/p' <<< "$out")
if [[ -n "$acc" ]] && awk "BEGIN{exit !($acc >= 94)}"; then pass=$((pass + 1)); else
  echo "FAIL: circle training accuracy '$acc' < 94"; echo "$out" | tail -3; fails=$((fails + 1)); fi

expect 0 "Saved the model to $tmp/xor.json" -- "$BP" xor --save "$tmp/xor.json" --history "$tmp/h.csv"
expect 0 "epoch,loss,accuracy,val_loss,val_accuracy" -- head -1 "$tmp/h.csv"
[[ $(wc -l < "$tmp/h.csv") -eq 10001 ]] && pass=$((pass + 1)) || { echo "FAIL: history rows"; fails=$((fails + 1)); }
expect 0 "network 2-4-1, loss mse, 17 parameters" -- "$BP" info --model "$tmp/xor.json"
expect 0 "optimizer=\"sgd\" lr=2" -- "$BP" info --model "$tmp/xor.json"
# Same seed, same data, same settings: a bit-identical model file (but for the timing).
"$BP" train --dataset moons --hidden 8 --epochs 50 --batch-size 16 --save "$tmp/a.json" --quiet
"$BP" train --dataset moons --hidden 8 --epochs 50 --batch-size 16 --save "$tmp/b.json" --quiet
if diff <(grep -v seconds "$tmp/a.json") <(grep -v seconds "$tmp/b.json") > /dev/null; then
  pass=$((pass + 1)); else echo "FAIL: same seed gave different models"; fails=$((fails + 1)); fi
# Continuing from a saved model follows the optimizer from those weights.
expect 0 "Trained 10 epochs" -- "$BP" train --dataset xor --init "$tmp/xor.json" --optimizer gd --lr 2 --epochs 10

expect 0 "Wrote 200 samples" -- "$BP" data circle --out "$tmp/circle.csv"
expect 0 "x1,x2,label" -- head -1 "$tmp/circle.csv"
expect 0 "Test: loss" -- "$BP" train --data "$tmp/circle.csv" --target label --hidden 8 \
  --activation tanh --epochs 300 --test-fraction 0.25 --save "$tmp/c.json" --quiet
expect 0 "Accuracy:" -- "$BP" evaluate --model "$tmp/c.json" --data "$tmp/circle.csv"
# Threads: the automatic choice keeps tiny nets on one thread and says why; --threads is obeyed.
expect 0 "1 thread (auto: no layer is wide enough" -- "$BP" train --data "$tmp/circle.csv" \
  --target label --hidden 8 --epochs 2
expect 0 "2 threads (requested)" -- "$BP" train --data "$tmp/circle.csv" --target label --hidden 8 \
  --epochs 2 --threads 2
# A forced OpenBLAS kernel set is named (only where the large products go through OpenBLAS).
if "$BP" --version | grep -q "products: OpenBLAS"; then
  expect 0 "(requested); OpenBLAS 0.3" -- env OPENBLAS_CORETYPE=Haswell "$BP" train \
    --data "$tmp/circle.csv" --target label --hidden 8 --epochs 2 --threads 2
  expect 0 "(Haswell kernels) from OPENBLAS_CORETYPE=Haswell" -- env OPENBLAS_CORETYPE=Haswell \
    "$BP" train --data "$tmp/circle.csv" --target label --hidden 8 --epochs 2
fi
expect 2 "--threads: expected a positive number (or 0: choose), found -1" -- "$BP" train --data "$tmp/circle.csv" \
  --target label --epochs 2 --threads -1
# Data parallelism: a net with a 256 x 128 layer on batches of 128 splits each batch into 2
# shards, and 1 or 2 threads give the same history (and model); --deterministic is accepted.
expect 0 "2 threads (requested; data-parallel, 2 shards per batch)" -- "$BP" train \
  --data "$tmp/circle.csv" --target label --hidden 256,128 --batch-size 128 --epochs 3 \
  --threads 2 --dropout 0.2 --history "$tmp/dp2.csv" --save "$tmp/dp2.json"
expect 0 "1 thread (requested; data-parallel, 2 shards per batch)" -- "$BP" train \
  --data "$tmp/circle.csv" --target label --hidden 256,128 --batch-size 128 --epochs 3 \
  --threads 1 --dropout 0.2 --history "$tmp/dp1.csv" --save "$tmp/dp1.json" --deterministic
expect 0 "" -- cmp "$tmp/dp1.csv" "$tmp/dp2.csv"
expect 0 "" -- bash -c "diff <(grep -v seconds '$tmp/dp1.json') <(grep -v seconds '$tmp/dp2.json')"
expect 0 '"confusion": [[' -- "$BP" evaluate --model "$tmp/c.json" --data "$tmp/circle.csv" --format json
expect 0 "predicted,p_0,p_1" -- "$BP" predict --model "$tmp/c.json" --data "$tmp/circle.csv"
"$BP" predict --model "$tmp/c.json" --data "$tmp/circle.csv" --out "$tmp/p.csv"
[[ $(wc -l < "$tmp/p.csv") -eq 201 ]] && pass=$((pass + 1)) || { echo "FAIL: predict rows"; fails=$((fails + 1)); }
# Numeric targets: regression with a linear output.
printf 'a,b,y\n0,0,0\n1,0,1\n0,1,1\n1,1,2\n2,1,3\n' > "$tmp/reg.csv"
expect 0 "mse, adam" -- "$BP" train --data "$tmp/reg.csv" --targets y --hidden none --epochs 500 \
  --save "$tmp/reg.json"
expect 0 "y" -- "$BP" predict --model "$tmp/reg.json" --data "$tmp/reg.csv"

# The lesson's real-data check: iris with 32 relu units, adam, 500 epochs.
if [[ -f "$SHARED/iris_train.csv" ]]; then
  "$BP" train --data "$SHARED/iris_train.csv" --target target --hidden 32 --activation relu \
    --optimizer adam --lr 0.001 --epochs 500 --batch-size 200 --standardize --save "$tmp/iris.json" --quiet
  acc=$("$BP" evaluate --model "$tmp/iris.json" --data "$SHARED/iris_test.csv" --format json |
        sed -n 's/.*"accuracy": \([0-9.]*\).*/\1/p')
  if awk "BEGIN{exit !($acc >= 0.94)}"; then pass=$((pass + 1)); else
    echo "FAIL: iris test accuracy $acc < 0.94"; fails=$((fails + 1)); fi
fi

# ---- bad input on the training paths
expect 1 "$tmp/none.csv: cannot open" -- "$BP" train --data "$tmp/none.csv" --target y
expect 2 "also give --target COL" -- "$BP" train --data "$tmp/circle.csv"
expect 2 "no target column 'nope'" -- "$BP" train --data "$tmp/circle.csv" --target nope
printf 'a,b,y\n1,2,0\n3,4\n' > "$tmp/ragged.csv"
expect 1 "ragged.csv:3: expected 3 fields (as in the header), found 2" -- \
  "$BP" train --data "$tmp/ragged.csv" --target y
printf 'a,b,y\n1,2,0\n3,nan,1\n' > "$tmp/nan.csv"
expect 1 "nan.csv:3:2 (column 'b'): expected a finite number" -- "$BP" train --data "$tmp/nan.csv" --target y
printf 'a,b,y\n1,2,0\n3,4,0\n' > "$tmp/oneclass.csv"
expect 1 "has only one class" -- "$BP" train --data "$tmp/oneclass.csv" --target y
printf '' > "$tmp/empty.csv"
expect 1 "empty file" -- "$BP" train --data "$tmp/empty.csv" --target y
printf 'x1,x2,label\n0.1,0.2,7\n' > "$tmp/newclass.csv"
expect 1 "newclass.csv:2:3" -- "$BP" evaluate --model "$tmp/c.json" --data "$tmp/newclass.csv"
printf 'x1,label\n0.1,0\n' > "$tmp/fewcols.csv"
expect 1 "no column 'x2'" -- "$BP" predict --model "$tmp/c.json" --data "$tmp/fewcols.csv"
expect 2 "--lr: expected a positive learning rate, found -1" -- "$BP" train --dataset xor --lr -1
expect 2 "--lr: expected a positive learning rate, found 0" -- "$BP" train --dataset xor --lr 0
expect 2 "--epochs: expected a positive number, found 0" -- "$BP" train --dataset xor --epochs 0
expect 2 "--batch-size: expected a positive number" -- "$BP" train --dataset xor --batch-size -3
expect 2 "--batch-size: expected a positive number, found 0" -- "$BP" train --dataset xor --batch-size 0
expect 2 "--hidden: expected hidden layer sizes like 4 or 16,8" -- "$BP" train --dataset xor --hidden 4,,2
expect 2 "unknown optimizer 'lbfgs'" -- "$BP" train --dataset xor --optimizer lbfgs
expect 2 "unknown data set 'nosuchset' (data sets: xor, circle, moons, spirals, blobs, fashion-mnist)" -- "$BP" train --dataset nosuchset
expect 2 "directory '$tmp/no/such' does not exist" -- "$BP" train --dataset xor --save "$tmp/no/such/m.json"
expect 2 "refusing to overwrite it" -- "$BP" train --data "$tmp/circle.csv" --target label \
  --epochs 1 --save "$tmp/circle.csv"

# ---- checkpoints: SIGINT writes one; --resume continues to the uninterrupted run's model
run=(train --dataset moons --n 2000 --hidden 64,64 --epochs 600 --batch-size 16 --optimizer adam --quiet)
"$BP" "${run[@]}" --save "$tmp/straight.json"
"$BP" "${run[@]}" --save "$tmp/cut.json" --checkpoint "$tmp/ck.json" --checkpoint-every 25 \
  2> "$tmp/cut.err" &
cut_pid=$!
sleep 0.7
kill -INT $cut_pid
wait $cut_pid
cut_status=$?
if [[ $cut_status -eq 130 ]]; then
  expect 0 "checkpoint written to $tmp/ck.json" -- cat "$tmp/cut.err"
  "$BP" "${run[@]}" --save "$tmp/resumed.json" --resume "$tmp/ck.json"
  if diff <(grep -v seconds "$tmp/straight.json") <(grep -v seconds "$tmp/resumed.json") > /dev/null
  then pass=$((pass + 1)); else echo "FAIL: resumed model differs from the uninterrupted one"
    fails=$((fails + 1)); fi
else
  echo "note: the run finished before SIGINT (status $cut_status); resume not exercised"
fi
expect 2 "was made with other settings" -- "$BP" train --dataset moons --n 2000 --hidden 64,64 --epochs 600 \
  --batch-size 8 --resume "$tmp/ck.json"
expect 2 "--checkpoint-every: also give --checkpoint" -- "$BP" train --dataset xor --checkpoint-every 5

# ---- figures
mkdir -p "$tmp/fig"
expect 0 "Wrote $tmp/fig/boundary.png" -- "$BP" xor --plot "$tmp/fig"
expect 0 "Wrote $tmp/fig/neurons.svg" -- "$BP" circle --epochs 200 --plot "$tmp/fig" --plot-format svg
expect 0 "%PDF" -- bash -c "'$BP' train --dataset moons --epochs 20 --quiet --plot '$tmp/fig' --plot-format pdf && head -c 4 '$tmp/fig/loss.pdf'"
expect 0 "Wrote $tmp/nope/boundary.png" -- "$BP" xor --plot "$tmp/nope"  # created when missing
expect 2 "--plot: cannot create directory '$tmp/no/such': its parent '$tmp/no' does not exist" -- \
  "$BP" xor --plot "$tmp/no/such"
expect 2 "png, svg, pdf" -- "$BP" xor --plot "$tmp/fig" --plot-format gif
expect 0 "loss" -- "$BP" plot --history "$tmp/h.csv" --out "$tmp/fig"
expect 0 "boundary" -- "$BP" plot --model "$tmp/xor.json" --dataset xor --out "$tmp/fig"
printf 'epoch,loss,accuracy,val_loss,val_accuracy\n' > "$tmp/empty_history.csv"
expect 1 "empty_history.csv: no data rows" -- "$BP" plot --history "$tmp/empty_history.csv" --out "$tmp/fig"
out=$("$BP" sweep --out "$tmp/fig" 2>&1)
one=$(awk -F, 'NR > 1 && $1 == 1' "$tmp/fig/sweep.csv")
if [[ -n "$one" ]] && grep -q "0/5" <<< "$out"; then pass=$((pass + 1)); else
  echo "FAIL: sweep: 1 hidden neuron should solve 0/5"; echo "$out" | head; fails=$((fails + 1)); fi
expect 0 "L = 0.1425" -- bash -c "'$BP' graph --example single-neuron --out '$tmp/g.dot' && cat '$tmp/g.dot'"
expect 0 "dL/dw = -0.3549" -- cat "$tmp/g.dot"

if [[ -f "$SHARED/iris_train.csv" ]]; then  # needs the iris model trained above
  expect 2 "reg.csv: no feature column 'sepal_length_cm'" -- "$BP" train --data "$tmp/reg.csv" \
    --targets y --init "$tmp/iris.json"
  expect 0 "they need 2 inputs, the model has 4" -- "$BP" plot --model "$tmp/iris.json" --data "$SHARED/iris_test.csv" --out "$tmp/fig"
fi

finish cli

