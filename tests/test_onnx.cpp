// ONNX export and import (io/onnx.h): bit-identical round trips, the graph's layout, and a clear
// error naming the node for every kind of bad file. The bad files are made from a good export
// with the ONNX project's own protobuf classes (a hand-edited field each), never by hand-encoding.
// That exported models run the same in real runtimes is checked by tests/onnx/ (onnxruntime,
// onnx.checker, PyTorch).
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/io/model_file.h"
#include "backprop/io/onnx.h"
#include "backprop/random.h"

namespace backprop {
namespace {

Model sample_model(Activation hidden, Activation output, Loss loss, bool standardized) {
  // leaky_relu's slope 0.25: exact in the float attribute ONNX keeps it in.
  Network<double> net(3, {{5, {hidden, 0.25}}, {4, {Activation::tanh}}, {2, {output}}}, loss);
  initialize(net, Init::glorot_normal, 7);
  Random random(8);
  for (auto& layer : net.layers())
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b(i) = random.normal() * 0.1;
  Model model{net, {}};
  model.info.feature_names = {"a", "b", "c"};
  if (output == Activation::softmax) {
    model.info.class_names = {"no", "yes"};
    model.info.target_column = "label";
  } else {
    model.info.target_names = {"y1", "y2"};
  }
  if (standardized) {
    model.info.input_mean = Vector<double>::LinSpaced(3, -1.5, 2.25);
    model.info.input_scale = Vector<double>::LinSpaced(3, 0.5, 3.125);
  }
  return model;
}

bool same_bits(const Matrix<double>& a, const Matrix<double>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

TEST(Onnx, ExportImportExportIsBitIdentical) {
  for (Precision p : {Precision::float32, Precision::float64}) {
    const Model model =
        sample_model(Activation::leaky_relu, Activation::softmax, Loss::cross_entropy, true);
    const std::string bytes = model_to_onnx(model, p);
    const Model back = parse_onnx(bytes, "m.onnx");
    EXPECT_EQ(model_to_onnx(back, p), bytes);
    ASSERT_EQ(back.network.depth(), model.network.depth());
    for (std::size_t l = 0; l < model.network.depth(); ++l) {
      const auto& a = model.network.layer(l);
      const auto& b = back.network.layer(l);
      EXPECT_EQ(b.activation.kind, a.activation.kind);
      if (p == Precision::float64) {
        EXPECT_TRUE(same_bits(b.W, a.W));
        EXPECT_TRUE(same_bits(b.b, a.b));
        if (a.activation.kind == Activation::leaky_relu) {  // an ONNX float attribute
          EXPECT_EQ(b.activation.alpha,
                    static_cast<double>(static_cast<float>(a.activation.alpha)));
        }
      } else {  // the float32 export rounds every weight once
        EXPECT_TRUE(same_bits(b.W, a.W.cast<float>().cast<double>()));
        EXPECT_TRUE(same_bits(b.b, a.b.cast<float>().cast<double>()));
      }
    }
    EXPECT_EQ(back.network.loss(), Loss::cross_entropy);
    EXPECT_EQ(back.info.feature_names, model.info.feature_names);
    EXPECT_EQ(back.info.class_names, model.info.class_names);
    EXPECT_EQ(back.info.target_column, "label");
    ASSERT_TRUE(back.is_standardized());
    if (p == Precision::float64) {
      EXPECT_TRUE(same_bits(back.info.input_mean, model.info.input_mean));
      EXPECT_TRUE(same_bits(back.info.input_scale, model.info.input_scale));
    }
    // A JSON save of the imported model exports to the same bytes again.
    EXPECT_EQ(model_to_onnx(parse_model(model_to_json(back), "m.json"), p), bytes);
  }
}

TEST(Onnx, EveryActivationAndLossSurvives) {
  struct Case {
    Activation hidden, output;
    Loss loss;
  };
  for (const Case& c : {Case{Activation::sigmoid, Activation::sigmoid, Loss::bce},
                        Case{Activation::tanh, Activation::linear, Loss::mse},
                        Case{Activation::relu, Activation::relu, Loss::mse},
                        Case{Activation::linear, Activation::softmax, Loss::mse},
                        Case{Activation::leaky_relu, Activation::sigmoid, Loss::mse}}) {
    const Model model = sample_model(c.hidden, c.output, c.loss, false);
    const Model back = parse_onnx(model_to_onnx(model, Precision::float64), "m.onnx");
    EXPECT_EQ(back.network.layer(0).activation.kind, c.hidden);
    EXPECT_EQ(back.network.layer(2).activation.kind, c.output);
    EXPECT_EQ(back.network.loss(), c.loss);
    EXPECT_FALSE(back.is_standardized());
    EXPECT_EQ(back.info.target_names, model.info.target_names);
    const Matrix<double> x = Matrix<double>::Random(3, 6);
    EXPECT_TRUE(same_bits(back.predict(x), model.predict(x)));
  }
}

TEST(Onnx, GraphHasTheDocumentedLayout) {
  const Model model =
      sample_model(Activation::relu, Activation::softmax, Loss::cross_entropy, true);
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(model_to_onnx(model)));
  EXPECT_EQ(m.opset_import(0).version(), kOnnxExportOpset);
  const onnx::GraphProto& g = m.graph();
  ASSERT_EQ(g.input_size(), 1);
  EXPECT_EQ(g.input(0).name(), kOnnxInputName);
  EXPECT_TRUE(g.input(0).type().tensor_type().shape().dim(0).has_dim_param());  // symbolic batch
  EXPECT_EQ(g.input(0).type().tensor_type().shape().dim(1).dim_value(), 3);
  EXPECT_EQ(g.output(0).name(), kOnnxOutputName);
  std::string ops;
  for (const auto& n : g.node()) ops += n.op_type() + " ";
  EXPECT_EQ(ops, "Sub Div Gemm Relu Gemm Tanh Gemm Softmax ");
  for (const auto& n : g.node())
    for (const auto& a : n.attribute()) {
      if (n.op_type() == "Gemm") {
        EXPECT_TRUE(a.name() == "transB" && a.i() == 1);
      }
      if (n.op_type() == "Softmax") {
        EXPECT_TRUE(a.name() == "axis" && a.i() == -1);
      }
    }
}

TEST(Onnx, ReadModelDispatchesOnTheExtension) {
  const std::string path =
      ::testing::TempDir() + "backprop_onnx_test_" + std::to_string(::getpid()) + ".ONNX";
  const Model model =
      sample_model(Activation::tanh, Activation::softmax, Loss::cross_entropy, true);
  export_onnx(model, path, Precision::float64);
  const Model back = read_model(path);  // the entry point of every --model flag
  EXPECT_TRUE(same_bits(back.network.layer(1).W, model.network.layer(1).W));
  std::remove(path.c_str());
}

// A float tensor with its data in raw_data (little-endian), as tf2onnx and PyTorch write them.
void add_raw(onnx::GraphProto& g, const std::string& name, const std::vector<std::int64_t>& dims,
             const std::vector<float>& values) {
  onnx::TensorProto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (std::int64_t d : dims) t->add_dims(d);
  t->set_raw_data(
      std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
}

TEST(Onnx, ReadsTheKerasTf2onnxLayout) {
  // Keras Dense layers as tf2onnx writes them: MatMul by W (inputs x units), Add of the bias
  // (here once with the bias first), a named symbolic batch dimension, an Identity at the end.
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  onnx::GraphProto& g = *m.mutable_graph();
  g.set_name("tf2onnx");
  auto value = [](onnx::ValueInfoProto* v, const std::string& name, std::int64_t n) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("unk__6");
    t->mutable_shape()->add_dim()->set_dim_value(n);
  };
  value(g.add_input(), "dense_input", 3);
  value(g.add_output(), "dense_1", 2);
  const std::vector<float> w1 = {0.5f, -1, 0.25f, 2, 1.5f, 0.75f, -0.5f, 1, -2, 0.125f, 1, -1};
  const std::vector<float> b1 = {0.1f, -0.2f, 0.3f, 0};
  const std::vector<float> w2 = {1, -1, 0.5f, 0.25f, -0.75f, 2, 1.25f, -0.5f};
  const std::vector<float> b2 = {0.05f, -0.05f};
  add_raw(g, "W1", {3, 4}, w1);
  add_raw(g, "b1", {4}, b1);
  add_raw(g, "W2", {4, 2}, w2);
  add_raw(g, "b2", {1, 2}, b2);
  auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
    onnx::NodeProto* n = g.add_node();
    n->set_name("model/" + out);
    n->set_op_type(op);
    for (const auto& i : in) n->add_input(i);
    n->add_output(out);
  };
  node("MatMul", {"dense_input", "W1"}, "m1");
  node("Add", {"m1", "b1"}, "a1");
  node("Relu", {"a1"}, "r1");
  node("MatMul", {"r1", "W2"}, "m2");
  node("Add", {"b2", "m2"}, "a2");
  node("Softmax", {"a2"}, "sm");
  node("Identity", {"sm"}, "dense_1");
  std::string bytes;
  ASSERT_TRUE(m.SerializeToString(&bytes));
  const Model model = parse_onnx(bytes, "keras.onnx");
  ASSERT_EQ(model.network.depth(), 2u);
  EXPECT_EQ(model.network.inputs(), 3);
  EXPECT_EQ(model.network.layer(0).activation.kind, Activation::relu);
  EXPECT_EQ(model.network.layer(1).activation.kind, Activation::softmax);
  EXPECT_EQ(model.network.loss(), Loss::cross_entropy);  // no backprop.loss: softmax's usual one
  // The reference, straight from the arrays: y = softmax(relu(x W1 + b1) W2 + b2) per sample.
  const Matrix<double> x = Matrix<double>::Random(3, 5);
  const Matrix<double> y = model.predict(x);
  for (Eigen::Index s = 0; s < x.cols(); ++s) {
    double h[4], z[2];
    for (int u = 0; u < 4; ++u) {
      h[u] = b1[static_cast<std::size_t>(u)];
      for (int i = 0; i < 3; ++i) h[u] += x(i, s) * w1[static_cast<std::size_t>(i * 4 + u)];
      h[u] = std::max(h[u], 0.0);
    }
    for (int k = 0; k < 2; ++k) {
      z[k] = b2[static_cast<std::size_t>(k)];
      for (int u = 0; u < 4; ++u) z[k] += h[u] * w2[static_cast<std::size_t>(u * 2 + k)];
    }
    const double p1 = 1 / (1 + std::exp(z[0] - z[1]));
    EXPECT_NEAR(y(1, s), p1, 1e-14);
    EXPECT_NEAR(y(0, s), 1 - p1, 1e-14);
  }
}

// ---- bad files: each a good export with one thing broken ---------------------------------------

std::string good_bytes() {
  return model_to_onnx(
      sample_model(Activation::relu, Activation::softmax, Loss::cross_entropy, true));
}

std::string edited(const std::function<void(onnx::ModelProto&)>& edit) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(good_bytes()));
  edit(m);
  std::string out;
  EXPECT_TRUE(m.SerializeToString(&out));
  return out;
}

onnx::NodeProto& node_named(onnx::ModelProto& m, const std::string& name) {
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.name() == name) return n;
  throw std::runtime_error("no node " + name);
}

onnx::TensorProto& initializer_named(onnx::ModelProto& m, const std::string& name) {
  for (auto& t : *m.mutable_graph()->mutable_initializer())
    if (t.name() == name) return t;
  throw std::runtime_error("no initializer " + name);
}

// The error message parse_onnx gives for these bytes ("" when it reads them).
std::string error_of(const std::string& bytes) {
  try {
    parse_onnx(bytes, "bad.onnx");
  } catch (const backprop::Error& e) {
    EXPECT_EQ(e.kind(), backprop::Error::Kind::data);
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;  // one line
    EXPECT_EQ(what.rfind("bad.onnx: ", 0), 0u) << what;     // names the file
    return what;
  }
  return "";
}

#define EXPECT_ERROR_HAS(bytes, ...)                                      \
  do {                                                                    \
    const std::string message = error_of(bytes);                          \
    for (const std::string& part : std::vector<std::string>{__VA_ARGS__}) \
      EXPECT_NE(message.find(part), std::string::npos) << message;        \
  } while (0)

// A node inserted at `index` of the graph's (topologically sorted) node list.
onnx::NodeProto& insert_node(onnx::ModelProto& m, int index) {
  auto* nodes = m.mutable_graph()->mutable_node();
  nodes->Add();
  for (int i = nodes->size() - 1; i > index; --i) nodes->SwapElements(i, i - 1);
  return *nodes->Mutable(index);
}

TEST(Onnx, IdentityFlattenAndConstantNodesAreRead) {
  // Identity and Flatten(axis 1) in the chain, layer 3's bias from a Constant node instead of an
  // initializer: the same model comes back.
  const std::string bytes = edited([](onnx::ModelProto& m) {
    onnx::NodeProto& id = insert_node(m, 4);  // after Sub, Div, layer1.gemm, layer1.relu
    id.set_name("id");
    id.set_op_type("Identity");
    id.add_input("layer1.a");
    id.add_output("layer1.a.id");
    onnx::NodeProto& flat = insert_node(m, 5);
    flat.set_name("flat");
    flat.set_op_type("Flatten");
    flat.add_input("layer1.a.id");
    flat.add_output("layer1.a.flat");
    node_named(m, "layer2.gemm").set_input(0, "layer1.a.flat");
    auto* inits = m.mutable_graph()->mutable_initializer();
    onnx::TensorProto bias;
    for (int i = 0; i < inits->size(); ++i)
      if (inits->Get(i).name() == "layer3.bias") {
        bias = inits->Get(i);
        inits->DeleteSubrange(i, 1);
        break;
      }
    onnx::NodeProto& c = insert_node(m, 0);
    c.set_name("bias3");
    c.set_op_type("Constant");
    c.add_output("layer3.bias");
    onnx::AttributeProto* value = c.add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto_AttributeType_TENSOR);
    *value->mutable_t() = bias;
    value->mutable_t()->clear_name();
  });
  const Model back = parse_onnx(bytes, "m.onnx");
  const Model direct = parse_onnx(good_bytes(), "m.onnx");
  EXPECT_EQ(model_to_onnx(back), model_to_onnx(direct));
}

TEST(OnnxBadFile, Truncated) {
  const std::string bytes = good_bytes();
  for (std::size_t cut : {bytes.size() / 3, bytes.size() / 2, bytes.size() - 7}) {
    const std::string message = error_of(bytes.substr(0, cut));
    EXPECT_FALSE(message.empty()) << "cut at " << cut;
  }
  EXPECT_ERROR_HAS(bytes.substr(0, bytes.size() / 2), "truncated");
  EXPECT_ERROR_HAS(std::string("{\"format\": \"backprop-model\"}"), "bad.onnx");
  EXPECT_ERROR_HAS(std::string(), "no graph");
}

TEST(OnnxBadFile, UnsupportedOperator) {
  EXPECT_ERROR_HAS(
      edited([](onnx::ModelProto& m) { node_named(m, "layer1.relu").set_op_type("Elu"); }),
      "node 'layer1.relu' (Elu)", "not supported", "Gemm", "MatMul", "Softmax");
}

TEST(OnnxBadFile, Conv) {
  const std::string bytes = edited([](onnx::ModelProto& m) {
    onnx::NodeProto& n = node_named(m, "layer1.gemm");
    n.set_op_type("Conv");
    n.clear_attribute();
  });
  EXPECT_ERROR_HAS(bytes, "node 'layer1.gemm' (Conv)", "not supported");
}

TEST(OnnxBadFile, SecondInput) {
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) {
                     onnx::ValueInfoProto* in = m.mutable_graph()->add_input();
                     *in = m.graph().input(0);
                     in->set_name("extra");
                   }),
                   "2", "'input', 'extra'", "single-input");
}

TEST(OnnxBadFile, DynamicWeight) {
  // layer2's weight becomes a graph input: computed at run time, not a constant.
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) {
                     auto* inits = m.mutable_graph()->mutable_initializer();
                     for (int i = 0; i < inits->size(); ++i)
                       if (inits->Get(i).name() == "layer2.weight") {
                         inits->DeleteSubrange(i, 1);
                         break;
                       }
                     onnx::ValueInfoProto* in = m.mutable_graph()->add_input();
                     in->set_name("layer2.weight");
                     auto* t = in->mutable_type()->mutable_tensor_type();
                     t->set_elem_type(1);
                     t->mutable_shape()->add_dim()->set_dim_value(4);
                     t->mutable_shape()->add_dim()->set_dim_value(5);
                   }),
                   "found 2", "'layer2.weight'");  // a second input
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) {
                     onnx::NodeProto& g2 = node_named(m, "layer2.gemm");
                     g2.set_input(1, "layer1.a");  // the activations as the weight
                   }),
                   "node 'layer2.gemm' (Gemm)");
}

TEST(OnnxBadFile, ShapesDoNotChain) {
  const std::string bytes = edited([](onnx::ModelProto& m) {
    onnx::TensorProto& w = initializer_named(m, "layer2.weight");  // 4 x 5 -> 4 x 6
    w.set_dims(1, 6);
    w.clear_float_data();
    for (int i = 0; i < 24; ++i) w.add_float_data(0.5f);
  });
  EXPECT_ERROR_HAS(bytes, "node 'layer2.gemm' (Gemm)", "6 inputs", "5 units", "do not chain");
}

TEST(OnnxBadFile, DeclaredSizeWithoutData) {
  const std::string bytes = edited([](onnx::ModelProto& m) {
    onnx::TensorProto& w = initializer_named(m, "layer1.weight");
    w.set_dims(0, 1 << 20);  // claims 2^20 x 3 values, holds 15
  });
  EXPECT_ERROR_HAS(bytes, "node 'layer1.gemm' (Gemm)", "layer1.weight", "declares");
  const std::string raw = edited([](onnx::ModelProto& m) {
    onnx::TensorProto& w = initializer_named(m, "layer1.weight");
    w.clear_float_data();
    w.set_raw_data(std::string(7, '\0'));
  });
  EXPECT_ERROR_HAS(raw, "layer1.weight", "7 bytes");
}

TEST(OnnxBadFile, NaNWeight) {
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) {
                     initializer_named(m, "layer3.bias")
                         .set_float_data(1, std::numeric_limits<float>::quiet_NaN());
                   }),
                   "node 'layer3.gemm' (Gemm)", "layer3.bias", "element 1", "finite");
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) {
                     initializer_named(m, "input_scale")
                         .set_float_data(0, std::numeric_limits<float>::infinity());
                   }),
                   "node 'standardize_div' (Div)", "finite");
}

TEST(OnnxBadFile, OpsetTooOldOrTooNew) {
  for (int v : {6, 18, 99}) {
    EXPECT_ERROR_HAS(
        edited([v](onnx::ModelProto& m) { m.mutable_opset_import(0)->set_version(v); }),
        "node 'standardize_sub' (Sub)", ("opset " + std::to_string(v)).c_str(), "9 to 17");
  }
}

TEST(OnnxBadFile, IrVersionTooNew) {
  // Debian's onnx 1.12 checks IR versions up to 8: its message, on one line.
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) { m.set_ir_version(9); }), "ONNX checker",
                   "ir_version");
}

TEST(OnnxBadFile, CheckerMessageOnOneLine) {
  // A node without its required input: the checker's own (multi-line) message, on one line.
  const std::string message =
      error_of(edited([](onnx::ModelProto& m) { node_named(m, "layer1.relu").clear_input(); }));
  EXPECT_NE(message.find("ONNX checker"), std::string::npos) << message;
  EXPECT_NE(message.find("Relu"), std::string::npos) << message;
}

TEST(OnnxBadFile, NotAChain) {
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) {
                     node_named(m, "layer2.tanh").set_input(0, "layer1.z");  // skips the Relu
                   }),
                   "node 'layer2.tanh' (Tanh)", "chain");
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) {
                     node_named(m, "layer1.relu").set_op_type("Sigmoid");
                     node_named(m, "layer2.gemm").set_op_type("Tanh");
                     node_named(m, "layer2.gemm").clear_attribute();
                     node_named(m, "layer2.gemm").mutable_input()->DeleteSubrange(1, 2);
                   }),
                   "node 'layer2.gemm' (Tanh)", "must follow a Gemm");
}

TEST(OnnxBadFile, ExternalData) {
  EXPECT_ERROR_HAS(edited([](onnx::ModelProto& m) {
                     onnx::TensorProto& w = initializer_named(m, "layer1.weight");
                     w.clear_float_data();
                     w.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
                     auto* e = w.add_external_data();
                     e->set_key("location");
                     e->set_value("weights.bin");
                   }),
                   "layer1.weight");
}

}  // namespace
}  // namespace backprop
