"""backprop: multilayer perceptrons trained by backpropagation, on a C++ engine.

Two faces over the same library:
  MLP                          the lesson's class (section 6): features x samples, W1, b1, ...
                               as NumPy views of the engine's weights, forward/compute_loss/
                               backward, trace, gradcheck, model files
  MLPClassifier, MLPRegressor  scikit-learn estimators (samples x features) on the library's
                               training pipeline (fit())
Errors from the library are backprop.Error, a ValueError carrying the library's message.
"""
from ._core import Error
from .mlp import MLP

__all__ = ["Error", "MLP"]

try:  # the estimators need scikit-learn
    from .estimators import MLPClassifier, MLPRegressor  # noqa: F401
    __all__ += ["MLPClassifier", "MLPRegressor"]
except ImportError as _e:  # pragma: no cover
    if "sklearn" not in str(_e) and "estimators" not in str(_e):
        raise
