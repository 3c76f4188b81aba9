#!/usr/bin/python3
"""Independent reference for the library's reported metrics (include/backprop/model/metrics.h).

Writes metrics.json next to this script: cases of true and predicted classes, scores and
regression targets/predictions, each with what scikit-learn (Debian's, 1.2) computes for them:

  classification  classification_report(y_true, y_pred, output_dict=True) on class indices, its
                  keys then renamed to the class names (the library lists classes in class
                  order, which is scikit-learn's sorted label order for indices)
  roc             roc_auc_score(y_true, score), y_true 0/1 (None where undefined)
  regression      mean_squared_error, mean_absolute_error, r2_score (multioutput uniform), y and
                  predictions as (targets x N) rows

Run: /usr/bin/python3 tests/golden/generate_metrics.py
"""
import json
import os
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (classification_report, mean_absolute_error, mean_squared_error,
                             r2_score, roc_auc_score)

rng = np.random.RandomState(15)
cases = {"classification": [], "roc": [], "regression": []}


def add_classification(name, y_true, y_pred, classes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        report = classification_report(y_true, y_pred, output_dict=True)
    renamed = {}
    for key, value in report.items():
        renamed[classes[int(key)] if key.isdigit() else key] = value
    cases["classification"].append({"name": name, "classes": classes,
                                    "true": [int(v) for v in y_true],
                                    "predicted": [int(v) for v in y_pred],
                                    "keys": list(renamed.keys()), "report": renamed})


def add_roc(name, y_true, score):
    try:
        auc = float(roc_auc_score(y_true, score))
    except ValueError:  # one class only
        auc = None
    cases["roc"].append({"name": name, "positive": [int(v) for v in y_true],
                         "score": [float(s) for s in score], "auc": auc})


def add_regression(name, y, p):  # y, p: (N x targets), stored as (targets x N)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r2 = r2_score(y, p)
    cases["regression"].append({
        "name": name, "y": y.T.tolist(), "predicted": p.T.tolist(),
        "mse": float(mean_squared_error(y, p)), "mae": float(mean_absolute_error(y, p)),
        "r2": None if np.isnan(r2) else float(r2)})


# Classification: mostly right, some classes never predicted, one only predicted, one absent.
t = rng.randint(0, 10, 200)
p = np.where(rng.rand(200) < 0.8, t, rng.randint(0, 10, 200))
add_classification("ten classes", t, p, [str(k) for k in range(10)])
t = rng.randint(0, 4, 50)
p = np.where(t == 2, 0, t)  # class 2 never predicted
p[:3] = 3                   # class 3 also predicted wrongly
add_classification("never predicted", t, p, ["setosa", "versicolor", "virginica", "other"])
t = rng.randint(0, 2, 30)
p = np.where(rng.rand(30) < 0.3, 4, t)  # class 4 predicted, never true; 2 and 3 absent
add_classification("absent classes", t, p, ["a", "b", "c", "d", "e"])
add_classification("one sample", np.array([1]), np.array([1]), ["no", "yes"])
add_classification("all wrong", np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]), ["0", "1"])

# ROC AUC: continuous scores, heavy ties, perfect, reversed, one class only.
t = rng.randint(0, 2, 100)
add_roc("continuous", t, np.clip(0.3 * t + rng.rand(100) * 0.7, 0, 1))
add_roc("ties", t, np.round(0.3 * t + rng.rand(100) * 0.7, 1))
add_roc("perfect", np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))
add_roc("reversed", np.array([0, 0, 1, 1]), np.array([0.9, 0.8, 0.2, 0.1]))
add_roc("all tied", np.array([0, 1, 0, 1, 1]), np.array([0.5] * 5))
add_roc("one class", np.array([1, 1, 1]), np.array([0.2, 0.5, 0.9]))

# Regression: one target, several, a constant target predicted exactly and not.
y = rng.randn(60, 1) * 3 + 1
add_regression("one target", y, y + rng.randn(60, 1))
y = rng.randn(40, 3)
add_regression("three targets", y, y * 0.5 + rng.randn(40, 3) * 0.3)
y = np.column_stack([np.full(20, 2.0), rng.randn(20)])
add_regression("constant target exact", y, np.column_stack([np.full(20, 2.0), y[:, 1] + 0.1]))
add_regression("constant target wrong", y, y + 0.25)
add_regression("one sample", np.array([[1.0]]), np.array([[1.5]]))

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "metrics.json"), "w") as f:
    json.dump(cases, f, indent=1)
    f.write("\n")
