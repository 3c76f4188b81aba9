"""scikit-learn estimators on the library's training pipeline.

MLPClassifier and MLPRegressor take scikit-learn's parameters with scikit-learn's meanings, map
them to the library's FitOptions and call its fit() on the data in memory: every step of training
(network, initialisation, mini-batches, optimizer, early stopping) is the library's. Arrays follow
scikit-learn: X is (samples, features).

How the parameters map:
  hidden_layer_sizes      FitOptions.hidden
  activation              identity/logistic/tanh/relu -> linear/sigmoid/tanh/relu
  solver                  "adam" -> adam; "sgd" -> momentum (sgd when momentum is 0), with
                          nesterovs_momentum; "lbfgs" is not available (a ValueError)
  alpha                   L2 penalty alpha/2 ||W||^2 per batch, as scikit-learn: the library's
                          weight decay alpha / batch size
  batch_size              "auto" = min(200, n_samples), as scikit-learn
  learning_rate_init      the optimizer's lr; beta_1, beta_2, epsilon, momentum likewise
  max_iter                epochs; shuffle, random_state (the seed of weights and shuffles)
  tol, n_iter_no_change   stop after n_iter_no_change epochs that do not lower the loss (the
                          validation loss with early_stopping) by more than tol
  early_stopping          hold out validation_fraction of the data (stratified for classes);
                          training stops on its loss and keeps the model with the lowest one
  verbose                 each epoch's loss printed through sys.stdout
  lr_schedule             backprop's own: the learning rate per epoch, as PyTorch's schedulers:
                          "constant" (default), "step" (StepLR: lr_step_size, lr_gamma),
                          "exponential" (ExponentialLR: lr_gamma), "cosine" (CosineAnnealingLR:
                          lr_t_max, default max_iter, and lr_min), "plateau" (ReduceLROnPlateau:
                          lr_patience, lr_factor, lr_min; on the validation loss with
                          early_stopping, else the training loss); stepped once per epoch
  clip_norm               backprop's own: clip the gradients' global L2 norm to this (0: off)
  stop_loss               backprop's own (FANN's desired error): stop once an epoch's training
                          loss falls below this (0: off)
  keep_best               backprop's own: with early_stopping, run every epoch (n_iter_no_change
                          still stops) and keep the one with the lowest validation loss
  precision               backprop's own: "double" (default) or "float"
  dropout                 backprop's own: inverted dropout on the hidden layers while training
                          (one rate, or one per hidden layer; 0: none); predictions use the
                          full network
  class_weight            MLPClassifier only, scikit-learn's meaning: None, "balanced"
                          (n_samples / (n_classes * count)) or {class label: weight}; each
                          sample's loss weighs its class's weight (mean over the samples)
  threads                 backprop's own: 0 lets the library choose
  deterministic           backprop's own: also run the products of a net not split into shards
                          on one thread, so that no `threads` can change the model (a net with
                          a layer of >= 32768 weights trained on batches of >= 128 is split into
                          a fixed set of shards and gives the same model whatever the threads)
The classifier's output is a sigmoid over two classes (bce) and a softmax over more (cross-entropy),
the regressor's linear (mse): scikit-learn's choices, made by the library from the targets.
"""
import sys
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted

from . import _core

__all__ = ["MLPClassifier", "MLPRegressor"]

_ACTIVATIONS = {"identity": "linear", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
_OUT_NAMES = {"linear": "identity", "sigmoid": "logistic", "softmax": "softmax", "tanh": "tanh",
              "relu": "relu"}
# The library's warning for patience without validation data: scikit-learn's documented way of
# stopping (n_iter_no_change on the training loss) when early_stopping is off, so not news here.
_PATIENCE_WARNING = "early stopping (patience) watches the training loss"


class _BaseMLP(BaseEstimator):
    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate_init=0.001, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, momentum=0.9, nesterovs_momentum=True,
                 precision="double", threads=0, lr_schedule="constant", lr_step_size=10,
                 lr_gamma=0.1, lr_t_max=None, lr_min=0.0, lr_patience=10, lr_factor=0.1,
                 clip_norm=0.0, keep_best=False, dropout=0.0, stop_loss=0.0,
                 deterministic=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.precision = precision
        self.threads = threads
        self.deterministic = deterministic
        self.lr_schedule = lr_schedule
        self.lr_step_size = lr_step_size
        self.lr_gamma = lr_gamma
        self.lr_t_max = lr_t_max
        self.lr_min = lr_min
        self.lr_patience = lr_patience
        self.lr_factor = lr_factor
        self.clip_norm = clip_norm
        self.keep_best = keep_best
        self.stop_loss = stop_loss
        self.dropout = dropout

    # ---- scikit-learn's parameters as FitOptions ------------------------------------------------
    def _options(self, n_samples, epochs, seed):
        hidden = self.hidden_layer_sizes
        hidden = [hidden] if np.isscalar(hidden) else list(hidden)
        if not all(isinstance(h, (int, np.integer)) and h > 0 for h in hidden):
            raise ValueError(f"hidden_layer_sizes: expected positive integers, found "
                             f"{self.hidden_layer_sizes!r}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation: expected one of {sorted(_ACTIVATIONS)}, found "
                             f"{self.activation!r}")
        if self.solver not in ("adam", "sgd"):
            raise ValueError(f"solver: expected 'adam' or 'sgd' (backprop has no 'lbfgs'), "
                             f"found {self.solver!r}")
        if self.batch_size == "auto":
            batch = min(200, n_samples)
        elif isinstance(self.batch_size, (int, np.integer)) and self.batch_size > 0:
            batch = min(int(self.batch_size), n_samples)
        else:
            raise ValueError(f"batch_size: expected 'auto' or a positive integer, found "
                             f"{self.batch_size!r}")
        for name in ("alpha", "tol"):
            if not np.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                raise ValueError(f"{name}: expected a non-negative number, found "
                                 f"{getattr(self, name)!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter > 0):
            raise ValueError(f"max_iter: expected a positive integer, found {self.max_iter!r}")
        if not (isinstance(self.n_iter_no_change, (int, np.integer))
                and self.n_iter_no_change > 0):
            raise ValueError(f"n_iter_no_change: expected a positive integer, found "
                             f"{self.n_iter_no_change!r}")
        if self.early_stopping and not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction: expected a number in (0, 1), found "
                             f"{self.validation_fraction!r}")
        for name in ("lr_step_size", "lr_patience"):
            if not isinstance(getattr(self, name), (int, np.integer)):
                raise ValueError(f"{name}: expected an integer, found {getattr(self, name)!r}")
        if self.lr_t_max is not None and not (isinstance(self.lr_t_max, (int, np.integer))
                                              and self.lr_t_max > 0):
            raise ValueError(f"lr_t_max: expected None (max_iter) or a positive integer, found "
                             f"{self.lr_t_max!r}")
        if self.solver == "sgd":
            optimizer = "momentum" if self.momentum > 0 else "sgd"
        else:
            optimizer = "adam"
        rates = [self.dropout] if np.isscalar(self.dropout) else list(self.dropout)
        if not rates or not all(isinstance(r, (int, float, np.number)) and 0 <= r < 1
                                for r in rates) or len(rates) not in (1, len(hidden)):
            raise ValueError(f"dropout: expected a rate in [0, 1) or one per hidden layer "
                             f"({len(hidden)}), found {self.dropout!r}")
        return {
            "dropout": [float(r) for r in rates],
            "hidden": [int(h) for h in hidden],
            "activation": _ACTIVATIONS[self.activation],
            "output_activation": None, "loss": self._loss(), "init": "glorot_uniform",
            "validation_fraction": float(self.validation_fraction) if self.early_stopping
            else 0.0,
            "epochs": int(epochs), "batch_size": int(batch), "shuffle": bool(self.shuffle),
            "seed": int(seed), "patience": int(self.n_iter_no_change),
            "tolerance": float(self.tol),
            "optimizer": optimizer, "lr": float(self.learning_rate_init),
            "momentum": float(self.momentum), "nesterov": bool(self.nesterovs_momentum),
            "beta1": float(self.beta_1), "beta2": float(self.beta_2),
            "epsilon": float(self.epsilon), "weight_decay": float(self.alpha) / batch,
            "precision": str(self.precision), "threads": int(self.threads),
            "deterministic": bool(self.deterministic),
            # the schedule's T defaults to max_iter (not the epochs of one partial_fit call)
            "lr_schedule": str(self.lr_schedule), "lr_step_size": int(self.lr_step_size),
            "lr_gamma": float(self.lr_gamma),
            "lr_t_max": int(self.max_iter if self.lr_t_max is None else self.lr_t_max),
            "lr_min": float(self.lr_min), "lr_patience": int(self.lr_patience),
            "lr_factor": float(self.lr_factor), "clip_norm": float(self.clip_norm),
            "keep_best": bool(self.keep_best), "stop_loss": float(self.stop_loss),
        }

    def _seed(self):
        rs = self.random_state
        if rs is None:
            return int(np.random.randint(0, 2**31 - 1))
        if isinstance(rs, (int, np.integer)):
            if not 0 <= rs < 2**32:
                raise ValueError(f"random_state: expected an integer in [0, 2**32), found {rs}")
            return int(rs)
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(0, 2**31 - 1))
        raise ValueError(f"random_state: expected None, an integer or a RandomState, found {rs!r}")

    # ---- the pipeline ---------------------------------------------------------------------------
    def _train(self, X, y, labels, class_names, epochs, incremental, class_weight=None):
        seed = self._seed() if not incremental or not hasattr(self, "_seed_") else self._seed_
        options = self._options(X.shape[0], epochs, seed)
        options["class_weight"] = class_weight
        resume = None
        if incremental:
            # One more epoch of the same run (scikit-learn's partial_fit: no early stopping):
            # the library continues the state kept from the last call.
            options["patience"] = 0
            options["validation_fraction"] = 0.0
            resume = getattr(self, "_state", None)
            options["epochs"] = (resume.epochs_done if resume is not None else 0) + epochs
        on_epoch = None
        if self.verbose:
            def on_epoch(epoch, loss, val_loss, val_accuracy):
                line = f"Iteration {epoch + 1}, loss = {loss:.8f}"
                if not np.isnan(val_accuracy):
                    line += f", validation score = {val_accuracy:.6f}"
                print(line, file=sys.stdout, flush=True)
                return True
        x = np.ascontiguousarray(X.T, dtype=np.float64)
        y_engine = np.zeros((0, 0)) if y is None else np.ascontiguousarray(y.T, dtype=np.float64)
        def on_warning(message):  # the library's, as they happen (before the first epoch)
            if not (message.startswith(_PATIENCE_WARNING) and not self.early_stopping):
                warnings.warn(message, UserWarning, stacklevel=5)  # the caller of fit

        model, info = _core.fit(x, y_engine, labels, class_names, options, resume, incremental,
                                on_epoch, on_warning)
        # Only now, with training complete, does the estimator change (Ctrl-C leaves it as it was).
        if info["diverged"]:
            warnings.warn(info["divergence"], RuntimeWarning, stacklevel=4)
        self._model = model
        self._seed_ = seed
        self._fit_seconds = info["fit_seconds"]  # the library's fit() call, for bench/
        # the threads training used and the library's reason (backprop's own)
        self.threads_, self.threads_reason_ = int(info["threads"]), str(info["threads_reason"])
        if incremental:
            self._state = info["state"]
        else:
            self.__dict__.pop("_state", None)
        self.loss_curve_ = [float(v) for v in info["loss_curve"]]  # the whole run's
        self.n_iter_ = len(self.loss_curve_)
        self.lr_curve_ = [float(v) for v in info["lr_curve"]]  # each epoch's learning rate
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else np.nan
        # With early_stopping: the held-out part's loss every epoch (backprop's own), and for
        # the classifier scikit-learn's validation_scores_ (its accuracy). The regressor's would
        # be R², which the library does not compute: None there.
        self.validation_scores_ = self.best_validation_score_ = None
        self.validation_loss_curve_ = None
        if self.early_stopping and not incremental:
            self.validation_loss_curve_ = [float(v) for v in info["val_loss"]]
            if isinstance(self, ClassifierMixin):
                self.validation_scores_ = [float(v) for v in info["val_accuracy"]]
                self.best_validation_score_ = max(self.validation_scores_)
        net = model.network
        self.n_layers_ = net.depth + 1
        self.n_outputs_ = net.outputs
        self.out_activation_ = _OUT_NAMES[net.activation(net.depth - 1)]
        self.t_ = self.n_iter_ * X.shape[0]
        if not incremental and self.n_iter_ == epochs and not info["stopped_early"]:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({epochs}) reached and the "
                          f"optimization hasn't converged yet.", ConvergenceWarning, stacklevel=4)
        return self

    @property
    def coefs_(self):
        """Weights in scikit-learn's orientation (inputs, units): views of the engine's W."""
        check_is_fitted(self, "_model")
        net = self._model.network
        return [net.W(l).T for l in range(net.depth)]

    @property
    def intercepts_(self):
        check_is_fitted(self, "_model")
        net = self._model.network
        return [net.b(l)[:, 0] for l in range(net.depth)]

    def save(self, path):
        """Writes the command line's model file (served by `backprop predict`)."""
        check_is_fitted(self, "_model")
        self._model.save(str(path))

    def export_onnx(self, path, precision="float"):
        """Writes the fitted model as an ONNX file (backprop export), its input scaling in the
        graph: input "input" [batch, features] of raw data, output "output" [batch, outputs]
        (probabilities for classifiers); precision "float" (float32) or "double"."""
        check_is_fitted(self, "_model")
        self._model.export_onnx(str(path), str(precision))

    @classmethod
    def load(cls, path):
        """An estimator from a model file of the command line (`backprop train --save`) or of
        save(): its network, scaling and classes; the estimator's parameters are the defaults."""
        model = _core.Model.load(str(path))
        if model.is_classifier != (cls is MLPClassifier):
            kind = "a classifier" if model.is_classifier else "a regression model"
            raise ValueError(f"path: {path} holds {kind}; load it with the other estimator")
        est = cls()
        est._adopt(model)
        return est

    def _adopt(self, model):
        net = model.network
        self._model = model
        self.n_features_in_ = net.inputs
        self.n_layers_ = net.depth + 1
        self.n_outputs_ = net.outputs
        self.out_activation_ = _OUT_NAMES[net.activation(net.depth - 1)]
        self.loss_curve_ = list(model.loss_curve)
        self.n_iter_ = len(self.loss_curve_)
        if model.is_classifier:
            names = list(model.class_names)
            try:
                classes = np.array([int(c) for c in names])
                if [str(c) for c in classes] != names:
                    raise ValueError
            except ValueError:
                classes = np.array(names)
            self.classes_ = classes
        else:
            self._y_1d = net.outputs == 1

    def _validate_X(self, X, reset):
        return self._validate_data(X, reset=reset, dtype=np.float64)

    def _more_tags(self):
        return {"preserves_dtype": [np.float64]}


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multilayer perceptron classifier (scikit-learn's MLPClassifier, on backprop's engine)."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate_init=0.001, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, momentum=0.9, nesterovs_momentum=True,
                 precision="double", threads=0, lr_schedule="constant", lr_step_size=10,
                 lr_gamma=0.1, lr_t_max=None, lr_min=0.0, lr_patience=10, lr_factor=0.1,
                 clip_norm=0.0, keep_best=False, dropout=0.0, stop_loss=0.0, class_weight=None,
                 deterministic=False):
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate_init=learning_rate_init, max_iter=max_iter, shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, precision=precision, threads=threads,
            lr_schedule=lr_schedule, lr_step_size=lr_step_size, lr_gamma=lr_gamma,
            lr_t_max=lr_t_max, lr_min=lr_min, lr_patience=lr_patience, lr_factor=lr_factor,
            clip_norm=clip_norm, keep_best=keep_best, dropout=dropout, stop_loss=stop_loss,
            deterministic=deterministic)
        self.class_weight = class_weight

    def _class_weight(self, classes, names):
        """class_weight for the library: "balanced", or {class name: weight}."""
        cw = self.class_weight
        if cw is None or (isinstance(cw, str) and cw == "balanced"):
            return cw
        if not isinstance(cw, dict):
            raise ValueError(f"class_weight: expected None, 'balanced' or a dict {{class: "
                             f"weight}}, found {cw!r}")
        out = {}
        for label, weight in cw.items():
            matches = [k for k, c in enumerate(classes) if c == label]
            if not matches:
                raise ValueError(f"class_weight: unknown class {label!r} (the classes are "
                                 f"{list(classes)})")
            if not (isinstance(weight, (int, float, np.number)) and np.isfinite(weight)
                    and weight >= 0):
                raise ValueError(f"class_weight: expected a finite weight >= 0 for class "
                                 f"{label!r}, found {weight!r}")
            out[names[matches[0]]] = float(weight)
        return out

    def _loss(self):
        return None  # the library's choice: bce for two classes, cross-entropy for more

    def _labels(self, y, classes):
        index = np.searchsorted(classes, y)
        index[index >= len(classes)] = 0
        if not np.array_equal(classes[index], y):
            raise ValueError(f"y: labels {sorted(set(y) - set(classes))} are not in classes_ "
                             f"{list(classes)}")
        return [int(i) for i in index]

    def _fit_classes(self, X, y, classes, reset, epochs, incremental):
        X, y = self._validate_data(X, y, reset=reset, dtype=np.float64, y_numeric=False)
        check_classification_targets(y)
        if type_of_target(y) not in ("binary", "multiclass"):
            raise ValueError(f"y: expected one label per sample (binary or multiclass), found "
                             f"{type_of_target(y)}")
        if classes is None:
            classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(f"y: expected at least 2 classes, found 1 class ({classes[0]!r})")
        labels = self._labels(y, classes)
        names = [str(c) for c in classes]
        if len(set(names)) != len(names):
            names = [f"class{k}" for k in range(len(classes))]
        self._train(X, None, labels, names, epochs, incremental,
                    self._class_weight(classes, names))
        self.classes_ = classes
        return self

    def fit(self, X, y):
        """Trains a new network on X (samples, features) and class labels y."""
        for a in ("_model", "loss_curve_", "n_iter_", "_seed_", "_state"):
            self.__dict__.pop(a, None)
        return self._fit_classes(X, y, None, True, self.max_iter, False)

    def partial_fit(self, X, y, classes=None):
        """One more epoch on (X, y), from the current network (a new one on the first call,
        which must name every class in `classes`)."""
        first = not hasattr(self, "_model")
        if first:
            if classes is None:
                raise ValueError("classes: required on the first call to partial_fit")
            classes = np.unique(classes)
        else:
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(f"classes: {list(classes)} differ from classes_ "
                                 f"{list(self.classes_)} of the first call")
            classes = self.classes_
        return self._fit_classes(X, y, classes, first, 1, True)

    def predict_proba(self, X):
        """Class probabilities (samples, classes)."""
        check_is_fitted(self, "_model")
        X = self._validate_X(X, reset=False)
        return np.ascontiguousarray(self._model.predict_proba(X.T).T)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The predicted class of every sample."""
        check_is_fitted(self, "_model")
        X = self._validate_X(X, reset=False)
        return self.classes_[np.asarray(self._model.predict_classes(X.T), dtype=int)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multilayer perceptron regressor (scikit-learn's MLPRegressor, on backprop's engine)."""

    def _loss(self):
        return "mse"

    def _more_tags(self):
        return {"multioutput": True}

    def _fit_numeric(self, X, y, reset, epochs, incremental):
        X, y = self._validate_data(X, y, reset=reset, dtype=np.float64, multi_output=True,
                                   y_numeric=True)
        self._y_1d = y.ndim == 1
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if incremental and hasattr(self, "_model") and Y.shape[1] != self.n_outputs_:
            raise ValueError(f"y: expected {self.n_outputs_} targets, found {Y.shape[1]}")
        return self._train(X, Y, [], [], epochs, incremental)

    def fit(self, X, y):
        """Trains a new network on X (samples, features) and targets y (samples[, targets])."""
        for a in ("_model", "loss_curve_", "n_iter_", "_seed_", "_state"):
            self.__dict__.pop(a, None)
        return self._fit_numeric(X, y, True, self.max_iter, False)

    def partial_fit(self, X, y):
        """One more epoch on (X, y), from the current network."""
        return self._fit_numeric(X, y, not hasattr(self, "_model"), 1, True)

    def predict(self, X):
        check_is_fitted(self, "_model")
        X = self._validate_X(X, reset=False)
        out = self._model.predict(X.T).T
        return np.ascontiguousarray(out[:, 0] if self._y_1d else out)
