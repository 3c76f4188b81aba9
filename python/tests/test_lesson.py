"""The lesson's own code on the engine: sections 6-7 and the gradient checks of 8 and 9.5."""
import contextlib
import io
import os
import runpy
import warnings

import numpy as np

import backprop

HERE = os.path.dirname(__file__)


def run_lesson_file(name):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plt.show() on Agg: "non-interactive"
        namespace = runpy.run_path(os.path.join(HERE, name), run_name="lesson")
    return namespace, out.getvalue()


def test_sections_6_7_print_the_lessons_final_table():
    ns, out = run_lesson_file("lesson_sections_6_7.py")
    assert "✓ Input: (0, 0) → Output: 0.0123 → Predicted: 0 (True: 0)" in out
    assert "✓ Input: (0, 1) → Output: 0.9893 → Predicted: 1 (True: 1)" in out
    assert "✓ Input: (1, 0) → Output: 0.9900 → Predicted: 1 (True: 1)" in out
    assert "✓ Input: (1, 1) → Output: 0.0102 → Predicted: 0 (True: 0)" in out
    assert "Epoch     0:" in out and "Accuracy = 100%" in out
    assert len(ns["loss_history"]) == 10000
    assert "W1:    (3, 2)" in out and "a2:    (1, 4)" in out


def test_constructor_gives_the_lessons_weights_and_numpy_state():
    np.random.seed(0)
    mlp = backprop.MLP(2, 4, 1)
    after = np.random.rand()
    np.random.seed(42)
    W1 = np.random.randn(4, 2) * np.sqrt(2.0 / 2)
    W2 = np.random.randn(1, 4) * np.sqrt(2.0 / 4)
    assert np.array_equal(mlp.W1, W1) and np.array_equal(mlp.W2, W2)
    assert after == np.random.rand()
    assert mlp.b1.shape == (4, 1) and not mlp.b1.any()


def test_weights_are_writable_views_of_the_engine():
    mlp = backprop.MLP(2, 3, 1)
    X = np.array([[1.0], [0.5]])
    before = mlp.forward(X).copy()
    mlp.W2[0, 1] += 0.5
    assert mlp.forward(X)[0, 0] != before[0, 0]
    mlp.W2[0, 1] -= 0.5
    assert mlp.forward(X)[0, 0] == before[0, 0]
    mlp.b[1][:] = 1.0
    assert mlp.b2[0, 0] == 1.0
    mlp.W1 = np.zeros((3, 2))
    assert not mlp.W[0].any()


def test_gradient_check_of_exercise_9_5_passes_for_every_network():
    ns, out = run_lesson_file("lesson_gradient_check.py")
    np.random.seed(42)
    for n_in, n_hid, n_out in [(2, 2, 1), (3, 4, 1), (2, 3, 2)]:
        np.random.seed(42)
        mlp = backprop.MLP(n_in, n_hid, n_out)
        X = np.random.randn(n_in, 2)
        y = np.random.rand(n_out, 2)
        with contextlib.redirect_stdout(io.StringIO()):
            assert ns["gradient_check"](mlp, X, y) < 1e-5
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ns["full_gradient_check"]()
    assert buf.getvalue().count("→ ✓ PASS\n") == 3 and "FAIL" not in buf.getvalue()
