#include "backprop/teach/lesson.h"

#include "backprop/error.h"

namespace backprop {

std::vector<std::string> lesson_example_names() {
  return {"single-neuron", "network-2-2-1", "exercise-9.1"};
}

namespace {

Network<double> sigmoid_mse(int inputs, const std::vector<int>& units) {
  std::vector<LayerSpec> specs;
  for (int u : units) specs.push_back({u, {Activation::sigmoid}});
  return Network<double>(inputs, specs, Loss::mse);
}

Matrix<double> column(std::initializer_list<double> values) {
  Matrix<double> m(static_cast<Eigen::Index>(values.size()), 1);
  Eigen::Index i = 0;
  for (double v : values) m(i++, 0) = v;
  return m;
}

}  // namespace

LessonExample lesson_example(const std::string& name) {
  LessonExample e;
  e.name = name;
  if (name == "single-neuron") {
    e.title = "Exercise 3.1: one sigmoid neuron, L = (y_hat - y)^2";
    e.network = sigmoid_mse(1, {1});
    e.network.layer(0).W << 0.5;
    e.network.layer(0).b << -0.5;
    e.x = column({2.0});
    e.y = column({1.0});
  } else if (name == "network-2-2-1") {
    e.title = "Section 5: backprop on a 2-2-1 network, one step at lr 1";
    e.network = sigmoid_mse(2, {2, 1});
    e.network.layer(0).W << 0.5, 0.3, -0.2, 0.8;
    e.network.layer(0).b << 0.1, -0.1;
    e.network.layer(1).W << 0.6, -0.4;
    e.network.layer(1).b << 0.2;
    e.x = column({1.0, 0.0});
    e.y = column({1.0});
    e.lr = 1.0;
  } else if (name == "exercise-9.1") {
    e.title = "Exercise 9.1: backprop by hand on a 1-1-1 network, one step at lr 1";
    e.network = sigmoid_mse(1, {1, 1});
    e.network.layer(0).W << 0.5;
    e.network.layer(0).b << 0.0;
    e.network.layer(1).W << -1.0;
    e.network.layer(1).b << 0.5;
    e.x = column({1.0});
    e.y = column({0.0});
    e.lr = 1.0;
  } else {
    throw usage_error("unknown example '" + name +
                      "' (expected one of: single-neuron, network-2-2-1, exercise-9.1)");
  }
  return e;
}

}  // namespace backprop
