"""The general MLP, trace and gradcheck against the command line, model files, bad arrays."""
import json
import subprocess

import numpy as np
import pytest

import backprop
from backprop import MLP


def test_general_form_has_lists_and_numbered_names():
    mlp = MLP(layers=[2, 8, 8, 1], activation="tanh", output_activation="sigmoid", loss="bce",
              seed=0)
    assert [w.shape for w in mlp.W] == [(8, 2), (8, 8), (1, 8)]
    assert [b.shape for b in mlp.b] == [(8, 1), (8, 1), (1, 1)]
    X = np.random.RandomState(0).randn(2, 5)
    out = mlp.forward(X)
    assert out.shape == (1, 5) and len(mlp.z) == 3 and mlp.a3 is mlp.a[2]
    assert np.allclose(mlp.a[0], np.tanh(mlp.W1 @ X + mlp.b1))
    assert mlp.W3 is not None and mlp.loss == "bce"
    y = (X[:1] > 0).astype(float)
    before = mlp.compute_loss(y)
    grads = mlp.backward(X, y, 0.5)
    assert len(grads) == 6 and grads[0].shape == (8, 2) and grads[1].shape == (8, 1)
    mlp.forward(X)
    assert mlp.compute_loss(y) < before


def test_trace_matches_the_command_line(tmp_path, cli):
    mlp = MLP(layers=[2, 3, 2], activation="tanh", output_activation="sigmoid", seed=3)
    path = tmp_path / "m.json"
    mlp.save(path)
    X = np.array([[1.0, -0.5], [0.5, 2.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    W_before = [w.copy() for w in mlp.W]
    got = mlp.trace(X, Y, lr=0.5)
    assert all(np.array_equal(a, b) for a, b in zip(W_before, mlp.W))  # no weight changed
    run = subprocess.run([cli, "trace", "--model", str(path), "--x", "1,0.5", "--x", "-0.5,2",
                          "--y", "1,0", "--y", "0,1", "--lr", "0.5", "--format", "json"],
                         capture_output=True, text=True, check=True)
    expected = json.loads(run.stdout)

    def same(a, b):
        if isinstance(b, dict):
            assert set(a) == set(b)
            for k in b:
                same(a[k], b[k])
        elif isinstance(b, list) and b and isinstance(b[0], dict):
            assert len(a) == len(b)
            for u, v in zip(a, b):
                same(u, v)
        elif isinstance(b, list):
            assert isinstance(a, np.ndarray) and a.shape == np.array(b).shape
            assert np.array_equal(a, np.array(b, dtype=float))
        else:
            assert a == b
    same(got, expected)
    z = got["layers"][0]["z"]
    assert z.shape == (3, 2)


def test_gradcheck_matches_the_command_line(tmp_path, cli):
    mlp = MLP(layers=[2, 3, 2], activation="tanh", output_activation="softmax",
              loss="cross_entropy", seed=1)
    path = tmp_path / "m.json"
    mlp.save(path)
    report = mlp.gradcheck([[1.0], [0.5]], [[1.0], [0.0]])
    assert report["passed"] and [t["name"] for t in report["tensors"]] == [
        "W1", "b1", "W2", "b2", "x"]
    run = subprocess.run([cli, "gradcheck", "--model", str(path), "--x", "1,0.5", "--y", "1,0"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    for line in report["text"].strip().splitlines():
        assert line.strip() in run.stdout


def test_model_files_round_trip_with_the_command_line(tmp_path, cli):
    mlp = MLP(2, 4, 1)
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    y = np.array([[0, 1, 1, 0]], dtype=float)
    for _ in range(2000):
        mlp.forward(X)
        mlp.backward(X, y, 2.0)
    path = tmp_path / "xor.json"
    mlp.save(path)
    back = MLP.load(path)
    assert np.array_equal(back.forward(X), mlp.forward(X)) and back.loss == "mse"
    data = tmp_path / "x.csv"
    data.write_text("x1,x2\n0,0\n0,1\n1,0\n1,1\n")
    run = subprocess.run([cli, "predict", "--model", str(path), "--data", str(data)],
                         capture_output=True, text=True, check=True)
    values = [float(v) for v in run.stdout.split()[1:]]
    assert np.allclose(values, mlp.forward(X)[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((3, 4)), "X: expected 2 rows"),
    (np.zeros(4), "X: expected a 2-D array"),
    (np.array([[np.nan, 0], [0, 0]]), "X: contains NaN"),
    (np.array([["a", "b"], ["c", "d"]]), "X: expected real numbers"),
    ([[1, 2], [3]], "X:"),
])
def test_bad_arrays_are_value_errors_naming_the_argument(bad, message):
    mlp = MLP(2, 3, 1)
    with pytest.raises(ValueError, match=message):
        mlp.forward(bad)


def test_any_array_like_is_accepted():
    mlp = MLP(2, 3, 1)
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    a = mlp.forward(X.astype(np.float64))
    assert np.array_equal(mlp.forward(X.astype(np.int32)), a)
    assert np.array_equal(mlp.forward(np.asfortranarray(X, dtype=np.float32)), a)
    assert np.array_equal(mlp.forward(X.tolist()), a)


def test_library_errors_carry_their_message(tmp_path):
    with pytest.raises(backprop.Error, match="loss"):
        MLP(layers=[2, 2], activation="relu", loss="bce")
    assert issubclass(backprop.Error, ValueError)
    (tmp_path / "broken.json").write_text("{\"format\": \"backprop-model\", ")
    with pytest.raises(backprop.Error, match="broken.json"):
        MLP.load(tmp_path / "broken.json")


def test_pickle_keeps_the_weights():
    import pickle
    mlp = MLP(layers=[3, 5, 2], activation="relu", output_activation="linear", seed=7)
    back = pickle.loads(pickle.dumps(mlp))
    X = np.random.RandomState(1).randn(3, 4)
    assert np.array_equal(back.forward(X), mlp.forward(X))


def test_loading_a_standardised_model_warns(tmp_path, cli):
    path = tmp_path / "std.json"
    subprocess.run([cli, "train", "--dataset", "moons", "--hidden", "4", "--epochs", "3",
                    "--standardize", "--save", str(path), "--quiet"], check=True,
                   capture_output=True)
    with pytest.warns(UserWarning, match="standardises its inputs"):
        mlp = MLP.load(path)
    assert mlp.layers == [2, 4, 1]
