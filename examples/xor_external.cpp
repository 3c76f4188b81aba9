// The lesson's XOR experiment (section 7) through the public API, as a program outside the
// project would write it: fit() with a 2-4-1 sigmoid network, mean squared error, the lesson's
// he_normal weights (seed 42), full-batch gradient descent at lr 2 for 10000 epochs. It prints the
// trained network's output for the four inputs; `backprop xor` prints the same numbers.
//
//   g++ -std=c++17 xor_external.cpp $(pkg-config --cflags --libs backprop)
#include <backprop/backprop.h>

#include <cstdio>

int main() {
  namespace bp = backprop;
  // The library's pipeline, as `backprop xor` runs it: the lesson's data set, a 2-4-1 sigmoid
  // network with mse, he_normal weights from seed 42, full-batch gradient descent at lr 2.
  bp::FitOptions options = bp::default_fit_options(bp::DataSource::generated("xor"));
  options.hidden = {4};
  options.activation = {bp::Activation::sigmoid};
  options.output_activation = bp::Activation::sigmoid;
  options.loss = bp::Loss::mse;
  options.training.epochs = 10000;
  options.training.optimizer = {bp::OptimizerKind::sgd, 2.0};
  const bp::FitResult result = bp::fit(options);

  const bp::Matrix<double>& x = result.train_data.x;  // one sample per column
  const bp::Matrix<double> out = result.model.predict(x);
  for (int j = 0; j < 4; ++j) std::printf("(%.0f, %.0f) -> %.4f\n", x(0, j), x(1, j), out(0, j));
  return 0;
}
