// Dropout (layers/dropout.h, Network::forward_training): the masks, backpropagation through them
// (a gradient check with the masks held fixed), independence from how a batch is split,
// inference untouched, model files, and bit-identical training and resume.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <numeric>

#include "backprop/init.h"
#include "backprop/io/model_file.h"
#include "backprop/model/fit.h"
#include "backprop/random.h"
#include "backprop/teach/gradcheck.h"
#include "test_util.h"

namespace backprop {
namespace {

struct Problem {
  Network<double> net;
  Matrix<double> x, y;
};

// A seeded net with dropout on every hidden layer, and data; relu-like units kept clear of their
// kink at 0 (the difference stencil must not straddle it).
Problem make_problem(Activation hidden, Activation output, Loss loss, int depth, int batch,
                     double rate, std::uint32_t seed) {
  const int inputs = 3, outputs = 3;
  const int widths[] = {6, 5, 4};
  std::vector<LayerSpec> specs;
  for (int l = 0; l < depth; ++l) specs.push_back({widths[l], {hidden, 0.1}, rate});
  specs.push_back({outputs, {output, 0.1}});
  Problem p{Network<double>(inputs, specs, loss), {}, {}};
  initialize(p.net, Init::glorot_normal, seed);
  Random random(seed + 7);
  for (auto& layer : p.net.layers())
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) layer.b(i) = 0.2 * random.normal();
  for (int attempt = 0; attempt < 200; ++attempt) {
    p.x.resize(inputs, batch);
    p.y.resize(outputs, batch);
    for (Eigen::Index i = 0; i < p.x.size(); ++i) p.x(i) = random.normal();
    for (Eigen::Index i = 0; i < p.y.size(); ++i) p.y(i) = random.uniform();
    if (loss == Loss::cross_entropy) p.y = p.y.array().rowwise() / p.y.array().colwise().sum();
    p.net.forward(p.x);
    bool clear = true;
    for (std::size_t l = 0; l < p.net.depth(); ++l) {
      const Activation kind = p.net.layer(l).activation.kind;
      if (kind == Activation::relu || kind == Activation::leaky_relu)
        clear = clear && p.net.z(l).cwiseAbs().minCoeff() > 0.02;
    }
    if (clear) return p;
  }
  ADD_FAILURE() << "could not draw data clear of activation kinks";
  return p;
}

// The gradient check with the masks held fixed (the same key gives the same masks): backward
// through the masks equals central differences of the dropout network's loss, in double, for
// every hidden activation, each loss, and 1 to 3 hidden layers.
TEST(Dropout, GradientCheckWithAFixedMaskPasses) {
  const std::size_t samples[] = {17, 3, 250, 8, 41, 99, 5};
  const DropoutKey key{42, 7, samples};
  int checked = 0;
  for (Activation hidden : {Activation::sigmoid, Activation::tanh, Activation::relu,
                            Activation::leaky_relu, Activation::linear, Activation::softmax})
    for (auto [output, loss] : {std::pair{Activation::linear, Loss::mse},
                                {Activation::sigmoid, Loss::bce},
                                {Activation::softmax, Loss::cross_entropy}})
      for (int depth : {1, 2, 3}) {
        Problem p = make_problem(hidden, output, loss, depth, 7, 0.4, 1234 + depth);
        GradCheckOptions options;
        options.order = 4;
        options.epsilon = 1e-3;
        options.dropout = &key;
        const GradCheckReport report = gradient_check(p.net, p.x, p.y, options);
        const std::string name =
            to_string(hidden) + "/" + to_string(loss) + "/" + std::to_string(depth);
        for (const GradCheckTensor& t : report.tensors)
          EXPECT_LT(t.max_rel_error, 1e-6) << name << " " << t.name << "\nanalytical:\n"
                                           << t.analytical << "\nnumerical:\n"
                                           << t.numerical;
        // The check means something only if units were dropped and the loss differs from the
        // full network's.
        Network<double> full = p.net;
        full.forward(p.x);
        EXPECT_NE(report.loss, full.loss_value(p.y)) << name;
        ++checked;
      }
  EXPECT_EQ(checked, 54);
}

// Dropping is real and backward uses the mask: the dropout network's gradient differs from the
// full network's, and a check that ignores the mask (the analytical gradient of the full
// network against the dropout loss) fails.
TEST(Dropout, GradientOfTheFullNetworkFailsTheDropoutCheck) {
  Problem p = make_problem(Activation::tanh, Activation::linear, Loss::mse, 2, 6, 0.5, 9);
  const DropoutKey key{1, 0, nullptr};
  GradCheckOptions options;
  options.order = 4;
  options.epsilon = 1e-3;
  options.dropout = &key;
  p.net.forward(p.x);  // no dropout
  p.net.backward(p.x, p.y);
  const GradCheckReport report =
      compare_with_numerical(p.net, p.x, p.y, analytical_gradients(p.net), options);
  EXPECT_FALSE(report.passed());
}

// Column j of a mask is sample samples[j]'s, whatever the batch: cutting the batch into shards
// gives the same masks bit for bit, and the shards' gradients sum to the whole batch's.
TEST(Dropout, MasksDoNotDependOnHowTheBatchIsSplit) {
  Problem p =
      make_problem(Activation::relu, Activation::softmax, Loss::cross_entropy, 2, 10, 0.3, 5);
  std::vector<std::size_t> samples(10);
  std::iota(samples.begin(), samples.end(), 100);
  const DropoutKey whole{3, 11, samples.data()};
  p.net.forward_training(p.x, whole);
  p.net.backward(p.x, p.y, false);
  const Matrix<double> hidden_out = p.net.a(0);  // before the mask: compare z and out below
  std::vector<Matrix<double>> z_whole = {p.net.z(0), p.net.z(1), p.net.z(2)};
  std::vector<Matrix<double>> dW_whole;
  for (auto& l : p.net.layers()) dW_whole.push_back(l.dW);

  std::vector<Matrix<double>> dW_sum;
  for (auto [begin, count] : {std::pair{0, 4}, {4, 6}}) {
    Network<double> shard = p.net;
    const Matrix<double> x = p.x.middleCols(begin, count), y = p.y.middleCols(begin, count);
    shard.forward_training(x, {3, 11, samples.data() + begin});
    for (std::size_t l = 0; l < 3; ++l)
      EXPECT_EQ(shard.z(l), z_whole[l].middleCols(begin, count)) << "layer " << l;
    shard.backward(x, y, false);
    for (std::size_t l = 0; l < 3; ++l) {
      const Matrix<double> part = shard.layer(l).dW * (count / 10.0);  // the loss's 1/N
      if (dW_sum.size() <= l)
        dW_sum.push_back(part);
      else
        dW_sum[l] += part;
    }
  }
  for (std::size_t l = 0; l < 3; ++l)
    EXPECT_LT((dW_sum[l] - dW_whole[l]).cwiseAbs().maxCoeff(), 1e-14) << "layer " << l;
}

// Inverted dropout: each entry is 0 or f(z) / (1 − P), about a fraction P are dropped, the
// same key gives the same mask and another step or seed another one.
TEST(Dropout, MaskIsInvertedBernoulliAndAPureFunctionOfItsKey) {
  const double rate = 0.3;
  Network<double> net(50, {{200, {Activation::sigmoid}, rate}, {2, {Activation::softmax}}},
                      Loss::cross_entropy);
  initialize(net, Init::he_normal, 1);
  Matrix<double> x = Matrix<double>::Constant(50, 100, 0.1);
  const Matrix<double> a_full = net.forward(x), hidden_full = net.a(0);
  const auto dropped_hidden = [&](const DropoutKey& key) {
    net.forward_training(x, key);
    EXPECT_EQ(net.a(0), hidden_full);      // a = f(z) is cached unmasked (f' needs it)
    return std::pair{net.z(1), net.a(1)};  // what the output layer made of the masked outputs
  };
  const auto [z1, a1] = dropped_hidden({5, 0, nullptr});
  const auto [z1_again, a1_again] = dropped_hidden({5, 0, nullptr});
  EXPECT_EQ(z1, z1_again);
  EXPECT_NE(z1, dropped_hidden({5, 1, nullptr}).first);
  EXPECT_NE(z1, dropped_hidden({6, 0, nullptr}).first);
  EXPECT_NE(a1, a_full);

  // The mask itself, entry by entry.
  Matrix<float> mask(200, 100);
  dropout_mask(rate, DropoutKey{5, 0, nullptr}, 0, mask);
  long zeros = 0;
  for (Eigen::Index i = 0; i < mask.size(); ++i) {
    if (mask(i) == 0)
      ++zeros;
    else
      EXPECT_EQ(mask(i), static_cast<float>(1 / (1 - rate)));
  }
  EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(mask.size()), rate, 0.01);
  // Layers differ, and a float mask has the double mask's pattern.
  Matrix<float> other(200, 100);
  dropout_mask(rate, DropoutKey{5, 0, nullptr}, 1, other);
  EXPECT_NE(mask, other);
  Matrix<double> same(200, 100);
  dropout_mask(rate, DropoutKey{5, 0, nullptr}, 0, same);
  EXPECT_TRUE(((mask.array() == 0) == (same.array() == 0)).all());
}

// predict, predict_one and forward see the full network: a network with dropout rates gives
// exactly what the same weights without them give.
TEST(Dropout, InferenceUsesTheFullNetwork) {
  Network<double> net(
      3, {{8, {Activation::relu}, 0.5}, {4, {Activation::tanh}, 0.2}, {2, {Activation::softmax}}},
      Loss::cross_entropy);
  initialize(net, Init::he_normal, 3);
  Network<double> plain = net;
  plain.set_dropout({0.0});
  EXPECT_TRUE(net.has_dropout());
  EXPECT_FALSE(plain.has_dropout());
  Matrix<double> x = Matrix<double>::Random(3, 5);
  net.forward_training(x, {1, 2, nullptr});  // a training pass first: it must leave no trace
  EXPECT_EQ(net.forward(x), plain.forward(x));
  EXPECT_EQ(net.predict(x), plain.predict(x));
  EXPECT_EQ(net.predict_one(x.col(0)), plain.predict_one(x.col(0)));
  // forward() then backward() is the full network's backpropagation
  net.backward(x, x.topRows(2).cwiseAbs().colwise().normalized());
  plain.backward(x, x.topRows(2).cwiseAbs().colwise().normalized());
  for (std::size_t l = 0; l < 3; ++l) EXPECT_EQ(net.layer(l).dW, plain.layer(l).dW);
  // Without rates, forward_training is forward.
  EXPECT_EQ(plain.forward_training(x, {1, 2, nullptr}), plain.forward(x));
}

TEST(Dropout, RatesAreCheckedAndSavedInTheModelFile) {
  Network<double> net(
      2, {{4, {Activation::relu}}, {3, {Activation::relu}}, {1, {Activation::sigmoid}}}, Loss::bce);
  initialize(net, Init::he_normal, 1);
  const std::string plain = model_to_json(net);
  EXPECT_EQ(plain.find("dropout"), std::string::npos);  // files without dropout are as before
  net.set_dropout({0.25, 0.5});
  const std::string text = model_to_json(net);
  const Network<double> back = model_from_json(text, "m.json");
  EXPECT_EQ(back.layer(0).dropout, 0.25);
  EXPECT_EQ(back.layer(1).dropout, 0.5);
  EXPECT_EQ(back.layer(2).dropout, 0.0);
  EXPECT_EQ(model_to_json(back), text);
  net.set_dropout({0.1});
  EXPECT_EQ(net.layer(0).dropout, 0.1);
  EXPECT_EQ(net.layer(1).dropout, 0.1);
  EXPECT_NE(test::error_of([&] {
              net.set_dropout({0.1, 0.2, 0.3});
            }).find("one per hidden layer (2)"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { net.set_dropout({1.0}); }).find("[0, 1)"), std::string::npos);
  EXPECT_NE(test::error_of([&] {
              Network<double>(2, {{1, {Activation::sigmoid}, 0.5}}, Loss::mse);
            }).find("output layer has no dropout"),
            std::string::npos);
  // Bad rates in a file name their place.
  std::string bad = text;
  bad.replace(bad.find("\"dropout\": 0.25"), 15, "\"dropout\": 1.5");
  EXPECT_NE(test::error_of([&] { model_from_json(bad, "m.json"); }).find("layers[0].dropout"),
            std::string::npos);
  bad = text;
  bad.replace(bad.find("{\"activation\": \"sigmoid\""), 24,
              "{\"activation\": \"sigmoid\", \"dropout\": 0.5");
  EXPECT_NE(test::error_of([&] { model_from_json(bad, "m.json"); }).find("layers[2].dropout"),
            std::string::npos);
}

FitOptions moons_with_dropout() {
  FitOptions o = default_fit_options(DataSource::generated("moons", 120));
  o.training.epochs = 8;
  o.training.batch_size = 16;
  o.hidden = {16, 8};
  o.dropout = {0.3, 0.1};
  return o;
}

// Training with dropout is bit-reproducible, differs from training without, keeps the rates in
// the model, and a run resumed from its state ends bit-identical to the uninterrupted one.
TEST(Dropout, TrainingIsReproducibleAndResumesBitIdentically) {
  for (Precision precision : {Precision::float64, Precision::float32}) {
    FitOptions o = moons_with_dropout();
    o.precision = precision;
    const FitResult straight = fit(o), again = fit(o);
    // (the network with its rates, and the history: the settings hold the run's wall time)
    EXPECT_EQ(model_to_json(straight.model.network), model_to_json(again.model.network));
    for (std::size_t e = 0; e < straight.history().size(); ++e)
      EXPECT_EQ(straight.history()[e].loss, again.history()[e].loss);
    EXPECT_EQ(straight.model.network.layer(0).dropout, 0.3);
    EXPECT_EQ(straight.model.network.layer(1).dropout, 0.1);
    FitOptions none = o;
    none.dropout.clear();
    EXPECT_NE(model_to_json(fit(none).model.network), model_to_json(straight.model.network));

    TrainState state;
    FitOptions first = o;
    first.training.epochs = 3;
    first.training.checkpoint_every = 1;
    first.training.on_checkpoint = [&](const TrainState& s) { state = s; };
    fit(first);
    ASSERT_EQ(state.epochs_done, 3);
    FitOptions rest = o;
    rest.training.resume = &state;
    const FitResult resumed = fit(rest);
    EXPECT_EQ(model_to_json(resumed.model.network), model_to_json(straight.model.network));
    EXPECT_EQ(resumed.history().back().loss, straight.history().back().loss);
  }
}

// A checkpoint made with other dropout rates is refused; bad rates name the option.
TEST(Dropout, OptionsAreCheckedAndInTheFingerprint) {
  FitOptions o = moons_with_dropout();
  o.checkpoint_path = (std::filesystem::temp_directory_path() /
                       ("backprop_dropout_" + std::to_string(::getpid()) + ".json"))
                          .string();
  o.training.checkpoint_every = 4;
  fit(o);
  o.checkpoint_path.swap(o.resume_path);
  o.training.checkpoint_every = 0;
  o.dropout = {0.3, 0.2};
  const std::string e = test::error_of([&] { fit(o); });
  EXPECT_EQ(e.rfind("FitOptions.resume_path:", 0), 0u) << e;
  EXPECT_NE(e.find("dropout=0.3,0.1"), std::string::npos) << e;
  o.dropout = {0.3, 0.1};
  o.training.epochs = 10;  // the same settings resume (the epoch count is not a setting)
  EXPECT_NO_THROW(fit(o));
  std::remove(o.resume_path.c_str());

  FitOptions bad = moons_with_dropout();
  bad.dropout = {1.0};
  EXPECT_EQ(test::error_of([&] { fit(bad); }).rfind("FitOptions.dropout:", 0), 0u);
  bad.dropout = {0.1, 0.2, 0.3};
  EXPECT_EQ(test::error_of([&] { fit(bad); }).rfind("FitOptions.dropout:", 0), 0u);
  const FitResult r = fit(moons_with_dropout());
  bool has_setting = false;
  for (const auto& [name, value] : r.model.info.settings)
    if (name == "dropout") has_setting = value == "[0.3,0.1]";
  EXPECT_TRUE(has_setting);
}

}  // namespace
}  // namespace backprop

namespace backprop {
namespace {

// Against PyTorch (tests/golden/generate_dropout.py, which rebuilds the masks from dropout.h's
// specification alone): one training pass's loss and gradients, and train()'s whole trajectory
// with shuffled mini-batches (the step and sample indices that key the masks), class-weighted.
struct GoldenNet {
  Network<double> net;
  std::vector<double> class_weights;
};

GoldenNet golden_net() {
  const nlohmann::json& g = test::load_golden("dropout.json");
  const nlohmann::json& m = g.at("model");
  std::vector<LayerSpec> specs;
  for (std::size_t l = 0; l < 3; ++l)
    specs.push_back({m.at("sizes").at(l + 1).get<int>(),
                     {activation_from_string(m.at("activations").at(l).get<std::string>())},
                     m.at("rates").at(l).get<double>()});
  GoldenNet out{Network<double>(m.at("sizes").at(0).get<int>(), specs, Loss::cross_entropy),
                g.at("class_weights").get<std::vector<double>>()};
  for (std::size_t l = 0; l < 3; ++l) {
    out.net.layer(l).W = test::matrix_from_rows(m.at("W").at(l));
    out.net.layer(l).b = test::column_from_list(m.at("b").at(l));
  }
  return out;
}

TEST(DropoutGolden, OnePassMatchesPyTorch) {
  const nlohmann::json& p = test::load_golden("dropout.json").at("one_pass");
  GoldenNet g = golden_net();
  const Matrix<double> x = test::matrix_from_rows(p.at("x")), y = test::matrix_from_rows(p.at("y"));
  const std::vector<std::size_t> samples = p.at("samples").get<std::vector<std::size_t>>();
  g.net.forward_training(
      x, {p.at("seed").get<std::uint64_t>(), p.at("step").get<std::uint64_t>(), samples.data()});
  EXPECT_NEAR(g.net.loss_value(y, g.class_weights), p.at("loss").get<double>(), 1e-13);
  g.net.backward(x, y, false, g.class_weights);
  for (std::size_t l = 0; l < 3; ++l) {
    EXPECT_TRUE(test::near(g.net.layer(l).dW, test::matrix_from_rows(p.at("dW").at(l)), 1e-13))
        << "dW" << l + 1;
    EXPECT_TRUE(test::near(g.net.layer(l).db, test::column_from_list(p.at("db").at(l)), 1e-13))
        << "db" << l + 1;
  }
}

TEST(DropoutGolden, TrainingTrajectoryMatchesPyTorch) {
  const nlohmann::json& t = test::load_golden("dropout.json").at("trajectory");
  GoldenNet g = golden_net();
  TrainOptions options;
  options.epochs = t.at("epochs").get<int>();
  options.batch_size = t.at("batch_size").get<int>();
  options.seed = t.at("seed").get<std::uint32_t>();
  options.optimizer = OptimizerOptions::gd(t.at("lr").get<double>());
  options.class_weights = g.class_weights;
  const Matrix<double> x = test::matrix_from_rows(t.at("x")), y = test::matrix_from_rows(t.at("y"));
  const TrainResult r = train(g.net, x, y, options);
  for (std::size_t l = 0; l < 3; ++l) {
    EXPECT_TRUE(test::near(g.net.layer(l).W, test::matrix_from_rows(t.at("W").at(l)), 1e-12))
        << "W" << l + 1;
    EXPECT_TRUE(test::near(g.net.layer(l).b, test::column_from_list(t.at("b").at(l)), 1e-12))
        << "b" << l + 1;
  }
  // each epoch's loss: its batches' losses (before their updates) weighted by their sizes
  const std::vector<double> batch = t.at("batch_losses").get<std::vector<double>>();
  ASSERT_EQ(r.history.size(), 2u);
  ASSERT_EQ(batch.size(), 6u);
  for (std::size_t e = 0; e < 2; ++e)
    EXPECT_NEAR(r.history[e].loss,
                (4 * batch[3 * e] + 4 * batch[3 * e + 1] + 2 * batch[3 * e + 2]) / 10, 1e-13);
}

}  // namespace
}  // namespace backprop
