"""export_onnx(path): ONNX files from the Python package, read back by the library (backprop's
own ONNX reader) and accepted by onnx.checker with full_check."""
import numpy as np
import pytest

from backprop import MLP, MLPClassifier, MLPRegressor, _core


def check(path):
    onnx = pytest.importorskip("onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


@pytest.mark.parametrize("precision", ["float", "double"])
def test_estimators_export_their_scaling_and_classes(tmp_path, precision):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3)) * [1, 10, 100] + [0, 5, -50]
    y = (X[:, 0] + X[:, 1] / 10 > 0.5).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(6,), max_iter=20, random_state=0).fit(X, y)
    path = tmp_path / "clf.onnx"
    clf.export_onnx(path, precision)
    check(path)
    back = _core.Model.load(str(path))  # the .onnx file through the library's reader
    assert back.is_standardized == clf._model.is_standardized
    assert back.class_names == clf._model.class_names
    tol = 1e-6 if precision == "float" else 1e-14
    np.testing.assert_allclose(back.predict_proba(X.T), clf.predict_proba(X).T, rtol=0, atol=tol)

    reg = MLPRegressor(hidden_layer_sizes=(5, 4), max_iter=10, random_state=0).fit(X, X[:, 0])
    reg.export_onnx(tmp_path / "reg.onnx", precision)
    check(tmp_path / "reg.onnx")


def test_mlp_exports_its_network(tmp_path):
    mlp = MLP(layers=[2, 4, 1], activation="tanh", output_activation="sigmoid", loss="bce", seed=1)
    mlp.export_onnx(tmp_path / "xor.onnx", precision="double")
    check(tmp_path / "xor.onnx")
    back = _core.Model.load(str(tmp_path / "xor.onnx"))
    X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]], dtype=float)
    np.testing.assert_array_equal(back.predict(X), mlp.forward(X))
