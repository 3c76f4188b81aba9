// fuzz_onnx — the ONNX reader (io/onnx.h) on arbitrary bytes.
//
// Checks, beyond "parses or throws backprop::Error" (and nothing allocated beyond libFuzzer's
// -malloc_limit_mb, whatever sizes the bytes declare):
//   - a model that was read can be exported (float64: no rounding) without any Error: the
//     reader only accepts what the writer (and onnx::checker with full shape inference) takes;
//   - reading that export gives the same network bit for bit, and exporting it again the same
//     bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "backprop/error.h"
#include "backprop/io/onnx.h"
#include "fuzz_check.h"

namespace {

bool same(const backprop::Matrix<double>& a, const backprop::Matrix<double>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(),
                                       sizeof(double) * static_cast<std::size_t>(a.size())) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  backprop::Model model;
  try {
    model = backprop::parse_onnx(bytes, "fuzz.onnx");
  } catch (const backprop::Error&) {
    return 0;
  }
  // Errors past this point are findings: the reader accepted the model.
  const std::string written = backprop::model_to_onnx(model, backprop::Precision::float64);
  const backprop::Model again = backprop::parse_onnx(written, "written.onnx");
  FUZZ_CHECK(again.network.depth() == model.network.depth(), "round trip keeps the layers");
  FUZZ_CHECK(again.network.loss() == model.network.loss(), "round trip keeps the loss");
  for (std::size_t l = 0; l < model.network.depth(); ++l) {
    FUZZ_CHECK(same(again.network.layer(l).W, model.network.layer(l).W), "keeps W bit for bit");
    FUZZ_CHECK(same(again.network.layer(l).b, model.network.layer(l).b), "keeps b bit for bit");
  }
  FUZZ_CHECK(again.info.class_names == model.info.class_names, "keeps the classes");
  FUZZ_CHECK(again.info.feature_names == model.info.feature_names, "keeps the features");
  FUZZ_CHECK(backprop::model_to_onnx(again, backprop::Precision::float64) == written,
             "exporting is stable");
  return 0;
}
