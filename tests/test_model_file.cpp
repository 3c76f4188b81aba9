// Model files: bit-exact round trips, atomic saving, and a clear error for every malformed file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "backprop/init.h"
#include "backprop/io/model_file.h"
#include "backprop/random.h"
#include "test_util.h"

namespace backprop {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  const fs::path dir =
      fs::temp_directory_path() / ("backprop_model_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

bool bit_equal(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(ModelFile, RoundTripIsBitExact) {
  Network<double> net(3,
                      {{5, {Activation::leaky_relu, 0.123456789}},
                       {4, {Activation::tanh}},
                       {2, {Activation::softmax}}},
                      Loss::cross_entropy);
  initialize(net, Init::glorot_normal, 17);
  Random random(18);
  for (auto& layer : net.layers())
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b(i) = random.normal() * 1e-3;
  // Awkward values: tiny, huge, subnormal, negative zero, one ulp off a round number.
  net.layer(0).W(0, 0) = 1e-310;
  net.layer(0).W(0, 1) = -1.7976931348623157e308;
  net.layer(0).W(0, 2) = -0.0;
  net.layer(0).W(1, 0) = std::nextafter(0.1, 1.0);
  net.layer(0).W(1, 1) = 1.0 / 3.0;
  const std::string text = model_to_json(net);
  const Network<double> back = model_from_json(text, "mem");
  ASSERT_EQ(back.depth(), net.depth());
  EXPECT_EQ(back.inputs(), 3);
  EXPECT_EQ(back.loss(), Loss::cross_entropy);
  for (std::size_t l = 0; l < net.depth(); ++l) {
    EXPECT_EQ(back.layer(l).activation.kind, net.layer(l).activation.kind);
    EXPECT_TRUE(bit_equal(back.layer(l).activation.alpha, net.layer(l).activation.alpha));
    for (Eigen::Index i = 0; i < net.layer(l).W.size(); ++i)
      EXPECT_TRUE(bit_equal(back.layer(l).W(i), net.layer(l).W(i))) << l << "," << i;
    for (Eigen::Index i = 0; i < net.layer(l).b.size(); ++i)
      EXPECT_TRUE(bit_equal(back.layer(l).b(i), net.layer(l).b(i)));
  }
  EXPECT_EQ(model_to_json(back), text);  // and the text is stable
}

TEST(ModelFile, ReadsTheDocumentedExampleAndIgnoresUnknownFields) {
  const std::string text = R"({"format": "backprop-model", "version": 1, "inputs": 2, "loss": "mse",
     "trained_by": "someone", "layers": [
       {"activation": "sigmoid", "weights": [[0.5, 0.3], [-0.2, 0.8]], "bias": [0.1, -0.1], "note": 1},
       {"activation": "sigmoid", "weights": [[0.6, -0.4]], "bias": [0.2]}]})";
  const Network<double> net = model_from_json(text, "m.json");
  EXPECT_EQ(net.layer(0).W(1, 0), -0.2);
  EXPECT_EQ(net.layer(1).b(0), 0.2);
  EXPECT_EQ(net.outputs(), 1);
}

TEST(ModelFile, SaveAndLoadThroughAFileAtomically) {
  const fs::path dir = temp_dir();
  const std::string path = (dir / "model.json").string();
  Network<double> net(2, {{3, {Activation::relu}}, {1, {Activation::sigmoid}}}, Loss::bce);
  initialize(net, Init::he_uniform, 3);
  save_model(net, path);
  initialize(net, Init::he_uniform, 4);
  save_model(net, path);  // replaces the old file
  EXPECT_EQ(model_to_json(load_model(path)), model_to_json(net));
  for (const auto& entry : fs::directory_iterator(dir))  // no temporary left behind
    EXPECT_EQ(entry.path().filename(), "model.json");
  fs::remove_all(dir);
}

TEST(ModelFile, UnwritableOrUnreadablePathsNameThePath) {
  Network<double> net(1, {{1, {Activation::sigmoid}}}, Loss::mse);
  std::string msg = test::error_of([&] { save_model(net, "/nonexistent-dir/m.json"); });
  EXPECT_NE(msg.find("/nonexistent-dir/m.json: cannot write"), std::string::npos) << msg;
  msg = test::error_of([&] { load_model("/nonexistent-dir/m.json"); });
  EXPECT_NE(msg.find("/nonexistent-dir/m.json: cannot open"), std::string::npos) << msg;
}

struct Malformed {
  const char* what;
  std::string text;
  std::string expected;  // a part of the message
};

const std::string kHead =
    R"({"format": "backprop-model", "version": 1, "inputs": 2, "loss": "mse", )";

std::vector<Malformed> malformed_files() {
  return {
      {"truncated", kHead + "\n \"layers\": [{\"activation\": \"sigmoid\", \"weights\": [[0.5,",
       "m.json:2:"},
      {"not json", "hello", "m.json:1:1: not valid JSON"},
      {"not an object", "[1, 2]", "expected a JSON object, found array"},
      {"wrong format", R"({"format": "keras", "version": 1})",
       "format: expected \"backprop-model\", found \"keras\""},
      {"missing format", R"({"version": 1})", "missing field \"format\""},
      {"future version", R"({"format": "backprop-model", "version": 2})",
       "version: this build reads version 1, found 2"},
      {"bad inputs",
       R"({"format": "backprop-model", "version": 1, "inputs": -3, "loss": "mse", "layers": []})",
       "inputs: expected a positive integer, found number -3"},
      {"unknown loss",
       R"({"format": "backprop-model", "version": 1, "inputs": 2, "loss": "hinge", "layers": []})",
       "loss: unknown loss 'hinge'"},
      {"no layers", kHead + R"("layers": []})", "layers: expected at least one layer"},
      {"unknown activation",
       kHead + R"("layers": [{"activation": "swish", "weights": [[1, 2]], "bias": [0]}]})",
       "layers[0].activation: unknown activation 'swish'"},
      {"row too short",
       kHead + R"("layers": [{"activation": "relu", "weights": [[1, 2], [3]], "bias": [0, 0]}]})",
       "layers[0].weights[1]: expected 2 weights (the model's inputs), found 1"},
      {"shapes do not chain",
       kHead + R"("layers": [{"activation": "relu", "weights": [[1, 2], [3, 4]], "bias": [0, 0]},
                             {"activation": "sigmoid", "weights": [[1, 2, 3]], "bias": [0]}]})",
       "layers[1].weights[0]: expected 2 weights (the units of layers[0]), found 3"},
      {"bias count",
       kHead + R"("layers": [{"activation": "relu", "weights": [[1, 2]], "bias": [0, 1]}]})",
       "layers[0].bias: expected 1 entries"},
      {"missing bias", kHead + R"("layers": [{"activation": "relu", "weights": [[1, 2]]}]})",
       "layers[0]: missing field \"bias\""},
      {"string weight",
       kHead + R"("layers": [{"activation": "relu", "weights": [[1, "2"]], "bias": [0]}]})",
       "layers[0].weights[0][1]: expected a number, found string \"2\""},
      {"null weight",
       kHead + R"("layers": [{"activation": "relu", "weights": [[1, null]], "bias": [0]}]})",
       "layers[0].weights[0][1]: expected a number, found null"},
      {"infinite weight",
       kHead + R"("layers": [{"activation": "relu", "weights": [[1, 1e999]], "bias": [0]}]})",
       "number overflow parsing '1e999'"},
      {"NaN literal",
       kHead + R"("layers": [{"activation": "relu", "weights": [[NaN, 1]], "bias": [0]}]})",
       "not valid JSON"},
      {"loss does not pair",
       R"({"format": "backprop-model", "version": 1, "inputs": 2, "loss": "cross_entropy",
          "layers": [{"activation": "sigmoid", "weights": [[1, 2]], "bias": [0]}]})",
       "cross_entropy needs a softmax output layer, found sigmoid"},
  };
}

TEST(ModelFile, MalformedFilesGiveClearErrors) {
  for (const Malformed& m : malformed_files()) {
    const std::string msg = test::error_of([&] { model_from_json(m.text, "m.json"); });
    EXPECT_EQ(msg.rfind("m.json:", 0), 0u) << m.what << ": " << msg;
    EXPECT_NE(msg.find(m.expected), std::string::npos) << m.what << ": " << msg;
  }
}

}  // namespace
}  // namespace backprop

namespace backprop {
namespace {

TEST(ModelFile, InfoFieldsRoundTrip) {
  Model model{Network<double>(2, {{3, {Activation::relu}}, {3, {Activation::softmax}}},
                              Loss::cross_entropy),
              {}};
  initialize(model.network, Init::he_normal, 5);
  ModelInfo& info = model.info;
  info.feature_names = {"petal length", "width \"cm\""};
  info.target_column = "species";
  info.class_names = {"setosa", "versicolor", "virginica"};
  info.input_mean = Vector<double>::Constant(2, 0.1);
  info.input_scale = Vector<double>::Constant(2, 3.0);
  info.settings = {{"optimizer", "\"adam\""}, {"lr", "0.01"}, {"seed", "42"}};
  info.history = {{0, 1.5, 0.5}, {1, 0.75, std::numeric_limits<double>::quiet_NaN()}};
  info.history[1].test_accuracy = 0.25;
  info.history[0].lr = 0.01, info.history[1].lr = 0.005;  // a schedule's rates
  const std::string text = model_to_json(model);
  const Model back = parse_model(text, "m.json");
  EXPECT_EQ(back.info.feature_names, info.feature_names);
  EXPECT_EQ(back.info.target_column, "species");
  EXPECT_EQ(back.info.class_names, info.class_names);
  EXPECT_EQ(back.info.input_mean, info.input_mean);
  EXPECT_EQ(back.info.input_scale, info.input_scale);
  EXPECT_EQ(back.info.settings, info.settings);
  ASSERT_EQ(back.info.history.size(), 2u);
  EXPECT_EQ(back.info.history[1].epoch, 1);
  EXPECT_EQ(back.info.history[1].loss, 0.75);
  EXPECT_EQ(back.info.history[0].accuracy, 0.5);
  EXPECT_TRUE(std::isnan(back.info.history[1].accuracy));
  EXPECT_TRUE(std::isnan(back.info.history[0].val_loss));  // not recorded, not written
  EXPECT_EQ(back.info.history[1].test_accuracy, 0.25);
  EXPECT_EQ(back.info.history[0].lr, 0.01);
  EXPECT_EQ(back.info.history[1].lr, 0.005);
  {  // a file from before the lr column: every rate unknown
    std::string old = text;
    const std::size_t at = old.find(",\n   \"lr\": [");
    ASSERT_NE(at, std::string::npos) << text;
    old.erase(at, old.find(']', at) + 1 - at);
    const Model older = parse_model(old, "old.json");
    ASSERT_EQ(older.info.history.size(), 2u);
    EXPECT_EQ(older.info.history[1].loss, 0.75);
    EXPECT_TRUE(std::isnan(older.info.history[0].lr));
  }
  EXPECT_EQ(text.find("val_loss"), std::string::npos);
  EXPECT_EQ(model_to_json(back), text);

  const std::string bad =
      text.substr(0, text.find("\"classes\"")) + "\"classes\": [\"a\", \"b\", \"c\", \"d\"]}";
  const std::string msg = test::error_of([&] { parse_model(bad, "m.json"); });
  EXPECT_NE(msg.find("classes: expected one class per output (3), found 4"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace backprop
