#!/usr/bin/env bash
# End-to-end checks of the command line: outputs, exit statuses and error messages.
set -u
BP="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass=0

# expect STATUS PATTERN -- COMMAND...: the command exits with STATUS and its output (stdout and
# stderr) contains PATTERN (a fixed string).
expect() {
  local status="$1" pattern="$2"
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $status ]] || [[ "$out" != *"$pattern"* ]]; then
    echo "FAIL: $* -> exit $rc (expected $status), looking for '$pattern' in:"
    echo "$out" | head -20
    fails=$((fails + 1))
  else
    pass=$((pass + 1))
  fi
}

expect 0 "a(2) = sigmoid(z(2)) = [ 0.6028060471 ]" -- "$BP" trace --example network-2-2-1
expect 0 "W(2) = [  0.7228044909 -0.3190585307 ]" -- "$BP" trace --example network-2-2-1
expect 0 "L = mean(e^2) over 1 output x 1 sample = 0.1425369566" -- "$BP" trace --example single-neuron
expect 0 "dL/dW(1) = delta(1) a(0)^T = [ -0.3548938347 ]" -- "$BP" trace --example single-neuron
expect 0 "W(2) = [ -1.145" -- "$BP" trace --example exercise-9.1
expect 0 '"loss":0.15776303625693464' -- "$BP" trace --example network-2-2-1 --format json
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
expect 1 "the data has 3 input values per sample, the network expects 2" -- \
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

echo "cli: $pass passed, $fails failed"
[[ $fails -eq 0 ]]
