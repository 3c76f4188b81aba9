// onnx.h — models as ONNX files, through the ONNX project's own library (Debian's libonnx-dev).
//
// Export: one ONNX model (IR version 7, default-domain opset 13) per backprop model.
//   input  "input"   float (or double) [batch, inputs]    raw data, the batch dimension symbolic
//   output "output"  float (or double) [batch, outputs]   a(L): probabilities for sigmoid/softmax
//   graph  Sub(input, input_mean) -> Div(·, input_scale)   only for a standardized model
//          per layer l = 1..L:  Gemm(·, layerl.weight, layerl.bias, transB = 1)  (W stays units x
//          inputs), then its activation: Sigmoid, Tanh, Relu, LeakyRelu(alpha), Softmax(axis = -1),
//          none for linear.
//   metadata_props  backprop.loss, backprop.features, backprop.target, backprop.classes,
//          backprop.targets (the lists as JSON arrays of strings)
// Every exported model passes onnx::checker::check_model and strict shape inference with type
// checks (Python's check_model(full_check=True)) before it is written, atomically (files.h).
//
// Import: MLPs as PyTorch's torch.onnx.export and Keras/tf2onnx write them — one graph input
// [batch, features] of float or double, nodes in a chain from it to the one graph output:
//   optional Sub and/or Div by constants before the first layer (the input scaling),
//   Gemm (transA = 0; transB 0 or 1; alpha and beta folded into W and b) or MatMul + Add,
//   each optionally followed by Sigmoid, Tanh, Relu, LeakyRelu or Softmax over the last axis,
//   and Identity or Flatten (axis 1 of the 2-D tensor) anywhere.
// Weights come from initializers or Constant nodes, float or double. The loss comes from
// backprop.loss when present, else softmax outputs get cross_entropy, sigmoid outputs bce and
// others mse. The checker runs before anything is interpreted; its several-line messages are
// reported on one line. Anything else (another op, a second input, a weight computed at run time,
// an opset outside 9..17, external data, a tensor whose data does not match its declared shape,
// non-finite numbers, shapes that do not chain) is a data Error naming the node, its op type and
// what is supported. Files over 1 GiB are refused before parsing; nothing is allocated from a
// declared size that the file's data does not back.
#pragma once

#include <string>

#include "backprop/model/fit.h"  // Precision
#include "backprop/model/model.h"

namespace backprop {

inline constexpr const char* kOnnxInputName = "input";
inline constexpr const char* kOnnxOutputName = "output";
inline constexpr int kOnnxExportOpset = 13;
inline constexpr int kOnnxMinOpset = 9, kOnnxMaxOpset = 17;

// True when this build has ONNX support (BACKPROP_ONNX); without it the functions below throw.
bool onnx_available();
// True when `path` names an ONNX file by its extension (.onnx, any case).
bool is_onnx_path(const std::string& path);

// The model as a serialized, checked ONNX ModelProto; float32 weights and arithmetic by default.
std::string model_to_onnx(const Model& model, Precision precision = Precision::float32);
void export_onnx(const Model& model, const std::string& path,
                 Precision precision = Precision::float32);

// An ONNX file's bytes as a model; `source` names the file in error messages.
Model parse_onnx(const std::string& bytes, const std::string& source);
Model read_onnx(const std::string& path);

}  // namespace backprop
