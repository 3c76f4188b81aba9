// trace.h — every number of one forward and backward pass, as the lesson's tables show them.
//
// For each layer l (forward order): W(l) a(l-1), z(l) = W(l) a(l-1) + b(l), a(l) = f(z(l)),
// f'(z(l)) (element-wise activations), delta(l) = dL/dz(l), dW(l) = delta(l) a(l-1)ᵀ,
// db(l) = Σ_samples delta(l), and W(l)ᵀ delta(l) (the error pulled back to the layer below; for
// layer 1 it is dL/dx). Then the loss, dL/da of the output, and optionally the parameters after
// one gradient-descent step. Always computed in double.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backprop/model/model.h"
#include "backprop/network.h"

namespace backprop {

struct LayerTrace {
  ActivationSpec activation;
  Matrix<double> W, Wa_prev, z, a, fprime, delta, dW, pulled_back;  // fprime empty for softmax
  Vector<double> b, db;
};

struct Trace {
  Loss loss_kind = Loss::mse;
  int inputs = 0;
  Matrix<double> x, y;
  double loss = 0;
  Matrix<double> dL_da;            // dL/da of the output layer
  std::vector<LayerTrace> layers;  // forward order
  std::optional<double> lr;        // set when an update was traced
  std::vector<Matrix<double>> updated_W;
  std::vector<Vector<double>> updated_b;
};

// One traced pass of `network` on (x, y); with `lr`, also the gradient-descent update
// (the network itself is not changed).
Trace trace(const Network<double>& network, const Matrix<double>& x, const Matrix<double>& y,
            std::optional<double> lr = std::nullopt);

// The trace of a model on raw samples, as `backprop trace --model` and the playground's
// POST /api/trace show it: x (features x N) must have one row per input and y one row per
// output with as many columns (else a data Error saying what was expected and found); the model's
// input scaling, if any, is applied to x first.
Trace trace_model(const Model& model, const Matrix<double>& x, const Matrix<double>& y,
                  std::optional<double> lr = std::nullopt);

// The lesson-style text tables (sections 3 and 5).
std::string trace_to_text(const Trace& trace, const std::string& title = "");
// {"loss": L, "layers": [{"z", "a", "delta", "dW", "db", ...}], "updated": [...]} with
// round-trippable numbers; matrices as lists of rows (one row per unit, one column per sample).
std::string trace_to_json(const Trace& trace);

}  // namespace backprop
