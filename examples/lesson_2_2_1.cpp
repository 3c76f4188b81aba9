// The lesson's section 5 through the library API: build the 2-2-1 sigmoid network by hand, run
// one forward and backward pass on x = [1, 0], y = 1, print every gradient, and take one
// gradient-descent step at lr 1.
#include <backprop/backprop.h>

#include <iostream>

int main() {
  using backprop::Activation;
  // Two weight layers: 2 inputs -> 2 sigmoid units -> 1 sigmoid unit, mean squared error.
  backprop::Network<double> net(2, {{2, {Activation::sigmoid}}, {1, {Activation::sigmoid}}},
                                backprop::Loss::mse);
  // W is (units x inputs): row i holds the weights into unit i.
  // clang-format off
  net.layer(0).W << 0.5, 0.3,
                    -0.2, 0.8;
  // clang-format on
  net.layer(0).b << 0.1, -0.1;
  net.layer(1).W << 0.6, -0.4;
  net.layer(1).b << 0.2;

  // One sample is one column.
  backprop::Matrix<double> x(2, 1), y(1, 1);
  x << 1.0, 0.0;
  y << 1.0;

  net.forward(x);  // stores z and a of every layer
  const double loss = net.loss_value(y);
  net.backward(x, y);  // delta(2), then delta(1) = (W2^T delta(2)) * f'(z1)

  std::cout << "loss L = " << loss << "\n";
  for (std::size_t l = 0; l < net.depth(); ++l) {
    std::cout << "layer " << l + 1 << "\n  delta =\n"
              << net.delta(l) << "\n  dL/dW =\n"
              << net.layer(l).dW << "\n  dL/db =\n"
              << net.layer(l).db << "\n";
  }

  // W <- W - lr dW, b <- b - lr db: plain gradient descent, the library's sgd optimizer
  backprop::Optimizer<double>(net, backprop::OptimizerOptions::gd(1.0)).step();
  std::cout << "W2 after one step at lr 1 = " << net.layer(1).W << "\n";

  // The gradients are right: compare them with central differences.
  const backprop::GradCheckReport check = backprop::gradient_check(net, x, y);
  std::cout << "gradient check: max relative error " << check.max_rel_error
            << (check.passed() ? " (passed)\n" : " (FAILED)\n");
  return check.passed() ? 0 : 1;
}
