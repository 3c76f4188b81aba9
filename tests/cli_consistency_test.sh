#!/usr/bin/env bash
# The command line says the same thing the same way everywhere: output directories, unknown
# commands and flags, the model's input scaling, --lr, help texts and defaults, renamed flags,
# diagnostics, and exit statuses (2 for usage errors, 1 for data errors).
set -u
BP=$(realpath "$1")  # absolute: some checks run in another directory
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

# A 2-2-1 model (the lesson's section 5) trained with --standardize: mean (1, 2), scale (2, 4).
cat > "$tmp/std.json" <<'JSON'
{"format": "backprop-model", "version": 1, "inputs": 2, "loss": "mse",
 "features": ["x1", "x2"], "targets": ["y"], "standardize": {"mean": [1, 2], "scale": [2, 4]},
 "layers": [
   {"activation": "sigmoid", "weights": [[0.5, 0.3], [-0.2, 0.8]], "bias": [0.1, -0.1]},
   {"activation": "sigmoid", "weights": [[0.6, -0.4]], "bias": [0.2]}]}
JSON
printf 'x1,x2,y\n3,6,1\n1,2,0\n' > "$tmp/std.csv"
printf 'epoch,loss,accuracy,val_loss,val_accuracy\n0,0.25,0.5,,\n1,0.2,0.75,,\n' > "$tmp/h.csv"

# ---- 1. output directories are created when missing; a missing parent is a usage error
expect 0 "wrote $tmp/figs/loss.png" -- "$BP" plot --history "$tmp/h.csv" --out "$tmp/figs"
expect 0 "wrote out/loss.png" -- bash -c "cd '$tmp' && '$BP' plot --history h.csv --out out/"
expect 0 "wrote $tmp/sweep/sweep.csv" -- "$BP" sweep --hidden-sizes 2 --seeds 1 --epochs 10 \
  --out "$tmp/sweep"
expect 2 "--out: cannot create directory '$tmp/no/figs': its parent '$tmp/no' does not exist" -- \
  "$BP" plot --history "$tmp/h.csv" --out "$tmp/no/figs"
expect 2 "--out: cannot create directory '$tmp/no/sweep': its parent '$tmp/no' does not exist" -- \
  "$BP" sweep --hidden-sizes 2 --seeds 1 --epochs 10 --out "$tmp/no/sweep"
expect 2 "--out: '$tmp/h.csv' is not a directory" -- "$BP" plot --history "$tmp/h.csv" --out "$tmp/h.csv"

# ---- 2. unknown commands and flags: did you mean, exit 2; --help and --version still work
expect 2 "backprop: error: unknown command 'trian' (did you mean 'train'?)" -- "$BP" trian
expect 2 "backprop: error: unknown command 'frobnicate' (commands: xor, circle, train" -- \
  "$BP" frobnicate
expect 2 "backprop: error: give a command: xor, circle, train" -- "$BP"
expect 2 "backprop: error: unknown flag '--epoch' (did you mean '--epochs'?)" -- \
  "$BP" train moons --epoch 10
expect 2 "backprop: error: unknown flag '--epoch' (did you mean '--epochs'?)" -- \
  "$BP" train moons --epoch=10
expect 2 "backprop: error: unknown flag '--layer' (did you mean '--layers'?)" -- \
  "$BP" gradcheck --layer 2-1
expect 2 "backprop: error: unknown flag '--frobnicate' (see backprop trace --help)" -- \
  "$BP" trace --frobnicate
expect 2 "backprop: error: --out is required (see backprop graph --help)" -- \
  "$BP" graph --example single-neuron
expect 0 "backprop 0.1.0" -- "$BP" --version
expect 0 "Usage:" -- "$BP" --help
expect 0 "--epochs" -- "$BP" train --help

# ---- 3. trace, graph (and gradcheck) apply a model's standardisation to --x and --data
expect 0 "a(0) = x = [ 1 ]" -- "$BP" trace --model "$tmp/std.json" --x 3,6 --y 1
expect 0 "(inputs standardised with the model's scaling: x <- (x - mean) / scale)" -- \
  "$BP" trace --model "$tmp/std.json" --x 3,6 --y 1
expect 0 "a(0) = x = [ 1 0 ]" -- "$BP" trace --model "$tmp/std.json" --data "$tmp/std.csv" --targets y
expect 0 '"x":[[1.0],[1.0]]' -- "$BP" trace --model "$tmp/std.json" --x 3,6 --y 1 --format json
check "trace --format json: stdout stays JSON, the note goes to stderr" -- \
  bash -c "'$BP' trace --model '$tmp/std.json' --x 3,6 --y 1 --format json 2>/dev/null | head -c 1 | grep -q '{'"
expect 0 "inputs standardised with the model's scaling" -- \
  "$BP" graph --model "$tmp/std.json" --x 3,6 --y 1 --out "$tmp/g.dot"
expect 0 "x1 = 1.0000" -- cat "$tmp/g.dot"
expect 0 "inputs standardised with the model's scaling" -- \
  "$BP" gradcheck --model "$tmp/std.json" --data "$tmp/std.csv" --targets y

# ---- 4. --lr: finite and positive; an explicit --lr wins over the example's
expect 2 "--lr: expected a positive learning rate, found nan" -- \
  "$BP" trace --example network-2-2-1 --lr nan
expect 2 "--lr: expected a positive learning rate, found inf" -- \
  "$BP" trace --example network-2-2-1 --lr inf
expect 2 "--lr: expected a positive learning rate, found -1" -- \
  "$BP" trace --example network-2-2-1 --lr -1
expect 2 "--lr: expected a positive learning rate, found 0" -- \
  "$BP" trace --model "$tmp/std.json" --x 3,6 --y 1 --lr 0
expect 2 "--lr: expected a positive learning rate, found nan" -- "$BP" sweep --lr nan
expect 0 "W(2) = [  0.6614022455 -0.3595292654 ]" -- "$BP" trace --example network-2-2-1 --lr 0.5
expect 0 "(--lr 0.5 replaces the example's lr 1)" -- "$BP" trace --example network-2-2-1 --lr 0.5
expect 0 '"lr":0.5' -- "$BP" trace --example network-2-2-1 --lr 0.5 --format json

# ---- 5. help shows defaults and choices; data to stdout; every data set in the messages
expect 0 "default: no update; the lesson's rate for --example network-2-2-1: 1" -- "$BP" trace --help
expect 0 "--format TEXT:{text,json}=text" -- "$BP" trace --help
expect 0 "--example TEXT              A lesson example: single-neuron, network-2-2-1, exercise-9.1" -- \
  "$BP" graph --help
expect 0 "(default with --example: the example's)" -- "$BP" graph --help
expect 2 "--example: unknown example 'nope' (expected one of: single-neuron, network-2-2-1, exercise-9.1)" -- \
  "$BP" graph --example nope --out "$tmp/g.dot"
expect 0 "--n INT                     Samples of the data set (default: xor 4, circle 200" -- \
  "$BP" data --help
expect 0 "CSV file to write (default: standard output)" -- "$BP" data --help
expect 0 "--data-seed UINT=42" -- "$BP" sweep --help
check "data xor without --out: the CSV, and only it, on stdout" -- \
  bash -c "[[ \"\$('$BP' data xor 2>/dev/null)\" == \$'x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0' ]]"
expect 0 "Wrote 4 samples of xor to $tmp/xor.csv" -- "$BP" data xor --out "$tmp/xor.csv"
expect 2 "unknown dataset 'nope' (expected one of: xor, circle, moons, spirals, blobs)" -- \
  "$BP" data nope
expect 2 "unknown dataset 'moon' (did you mean 'moons'? expected one of: xor, circle, moons, spirals, blobs)" -- \
  "$BP" data moon
expect 2 "--dataset: unknown dataset 'nope' (expected one of: xor, circle, moons, spirals, blobs)" -- \
  "$BP" plot --history "$tmp/h.csv" --dataset nope --out "$tmp/figs"
expect 2 "--dataset: unknown dataset 'nope' (expected one of: xor, circle, moons, spirals, blobs)" -- \
  "$BP" sweep --dataset nope

# ---- 6. one name per meaning: --weight-init and --negative-slope; the old names still work
gc=(gradcheck --layers 2-3-1 --activation leaky_relu --output-activation sigmoid)
expect 0 "backprop: note: --init is deprecated; use --weight-init" -- "$BP" "${gc[@]}" --init glorot_uniform
expect 0 "backprop: note: --alpha is deprecated; use --negative-slope" -- "$BP" "${gc[@]}" --alpha 0.2
check "--init: one line on stderr" -- \
  bash -c "[[ \$('$BP' ${gc[*]} --init glorot_uniform 2>&1 >/dev/null | wc -l) -eq 1 ]]"
check "--init and --alpha set the same values as --weight-init and --negative-slope" -- \
  bash -c "diff <('$BP' ${gc[*]} --init glorot_uniform --alpha 0.2 2>/dev/null) \
                <('$BP' ${gc[*]} --weight-init glorot_uniform --negative-slope 0.2)"
check "--weight-init and --negative-slope change the network" -- \
  bash -c "! diff -q <('$BP' ${gc[*]} --weight-init glorot_uniform --negative-slope 0.2) \
                     <('$BP' ${gc[*]}) > /dev/null"
expect 2 "--init is the old name of --weight-init; give only one" -- \
  "$BP" "${gc[@]}" --init he_uniform --weight-init he_normal
expect 0 "--weight-init TEXT=he_normal" -- "$BP" gradcheck --help
expect 0 "--negative-slope FLOAT=0.01" -- "$BP" gradcheck --help
expect 0 "Deprecated:" -- "$BP" gradcheck --help
expect 0 "backprop: note: --seed is deprecated; use --data-seed" -- "$BP" data circle --seed 3

# ---- 7. diagnostics: the header is aligned with its columns; a few dead units are a warning
cat > "$tmp/dead.json" <<'JSON'
{"format": "backprop-model", "version": 1, "inputs": 2, "loss": "bce",
 "features": ["x1", "x2"], "target": "label", "classes": ["0", "1"],
 "layers": [
   {"activation": "relu",
    "weights": [[1, 0], [0, 1], [1, 1], [-1, 0], [0, -1], [1, -1], [-1, 1], [1, 2], [2, 1], [-1, -1]],
    "bias": [-100, -100, -100, 5, 5, 5, 5, 5, 5, 5]},
   {"activation": "sigmoid", "weights": [[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]],
    "bias": [0]}]}
JSON
"$BP" data circle --out "$tmp/circle.csv" > /dev/null
expect 0 "warning: layer 1: 3 of 10 relu units are dead" -- \
  "$BP" info --model "$tmp/dead.json" --data "$tmp/circle.csv"
# The library names its options; the command line shows them as flags.
expect 0 "try a smaller --lr, leaky_relu, or another --seed" -- \
  "$BP" info --model "$tmp/dead.json" --data "$tmp/circle.csv"
"$BP" info --model "$tmp/dead.json" --data "$tmp/circle.csv" > "$tmp/diag.txt"
# Where each word ends, for the header line and the two layer rows: the same 7 columns.
ends() { awk '{ s = ""; for (i = 1; i <= length($0); i++) if (substr($0, i, 1) != " " && \
  (i == length($0) || substr($0, i + 1, 1) == " ")) s = s " " i; print s }'; }
header=$(grep -A3 '^Diagnostics$' "$tmp/diag.txt" | sed -n 2p | ends)
row1=$(grep -A3 '^Diagnostics$' "$tmp/diag.txt" | sed -n 3p | ends)
row2=$(grep -A3 '^Diagnostics$' "$tmp/diag.txt" | sed -n 4p | ends)
check "diagnostics: header columns end where the values end ('$header' '$row1' '$row2')" -- \
  bash -c "[[ '$header' == '$row1' && '$header' == '$row2' && \$(wc -w <<< '$header') -eq 7 ]]"
check "diagnostics: dead units are not 'no problems found'" -- \
  bash -c "! grep -q 'no problems found' '$tmp/diag.txt'"

# ---- 8. the same error, the same exit status: 2 for flags and their values, 1 for files
printf 'a,b,c,y\n1,2,3,1\n' > "$tmp/three.csv"
expect 2 "--x: the data has 3 input values per sample, the network expects 2" -- \
  "$BP" trace --model "$tmp/std.json" --x 1,0,1 --y 1
expect 2 "--x: the network has 2 inputs, the sample has 3 values" -- \
  "$BP" graph --model "$tmp/std.json" --x 1,0,1 --y 1 --out "$tmp/g.dot"
expect 1 "three.csv: the data has 3 input values per sample, the network expects 2" -- \
  "$BP" trace --model "$tmp/std.json" --data "$tmp/three.csv" --targets y
expect 2 "--targets: $tmp/std.csv: no feature columns: every column (x1, x2, y) is a target" -- \
  "$BP" trace --model "$tmp/std.json" --data "$tmp/std.csv" --targets x1,x2,y
for cmd in "trace --x 1,0 --y 1" "gradcheck" "graph --x 1,0 --y 1 --out $tmp/g.dot" \
           "plot --out $tmp/figs" "info"; do
  expect 1 "$tmp/missing.json: cannot open" -- "$BP" $cmd --model "$tmp/missing.json"
done
expect 2 "--n: expected a positive number, found -5" -- "$BP" data circle --n -5
expect 2 "--noise: expected a finite number >= 0, found -1" -- "$BP" sweep --noise -1
expect 2 "--plot-format: unknown plot format 'gif'" -- "$BP" plot --history "$tmp/h.csv" \
  --out "$tmp/figs" --plot-format gif
expect 2 "--epsilon: expected a positive number, found nan" -- "$BP" gradcheck --layers 2-1 --epsilon nan
expect 2 "--out: cannot write '$tmp/no/x.csv': directory '$tmp/no' does not exist" -- \
  "$BP" data xor --out "$tmp/no/x.csv"

finish cli_consistency
