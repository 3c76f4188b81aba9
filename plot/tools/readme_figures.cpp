// readme_figures — draws the pictures of the README into a directory (docs/figures):
// the lesson's XOR network (section 7: 2-4-1 sigmoid, mse, gradient descent lr 2, 10000 epochs,
// he_normal seed 42) as loss curve, decision boundary and hidden-neuron maps; the circle of
// Exercise 9.4 (2-10-1, lr 1.5, 15000 epochs); and the hidden-size sweep of Exercise 9.3.
#include <cstdio>
#include <string>

#include "backprop/backprop.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/plot/figures.h"
#include "backprop/plot/sweep.h"
#include "backprop/train.h"

namespace bp = backprop;

namespace {

bp::Model train_lesson(bp::Dataset& data, int hidden, double lr, int epochs) {
  bp::encode_targets(data, bp::TargetEncoding::binary);
  bp::Model model;
  model.network = bp::Network<double>(
      2, {{hidden, {bp::Activation::sigmoid}}, {1, {bp::Activation::sigmoid}}}, bp::Loss::mse);
  bp::initialize(model.network, bp::Init::he_normal, 42);
  bp::TrainOptions options;
  options.epochs = epochs;
  options.classification = true;
  options.optimizer.lr = lr;
  const bp::TrainResult result = bp::train(model.network, data.x, data.y, options);
  for (const bp::EpochRecord& r : result.history) {
    model.info.loss.push_back(r.loss);
    model.info.accuracy.push_back(r.accuracy);
    model.info.val_loss.push_back(r.val_loss);
    model.info.val_accuracy.push_back(r.val_accuracy);
  }
  model.info.feature_names = data.feature_names;
  model.info.class_names = data.class_names;
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/";
  const bp::plot::Format png = bp::plot::Format::png;
  try {
    bp::Dataset xor_data = bp::make_xor();
    const bp::Model xor_model = train_lesson(xor_data, 4, 2.0, 10000);
    bp::plot::loss_curve(xor_model.info, "XOR training: 2-4-1 sigmoid, gradient descent lr 2",
                         dir + "xor_loss.png", png);
    bp::plot::decision_boundary(xor_model, xor_data, dir + "xor_boundary.png", png);
    bp::plot::neuron_maps(xor_model, xor_data, 0, dir + "xor_neurons.png", png);

    bp::Dataset circle = bp::make_circle();
    const bp::Model circle_model = train_lesson(circle, 10, 1.5, 15000);
    bp::plot::decision_boundary(circle_model, circle, dir + "circle_boundary.png", png);

    const bp::plot::SweepResult sweep = bp::plot::run_sweep(bp::make_xor(), {});
    bp::plot::sweep_figure(sweep, dir + "sweep.png", png);
    std::fputs(bp::plot::sweep_table(sweep).c_str(), stdout);
  } catch (const bp::Error& e) {
    std::fprintf(stderr, "readme_figures: %s\n", e.what());
    return 1;
  }
  return 0;
}
