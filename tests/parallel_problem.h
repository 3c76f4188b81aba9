// What the data-parallel tests share (test_data_parallel.cpp: threads; test_distributed.cpp:
// processes): a seeded 3-class problem for a one-hidden-layer relu/softmax net, and the check
// that two trained runs are bit-identical (every parameter and every epoch's loss and accuracy).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "backprop/init.h"
#include "backprop/random.h"
#include "backprop/train.h"

namespace backprop::test {

template <typename S>
struct Problem {
  Network<S> net;
  Matrix<S> x, y;
};

// inputs -> hidden relu (with dropout) -> 3 softmax, cross-entropy; samples with normal inputs,
// the class from x0 + x1 - x2.
template <typename S>
Problem<S> make_problem(int inputs, int hidden, int samples, double dropout) {
  Network<double> net(inputs, {{hidden, {Activation::relu}, dropout}, {3, {Activation::softmax}}},
                      Loss::cross_entropy);
  initialize(net, Init::he_normal, 3);
  Random random(5);
  Matrix<double> x(inputs, samples), y = Matrix<double>::Zero(3, samples);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = random.normal();
  for (Eigen::Index j = 0; j < samples; ++j) {
    const double s = x(0, j) + x(1, j) - x(2, j);
    y(s < -0.5 ? 0 : s < 0.5 ? 1 : 2, j) = 1;
  }
  return {net.cast<S>(), x.cast<S>(), y.cast<S>()};
}

struct Trained {
  Network<double> net;
  TrainResult result;
};

inline void expect_identical(const Trained& a, const Trained& b, const std::string& what) {
  ASSERT_EQ(a.net.depth(), b.net.depth());
  for (std::size_t l = 0; l < a.net.depth(); ++l) {
    EXPECT_TRUE(a.net.layer(l).W == b.net.layer(l).W) << what << ": layer " << l + 1 << " W";
    EXPECT_TRUE(a.net.layer(l).b == b.net.layer(l).b) << what << ": layer " << l + 1 << " b";
  }
  ASSERT_EQ(a.result.history.size(), b.result.history.size()) << what;
  for (std::size_t e = 0; e < a.result.history.size(); ++e) {
    EXPECT_EQ(a.result.history[e].loss, b.result.history[e].loss) << what << ": epoch " << e;
    EXPECT_EQ(a.result.history[e].accuracy, b.result.history[e].accuracy) << what;
  }
}

}  // namespace backprop::test
