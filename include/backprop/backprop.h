// backprop.h — the whole library in one include.
//
// A multilayer perceptron trained by backpropagation, written as the equations read:
//   forward   z(l) = W(l) a(l-1) + b(l),  a(l) = f(z(l))          one column per sample
//   backward  delta(l) = (W(l+1)^T delta(l+1)) ⊙ f'(z(l)),  dW(l) = delta(l) a(l-1)^T
//
//   #include <backprop/backprop.h>
//   backprop::Network<double> net(2, {{2, {backprop::Activation::sigmoid}},
//                                     {1, {backprop::Activation::sigmoid}}}, backprop::Loss::mse);
//   backprop::initialize(net, backprop::Init::he_normal, 42);
//   backprop::Optimizer<double> gd(net, backprop::OptimizerOptions::gd(0.5));
//   net.forward(x);  net.backward(x, y);  gd.step();
#pragma once

#include "backprop/activations.h"
#include "backprop/config.h"
#include "backprop/data/csv.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/dataset.h"
#include "backprop/data/fann_data.h"
#include "backprop/data/generators.h"
#include "backprop/data/idx.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/io/checkpoint.h"
#include "backprop/io/files.h"
#include "backprop/io/history.h"
#include "backprop/io/model_file.h"
#include "backprop/layers/dense.h"
#include "backprop/losses.h"
#include "backprop/model/fit.h"
#include "backprop/model/metrics.h"
#include "backprop/model/model.h"
#include "backprop/network.h"
#include "backprop/optimizers.h"
#include "backprop/random.h"
#include "backprop/teach/diagnostics.h"
#include "backprop/teach/gradcheck.h"
#include "backprop/teach/lesson.h"
#include "backprop/teach/sweep.h"
#include "backprop/teach/trace.h"
#include "backprop/tensor.h"
#include "backprop/threads.h"
#include "backprop/train.h"
