// onnx.cpp — ONNX export and import (io/onnx.h), with the ONNX project's protobuf classes, its
// checker and its shape inference. No protobuf is encoded or decoded by hand here.
#include "backprop/io/onnx.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backprop/error.h"
#include "backprop/io/files.h"

#ifdef BACKPROP_HAVE_ONNX
#include <google/protobuf/io/coded_stream.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <nlohmann/json.hpp>
#endif

namespace backprop {

bool is_onnx_path(const std::string& path) {
  if (path.size() < 5) return false;
  std::string ext = path.substr(path.size() - 5);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".onnx";
}

#ifndef BACKPROP_HAVE_ONNX

bool onnx_available() { return false; }

namespace {
[[noreturn]] void no_onnx() {
  throw usage_error(
      "this backprop was built without ONNX support (BACKPROP_ONNX=OFF; install "
      "libonnx-dev and libprotobuf-dev, then reconfigure)");
}
}  // namespace

std::string model_to_onnx(const Model&, Precision) { no_onnx(); }
void export_onnx(const Model&, const std::string&, Precision) { no_onnx(); }
Model parse_onnx(const std::string&, const std::string&) { no_onnx(); }
Model read_onnx(const std::string&) { no_onnx(); }

#else

bool onnx_available() { return true; }

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxOnnxBytes = std::size_t(1) << 30;  // 1 GiB
constexpr std::int64_t kMaxTensorElements = std::int64_t(1) << 28;
constexpr int kIrVersion = 7;  // the IR version of ONNX 1.8, which introduced opset 13

// Several lines of the checker's message (it appends "==> Context: ..." blocks) as one.
std::string one_line(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// ---- export -------------------------------------------------------------------------------------

void set_type(onnx::ValueInfoProto& value, const std::string& name, int elem_type,
              std::int64_t columns) {
  value.set_name(name);
  onnx::TypeProto_Tensor* tensor = value.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("batch");
  shape->add_dim()->set_dim_value(columns);
}

// An initializer holding `values` (row-major) of shape `dims`, in the graph's element type.
void add_initializer(onnx::GraphProto& graph, const std::string& name,
                     const std::vector<std::int64_t>& dims, const std::vector<double>& values,
                     Precision precision) {
  onnx::TensorProto* t = graph.add_initializer();
  t->set_name(name);
  for (std::int64_t d : dims) t->add_dims(d);
  if (precision == Precision::float32) {
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (double v : values) t->add_float_data(static_cast<float>(v));
  } else {
    t->set_data_type(onnx::TensorProto_DataType_DOUBLE);
    for (double v : values) t->add_double_data(v);
  }
}

onnx::NodeProto& add_node(onnx::GraphProto& graph, const std::string& name, const std::string& op,
                          const std::vector<std::string>& inputs, const std::string& output) {
  onnx::NodeProto* node = graph.add_node();
  node->set_name(name);
  node->set_op_type(op);
  for (const std::string& in : inputs) node->add_input(in);
  node->add_output(output);
  return *node;
}

void set_attribute(onnx::NodeProto& node, const std::string& name, std::int64_t value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(value);
}

void set_attribute(onnx::NodeProto& node, const std::string& name, float value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
  a->set_f(value);
}

void add_metadata(onnx::ModelProto& model, const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto* entry = model.add_metadata_props();
  entry->set_key(key);
  entry->set_value(value);
}

std::vector<double> to_vector(const Vector<double>& v) { return {v.data(), v.data() + v.size()}; }

onnx::ModelProto build_model(const Model& model, Precision precision) {
  const Network<double>& net = model.network;
  net.validate();
  const int elem = precision == Precision::float32 ? onnx::TensorProto_DataType_FLOAT
                                                   : onnx::TensorProto_DataType_DOUBLE;
  onnx::ModelProto m;
  m.set_ir_version(kIrVersion);
  m.set_producer_name("backprop");
  m.set_doc_string("A multilayer perceptron exported by backprop. Input \"input\" [batch, " +
                   std::to_string(net.inputs()) + "]: raw features" +
                   (model.is_standardized() ? " (the graph standardizes them)" : "") +
                   "; output \"output\" [batch, " + std::to_string(net.outputs()) +
                   "]: the output layer's activations.");
  onnx::OperatorSetIdProto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxExportOpset);

  add_metadata(m, "backprop.loss", to_string(net.loss()));
  const ModelInfo& info = model.info;
  if (!info.feature_names.empty())
    add_metadata(m, "backprop.features", Json(info.feature_names).dump());
  if (!info.target_column.empty()) add_metadata(m, "backprop.target", info.target_column);
  if (!info.class_names.empty()) add_metadata(m, "backprop.classes", Json(info.class_names).dump());
  if (!info.target_names.empty())
    add_metadata(m, "backprop.targets", Json(info.target_names).dump());

  onnx::GraphProto& g = *m.mutable_graph();
  g.set_name("backprop_mlp");
  set_type(*g.add_input(), kOnnxInputName, elem, net.inputs());
  set_type(*g.add_output(), kOnnxOutputName, elem, net.outputs());

  std::string current = kOnnxInputName;
  if (model.is_standardized()) {
    const std::int64_t n = info.input_mean.size();
    add_initializer(g, "input_mean", {n}, to_vector(info.input_mean), precision);
    add_initializer(g, "input_scale", {n}, to_vector(info.input_scale), precision);
    add_node(g, "standardize_sub", "Sub", {current, "input_mean"}, "input_centered");
    add_node(g, "standardize_div", "Div", {"input_centered", "input_scale"}, "input_standardized");
    current = "input_standardized";
  }
  for (std::size_t l = 0; l < net.depth(); ++l) {
    const DenseLayer<double>& layer = net.layer(l);
    const std::string p = "layer" + std::to_string(l + 1);
    const bool last = l + 1 == net.depth();
    std::vector<double> w;
    w.reserve(static_cast<std::size_t>(layer.W.size()));
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i)
      for (Eigen::Index j = 0; j < layer.W.cols(); ++j) w.push_back(layer.W(i, j));
    add_initializer(g, p + ".weight", {layer.W.rows(), layer.W.cols()}, w, precision);
    add_initializer(g, p + ".bias", {layer.b.size()}, to_vector(layer.b), precision);
    const Activation kind = layer.activation.kind;
    const std::string z =
        last && kind == Activation::linear ? std::string(kOnnxOutputName) : p + ".z";
    onnx::NodeProto& gemm =
        add_node(g, p + ".gemm", "Gemm", {current, p + ".weight", p + ".bias"}, z);
    set_attribute(gemm, "transB", std::int64_t(1));
    current = z;
    if (kind == Activation::linear) continue;
    const std::string a = last ? std::string(kOnnxOutputName) : p + ".a";
    static const std::map<Activation, std::string> ops = {{Activation::sigmoid, "Sigmoid"},
                                                          {Activation::tanh, "Tanh"},
                                                          {Activation::relu, "Relu"},
                                                          {Activation::leaky_relu, "LeakyRelu"},
                                                          {Activation::softmax, "Softmax"}};
    const std::string& op = ops.at(kind);
    onnx::NodeProto& act = add_node(g, p + "." + to_string(kind), op, {current}, a);
    if (kind == Activation::leaky_relu)
      set_attribute(act, "alpha", static_cast<float>(layer.activation.alpha));
    if (kind == Activation::softmax) set_attribute(act, "axis", std::int64_t(-1));
    current = a;
  }
  return m;
}

// Python's onnx.checker.check_model(full_check=True): the checker, then shape inference in strict
// mode with type checks. A failure here is a bug in this file, not in the caller's model.
void check_exported(const onnx::ModelProto& m) {
  try {
    onnx::checker::check_model(m);
    onnx::ModelProto inferred = m;
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(true, 1, false));
  } catch (const std::exception& e) {
    throw Error("internal error: the exported ONNX model fails onnx::checker: " +
                one_line(e.what()));
  }
}

// ---- import -------------------------------------------------------------------------------------

// Reads a model's graph as a chain of supported nodes; every error names the file and the node.
class Importer {
 public:
  Importer(const onnx::ModelProto& m, std::string source) : m_(m), source_(std::move(source)) {}

  // The opset of the default domain, checked to be one this reader knows.
  void check_opset() { opset_ = opset(); }
  Model run();

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(source_ + ": " + message);
  }
  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& message) const {
    throw Error(source_ + ": " + describe(node) + ": " + message);
  }
  static std::string describe(const onnx::NodeProto& node) {
    return "node '" +
           (node.name().empty()
                ? "(unnamed, output " + (node.output_size() ? node.output(0) : "none") + ")"
                : node.name()) +
           "' (" + node.op_type() + ")";
  }

  int opset() const;
  void collect_constants();
  const onnx::TensorProto& constant(const onnx::NodeProto& node, const std::string& name) const;
  // The values (row-major) and dims of a constant, checked: float or double, data backing every
  // declared element, every number finite.
  std::vector<double> values(const onnx::NodeProto& node, const onnx::TensorProto& t,
                             std::vector<std::int64_t>& dims) const;
  std::int64_t int_attribute(const onnx::NodeProto& node, const std::string& name,
                             std::int64_t fallback) const;
  float float_attribute(const onnx::NodeProto& node, const std::string& name, float fallback) const;
  void flush_linear();
  std::vector<double> per_feature(const onnx::NodeProto& node, const std::string& name);

  struct Layer {
    Matrix<double> W;
    Vector<double> b;
    ActivationSpec activation{Activation::linear, 0.01};
    bool from_matmul = false, has_bias = false;
    std::string node;  // the node that made it, for messages
  };

  const onnx::ModelProto& m_;
  std::string source_;
  int opset_ = 0;
  std::map<std::string, const onnx::TensorProto*> constants_;
  std::vector<Layer> layers_;
  std::optional<Layer> pending_;  // a linear map whose activation may still follow
  std::vector<double> mean_, scale_;
  std::vector<std::int64_t> mean_dims_, scale_dims_;
  std::string mean_node_, scale_node_;
};

int Importer::opset() const {
  int version = -1;
  for (const onnx::OperatorSetIdProto& o : m_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      version = static_cast<int>(std::clamp<std::int64_t>(o.version(), -1, 1 << 20));
  if (version < 0) fail("the model imports no opset of the default ONNX domain");
  if (version < kOnnxMinOpset || version > kOnnxMaxOpset) {
    std::string first =
        m_.graph().node_size() ? describe(m_.graph().node(0)) + " and the rest" : "the graph";
    fail(first + ": opset " + std::to_string(version) + " of the default ONNX domain is not " +
         "supported; backprop reads opsets " + std::to_string(kOnnxMinOpset) + " to " +
         std::to_string(kOnnxMaxOpset) + " (re-export with one of them, e.g. opset_version=13)");
  }
  return version;
}

void Importer::collect_constants() {
  for (const onnx::TensorProto& t : m_.graph().initializer()) constants_[t.name()] = &t;
  for (const onnx::NodeProto& node : m_.graph().node()) {
    if (node.op_type() != "Constant") continue;
    const onnx::TensorProto* value = nullptr;
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (a.name() == "value" && a.has_t())
        value = &a.t();
      else
        fail(node, "only a tensor 'value' is supported in a Constant, found attribute '" +
                       a.name() + "'");
    }
    if (value == nullptr || node.output_size() != 1) fail(node, "expected one tensor 'value'");
    constants_[node.output(0)] = value;
  }
}

const onnx::TensorProto& Importer::constant(const onnx::NodeProto& node,
                                            const std::string& name) const {
  const auto it = constants_.find(name);
  if (it == constants_.end())
    fail(node, "input '" + name +
                   "' is not a constant (an initializer or a Constant node): backprop reads "
                   "fixed weights, not ones computed at run time");
  return *it->second;
}

std::vector<double> Importer::values(const onnx::NodeProto& node, const onnx::TensorProto& t,
                                     std::vector<std::int64_t>& dims) const {
  const std::string what = "tensor '" + t.name() + "'";
  if (t.data_location() == onnx::TensorProto_DataLocation_EXTERNAL || t.external_data_size() > 0)
    fail(node, what + " keeps its data in an external file; backprop reads self-contained models");
  if (t.has_segment()) fail(node, what + " is segmented; not supported");
  dims.assign(t.dims().begin(), t.dims().end());
  std::int64_t n = 1;
  for (std::int64_t d : dims) {
    if (d < 0) fail(node, what + " has a negative dimension " + std::to_string(d));
    if (d > 0 && n > kMaxTensorElements / d)
      fail(node, what + " declares more than " + std::to_string(kMaxTensorElements) + " elements");
    n *= d;
  }
  if (n > kMaxTensorElements)
    fail(node, what + " declares more than " + std::to_string(kMaxTensorElements) + " elements");
  const auto count = static_cast<std::size_t>(n);
  std::vector<double> out;
  const bool is_float = t.data_type() == onnx::TensorProto_DataType_FLOAT;
  if (!is_float && t.data_type() != onnx::TensorProto_DataType_DOUBLE)
    fail(node, what + " has element type " + std::to_string(t.data_type()) +
                   "; backprop reads float (1) and double (11) weights");
  const std::size_t size = is_float ? sizeof(float) : sizeof(double);
  std::size_t found = 0;
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    found = raw.size() / size;
    if (raw.size() != count * size)
      fail(node, what + " declares " + std::to_string(count) + " elements (" +
                     std::to_string(count * size) + " bytes) but holds " +
                     std::to_string(raw.size()) + " bytes of data");
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "raw_data is little-endian");
    out.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      if (is_float) {
        float v;
        std::memcpy(&v, raw.data() + i * size, size);
        out[i] = v;
      } else {
        std::memcpy(&out[i], raw.data() + i * size, size);
      }
    }
  } else {
    found = static_cast<std::size_t>(is_float ? t.float_data_size() : t.double_data_size());
    if (found != count)
      fail(node, what + " declares " + std::to_string(count) + " elements but holds " +
                     std::to_string(found));
    if (is_float)
      out.assign(t.float_data().begin(), t.float_data().end());
    else
      out.assign(t.double_data().begin(), t.double_data().end());
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (!std::isfinite(out[i]))
      fail(node, what + " element " + std::to_string(i) + " is " + std::to_string(out[i]) +
                     "; expected finite numbers");
  return out;
}

std::int64_t Importer::int_attribute(const onnx::NodeProto& node, const std::string& name,
                                     std::int64_t fallback) const {
  for (const onnx::AttributeProto& a : node.attribute())
    if (a.name() == name) {
      if (a.type() != onnx::AttributeProto_AttributeType_INT)
        fail(node, "attribute '" + name + "' should be an integer");
      return a.i();
    }
  return fallback;
}

float Importer::float_attribute(const onnx::NodeProto& node, const std::string& name,
                                float fallback) const {
  for (const onnx::AttributeProto& a : node.attribute())
    if (a.name() == name) {
      if (a.type() != onnx::AttributeProto_AttributeType_FLOAT)
        fail(node, "attribute '" + name + "' should be a float");
      if (!std::isfinite(a.f())) fail(node, "attribute '" + name + "' is not finite");
      return a.f();
    }
  return fallback;
}

void Importer::flush_linear() {
  if (pending_) layers_.push_back(std::move(*pending_));
  pending_.reset();
}

// The constant operand of the scaling's Sub or Div: one value per feature ([F] or [1, F]), or one
// for all of them ([], [1], [1, 1]).
std::vector<double> Importer::per_feature(const onnx::NodeProto& node, const std::string& name) {
  std::vector<std::int64_t> dims;
  std::vector<double> v = values(node, constant(node, name), dims);
  const bool ok = dims.size() <= 1 || (dims.size() == 2 && dims[0] == 1);
  if (!ok || v.empty())
    fail(node, "expected one value per input feature (shape [F] or [1, F]) for '" + name + "'");
  return v;
}

Model Importer::run() {
  const onnx::GraphProto& g = m_.graph();
  collect_constants();

  // The one real input (older exporters also list the initializers as inputs).
  std::vector<const onnx::ValueInfoProto*> graph_inputs;
  for (const onnx::ValueInfoProto& in : g.input())
    if (!constants_.count(in.name())) graph_inputs.push_back(&in);
  if (graph_inputs.size() != 1) {
    std::string names;
    for (const auto* in : graph_inputs) names += (names.empty() ? "'" : ", '") + in->name() + "'";
    fail("expected one graph input (the features), found " + std::to_string(graph_inputs.size()) +
         (names.empty() ? "" : " (" + names + ")") + "; backprop reads single-input MLPs");
  }
  const onnx::ValueInfoProto& input = *graph_inputs[0];
  if (!input.type().has_tensor_type()) fail("graph input '" + input.name() + "' is not a tensor");
  const onnx::TypeProto_Tensor& tt = input.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto_DataType_FLOAT &&
      tt.elem_type() != onnx::TensorProto_DataType_DOUBLE)
    fail("graph input '" + input.name() + "' has element type " + std::to_string(tt.elem_type()) +
         "; backprop reads float (1) or double (11) inputs");
  std::int64_t features = -1;  // unknown
  if (tt.has_shape()) {
    if (tt.shape().dim_size() != 2)
      fail("graph input '" + input.name() + "' has " + std::to_string(tt.shape().dim_size()) +
           " dimensions; backprop reads [batch, features] inputs");
    if (tt.shape().dim(1).has_dim_value()) features = tt.shape().dim(1).dim_value();
  }
  if (g.output_size() != 1)
    fail("expected one graph output, found " + std::to_string(g.output_size()));

  const std::string supported =
      "backprop reads Gemm, MatMul + Add, Sigmoid, Tanh, Relu, LeakyRelu, Softmax (last axis), "
      "Identity, Flatten (axis 1) and a Sub/Div input scaling before the first layer";
  std::string current = input.name();
  for (const onnx::NodeProto& node : g.node()) {
    const std::string& op = node.op_type();
    if (op == "Constant") continue;
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      fail(node, "operator domain '" + node.domain() + "' is not supported; " + supported);
    static const std::vector<std::string> known = {"Identity", "Flatten", "Sub",       "Div",
                                                   "Gemm",     "MatMul",  "Add",       "Sigmoid",
                                                   "Tanh",     "Relu",    "LeakyRelu", "Softmax"};
    if (std::find(known.begin(), known.end(), op) == known.end())
      fail(node, "operator not supported; " + supported);
    if (node.output_size() != 1) fail(node, "expected one output");
    int data = -1;
    for (int i = 0; i < node.input_size(); ++i)
      if (node.input(i) == current) {
        if (data >= 0) fail(node, "takes '" + current + "' twice");
        data = i;
      }
    if (data < 0)
      fail(node, "does not take '" + current + "', the output of the node before it: backprop " +
                     "reads graphs that are one chain from the input to the output");
    std::vector<std::string> operands;  // the constant inputs, in order (empty names skipped)
    for (int i = 0; i < node.input_size(); ++i)
      if (i != data && !node.input(i).empty()) operands.push_back(node.input(i));
    const bool before_layers = layers_.empty() && !pending_;

    if (op == "Identity") {
    } else if (op == "Flatten") {
      const std::int64_t axis = int_attribute(node, "axis", 1);
      if (axis != 1 && axis != -1)
        fail(node, "axis " + std::to_string(axis) +
                       " of a [batch, features] tensor; only axis 1 "
                       "(which changes nothing) is supported");
    } else if (op == "Sub" || op == "Div") {
      if (!before_layers)
        fail(node, "a Sub or Div is only supported as the input scaling before the first layer");
      if (data != 0 || operands.size() != 1)
        fail(node, "expected (input " + std::string(op == "Sub" ? "- mean" : "/ scale") + ")");
      std::vector<double>& target = op == "Sub" ? mean_ : scale_;
      if (!target.empty() || (op == "Sub" && !scale_.empty()))
        fail(node, "expected at most one Sub followed by at most one Div");
      target = per_feature(node, operands[0]);
      (op == "Sub" ? mean_node_ : scale_node_) = node.name().empty() ? op : node.name();
      if (op == "Div")
        for (double s : scale_)
          if (!(s > 0)) fail(node, "expected positive scales, found " + std::to_string(s));
    } else if (op == "Gemm" || op == "MatMul") {
      flush_linear();
      const std::size_t want = op == "Gemm" ? 2 : 1;
      if (data != 0 || operands.size() < 1 || operands.size() > want)
        fail(node, op == "Gemm" ? "expected Gemm(x, B, C) with constant B and C"
                                : "expected MatMul(x, W) with a constant W");
      if (op == "Gemm" && int_attribute(node, "transA", 0) != 0)
        fail(node, "transA = 1 is not supported (x must be [batch, features])");
      const bool trans_b = op == "Gemm" && int_attribute(node, "transB", 0) != 0;
      std::vector<std::int64_t> dims;
      std::vector<double> w = values(node, constant(node, operands[0]), dims);
      if (dims.size() != 2 || dims[0] == 0 || dims[1] == 0)
        fail(node, "weight '" + operands[0] + "' should be a non-empty matrix");
      Layer layer;
      layer.node = describe(node);
      const Eigen::Index rows = dims[0], cols = dims[1];
      using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
      const Eigen::Map<const RowMajor> B(w.data(), rows, cols);
      layer.W = trans_b ? Matrix<double>(B) : Matrix<double>(B.transpose());  // units x inputs
      const Eigen::Index units = layer.W.rows();
      layer.b = Vector<double>::Zero(units);
      if (op == "Gemm") {
        const float alpha = float_attribute(node, "alpha", 1.0f);
        const float beta = float_attribute(node, "beta", 1.0f);
        if (alpha != 1.0f) layer.W *= static_cast<double>(alpha);
        if (operands.size() == 2) {
          std::vector<std::int64_t> cd;
          std::vector<double> c = values(node, constant(node, operands[1]), cd);
          const bool row = cd.size() == 1 || (cd.size() == 2 && cd[0] == 1);
          if (row && static_cast<Eigen::Index>(c.size()) == units)
            layer.b = Eigen::Map<const Vector<double> >(c.data(), units);
          else if (c.size() == 1 && cd.size() <= 2)
            layer.b.setConstant(c[0]);
          else
            fail(node, "bias '" + operands[1] + "' should hold " + std::to_string(units) +
                           " values (one per unit, shape [" + std::to_string(units) + "])");
          if (beta != 1.0f) layer.b *= static_cast<double>(beta);
          layer.has_bias = true;
        }
      }
      if (!layer.W.allFinite() || !layer.b.allFinite())
        fail(node, "alpha or beta times the weights overflows to infinity");
      layer.from_matmul = op == "MatMul";
      if (!layers_.empty() && layers_.back().W.rows() != layer.W.cols())
        fail(node, "takes " + std::to_string(layer.W.cols()) + " inputs but the layer before it (" +
                       layers_.back().node + ") has " + std::to_string(layers_.back().W.rows()) +
                       " units: the shapes do not chain");
      pending_ = std::move(layer);
    } else if (op == "Add") {
      if (!pending_ || !pending_->from_matmul || pending_->has_bias || operands.size() != 1)
        fail(node,
             "an Add is only supported as the bias of a MatMul (MatMul then Add of a "
             "constant)");
      std::vector<std::int64_t> cd;
      std::vector<double> c = values(node, constant(node, operands[0]), cd);
      const Eigen::Index units = pending_->W.rows();
      const bool row = cd.size() == 1 || (cd.size() == 2 && cd[0] == 1);
      if (!row || static_cast<Eigen::Index>(c.size()) != units)
        fail(node, "bias '" + operands[0] + "' should hold " + std::to_string(units) +
                       " values (one per unit, shape [" + std::to_string(units) + "])");
      pending_->b = Eigen::Map<const Vector<double> >(c.data(), units);
      pending_->has_bias = true;
    } else {  // an activation
      if (!pending_)
        fail(node, "an activation must follow a Gemm or MatMul (+ Add); found it after " +
                       (layers_.empty() ? std::string("the input") : layers_.back().node));
      if (!operands.empty()) fail(node, "expected one input");
      ActivationSpec& f = pending_->activation;
      if (op == "Sigmoid") {
        f.kind = Activation::sigmoid;
      } else if (op == "Tanh") {
        f.kind = Activation::tanh;
      } else if (op == "Relu") {
        f.kind = Activation::relu;
      } else if (op == "LeakyRelu") {
        f.kind = Activation::leaky_relu;
        f.alpha = static_cast<double>(float_attribute(node, "alpha", 0.01f));
      } else {  // Softmax over the features: axis -1 or 1 of the 2-D tensor, whatever the opset
        const std::int64_t axis = int_attribute(node, "axis", opset_ >= 13 ? -1 : 1);
        if (axis != -1 && axis != 1)
          fail(node, "axis " + std::to_string(axis) +
                         "; only the last axis (-1 or 1 of a "
                         "[batch, features] tensor) is supported");
        f.kind = Activation::softmax;
      }
      pending_->node = describe(node);
      flush_linear();
    }
    current = node.output(0);
  }
  flush_linear();
  if (layers_.empty()) fail("the graph has no Gemm or MatMul layer; " + supported);
  if (current != g.output(0).name())
    fail("the chain of nodes ends in '" + current + "', not in the graph output '" +
         g.output(0).name() + "'");

  const Eigen::Index inputs = layers_.front().W.cols();
  if (features >= 0 && features != inputs)
    fail("graph input '" + input.name() + "' has " + std::to_string(features) +
         " features but the first layer (" + layers_.front().node + ") takes " +
         std::to_string(inputs));
  if (inputs > std::numeric_limits<int>::max() / 2) fail("too many inputs");
  std::vector<LayerSpec> specs;
  for (const Layer& layer : layers_) {
    if (layer.W.rows() > std::numeric_limits<int>::max() / 2) fail("too many units");
    specs.push_back({static_cast<int>(layer.W.rows()), layer.activation});
  }

  // The loss: the exporter's (backprop.loss), else the usual one for the output activation.
  ModelInfo info;
  const Activation output = specs.back().activation.kind;
  Loss loss = output == Activation::softmax   ? Loss::cross_entropy
              : output == Activation::sigmoid ? Loss::bce
                                              : Loss::mse;
  auto names = [&](const std::string& key, const std::string& value) {
    std::vector<std::string> out;
    try {
      const Json j = Json::parse(value);
      if (!j.is_array()) throw std::runtime_error("not an array");
      for (const Json& s : j) out.push_back(s.get<std::string>());
    } catch (const std::exception&) {
      fail("metadata '" + key + "' should be a JSON array of strings");
    }
    return out;
  };
  for (const onnx::StringStringEntryProto& e : m_.metadata_props()) {
    const std::string& k = e.key();
    if (k == "backprop.loss") {
      try {
        loss = loss_from_string(e.value());
        check_loss_pairing(loss, output);
      } catch (const Error& err) {
        fail("metadata 'backprop.loss': " + std::string(err.what()));
      }
    } else if (k == "backprop.features") {
      info.feature_names = names(k, e.value());
      if (static_cast<Eigen::Index>(info.feature_names.size()) != inputs)
        fail("metadata 'backprop.features' names " + std::to_string(info.feature_names.size()) +
             " features; the model has " + std::to_string(inputs) + " inputs");
    } else if (k == "backprop.target") {
      info.target_column = e.value();
    } else if (k == "backprop.classes") {
      info.class_names = names(k, e.value());
      const auto n = static_cast<Eigen::Index>(info.class_names.size());
      if (n != specs.back().units && !(n == 2 && specs.back().units == 1))
        fail("metadata 'backprop.classes' names " + std::to_string(n) + " classes; the model has " +
             std::to_string(specs.back().units) + " outputs");
    } else if (k == "backprop.targets") {
      info.target_names = names(k, e.value());
    }
  }

  auto spread = [&](std::vector<double>& v, double fill, const std::string& node) {
    if (v.empty()) v.assign(static_cast<std::size_t>(inputs), fill);
    if (v.size() == 1) v.assign(static_cast<std::size_t>(inputs), v[0]);
    if (static_cast<Eigen::Index>(v.size()) != inputs)
      fail("node '" + node + "' scales " + std::to_string(v.size()) +
           " features; the first layer (" + layers_.front().node + ") takes " +
           std::to_string(inputs));
  };
  if (!mean_.empty() || !scale_.empty()) {
    spread(mean_, 0.0, mean_node_);
    spread(scale_, 1.0, scale_node_);
    info.input_mean = Eigen::Map<const Vector<double> >(mean_.data(), inputs);
    info.input_scale = Eigen::Map<const Vector<double> >(scale_.data(), inputs);
  }

  Network<double> net;
  try {
    net = Network<double>(static_cast<int>(inputs), specs, loss);
  } catch (const Error& e) {
    fail(e.what());
  }
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    net.layer(l).W = std::move(layers_[l].W);
    net.layer(l).b = std::move(layers_[l].b);
  }
  return Model{std::move(net), std::move(info)};
}

}  // namespace

std::string model_to_onnx(const Model& model, Precision precision) {
  const onnx::ModelProto m = build_model(model, precision);
  check_exported(m);
  std::string bytes;
  if (!m.SerializeToString(&bytes))
    throw Error("internal error: could not serialize the ONNX model");
  return bytes;
}

void export_onnx(const Model& model, const std::string& path, Precision precision) {
  write_file_atomically(path, model_to_onnx(model, precision));
}

Model parse_onnx(const std::string& bytes, const std::string& source) {
  if (bytes.size() > kMaxOnnxBytes)
    throw Error(source + ": " + std::to_string(bytes.size()) +
                " bytes; backprop reads ONNX files of at most 1 GiB");
  onnx::ModelProto m;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  in.SetRecursionLimit(32);  // an MLP's protobuf nests a few levels; hostile input may nest more
  if (!m.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
    throw Error(source +
                ": not an ONNX model (the protobuf does not parse: a truncated or "
                "damaged file, or not ONNX at all)");
  if (!m.has_graph()) throw Error(source + ": not an ONNX model (it has no graph)");
  // The opset first, for a clearer message than the checker's about an opset it does not know;
  // then the checker, before anything is interpreted.
  Importer importer(m, source);
  importer.check_opset();
  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    throw Error(source + ": the ONNX checker refuses the model: " + one_line(e.what()));
  }
  return importer.run();
}

Model read_onnx(const std::string& path) {
  // The size first, so that a huge file is refused before it is read into memory.
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxOnnxBytes)
    throw Error(path + ": " + std::to_string(size) +
                " bytes; backprop reads ONNX files of at most 1 GiB");
  return parse_onnx(read_file(path), path);
}

#endif  // BACKPROP_HAVE_ONNX

}  // namespace backprop
