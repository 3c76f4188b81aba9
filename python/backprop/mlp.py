"""The lesson's MLP class (section 6), on the C++ engine.

    mlp = MLP(2, 4, 1)          # np.random.seed(42), then the lesson's draws: the lesson's weights
    a2 = mlp.forward(X)         # X: (n_input, N); stores z1, a1, z2, a2
    loss = mlp.compute_loss(y)  # y: (n_output, N)
    dW1, db1, dW2, db2 = mlp.backward(X, y, lr)   # the gradients, after W <- W - lr dW

Arrays follow the lesson: features x samples. W1, b1, ... are writable NumPy views of the
engine's own memory (W is (units, inputs), b is (units, 1)), so code that changes mlp.W1[i, j] in
place changes the network. The loss is the library's: mse is the mean over every output and
sample, 1/(m N) sum (a - y)^2, whose gradient backward() uses, so the two agree for any number of
outputs (the lesson's class differs by the factor m there).

The general form takes any depth, activations and loss:

    MLP(layers=[2, 8, 8, 1], activation="tanh", output_activation="sigmoid", loss="bce", seed=0)

with W[l], b[l], z[l], a[l] (l = 0 for the first weight layer, the lesson's layer 1) and the
numbered names W1, b1, z1, a1, ... besides.
"""
import json

import numpy as np

from . import _core
from ._arrays import as_matrix

__all__ = ["MLP"]


class _LayerList:
    """W[l] / b[l]: views of the engine's parameters; assigning W[l] = A copies A into them."""

    def __init__(self, mlp, kind):
        self._mlp, self._kind = mlp, kind

    def __len__(self):
        return self._mlp._net.depth

    def __getitem__(self, l):
        return self._mlp._param(self._kind, l)

    def __setitem__(self, l, value):
        self._mlp._set_param(self._kind, l, value)

    def __iter__(self):
        return (self[l] for l in range(len(self)))


class MLP:
    """A multilayer perceptron trained by backpropagation (the lesson's class, on the engine)."""

    def __init__(self, n_input=None, n_hidden=None, n_output=None, *, layers=None,
                 activation="sigmoid", output_activation=None, loss="mse", seed=None,
                 init="he_normal", alpha=0.01):
        lesson_form = layers is None
        if lesson_form:
            if n_input is None or n_hidden is None or n_output is None:
                raise ValueError("MLP(n_input, n_hidden, n_output), or MLP(layers=[...])")
            layers = [n_input, n_hidden, n_output]
        elif n_input is not None or n_hidden is not None or n_output is not None:
            raise ValueError("layers: give either MLP(n_input, n_hidden, n_output) or layers")
        layers = [int(n) for n in layers]
        if len(layers) < 2:
            raise ValueError(f"layers: expected at least [inputs, outputs], found {layers}")
        if output_activation is None:
            output_activation = activation
        depth = len(layers) - 1
        self._net = _core.Network(layers[0], [activation] * (depth - 1) + [output_activation],
                                  layers[1:], loss, alpha)
        if lesson_form and seed is None:
            # The lesson's constructor: np.random.seed(42), then randn(n_hidden, n_input) and
            # randn(n_output, n_hidden). The engine draws the same numbers from its own copy of
            # NumPy's generator (he_normal, seed 42); NumPy's global state is left as the
            # lesson's leaves it, so the lesson's later draws (its data) come out the same.
            np.random.seed(42)
            for l in range(depth):
                np.random.randn(layers[l + 1], layers[l])
            seed = 42
        self._net.initialize(init, 0 if seed is None else int(seed))
        self._store_caches(())
        self.W = _LayerList(self, "W")
        self.b = _LayerList(self, "b")

    # ---- the engine's parameters as views -------------------------------------------------------
    def _param(self, kind, l):
        if not 0 <= l < self._net.depth:
            raise IndexError(f"layer {l}: the network has {self._net.depth} weight layers")
        return self._net.W(l) if kind == "W" else self._net.b(l)

    def _set_param(self, kind, l, value):
        target = self._param(kind, l)
        value = as_matrix(f"{kind}[{l}]", np.reshape(value, target.shape)
                          if np.size(value) == target.size else value)
        if value.shape != target.shape:
            raise ValueError(f"{kind}[{l}]: expected shape {target.shape}, found {value.shape}")
        target[...] = value

    def _store_caches(self, z_a):
        self.z = [z for z, _ in z_a]
        self.a = [a for _, a in z_a]

    def __getattr__(self, name):
        # W1, b1, z1, a1, ...: the lesson numbers layers from 1.
        if len(name) >= 2 and name[0] in "Wbza" and name[1:].isdigit():
            l = int(name[1:]) - 1
            depth = self.__dict__["_net"].depth
            if 0 <= l < depth:
                if name[0] in "Wb":
                    return self._param(name[0], l)
                caches = self.__dict__[name[0]]
                if l < len(caches):
                    return caches[l]
        raise AttributeError(f"'MLP' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        if len(name) >= 2 and name[0] in "Wb" and name[1:].isdigit() and "_net" in self.__dict__:
            l = int(name[1:]) - 1
            if 0 <= l < self._net.depth:
                self._set_param(name[0], l, value)
                return
        object.__setattr__(self, name, value)

    # ---- the lesson's methods ---------------------------------------------------------------------
    @property
    def layers(self):
        return [self._net.inputs] + [self._net.units(l) for l in range(self._net.depth)]

    @property
    def loss(self):
        return self._net.loss

    def forward(self, X):
        """a(L) for X (n_input, N); stores z[l], a[l] (z1, a1, ...)."""
        X = as_matrix("X", X, self._net.inputs, "rows (one per input)")
        out = self._net.forward(X)
        self._store_caches([(self._net.z(l), self._net.a(l)) for l in range(self._net.depth)])
        return out

    def compute_loss(self, y_true):
        """The loss of the last forward pass against y_true (n_output, N)."""
        y = as_matrix("y_true", y_true, self._net.outputs, "rows (one per output)")
        if not self.a or self.a[-1].shape != y.shape:
            raise ValueError(f"y_true: expected the shape of the last forward pass's output "
                             f"{self.a[-1].shape if self.a else None}, found {y.shape}")
        return float(self._net.loss_value(y))

    def backward(self, X, y_true, lr):
        """Backpropagation after forward(X), then W <- W - lr dW, b <- b - lr db.

        Returns the gradients dW1, db1, dW2, db2, ... (db as (units, 1))."""
        X = as_matrix("X", X, self._net.inputs, "rows (one per input)")
        y = as_matrix("y_true", y_true, self._net.outputs, "rows (one per output)")
        if not self.a or self.a[-1].shape[1] != X.shape[1] or y.shape[1] != X.shape[1]:
            raise ValueError("X, y_true: call forward(X) first, with the same samples as y_true")
        self._net.backward(X, y)
        grads = []
        for l in range(self._net.depth):
            grads += [self._net.dW(l), self._net.db(l)]
        if lr != 0:  # the lesson's gradient_check passes lr=0.0: W - 0 dW is W
            self._net.gd_step(float(lr))
        return tuple(grads)

    def predict(self, X):
        """a(L) for X (n_input, N), leaving the stored z, a as they are."""
        return self._net.predict(as_matrix("X", X, self._net.inputs, "rows (one per input)"))

    # ---- teaching tools ---------------------------------------------------------------------------
    def trace(self, X, Y, lr=None):
        """Every number of one forward and backward pass (`backprop trace --format json`'s keys
        and shapes, as NumPy arrays); with lr, also the updated parameters. Changes no weight."""
        X = as_matrix("X", X, self._net.inputs, "rows (one per input)")
        Y = as_matrix("Y", Y, self._net.outputs, "rows (one per output)")
        if Y.shape[1] != X.shape[1]:
            raise ValueError(f"Y: expected {X.shape[1]} columns (one per sample of X), "
                             f"found shape {Y.shape}")
        return _arrays_in(json.loads(self._net.trace_json(X, Y, None if lr is None
                                                          else float(lr))))

    def gradcheck(self, X, Y, epsilon=1e-6, order=2, tolerance=1e-5):
        """Analytical against numerical gradients, per tensor (W1, b1, ..., x)."""
        X = as_matrix("X", X, self._net.inputs, "rows (one per input)")
        Y = as_matrix("Y", Y, self._net.outputs, "rows (one per output)")
        if Y.shape[1] != X.shape[1]:
            raise ValueError(f"Y: expected {X.shape[1]} columns, found shape {Y.shape}")
        return self._net.gradcheck(X, Y, float(epsilon), int(order), float(tolerance))

    # ---- model files ------------------------------------------------------------------------------
    def save(self, path):
        """Writes the command line's model file (backprop train --save)."""
        self._net.save(str(path))

    def export_onnx(self, path, precision="float"):
        """Writes the network as an ONNX file (backprop export): input "input" [batch, inputs],
        output "output" [batch, outputs]; precision "float" (float32) or "double"."""
        self._net.export_onnx(str(path), str(precision))

    @classmethod
    def load(cls, path):
        """A network from a model file of the command line (its loss is the file's)."""
        model = _core.Model.load(str(path))
        if model.is_standardized:
            import warnings
            warnings.warn(f"{path}: the model standardises its inputs; MLP takes the network "
                          f"alone (give it standardised X, or load the file with "
                          f"MLPClassifier.load / MLPRegressor.load)", UserWarning, stacklevel=2)
        mlp = cls.__new__(cls)
        object.__setattr__(mlp, "_net", _core.Network.from_json(model.network.to_json()))
        mlp._store_caches(())
        mlp.W = _LayerList(mlp, "W")
        mlp.b = _LayerList(mlp, "b")
        return mlp

    def __getstate__(self):
        return {"model": self._net.to_json()}

    def __setstate__(self, state):
        object.__setattr__(self, "_net", _core.Network.from_json(state["model"]))
        self._store_caches(())
        self.W = _LayerList(self, "W")
        self.b = _LayerList(self, "b")

    def __repr__(self):
        acts = [self._net.activation(l) for l in range(self._net.depth)]
        return f"MLP(layers={self.layers}, activations={acts}, loss={self.loss!r})"


def _arrays_in(value):
    """JSON lists of numbers (or of rows) as NumPy arrays, recursively."""
    if isinstance(value, dict):
        return {k: _arrays_in(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return np.array(value, dtype=np.float64)
        if value and all(isinstance(v, list) for v in value) and all(
                all(isinstance(u, (int, float)) for u in v) for v in value):
            return np.array(value, dtype=np.float64)
        return [_arrays_in(v) for v in value]
    return value
