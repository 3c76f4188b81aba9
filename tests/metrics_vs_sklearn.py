#!/usr/bin/python3
"""Checks `backprop evaluate --format json` against scikit-learn on the same predictions.

  metrics_vs_sklearn.py EVALUATION.json PREDICTIONS.csv DATA.csv (--target COL | --targets A,B,...)

PREDICTIONS.csv is `backprop predict`'s output on DATA.csv: for a classifier its "predicted"
column and one p_<class> column per class; for numeric targets one column per target. With
--target the true classes are DATA.csv's column COL; with --targets the true values are those
columns, and when they are one-hot (every value 0/1, one 1 per row) they are also classes by the
argmax, named by the columns. Exit status 0 when every figure agrees (to 1e-12 relative: NumPy
sums in another order), 1 otherwise, saying which.
"""
import csv
import json
import math
import sys
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (classification_report, mean_absolute_error, mean_squared_error,
                             r2_score, roc_auc_score)

failures = []


def close(what, ours, theirs):
    if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
        if ours is not None:
            failures.append(f"{what}: ours {ours}, scikit-learn undefined")
        return
    if ours is None or abs(ours - theirs) > 1e-12 * max(1.0, abs(theirs)):
        failures.append(f"{what}: ours {ours}, scikit-learn {theirs}")


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def check_report(ours, y_true, y_pred, classes, proba1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        theirs = classification_report(y_true, y_pred, output_dict=True)
    theirs = {(classes[int(k)] if k.isdigit() else k): v for k, v in theirs.items()}
    if list(ours.keys()) != list(theirs.keys()):
        failures.append(f"report keys: ours {list(ours)}, scikit-learn {list(theirs)}")
        return
    for key, value in theirs.items():
        if key == "accuracy":
            close("accuracy", ours[key], value)
            continue
        if list(ours[key].keys()) != list(value.keys()):
            failures.append(f"{key}: fields {list(ours[key])}, scikit-learn {list(value)}")
        for field in ("precision", "recall", "f1-score"):
            close(f"{key} {field}", ours[key][field], value[field])
        # ours is always an integer (scikit-learn 1.2 writes 2.0 where every score is 0)
        if not isinstance(ours[key]["support"], int) or ours[key]["support"] != value["support"]:
            failures.append(f"{key} support: ours {ours[key]['support']}, sklearn {value['support']}")
    if len(classes) == 2:
        try:
            auc = roc_auc_score(y_true, proba1)
        except ValueError:
            auc = None
        close("roc_auc", ours_json.get("roc_auc", "missing"), auc)


ours_json = json.load(open(sys.argv[1]))
predictions = read_csv(sys.argv[2])
data = read_csv(sys.argv[3])
flag, columns = sys.argv[4], sys.argv[5]
if flag == "--target":
    classes = ours_json["classes"]
    index = {c: k for k, c in enumerate(classes)}
    y_true = np.array([index[row[columns]] for row in data])
    y_pred = np.array([index[row["predicted"]] for row in predictions])
    proba1 = np.array([float(row["p_" + classes[-1]]) for row in predictions])
    check_report(ours_json["report"], y_true, y_pred, classes, proba1)
    close("accuracy (top level)", ours_json["accuracy"], float(np.mean(y_true == y_pred)))
    for key in ("mse", "mae", "r2"):
        if key in ours_json:
            failures.append(f"{key} reported for a classifier")
else:
    names = columns.split(",")
    y = np.array([[float(row[n]) for n in names] for row in data])
    p = np.array([[float(row[n]) for n in names] for row in predictions])
    close("mse", ours_json["mse"], float(mean_squared_error(y, p)))
    close("mae", ours_json["mae"], float(mean_absolute_error(y, p)))
    close("r2", ours_json["r2"], float(r2_score(y, p)))
    one_hot = np.isin(y, (0, 1)).all() and (y.shape[1] == 1 or (y.sum(axis=1) == 1).all())
    if one_hot and y.shape[1] > 1:
        y_true, y_pred = y.argmax(axis=1), p.argmax(axis=1)
        close("accuracy (one-hot, argmax)", ours_json["accuracy"], float(np.mean(y_true == y_pred)))
        check_report(ours_json["report"], y_true, y_pred, names, p[:, 1] if len(names) == 2 else None)
    elif one_hot:  # one 0/1 column: class 1 when the output is above 0.5
        y_true, y_pred = y[:, 0].astype(int), (p[:, 0] > 0.5).astype(int)
        close("accuracy (0/1 target)", ours_json["accuracy"], float(np.mean(y_true == y_pred)))
        check_report(ours_json["report"], y_true, y_pred, ["0", "1"], p[:, 0])
    elif ours_json["accuracy"] is not None or "report" in ours_json:
        failures.append("accuracy or a report for targets that are not classes")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
