"""The scikit-learn estimators: scikit-learn's own checks, accuracy, pickle, model files."""
import os
import pickle
import subprocess

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import backprop
from backprop import MLPClassifier, MLPRegressor

DATA = os.environ.get("BACKPROP_SHARED_DATA") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared", "data")


def load(name):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} is not there")
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return table[:, :-1], table[:, -1].astype(int)


@pytest.mark.parametrize("estimator", [MLPClassifier(), MLPRegressor()],
                         ids=["MLPClassifier", "MLPRegressor"])
def test_scikit_learns_estimator_checks(estimator):
    import warnings
    from sklearn.exceptions import SkipTestWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkipTestWarning)  # every check runs (pandas too)
        check_estimator(estimator)


@pytest.mark.parametrize("name, reference", [("iris", 0.984), ("digits", 0.974)])
def test_accuracy_matches_scikit_learns(name, reference):
    # ../shared/data/README.md: 32 relu units, adam 1e-3, 500 epochs, batch min(200, n),
    # standardised inputs; scikit-learn's mean test accuracy over seeds 0-4 is `reference`.
    X, y = load(f"{name}_train.csv")
    Xt, yt = load(f"{name}_test.csv")
    scores = []
    for seed in range(5):
        model = make_pipeline(StandardScaler(), MLPClassifier(
            hidden_layer_sizes=(32,), learning_rate_init=1e-3, max_iter=500, tol=0,
            n_iter_no_change=10**6, random_state=seed))
        with pytest.warns(Warning):  # ConvergenceWarning: all 500 epochs were run
            model.fit(X, y)
        scores.append(model.score(Xt, yt))
    assert np.mean(scores) >= reference - 0.01


def test_fitted_attributes_in_scikit_learns_orientation():
    X, y = load("iris_train.csv")
    clf = MLPClassifier(hidden_layer_sizes=(5, 4), max_iter=20, random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(4, 5), (5, 4), (4, 3)]
    assert [b.shape for b in clf.intercepts_] == [(5,), (4,), (3,)]
    assert clf.n_features_in_ == 4 and list(clf.classes_) == [0, 1, 2]
    assert clf.out_activation_ == "softmax" and clf.n_iter_ == len(clf.loss_curve_) <= 20
    binary = MLPClassifier(max_iter=5, random_state=0).fit(X[y < 2], np.where(y[y < 2], "b", "a"))
    assert binary.out_activation_ == "logistic" and binary.predict_proba(X).shape == (len(X), 2)
    assert set(binary.predict(X)) <= {"a", "b"}
    reg = MLPRegressor(max_iter=5, random_state=0).fit(X, X[:, 0])
    assert reg.out_activation_ == "identity" and reg.predict(X).shape == (len(X),)


def test_partial_fit_continues_one_run():
    # The library keeps the training state (weights, Adam's moments and step, the shuffling
    # generator) between calls: 30 calls are the 30-epoch fit, bit for bit, through pickling too.
    X, y = load("iris_train.csv")
    params = dict(hidden_layer_sizes=(8,), random_state=0, tol=0, n_iter_no_change=1000)
    clf = MLPClassifier(**params)
    for i in range(30):
        clf.partial_fit(X, y, classes=[0, 1, 2])
        if i == 10:
            clf = pickle.loads(pickle.dumps(clf))
    assert clf.n_iter_ == 30 and clf.loss_curve_[-1] < clf.loss_curve_[0]
    with pytest.warns(Warning):
        whole = MLPClassifier(max_iter=30, **params).fit(X, y)
    assert whole.loss_curve_ == clf.loss_curve_
    assert all(np.array_equal(a, b) for a, b in zip(whole.coefs_, clf.coefs_))
    reg = MLPRegressor(random_state=0)
    for _ in range(3):
        reg.partial_fit(X, X[:, 0])
    assert reg.n_iter_ == 3


def test_pickle_gives_identical_predictions():
    X, y = load("iris_train.csv")
    for est in (MLPClassifier(max_iter=50, random_state=1).fit(X, y),
                MLPRegressor(max_iter=50, random_state=1).fit(X, X[:, :2])):
        back = pickle.loads(pickle.dumps(est))
        assert np.array_equal(back.predict(X), est.predict(X))
        assert back.get_params() == est.get_params()


def test_model_files_both_ways_with_the_command_line(tmp_path, cli):
    X, y = load("iris_train.csv")
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=100, random_state=0).fit(X, y)
    path = tmp_path / "py.json"
    clf.save(path)
    data = tmp_path / "x.csv"
    np.savetxt(data, X, delimiter=",", header="x0,x1,x2,x3", comments="")
    run = subprocess.run([cli, "predict", "--model", str(path), "--data", str(data)],
                         capture_output=True, text=True, check=True)
    rows = [r.split(",") for r in run.stdout.strip().splitlines()[1:]]
    assert [int(r[0]) for r in rows] == list(clf.predict(X))
    assert np.allclose([[float(v) for v in r[1:]] for r in rows], clf.predict_proba(X),
                       rtol=0, atol=1e-9)
    # and the other way: trained by the command line, served by Python
    cli_model = tmp_path / "cli.json"
    subprocess.run([cli, "train", "--data", os.path.join(DATA, "iris_train.csv"), "--target",
                    "target", "--hidden", "8", "--epochs", "50", "--save", str(cli_model)],
                   capture_output=True, text=True, check=True)
    loaded = MLPClassifier.load(cli_model)
    run = subprocess.run([cli, "predict", "--model", str(cli_model), "--data",
                          os.path.join(DATA, "iris_train.csv")],
                         capture_output=True, text=True, check=True)
    rows = [r.split(",") for r in run.stdout.strip().splitlines()[1:]]
    assert list(loaded.classes_) == [0, 1, 2]
    assert [int(r[0]) for r in rows] == list(loaded.predict(X))
    reg = MLPRegressor(max_iter=20, random_state=0).fit(X, X[:, 0])
    reg.save(tmp_path / "reg.json")
    assert np.array_equal(MLPRegressor.load(tmp_path / "reg.json").predict(X), reg.predict(X))


def test_bad_arrays_and_parameters_name_the_argument():
    X, y = load("iris_train.csv")
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier().fit(bad, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=(0,)).fit(X, y)
    with pytest.raises(ValueError, match="solver"):
        MLPClassifier(solver="lbfgs").fit(X, y)
    clf = MLPClassifier(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])


def test_verbose_prints_through_sys_stdout(capsys):
    X, y = load("iris_train.csv")
    MLPClassifier(max_iter=3, verbose=True, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Iteration 3, loss = " in out


def test_library_warnings_go_through_the_warnings_module():
    rs = np.random.RandomState(0)
    X, y = rs.randn(30, 2), np.arange(30) % 12  # 12 classes among 30 samples
    with pytest.warns(UserWarning, match="distinct values") as record:
        MLPClassifier(max_iter=2).fit(X, y)
    assert any(w.filename == __file__ for w in record)  # pointing at the caller's line
    import warnings
    clf = MLPClassifier(max_iter=10**6, tol=0, n_iter_no_change=10**6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # raised before training goes far
        with pytest.raises(UserWarning, match="distinct values"):
            clf.fit(X, y)
    assert not hasattr(clf, "classes_")


def test_training_releases_the_gil():
    import threading
    X = np.random.RandomState(0).randn(2000, 20)
    y = (X[:, 0] > 0).astype(int)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)
    t = threading.Thread(target=count)
    t.start()
    MLPClassifier(hidden_layer_sizes=(64,), max_iter=200, tol=0, random_state=0,
                  threads=1).fit(X, y)
    stop.set()
    t.join()
    assert len(ticks) > 10


INTERRUPTED = r"""
import sys, time
import numpy as np
import backprop
X = np.random.RandomState(0).randn(3000, 30)
y = (X[:, 0] > 0).astype(int)
clf = backprop.MLPClassifier(hidden_layer_sizes=(64,), max_iter=10**6, tol=0,
                             n_iter_no_change=10**6, random_state=0, threads=1)
clf.fit(X[:100], y[:100]) if False else None
print("ready", flush=True)
try:
    clf.fit(X, y)
except KeyboardInterrupt:
    print("interrupted", time.monotonic(), hasattr(clf, "_model"), flush=True)
"""


def test_ctrl_c_stops_training_within_a_second():
    import signal
    import time
    proc = subprocess.Popen([os.sys.executable, "-c", INTERRUPTED], stdout=subprocess.PIPE,
                            text=True, env=os.environ.copy())
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    line = proc.stdout.readline().split()
    proc.wait(timeout=10)
    assert line[0] == "interrupted"
    assert float(line[1]) - sent < 1.0
    assert line[2] == "False"  # the estimator is left as it was: unfitted


def test_early_stopping_holds_out_validation_data():
    X, y = load("digits_train.csv")
    labels = np.array([f"digit{v}" for v in y])
    clf = MLPClassifier(early_stopping=True, random_state=0).fit(X / 16, labels)
    assert clf.n_iter_ < 200 and len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ > 0.9 and clf.score(X / 16, labels) > 0.95
    reg = MLPRegressor(early_stopping=True, max_iter=5, random_state=0).fit(X / 16, y * 1.0)
    assert reg.validation_scores_ is None and len(reg.validation_loss_curve_) == 5


def test_learning_rate_schedules_step_once_per_epoch():
    X = np.random.RandomState(0).randn(60, 3)
    y = X @ np.array([0.5, -1.0, 2.0])
    step = MLPRegressor(hidden_layer_sizes=(8,), solver="sgd", momentum=0.0,
                        learning_rate_init=0.1, max_iter=6, random_state=1, lr_schedule="step",
                        lr_step_size=2, lr_gamma=0.5).fit(X, y)
    assert step.lr_curve_ == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025], rel=1e-12)
    # cosine's T defaults to max_iter, also across partial_fit calls
    cosine = MLPRegressor(hidden_layer_sizes=(8,), max_iter=4, random_state=1,
                          learning_rate_init=0.01, lr_schedule="cosine", lr_min=0.001)
    for _ in range(4):
        cosine.partial_fit(X, y)
    expected = [0.001 + 0.009 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(4)]
    assert cosine.lr_curve_ == pytest.approx(expected, rel=1e-12)
    constant = MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, random_state=1).fit(X, y)
    assert constant.lr_curve_ == [0.001] * 3
    with pytest.raises(ValueError, match="learning-rate schedule 'linear'"):
        MLPRegressor(lr_schedule="linear").fit(X, y)
    with pytest.raises(ValueError, match="lr_schedule.gamma"):
        MLPRegressor(lr_schedule="exponential", lr_gamma=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="clip_norm"):
        MLPRegressor(clip_norm=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="keep_best"):
        MLPRegressor(keep_best=True).fit(X, y)


def test_dropout_and_class_weight():
    # Dropout: reproducible with a seed, changes training, saved in the model file; predictions
    # use the full network. Class weights: scikit-learn's forms, by class label.
    rng = np.random.RandomState(0)
    X = rng.randn(120, 3)
    y = np.where(X[:, 0] + 0.3 * rng.randn(120) > 0.8, "rare", "common")
    kw = dict(hidden_layer_sizes=(16, 8), max_iter=30, random_state=1, tol=0,
              n_iter_no_change=10**6)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = MLPClassifier(**kw).fit(X, y)
        a = MLPClassifier(dropout=0.3, **kw).fit(X, y)
        b = MLPClassifier(dropout=[0.3, 0.3], **kw).fit(X, y)
        assert np.array_equal(a.coefs_[0], b.coefs_[0])
        assert not np.array_equal(a.coefs_[0], plain.coefs_[0])
        balanced = MLPClassifier(class_weight="balanced", **kw).fit(X, y)
        heavy = MLPClassifier(class_weight={"rare": 5.0}, **kw).fit(X, y)
        reg = MLPRegressor(dropout=0.2, **kw).fit(X, X[:, 0])
    assert not np.array_equal(balanced.coefs_[0], plain.coefs_[0])
    # more weight on the rare class finds more of it
    assert (heavy.predict(X) == "rare").sum() >= (plain.predict(X) == "rare").sum()
    assert reg.predict(X).shape == (120,)
    assert "class_weight" not in MLPRegressor().get_params()
    with pytest.raises(ValueError, match="class_weight: unknown class 'dog'"):
        MLPClassifier(class_weight={"dog": 2.0}, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="class_weight: expected None, 'balanced' or a dict"):
        MLPClassifier(class_weight="heavy", max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match=r"dropout: expected a rate in \[0, 1\)"):
        MLPClassifier(dropout=1.0, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="dropout: expected"):
        MLPClassifier(hidden_layer_sizes=(4, 4), dropout=[0.1, 0.1, 0.1], max_iter=2).fit(X, y)


def test_classifier_takes_every_training_option_and_stop_loss_stops():
    # MLPClassifier and MLPRegressor take the same training options (schedules, clipping,
    # keep_best, dropout, stop_loss); stop_loss ends training at the first epoch below it.
    X = np.random.RandomState(0).randn(80, 2)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    shared = set(MLPRegressor().get_params())
    assert shared <= set(MLPClassifier().get_params())
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=500, random_state=0, tol=0,
                        n_iter_no_change=10**6, learning_rate_init=0.05, lr_schedule="step",
                        lr_step_size=100, lr_gamma=0.5, stop_loss=0.3).fit(X, y)
    assert clf.lr_curve_[0] == 0.05 and len(clf.lr_curve_) == clf.n_iter_
    assert clf.n_iter_ < 500 and clf.loss_curve_[-1] < 0.3 <= min(clf.loss_curve_[:-1])
    with pytest.raises(ValueError, match="stop_loss"):
        MLPClassifier(stop_loss=-1.0, max_iter=2).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_deterministic_reaches_the_library_and_fixes_the_model_whatever_the_threads():
    """A net split into shards (a layer of 256 x 128 = 32768 weights, batches of 128) trains
    bit-identical weights on 1 and 2 threads; with deterministic=True a narrow net (not split into
    shards) runs on one thread whatever `threads` says, and without it on two."""
    rng = np.random.RandomState(0)
    X = rng.randn(512, 256)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)

    def fitted(threads, batch, deterministic=True, hidden=128):
        return MLPClassifier(hidden_layer_sizes=(hidden,), batch_size=batch, max_iter=2,
                             random_state=0, threads=threads,
                             deterministic=deterministic).fit(X, y)

    one, two = fitted(1, 128), fitted(2, 128)
    assert (one.threads_, two.threads_) == (1, 2), two.threads_reason_
    assert "shards" in two.threads_reason_
    for a, b in zip(one.coefs_ + one.intercepts_, two.coefs_ + two.intercepts_):
        np.testing.assert_array_equal(a, b)
    narrow = fitted(2, 64, hidden=8)
    assert narrow.threads_ == 1 and "deterministic" in narrow.threads_reason_
    assert fitted(2, 64, deterministic=False, hidden=8).threads_ == 2
    assert MLPClassifier(deterministic=True).get_params()["deterministic"] is True
