// backprop — the command line: parse, call the library, print, choose the exit status.
//
// Exit status: 0 success, 1 a data or runtime error (or a failed gradient check), 2 a usage error.
#include <cstdio>
#include <vector>

#include "backprop/error.h"
#include "backprop/tensor.h"
#include "backprop/threads.h"
#include "commands.h"
#include "flag_names.h"

int main(int argc, char** argv) {
  namespace cli = backprop::cli;
  CLI::App app{"backprop: multilayer perceptrons trained by backpropagation"};
  app.set_version_flag("--version",
                       "backprop 0.1.0 (large matrix products: " + backprop::gemm_backend() + ")");
  app.require_subcommand(1);
  const std::vector<cli::Command> commands = {
      cli::add_xor_command(app),       cli::add_circle_command(app),
      cli::add_train_command(app),     cli::add_predict_command(app),
      cli::add_evaluate_command(app),  cli::add_info_command(app),
      cli::add_data_command(app),      cli::add_trace_command(app),
      cli::add_gradcheck_command(app), cli::add_plot_command(app),
      cli::add_sweep_command(app),     cli::add_graph_command(app),
  };
  // One thread unless `train` chooses more (--threads, or its rule for wide nets on an idle
  // machine): parallel products synchronise by spinning, which collapses (3-15x slower
  // measured) when another process holds the second core.
  backprop::set_threads(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }
  try {
    for (const cli::Command& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const backprop::Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "backprop: error: %s\n", cli::with_flag_names(e.what()).c_str());
    return e.kind() == backprop::Error::Kind::usage ? 2 : 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "backprop: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
