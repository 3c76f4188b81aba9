// fuzz_model — the model-file reader on arbitrary text.
//
// Checks, beyond "parses or throws backprop::Error":
//   - a model that parsed can be written (model_to_json throws nothing), the text it writes
//     parses again (no Error allowed here: the writer must only write what the reader takes),
//     to the same model bit for bit, and writing that gives the same text again;
//   - a forward pass on an all-zero input either throws Error or, when no overflow is possible
//     for the parameters read (see magnitude_bound), gives only finite outputs.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "backprop/error.h"
#include "backprop/io/model_file.h"
#include "fuzz_check.h"

namespace {

using backprop::Matrix;
using backprop::Model;
using backprop::Vector;

// Bit for bit: -0.0 differs from 0.0, and NaN (history entries only) equals NaN.
template <typename T>
bool same_bits(const T* a, const T* b, std::size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(T)) == 0;
}
bool same(const Matrix<double>& a, const Matrix<double>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         same_bits(a.data(), b.data(), static_cast<std::size_t>(a.size()));
}
bool same(const Vector<double>& a, const Vector<double>& b) {
  return a.size() == b.size() && same_bits(a.data(), b.data(), static_cast<std::size_t>(a.size()));
}
// History lists store NaN for "not recorded"; the writer writes null and the reader reads a
// quiet NaN back, so compare NaN-ness, not payload bits.
bool same_history(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) != std::isnan(b[i])) return false;
    if (!std::isnan(a[i]) && !same_bits(&a[i], &b[i], 1)) return false;
  }
  return true;
}

void check_same_model(const Model& a, const Model& b) {
  const auto& na = a.network;
  const auto& nb = b.network;
  FUZZ_CHECK(na.inputs() == nb.inputs(), "round trip keeps the inputs");
  FUZZ_CHECK(na.loss() == nb.loss(), "round trip keeps the loss");
  FUZZ_CHECK(na.depth() == nb.depth(), "round trip keeps the layers");
  for (std::size_t l = 0; l < na.depth(); ++l) {
    const auto& la = na.layer(l);
    const auto& lb = nb.layer(l);
    FUZZ_CHECK(la.activation.kind == lb.activation.kind, "round trip keeps activations");
    // alpha means something (and is written) only for leaky_relu.
    if (la.activation.kind == backprop::Activation::leaky_relu)
      FUZZ_CHECK(same_bits(&la.activation.alpha, &lb.activation.alpha, 1), "keeps alpha");
    FUZZ_CHECK(same(la.W, lb.W), "round trip keeps weights bit for bit");
    FUZZ_CHECK(same(la.b, lb.b), "round trip keeps biases bit for bit");
  }
  const backprop::ModelInfo& ia = a.info;
  const backprop::ModelInfo& ib = b.info;
  FUZZ_CHECK(ia.feature_names == ib.feature_names, "round trip keeps features");
  FUZZ_CHECK(ia.target_column == ib.target_column, "round trip keeps target");
  FUZZ_CHECK(ia.class_names == ib.class_names, "round trip keeps classes");
  FUZZ_CHECK(ia.target_names == ib.target_names, "round trip keeps targets");
  FUZZ_CHECK(same(ia.input_mean, ib.input_mean), "round trip keeps standardize.mean");
  FUZZ_CHECK(same(ia.input_scale, ib.input_scale), "round trip keeps standardize.scale");
  FUZZ_CHECK(ia.settings == ib.settings, "round trip keeps training.settings");
  FUZZ_CHECK(ia.history.size() == ib.history.size(), "round trip keeps the history's epochs");
  for (const backprop::HistoryColumn& column : backprop::kHistoryColumns) {
    std::vector<double> va, vb;
    for (const backprop::EpochRecord& r : ia.history) va.push_back(r.*column.field);
    for (const backprop::EpochRecord& r : ib.history) vb.push_back(r.*column.field);
    FUZZ_CHECK(same_history(va, vb), "round trip keeps every history column");
  }
}

// An upper bound on |output| for an all-zero input, computed in long double with room to spare:
// |z_i| <= sum_j |W_ij| |a_j| + |b_i|, sigmoid, tanh and softmax are bounded by 1, relu and
// linear keep the magnitude, leaky_relu scales it by at most max(1, |alpha|). Below 1e300 no
// intermediate can overflow a double, so any non-finite output would be a bug.
long double magnitude_bound(const backprop::Network<double>& net) {
  long double bound = 0;  // |a(0)| = 0
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const auto& layer = net.layer(l);
    long double next = 0;
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i) {
      long double row = std::fabs(static_cast<long double>(layer.b(i)));
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j)
        row += std::fabs(static_cast<long double>(layer.W(i, j))) * bound;
      next = std::max(next, row);
    }
    switch (layer.activation.kind) {
      case backprop::Activation::sigmoid:
      case backprop::Activation::tanh:
      case backprop::Activation::softmax:
        next = 1;
        break;
      case backprop::Activation::leaky_relu:
        next *= std::max(1.0L, std::fabs(static_cast<long double>(layer.activation.alpha)));
        break;
      case backprop::Activation::relu:
      case backprop::Activation::linear:
        break;
    }
    // Saturate instead of overflowing long double over many layers.
    bound = std::min(next, std::numeric_limits<long double>::infinity());
    if (bound > 1e300L) return std::numeric_limits<long double>::infinity();
  }
  return bound;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Model model;
  try {
    model = backprop::parse_model(text, "fuzz.json");
  } catch (const backprop::Error&) {
    return 0;
  }

  // Errors past this point are findings too: the reader accepted the model.
  const std::string written = backprop::model_to_json(model);
  const Model again = backprop::parse_model(written, "written.json");
  check_same_model(model, again);
  FUZZ_CHECK(backprop::model_to_json(again) == written, "writing is stable");

  Matrix<double> zeros = Matrix<double>::Zero(model.network.inputs(), 1);
  try {
    const Matrix<double>& out = model.network.forward(zeros);
    FUZZ_CHECK(out.rows() == model.network.outputs() && out.cols() == 1, "one output column");
    if (magnitude_bound(model.network) <= 1e300L)
      FUZZ_CHECK(out.allFinite(), "a forward pass that cannot overflow gives finite outputs");
  } catch (const backprop::Error&) {
  }
  return 0;
}
