// The lesson's worked examples, number by number, against values recomputed independently
// (tests/golden/generate_lesson.py, plain NumPy float64), to 1e-9.
#include <gtest/gtest.h>

#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/io/model_file.h"
#include "backprop/model/model.h"
#include "backprop/optimizers.h"
#include "backprop/random.h"
#include "backprop/teach/lesson.h"
#include "backprop/teach/trace.h"
#include "test_util.h"

namespace backprop {
namespace {

using test::column_from_list;
using test::matrix_from_rows;
using test::near;

constexpr double kTol = 1e-9;

Network<double> golden_network(const nlohmann::json& g) {
  nlohmann::json model = {{"format", "backprop-model"},
                          {"version", 1},
                          {"inputs", g["inputs"]},
                          {"loss", g["loss"]},
                          {"layers", g["layers"]}};
  return model_from_json(model.dump(), "golden");
}

void expect_trace_matches(const Trace& t, const nlohmann::json& expected) {
  EXPECT_NEAR(t.loss, expected["loss"].get<double>(), kTol);
  EXPECT_TRUE(near(t.dL_da, matrix_from_rows(expected["dL_da_output"]), kTol));
  ASSERT_EQ(t.layers.size(), expected["layers"].size());
  for (std::size_t l = 0; l < t.layers.size(); ++l) {
    SCOPED_TRACE("layer " + std::to_string(l + 1));
    const nlohmann::json& e = expected["layers"][l];
    const LayerTrace& lt = t.layers[l];
    EXPECT_TRUE(near(lt.Wa_prev, matrix_from_rows(e["Wa_prev"]), kTol));
    EXPECT_TRUE(near(lt.z, matrix_from_rows(e["z"]), kTol));
    EXPECT_TRUE(near(lt.a, matrix_from_rows(e["a"]), kTol));
    EXPECT_TRUE(near(lt.fprime, matrix_from_rows(e["fprime"]), kTol));
    EXPECT_TRUE(near(lt.delta, matrix_from_rows(e["delta"]), kTol));
    EXPECT_TRUE(near(lt.dW, matrix_from_rows(e["dW"]), kTol));
    EXPECT_TRUE(near(lt.db, column_from_list(e["db"]), kTol));
    EXPECT_TRUE(near(lt.pulled_back, matrix_from_rows(e["pulled_back"]), kTol));
  }
  ASSERT_EQ(t.updated_W.size(), expected["updated"].size());
  for (std::size_t l = 0; l < t.updated_W.size(); ++l) {
    EXPECT_TRUE(near(t.updated_W[l], matrix_from_rows(expected["updated"][l]["weights"]), kTol));
    EXPECT_TRUE(near(t.updated_b[l], column_from_list(expected["updated"][l]["bias"]), kTol));
  }
}

class LessonExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LessonExampleTest, TraceMatchesIndependentReference) {
  const nlohmann::json golden = test::load_golden("lesson_examples.json")[GetParam()];
  const Network<double> net = golden_network(golden);
  const Trace t = trace(net, matrix_from_rows(golden["x"]), matrix_from_rows(golden["y"]),
                        golden["lr"].get<double>());
  expect_trace_matches(t, golden["expected"]);
}

TEST_P(LessonExampleTest, JsonTraceMatchesIndependentReference) {
  const nlohmann::json golden = test::load_golden("lesson_examples.json")[GetParam()];
  const Trace t = trace(golden_network(golden), matrix_from_rows(golden["x"]),
                        matrix_from_rows(golden["y"]), golden["lr"].get<double>());
  const nlohmann::json out = nlohmann::json::parse(trace_to_json(t));
  const nlohmann::json& expected = golden["expected"];
  EXPECT_NEAR(out["loss"].get<double>(), expected["loss"].get<double>(), kTol);
  for (std::size_t l = 0; l < expected["layers"].size(); ++l) {
    for (const char* key : {"z", "a", "delta", "dW"})
      EXPECT_TRUE(near(matrix_from_rows(out["layers"][l][key]),
                       matrix_from_rows(expected["layers"][l][key]), kTol))
          << key;
    EXPECT_TRUE(near(column_from_list(out["layers"][l]["db"]),
                     column_from_list(expected["layers"][l]["db"]), kTol));
    EXPECT_TRUE(near(matrix_from_rows(out["updated"][l]["weights"]),
                     matrix_from_rows(expected["updated"][l]["weights"]), kTol));
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, LessonExampleTest,
                         ::testing::Values("single-neuron", "network-2-2-1", "exercise-9.1",
                                           "batch-2-3-2"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// The built-in examples (backprop trace --example) are the lesson's networks and data.
TEST(LessonExamples, BuiltInExamplesAreTheLessonsNetworks) {
  const nlohmann::json golden = test::load_golden("lesson_examples.json");
  for (const std::string& name : lesson_example_names()) {
    SCOPED_TRACE(name);
    const LessonExample e = lesson_example(name);
    const Network<double> expected = golden_network(golden[name]);
    EXPECT_EQ(model_to_json(e.network), model_to_json(expected));
    EXPECT_TRUE(near(e.x, matrix_from_rows(golden[name]["x"]), 0));
    EXPECT_TRUE(near(e.y, matrix_from_rows(golden[name]["y"]), 0));
    const Trace t = trace(e.network, e.x, e.y, e.lr.value_or(1.0));
    expect_trace_matches(t, golden[name]["expected"]);
  }
  EXPECT_THROW(lesson_example("no-such-example"), Error);
}

// The lesson's rounded prints agree with the exact values to their printed precision
// (and no better: they carry rounding slips of up to 1e-4).
TEST(LessonExamples, LessonPrintsAgreeToTheirPrecision) {
  const LessonExample e = lesson_example("network-2-2-1");
  const Trace t = trace(e.network, e.x, e.y, 1.0);
  EXPECT_NEAR(t.layers[0].a(0, 0), 0.6457, 1e-4);
  EXPECT_NEAR(t.layers[1].z(0, 0), 0.4172, 1e-4);
  EXPECT_NEAR(t.loss, 0.1578, 1e-4);
  EXPECT_NEAR(t.layers[1].delta(0, 0), -0.1903, 1e-4);
  EXPECT_NEAR(t.layers[0].delta(0, 0), -0.0261, 1e-4);
  EXPECT_NEAR(t.layers[0].delta(1, 0), 0.0186, 1e-4);
  EXPECT_NEAR(t.updated_W[1](0, 0), 0.7229, 1e-4);
  EXPECT_NEAR(t.updated_W[1](0, 1), -0.3190, 1e-4);
}

// Random(seed) is NumPy's legacy np.random.seed(seed) stream, bit for bit.
TEST(LessonExamples, TraceModelScalesInputsAndChecksShapes) {
  // The rule `backprop trace --model` and the playground's POST /api/trace share.
  const LessonExample e = lesson_example("network-2-2-1");
  Model model{e.network, {}};
  EXPECT_EQ(trace_to_json(trace_model(model, e.x, e.y, 1.0)),
            trace_to_json(trace(e.network, e.x, e.y, 1.0)));
  model.info.input_mean = Vector<double>::Constant(2, 1.0);
  model.info.input_scale = Vector<double>::Constant(2, 2.0);
  const Matrix<double> scaled = (e.x.array() - 1.0) / 2.0;
  EXPECT_EQ(trace_to_json(trace_model(model, e.x, e.y, 1.0)),
            trace_to_json(trace(e.network, scaled, e.y, 1.0)));
  const auto message = [&](const Matrix<double>& x, const Matrix<double>& y) {
    try {
      trace_model(model, x, y);
    } catch (const Error& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(e.x, Matrix<double>::Zero(2, 1)),
            "y: expected 1 row (one per output), found 2");
  EXPECT_EQ(message(Matrix<double>::Zero(2, 2), e.y),
            "y: expected 2 columns (one per sample of x), found 1");
  EXPECT_EQ(message(Matrix<double>::Zero(3, 1), e.y),
            "the data has 3 input values per sample, the model expects 2");
}

TEST(NumpyCompatibleRandom, MatchesNumpyStreamsExactly) {
  const nlohmann::json g = test::load_golden("numpy_mt_normals.json");
  Random r42(42);
  for (const auto& v : g["seed42_randn_10"]) EXPECT_EQ(r42.normal(), v.get<double>());
  Random u42(42);
  for (const auto& v : g["seed42_uniform_raw_5"]) EXPECT_EQ(u42.uniform(), v.get<double>());
  Random r0(0);
  for (const auto& v : g["seed0_randn_7"]) EXPECT_EQ(r0.normal(), v.get<double>());
}

Network<double> lesson_xor_network() {
  Network<double> net(2, {{4, {Activation::sigmoid}}, {1, {Activation::sigmoid}}}, Loss::mse);
  initialize(net, Init::he_normal, 42);
  return net;
}

// he_normal with seed 42 is the lesson's np.random.seed(42); randn(...)·sqrt(2/fan_in).
TEST(NumpyCompatibleRandom, HeNormalSeed42IsTheLessonsInitialisation) {
  const nlohmann::json g = test::load_golden("numpy_mt_normals.json")["lesson_xor_init"];
  const Network<double> net = lesson_xor_network();
  EXPECT_TRUE(near(net.layer(0).W, matrix_from_rows(g["W1"]), 0));
  EXPECT_TRUE(near(net.layer(1).W, matrix_from_rows(g["W2"]), 0));
  EXPECT_EQ(net.layer(0).b.cwiseAbs().maxCoeff(), 0.0);
}

// The lesson's section 7: 2-4-1 sigmoid, mse, full-batch GD at lr 2 for 10000 epochs.
TEST(LessonXor, TrainingTrajectoryMatchesNumpy) {
  const nlohmann::json g = test::load_golden("numpy_mt_normals.json")["lesson_xor_run"];
  Network<double> net = lesson_xor_network();
  Optimizer<double> gd(net, OptimizerOptions::gd(2.0));
  Matrix<double> x(2, 4), y(1, 4);
  x << 0, 0, 1, 1, 0, 1, 0, 1;
  y << 0, 1, 1, 0;
  for (int epoch = 0; epoch < 10000; ++epoch) {
    net.forward(x);
    const double loss = net.loss_value(y);
    const std::string key = std::to_string(epoch);
    if (g["loss_at"].contains(key)) {
      EXPECT_NEAR(loss, g["loss_at"][key].get<double>(), 1e-9 * g["loss_at"][key].get<double>())
          << "epoch " << epoch;
    }
    net.backward(x, y);
    gd.step();
  }
  EXPECT_TRUE(
      near(net.forward(x), matrix_from_rows(nlohmann::json::array({g["final_output"]})), 1e-9));
  EXPECT_TRUE(near(net.layer(0).W, matrix_from_rows(g["final_W1"]), 1e-8));
  EXPECT_TRUE(near(net.layer(1).W, matrix_from_rows(g["final_W2"]), 1e-8));
}

}  // namespace
}  // namespace backprop
