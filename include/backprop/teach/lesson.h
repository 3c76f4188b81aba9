// lesson.h — the lesson's worked examples as ready-made networks and data.
//
//   single-neuron   Exercise 3.1: x = 2, w = 0.5, b = −0.5, y = 1 (sigmoid, mse)
//   network-2-2-1   Section 5: W1 = [[0.5, 0.3], [−0.2, 0.8]], b1 = [0.1, −0.1],
//                   W2 = [[0.6, −0.4]], b2 = 0.2, x = [1, 0], y = 1, update at lr 1
//   exercise-9.1    1-1-1: w1 = 0.5, b1 = 0, w2 = −1, b2 = 0.5, x = 1, y = 0, update at lr 1
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "backprop/network.h"

namespace backprop {

struct LessonExample {
  std::string name;
  std::string title;
  Network<double> network;
  Matrix<double> x, y;
  std::optional<double> lr;
};

std::vector<std::string> lesson_example_names();
// Throws a usage Error listing the known names.
LessonExample lesson_example(const std::string& name);

}  // namespace backprop
