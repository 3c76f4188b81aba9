#!/usr/bin/env bash
# cli_metrics_test.sh — `backprop evaluate --format json` reports what scikit-learn computes on
# the same predictions (`backprop predict`'s): classification_report and roc_auc for classifiers
# (iris: 3 classes, digits: 10, moons: 2 with a sigmoid output, and 2 with softmax), mse/mae/r2
# for numeric targets (iris's petal width, and two targets), accuracy by the argmax for one-hot
# numeric targets (selected as `--targets 'y*'`). Usage: cli_metrics_test.sh BACKPROP_BINARY
BP="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${BACKPROP_SHARED_DATA:-$HERE/../../shared/data}"
source "$HERE/cli_lib.sh"
PY=/usr/bin/python3

# NAME TRAIN TEST FLAG COLUMNS [TRAIN FLAGS...]: train briefly, predict and evaluate on TEST, compare.
compare() {
  local name="$1" train="$2" test="$3" flag="$4" columns="$5"
  shift 5
  if ! "$BP" train --data "$train" "$flag" "$columns" --quiet --save "$tmp/$name.json" "$@" \
      >"$tmp/$name.train" 2>&1; then
    echo "FAIL: $name: training failed"; cat "$tmp/$name.train"; fails=$((fails + 1)); return
  fi
  "$BP" predict --model "$tmp/$name.json" --data "$test" --out "$tmp/$name.pred.csv" &&
    "$BP" evaluate --model "$tmp/$name.json" --data "$test" --format json >"$tmp/$name.eval.json"
  check "$name: evaluate agrees with scikit-learn" -- \
    "$PY" "$HERE/metrics_vs_sklearn.py" "$tmp/$name.eval.json" "$tmp/$name.pred.csv" "$test" \
    "$flag" "${columns//\'/}"
}

compare iris "$DATA/iris_train.csv" "$DATA/iris_test.csv" --target target \
  --hidden 8 --epochs 30 --standardize
compare digits "$DATA/digits_train.csv" "$DATA/digits_test.csv" --target target \
  --hidden 16 --epochs 15 --standardize
"$BP" data moons --n 120 --noise 0.3 --out "$tmp/moons.csv" >/dev/null
"$BP" data moons --n 80 --noise 0.3 --data-seed 7 --out "$tmp/moons_test.csv" >/dev/null
compare moons_sigmoid "$tmp/moons.csv" "$tmp/moons_test.csv" --target label --hidden 4 --epochs 20
compare moons_softmax "$tmp/moons.csv" "$tmp/moons_test.csv" --target label --hidden 4 \
  --epochs 20 --output-activation softmax --loss cross_entropy
compare iris_width "$DATA/iris_train.csv" "$DATA/iris_test.csv" --targets petal_width_cm \
  --hidden 8 --epochs 100 --standardize
compare iris_two "$DATA/iris_train.csv" "$DATA/iris_test.csv" \
  --targets petal_length_cm,petal_width_cm --hidden 8 --epochs 100 --standardize

# One-hot numeric targets (as FANN's PROBEN1 files have them): accuracy by the argmax.
for part in train test; do
  "$PY" - "$DATA/iris_$part.csv" "$tmp/onehot_$part.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w") as f:
    names = [n for n in rows[0] if n != "target"]
    f.write(",".join(names + ["y0", "y1", "y2"]) + "\n")
    for r in rows:
        f.write(",".join([r[n] for n in names] +
                         ["1" if int(r["target"]) == k else "0" for k in range(3)]) + "\n")
PYEOF
done
"$BP" train --data "$tmp/onehot_train.csv" --targets 'y*' --hidden 8 --epochs 60 --standardize \
  --quiet --save "$tmp/onehot.json" >/dev/null
"$BP" predict --model "$tmp/onehot.json" --data "$tmp/onehot_test.csv" --out "$tmp/onehot.pred.csv"
"$BP" evaluate --model "$tmp/onehot.json" --data "$tmp/onehot_test.csv" --format json \
  >"$tmp/onehot.eval.json"
check "one-hot targets: accuracy by the argmax, as scikit-learn" -- \
  "$PY" "$HERE/metrics_vs_sklearn.py" "$tmp/onehot.eval.json" "$tmp/onehot.pred.csv" \
  "$tmp/onehot_test.csv" --targets y0,y1,y2
expect 0 '"accuracy": 0.' -- cat "$tmp/onehot.eval.json"
expect 0 "The targets are one-hot" -- \
  "$BP" evaluate --model "$tmp/onehot.json" --data "$tmp/onehot_test.csv"
# Text output: the same figures as a table.
expect 0 "weighted avg" -- "$BP" evaluate --model "$tmp/iris.json" --data "$DATA/iris_test.csv"
expect 0 "ROC AUC: " -- "$BP" evaluate --model "$tmp/moons_sigmoid.json" --data "$tmp/moons_test.csv"
expect 0 "R2: " -- "$BP" evaluate --model "$tmp/iris_width.json" --data "$DATA/iris_test.csv"

finish cli_metrics
