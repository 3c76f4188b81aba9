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
#include "backprop/model/fit.h"
#include "backprop/plot/figures.h"
#include "backprop/plot/sweep.h"
#include "backprop/train.h"

namespace bp = backprop;

namespace {

// The lesson's experiment through the library's pipeline: 2-H-1 sigmoid, mse, full-batch
// gradient descent, he_normal weights from seed 42. `data` comes back encoded for the model.
bp::Model train_lesson(bp::Dataset& data, int hidden, double lr, int epochs) {
  bp::FitOptions o = bp::default_fit_options(bp::DataSource::in_memory(data));
  o.hidden = {hidden};
  o.activation = {bp::Activation::sigmoid};
  o.output_activation = bp::Activation::sigmoid;
  o.loss = bp::Loss::mse;
  o.training.epochs = epochs;
  o.training.optimizer = bp::OptimizerOptions{bp::OptimizerKind::sgd, lr};
  bp::FitResult result = bp::fit(o);
  data = result.train_data;
  return result.model;
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
    bp::plot::loss_curve(xor_model.info.history,
                         "XOR training: 2-4-1 sigmoid, gradient descent lr 2", dir + "xor_loss.png",
                         png);
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
