// commands.h — the subcommands of the command-line tool, one registration function each.
//
// Each add_*_command registers its subcommand (options, help) on the app and returns it with a
// runner that main() calls when that subcommand was given. Runners throw backprop::Error; main()
// prints it and chooses the exit status (2 for usage errors, 1 for data and runtime errors).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

namespace backprop::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_trace_command(CLI::App& app);      // cmd_trace.cpp
Command add_gradcheck_command(CLI::App& app);  // cmd_gradcheck.cpp
Command add_train_command(CLI::App& app);      // cmd_train.cpp
Command add_xor_command(CLI::App& app);        // cmd_train.cpp: the lesson's section 7
Command add_circle_command(CLI::App& app);     // cmd_train.cpp: Exercise 9.4
Command add_predict_command(CLI::App& app);    // cmd_model.cpp
Command add_evaluate_command(CLI::App& app);   // cmd_model.cpp
Command add_info_command(CLI::App& app);       // cmd_model.cpp
Command add_data_command(CLI::App& app);       // cmd_data.cpp
Command add_plot_command(CLI::App& app);       // cmd_plot.cpp
Command add_sweep_command(CLI::App& app);      // cmd_plot.cpp
Command add_graph_command(CLI::App& app);      // cmd_graph.cpp
Command add_serve_command(CLI::App& app);      // serve/cmd_serve.cpp: the playground
Command add_export_command(CLI::App& app);     // cmd_onnx.cpp
Command add_import_command(CLI::App& app);     // cmd_onnx.cpp

}  // namespace backprop::cli
