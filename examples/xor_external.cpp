// The lesson's XOR experiment (section 7) through the public API, as a program outside the
// project would write it: a 2-4-1 sigmoid network, mean squared error, the lesson's he_normal
// weights (seed 42), full-batch gradient descent at lr 2 for 10000 epochs. It prints the trained
// network's output for the four inputs; `backprop xor` prints the same numbers.
//
//   g++ -std=c++17 xor_external.cpp $(pkg-config --cflags --libs backprop)
#include <backprop/backprop.h>

#include <cstdio>

int main() {
  using backprop::Activation;
  backprop::Network<double> net(2, {{4, {Activation::sigmoid}}, {1, {Activation::sigmoid}}},
                                backprop::Loss::mse);
  backprop::initialize(net, backprop::Init::he_normal, 42);

  // One sample per column: the four corners of the unit square, and their XOR.
  backprop::Matrix<double> x(2, 4), y(1, 4);
  // clang-format off
  x << 0, 0, 1, 1,
       0, 1, 0, 1;
  // clang-format on
  y << 0, 1, 1, 0;

  backprop::TrainOptions options;
  options.epochs = 10000;
  options.batch_size = 0;  // full batch
  options.optimizer.kind = backprop::OptimizerKind::sgd;
  options.optimizer.lr = 2.0;
  backprop::train(net, x, y, options);

  const backprop::Matrix<double>& out = net.forward(x);
  for (int j = 0; j < 4; ++j) std::printf("(%.0f, %.0f) -> %.4f\n", x(0, j), x(1, j), out(0, j));
  return 0;
}
