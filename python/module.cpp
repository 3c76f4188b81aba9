// module.cpp — backprop._core: the library's network, pipeline and teaching tools for Python.
//
// A thin layer: every number is computed by the library. Arrays arrive as the engine wants them
// (features x samples, float64); the pure-Python side (python/backprop/) checks and converts the
// user's arrays once and names the argument when one is wrong. Weights go out as writable NumPy
// views of the engine's memory (column-major W, so no copy), everything else as copies.
//
// Errors: backprop::Error becomes backprop.Error, a subclass of ValueError, carrying the
// library's message (bad options and bad data alike are bad values given by the caller).
#include <pybind11/eigen.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/io/checkpoint.h"
#include "backprop/io/model_file.h"
#include "backprop/io/onnx.h"
#include "backprop/model/fit.h"
#include "backprop/model/model.h"
#include "backprop/network.h"
#include "backprop/optimizers.h"
#include "backprop/teach/gradcheck.h"
#include "backprop/teach/trace.h"

namespace py = pybind11;
using namespace backprop;

namespace {

using Net = Network<double>;
using Mat = Matrix<double>;

// A (rows x cols) column-major NumPy view of `data`, keeping `owner` alive.
py::array_t<double> view(double* data, Eigen::Index rows, Eigen::Index cols, py::handle owner) {
  const auto s = static_cast<py::ssize_t>(sizeof(double));
  return py::array_t<double>({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)},
                             {s, s * static_cast<py::ssize_t>(rows)}, data, owner);
}

Net make_network(int inputs, const std::vector<std::string>& activations,
                 const std::vector<int>& units, const std::string& loss, double alpha) {
  if (activations.size() != units.size()) throw usage_error("one activation per layer expected");
  std::vector<LayerSpec> specs;
  for (std::size_t l = 0; l < units.size(); ++l)
    specs.push_back({units[l], {activation_from_string(activations[l]), alpha}});
  return Net(inputs, specs, loss_from_string(loss));
}

py::dict gradcheck_report(const GradCheckReport& r) {
  py::list tensors;
  for (const GradCheckTensor& t : r.tensors) {
    py::dict d;
    d["name"] = t.name;
    d["shape"] = py::make_tuple(t.rows, t.cols);
    d["analytical"] = t.analytical;
    d["numerical"] = t.numerical;
    d["max_abs_diff"] = t.max_abs_diff;
    d["max_rel_error"] = t.max_rel_error;
    d["passed"] = t.passed;
    d["kinks_crossed"] = t.kinks_crossed;  // entries left out: a relu/leaky_relu kink crossed
    tensors.append(d);
  }
  py::dict out;
  out["tensors"] = tensors;
  out["max_rel_error"] = r.max_rel_error;
  out["loss"] = r.loss;
  out["passed"] = r.passed();
  out["kinks_crossed"] = r.kinks_crossed;
  out["text"] = format_report(r);
  return out;
}

ActivationSpec activation_spec(const std::string& name, double alpha) {
  return {activation_from_string(name), alpha};
}

// fit() on in-memory data, the GIL released while it runs. `on_epoch` (called with the GIL held
// after every epoch with (epoch, loss, val_loss, val_accuracy)) returns False to stop; Python
// signals are polled there too, so Ctrl-C stops training after the current epoch and raises
// KeyboardInterrupt here.
py::tuple fit_in_memory(const Mat& x, const Mat& y, const std::vector<int>& labels,
                        const std::vector<std::string>& class_names, py::dict o,
                        std::optional<TrainState> resume, bool keep_state, py::object on_epoch,
                        py::object on_warning) {
  FitOptions f;
  Dataset d;
  d.source = "in-memory data";
  d.x = x;
  if (!class_names.empty()) {
    d.class_names = class_names;
    d.labels = labels;
  } else {
    d.y = y;
    for (Eigen::Index r = 0; r < y.rows(); ++r) d.target_names.push_back("y" + std::to_string(r));
  }
  for (Eigen::Index r = 0; r < x.rows(); ++r) d.feature_names.push_back("x" + std::to_string(r));
  f.data = DataSource::in_memory(std::move(d));
  f.hidden = o["hidden"].cast<std::vector<int>>();
  f.activation = activation_spec(o["activation"].cast<std::string>(), 0.01);
  if (!o["output_activation"].is_none())
    f.output_activation = activation_from_string(o["output_activation"].cast<std::string>());
  if (!o["loss"].is_none()) f.loss = loss_from_string(o["loss"].cast<std::string>());
  f.weight_init = weight_init_from_string(o["init"].cast<std::string>());
  f.validation_fraction = o["validation_fraction"].cast<double>();
  TrainOptions& t = f.training;
  t.epochs = o["epochs"].cast<int>();
  t.batch_size = o["batch_size"].cast<int>();
  t.shuffle = o["shuffle"].cast<bool>();
  t.seed = o["seed"].cast<std::uint32_t>();
  t.patience = o["patience"].cast<int>();
  t.tolerance = o["tolerance"].cast<double>();
  OptimizerOptions& opt = t.optimizer;
  opt.kind = optimizer_from_string(o["optimizer"].cast<std::string>());
  opt.lr = o["lr"].cast<double>();
  opt.momentum = o["momentum"].cast<double>();
  opt.nesterov = o["nesterov"].cast<bool>();
  opt.beta1 = o["beta1"].cast<double>();
  opt.beta2 = o["beta2"].cast<double>();
  opt.epsilon = o["epsilon"].cast<double>();
  opt.weight_decay = o["weight_decay"].cast<double>();
  // Optional keys (learning-rate schedule, clipping, keep_best): the library's defaults if absent.
  if (o.contains("lr_schedule")) {
    LrSchedule& s = t.lr_schedule;
    s.kind = schedule_from_string(o["lr_schedule"].cast<std::string>());
    s.step_size = o["lr_step_size"].cast<int>();
    s.gamma = o["lr_gamma"].cast<double>();
    s.t_max = o["lr_t_max"].cast<int>();
    s.min_lr = o["lr_min"].cast<double>();
    s.patience = o["lr_patience"].cast<int>();
    s.factor = o["lr_factor"].cast<double>();
  }
  if (o.contains("clip_norm")) opt.clip_norm = o["clip_norm"].cast<double>();
  if (o.contains("keep_best")) t.keep_best = o["keep_best"].cast<bool>();
  if (o.contains("stop_loss")) t.stop_loss = o["stop_loss"].cast<double>();
  f.precision = precision_from_string(o["precision"].cast<std::string>());
  f.threads = o["threads"].cast<int>();
  if (o.contains("deterministic")) t.deterministic = o["deterministic"].cast<bool>();
  // Dropout rates (one, or one per hidden layer) and class weights ("balanced" or {class name:
  // weight}), when the estimator gives them.
  if (o.contains("dropout")) f.dropout = o["dropout"].cast<std::vector<double>>();
  if (o.contains("class_weight") && !o["class_weight"].is_none()) {
    if (py::isinstance<py::str>(o["class_weight"]))
      f.class_weight = ClassWeight::parse(o["class_weight"].cast<std::string>());
    else
      for (auto item : o["class_weight"].cast<py::dict>())
        f.class_weight.weights.emplace_back(item.first.cast<std::string>(),
                                            item.second.cast<double>());
  }
  // partial_fit: the training state (weights, optimizer state, generator, history) is kept
  // between calls in memory and continued, so n calls of one epoch are one run of n epochs.
  if (resume) t.resume = &*resume;
  TrainState last_state;
  if (keep_state) {
    t.checkpoint_every = 1;
    t.on_checkpoint = [&](const TrainState& state) { last_state = state; };
  }
  // Python's errors (Ctrl-C's KeyboardInterrupt, or one raised by on_epoch) stop training at the
  // end of the epoch and are raised again once fit() has returned.
  std::optional<py::error_already_set> python_error;
  // The library's warnings go to `on_warning` as they happen, before the first epoch (the
  // estimators pass them to Python's warnings module; one turned into an error stops training).
  f.on_warning = [&](const std::string& message) {
    py::gil_scoped_acquire gil;
    if (python_error || on_warning.is_none()) return;
    try {
      on_warning(message);
    } catch (py::error_already_set& e) {
      python_error.emplace(std::move(e));
    }
  };
  f.on_epoch = [&](EpochRecord& r) {
    py::gil_scoped_acquire gil;
    if (python_error) return false;
    if (PyErr_CheckSignals() != 0) {
      python_error.emplace();  // takes the pending KeyboardInterrupt
      return false;
    }
    if (on_epoch.is_none()) return true;
    try {
      return on_epoch(r.epoch, r.loss, r.val_loss, r.val_accuracy).cast<bool>();
    } catch (py::error_already_set& e) {
      python_error.emplace(std::move(e));
      return false;
    }
  };
  std::optional<FitResult> result;
  const auto started = std::chrono::steady_clock::now();
  {
    py::gil_scoped_release release;
    result.emplace(fit(f));
  }
  // The whole library call (data steps, network, training): what the Python wrapper adds is
  // the estimator's wall time minus this (bench/w5_digits.py).
  const double fit_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (python_error) throw std::move(*python_error);
  py::dict info;
  info["warnings"] = result->warnings;
  info["best_epoch"] = result->training.best_epoch;
  info["stopped_early"] = result->training.stopped_early;
  info["diverged"] = result->training.diverged;
  info["divergence"] = result->training.divergence;
  info["seconds"] = result->seconds;
  info["threads"] = result->setup.threads.threads;  // what training used, and why
  info["threads_reason"] = result->setup.threads.reason;
  info["fit_seconds"] = fit_seconds;
  if (keep_state) info["state"] = py::cast(std::move(last_state));
  std::vector<double> loss, val_loss, val_accuracy, lr;
  for (const EpochRecord& r : result->history()) {
    loss.push_back(r.loss);
    lr.push_back(r.lr);
    val_loss.push_back(r.val_loss);
    val_accuracy.push_back(r.val_accuracy);
  }
  info["loss_curve"] = loss;
  info["val_loss"] = val_loss;
  info["val_accuracy"] = val_accuracy;
  info["lr_curve"] = lr;
  return py::make_tuple(std::move(result->model), info);
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "backprop's C++ engine (see the package backprop)";
  static py::exception<Error> error(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });

  py::class_<Net>(m, "Network")
      .def(py::init(&make_network), py::arg("inputs"), py::arg("activations"), py::arg("units"),
           py::arg("loss"), py::arg("alpha") = 0.01)
      .def("initialize",
           [](Net& n, const std::string& init, std::uint32_t seed) {
             initialize(n, weight_init_from_string(init), seed);
           })
      .def_property_readonly("inputs", &Net::inputs)
      .def_property_readonly("outputs", &Net::outputs)
      .def_property_readonly("depth", &Net::depth)
      .def_property_readonly("loss", [](const Net& n) { return to_string(n.loss()); })
      .def("activation",
           [](const Net& n, std::size_t l) { return to_string(n.layer(l).activation.kind); })
      .def("units", [](const Net& n, std::size_t l) { return n.layer(l).units(); })
      .def("W",
           [](py::object self, std::size_t l) {
             DenseLayer<double>& layer = self.cast<Net&>().layer(l);
             return view(layer.W.data(), layer.W.rows(), layer.W.cols(), self);
           })
      .def("b",
           [](py::object self, std::size_t l) {
             DenseLayer<double>& layer = self.cast<Net&>().layer(l);
             return view(layer.b.data(), layer.b.rows(), 1, self);
           })
      .def("dW", [](const Net& n, std::size_t l) { return Mat(n.layer(l).dW); })
      .def("db", [](const Net& n, std::size_t l) { return Mat(n.layer(l).db); })
      .def("z", [](const Net& n, std::size_t l) { return Mat(n.z(l)); })
      .def("a", [](const Net& n, std::size_t l) { return Mat(n.a(l)); })
      .def("forward", [](Net& n, const Mat& x) { return Mat(n.forward(x)); })
      .def("loss_value", [](const Net& n, const Mat& y) { return n.loss_value(y); })
      .def("backward", [](Net& n, const Mat& x, const Mat& y) { n.backward(x, y, false); })
      .def("gd_step",
           [](Net& n, double lr) { Optimizer<double>(n, OptimizerOptions::gd(lr)).step(); })
      .def("predict", &Net::predict)
      .def("trace_json", [](const Net& n, const Mat& x, const Mat& y,
                            std::optional<double> lr) { return trace_to_json(trace(n, x, y, lr)); })
      .def("gradcheck",
           [](Net& n, const Mat& x, const Mat& y, double epsilon, int order, double tolerance) {
             GradCheckOptions o;
             o.epsilon = epsilon;
             o.order = order;
             o.tolerance = tolerance;
             return gradcheck_report(gradient_check(n, x, y, o));
           })
      .def("save", [](const Net& n, const std::string& path) { save_model(n, path); })
      .def("export_onnx",
           [](const Net& n, const std::string& path, const std::string& precision) {
             export_onnx(Model{n, {}}, path, precision_from_string(precision));
           })
      .def_static("load", [](const std::string& path) { return read_model(path).network; })
      .def("to_json", [](const Net& n) { return model_to_json(n); })
      .def_static("from_json", [](const std::string& text) {
        return model_from_json(text, "a pickled network");
      });

  py::class_<Model>(m, "Model")
      .def_readonly("network", &Model::network, py::return_value_policy::reference_internal)
      .def_property_readonly("class_names", [](const Model& md) { return md.info.class_names; })
      .def_property_readonly("is_classifier", &Model::is_classifier)
      .def_property_readonly("is_standardized", &Model::is_standardized)
      .def_property_readonly("loss_curve",
                             [](const Model& md) {
                               std::vector<double> loss;
                               for (const EpochRecord& r : md.info.history) loss.push_back(r.loss);
                               return loss;
                             })
      .def("predict", &Model::predict)
      .def("predict_proba", &Model::predict_proba)
      .def("predict_classes", &Model::predict_classes)
      .def("save", [](const Model& md, const std::string& path) { save_model(md, path); })
      .def("export_onnx",
           [](const Model& md, const std::string& path, const std::string& precision) {
             export_onnx(md, path, precision_from_string(precision));
           })
      .def_static("load", &read_model)
      .def("to_json", [](const Model& md) { return model_to_json(md); })
      .def_static("from_json",
                  [](const std::string& text) { return parse_model(text, "a pickled model"); })
      .def(
          py::pickle([](const Model& md) { return model_to_json(md); },
                     [](const std::string& text) { return parse_model(text, "a pickled model"); }));

  py::class_<TrainState>(m, "TrainState")
      .def_readonly("epochs_done", &TrainState::epochs_done)
      .def(py::pickle([](const TrainState& s) { return checkpoint_to_json(s, "python"); },
                      [](const std::string& text) {
                        std::string fingerprint;
                        return parse_checkpoint(text, "a pickled training state", &fingerprint);
                      }));

  m.def("fit", &fit_in_memory, py::arg("x"), py::arg("y"), py::arg("labels"),
        py::arg("class_names"), py::arg("options"), py::arg("resume") = py::none(),
        py::arg("keep_state") = false, py::arg("on_epoch") = py::none(),
        py::arg("on_warning") = py::none());
}
