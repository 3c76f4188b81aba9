#include "backprop/teach/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "backprop/error.h"
#include "backprop/optimizers.h"

namespace backprop {

Trace trace(const Network<double>& network, const Matrix<double>& x, const Matrix<double>& y,
            std::optional<double> lr) {
  Network<double> net = network;  // the caller's network is left untouched
  net.forward(x);
  Trace t;
  t.loss_kind = net.loss();
  t.inputs = net.inputs();
  t.x = x;
  t.y = y;
  t.loss = net.loss_value(y);
  net.backward(x, y);
  loss_gradient_wrt_output(net.loss(), net.a(net.depth() - 1), y, t.dL_da);
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const DenseLayer<double>& layer = net.layer(l);
    const Matrix<double>& a_prev = (l == 0) ? x : net.a(l - 1);
    LayerTrace lt;
    lt.activation = layer.activation;
    lt.W = layer.W;
    lt.b = layer.b;
    lt.Wa_prev = layer.W * a_prev;
    lt.z = net.z(l);
    lt.a = net.a(l);
    if (is_elementwise(layer.activation.kind))
      activation_derivative(layer.activation, lt.z, lt.a, lt.fprime);
    lt.delta = net.delta(l);
    lt.dW = layer.dW;
    lt.db = layer.db;
    lt.pulled_back = layer.W.transpose() * lt.delta;
    t.layers.push_back(std::move(lt));
  }
  if (lr) {
    t.lr = lr;
    // W ← W − lr·dW, b ← b − lr·db, by the training loop's own update rule (a usage Error for
    // lr <= 0, as there)
    Optimizer<double>(net, OptimizerOptions::gd(*lr)).step();
    for (const DenseLayer<double>& layer : net.layers()) {
      t.updated_W.push_back(layer.W);
      t.updated_b.push_back(layer.b);
    }
  }
  return t;
}

Trace trace_model(const Model& model, const Matrix<double>& x, const Matrix<double>& y,
                  std::optional<double> lr) {
  const Network<double>& net = model.network;
  const auto plural = [](Eigen::Index n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  if (x.cols() == 0) throw Error("x: expected at least one sample (column), found none");
  if (y.rows() != net.outputs())
    throw Error("y: expected " + plural(net.outputs(), "row") + " (one per output), found " +
                std::to_string(y.rows()));
  if (y.cols() != x.cols())
    throw Error("y: expected " + plural(x.cols(), "column") + " (one per sample of x), found " +
                std::to_string(y.cols()));
  return trace(net, model.prepare(x), y, lr);
}

namespace {

std::string number(double v) { return fmt::format("{:.10g}", v + 0.0); }  // no "-0"

// "label = [ 0.6 ]" with one bracketed, aligned line per matrix row.
std::string block(const std::string& label, const Matrix<double>& m) {
  std::vector<std::string> cells(static_cast<std::size_t>(m.size()));
  std::size_t width = 1;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      std::string& c = cells[static_cast<std::size_t>(i * m.cols() + j)];
      c = number(m(i, j));
      width = std::max(width, c.size());
    }
  std::string out;
  const std::string prefix = "  " + label + " = ";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    out += (i == 0) ? prefix : std::string(prefix.size(), ' ');
    out += "[";
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      out += fmt::format(" {:>{}}", cells[static_cast<std::size_t>(i * m.cols() + j)], width);
    out += " ]\n";
  }
  return out;
}

std::string architecture(const Trace& t) {
  std::string s = std::to_string(t.inputs);
  for (const LayerTrace& l : t.layers) s += "-" + std::to_string(l.z.rows());
  return s;
}

}  // namespace

std::string trace_to_text(const Trace& t, const std::string& title) {
  const std::size_t L = t.layers.size();
  const long N = static_cast<long>(t.x.cols());
  std::string out;
  std::string activations;
  for (const LayerTrace& l : t.layers)
    activations += (activations.empty() ? "" : ", ") + to_string(l.activation.kind);
  if (!title.empty()) out += title + "\n";
  out += fmt::format("Network {} ({}), loss {}, {} sample{}\n", architecture(t), activations,
                     to_string(t.loss_kind), N, N == 1 ? "" : "s");
  out += "\nFORWARD PASS   z(l) = W(l) a(l-1) + b(l),  a(l) = f(z(l))\n";
  out += block("a(0) = x", t.x);
  for (std::size_t l = 0; l < L; ++l) {
    const LayerTrace& lt = t.layers[l];
    const std::string n = std::to_string(l + 1), p = std::to_string(l);
    out += fmt::format("Layer {} ({}, {} unit{})\n", n, to_string(lt.activation.kind), lt.z.rows(),
                       lt.z.rows() == 1 ? "" : "s");
    out += block("W(" + n + ")", lt.W);
    out += block("b(" + n + ")", lt.b);
    out += block("W(" + n + ") a(" + p + ")", lt.Wa_prev);
    out += block("z(" + n + ") = W(" + n + ") a(" + p + ") + b(" + n + ")", lt.z);
    out += block("a(" + n + ") = " + to_string(lt.activation.kind) + "(z(" + n + "))", lt.a);
  }
  const std::string Ln = std::to_string(L);
  out += "\nLOSS\n";
  out += block("y", t.y);
  if (t.loss_kind == Loss::mse) {
    out += block("e = a(" + Ln + ") - y", t.layers.back().a - t.y);
    out += fmt::format("  L = mean(e^2) over {} output{} x {} sample{} = {}\n", t.y.rows(),
                       t.y.rows() == 1 ? "" : "s", N, N == 1 ? "" : "s", number(t.loss));
  } else {
    out += fmt::format("  L = {}(a({}), y) = {}   (computed from the logits z({}))\n",
                       to_string(t.loss_kind), Ln, number(t.loss), Ln);
  }
  out += "\nBACKWARD PASS  delta(l) = (W(l+1)^T delta(l+1)) * f'(z(l))\n";
  if (t.loss_kind == Loss::mse)
    out += block("dL/da(" + Ln + ") = 2 e / (outputs x samples)", t.dL_da);
  else
    out += block("dL/da(" + Ln + ")", t.dL_da);
  for (std::size_t l = L; l-- > 0;) {
    const LayerTrace& lt = t.layers[l];
    const std::string n = std::to_string(l + 1), p = std::to_string(l);
    out += fmt::format("Layer {}\n", n);
    if (lt.fprime.size() > 0) out += block("f'(z(" + n + "))", lt.fprime);
    std::string how;
    if (l + 1 == L) {
      if (t.loss_kind == Loss::mse)
        how = lt.fprime.size() > 0 ? " = dL/da(" + n + ") * f'(z(" + n + "))"
                                   : " = softmax Jacobian^T dL/da(" + n + ")";
      else if (t.loss_kind == Loss::bce)
        how = " = (a - y) / (outputs x samples)";
      else
        how = " = (a - y) / samples";
    } else {
      how = lt.fprime.size() > 0 ? " = (W(" + std::to_string(l + 2) + ")^T delta(" +
                                       std::to_string(l + 2) + ")) * f'(z(" + n + "))"
                                 : " = softmax Jacobian^T (W(" + std::to_string(l + 2) +
                                       ")^T delta(" + std::to_string(l + 2) + "))";
    }
    out += block("delta(" + n + ")" + how, lt.delta);
    out += block("dL/dW(" + n + ") = delta(" + n + ") a(" + p + ")^T", lt.dW);
    out += block("dL/db(" + n + ") = sum over samples of delta(" + n + ")", lt.db);
    out += block(l == 0 ? "dL/dx = W(1)^T delta(1)"
                        : "W(" + n + ")^T delta(" + n + ")   (pulled back to layer " + p + ")",
                 lt.pulled_back);
  }
  if (t.lr) {
    out +=
        fmt::format("\nUPDATE  W <- W - lr dL/dW,  b <- b - lr dL/db   (lr = {})\n", number(*t.lr));
    for (std::size_t l = 0; l < L; ++l) {
      const std::string n = std::to_string(l + 1);
      out += block("W(" + n + ")", t.updated_W[l]);
      out += block("b(" + n + ")", t.updated_b[l]);
    }
  }
  return out;
}

namespace {

nlohmann::ordered_json rows(const Matrix<double>& m) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    out.push_back(std::move(row));
  }
  return out;
}

nlohmann::ordered_json list(const Vector<double>& v) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(v(i));
  return out;
}

}  // namespace

std::string trace_to_json(const Trace& t) {
  nlohmann::ordered_json out;
  out["loss"] = t.loss;
  out["loss_function"] = to_string(t.loss_kind);
  out["x"] = rows(t.x);
  out["y"] = rows(t.y);
  out["dL_da"] = rows(t.dL_da);
  out["layers"] = nlohmann::ordered_json::array();
  for (const LayerTrace& lt : t.layers) {
    nlohmann::ordered_json l;
    l["activation"] = to_string(lt.activation.kind);
    l["Wa_prev"] = rows(lt.Wa_prev);
    l["z"] = rows(lt.z);
    l["a"] = rows(lt.a);
    if (lt.fprime.size() > 0) l["fprime"] = rows(lt.fprime);
    l["delta"] = rows(lt.delta);
    l["dW"] = rows(lt.dW);
    l["db"] = list(lt.db);
    l["pulled_back"] = rows(lt.pulled_back);
    out["layers"].push_back(std::move(l));
  }
  if (t.lr) {
    out["lr"] = *t.lr;
    out["updated"] = nlohmann::ordered_json::array();
    for (std::size_t l = 0; l < t.updated_W.size(); ++l)
      out["updated"].push_back({{"weights", rows(t.updated_W[l])}, {"bias", list(t.updated_b[l])}});
  }
  return out.dump() + "\n";
}

}  // namespace backprop
