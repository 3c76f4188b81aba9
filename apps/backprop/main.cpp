// backprop — the command line: parse, call the library, print, choose the exit status.
//
// Exit status: 0 success, 1 a data or runtime error (or a failed gradient check), 2 a usage error
// (an unknown command or flag, a bad flag value, an output path that cannot be written).
#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "backprop/error.h"
#if BACKPROP_HAVE_MPI
#include "backprop/mpi.h"
#endif
#include "backprop/tensor.h"
#include "backprop/threads.h"
#include "cli_util.h"
#include "commands.h"
#include "flag_names.h"

namespace {

namespace cli = backprop::cli;

// "-1,0" and "-.5" are values (negative numbers), not flags; "--" ends the flags.
bool looks_like_flag(const std::string& arg) {
  return arg.size() > 1 && arg[0] == '-' && arg != "--" &&
         !(std::isdigit(static_cast<unsigned char>(arg[1])) || arg[1] == '.');
}

// The flags of a command as typed ("--epochs"), without the deprecated spellings.
std::vector<std::string> flag_names(const CLI::App& cmd) {
  std::vector<std::string> names;
  for (const CLI::Option* option : cmd.get_options())
    if (option->get_group() != cli::kDeprecatedGroup)
      for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  return names;
}

// A parse error in this tool's words: an unknown command or flag with the closest known one,
// otherwise CLI11's message and where to find help.
std::string explain(const CLI::ParseError& e, const std::vector<cli::Command>& commands,
                    const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> command_names;
  for (const cli::Command& c : commands) command_names.push_back(c.app->get_name());
  const CLI::App* command = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (looks_like_flag(arg)) {
      const std::string name = arg.substr(0, arg.find('='));
      const CLI::App& where = command ? *command : app;
      if (where.get_option_no_throw(name) != nullptr) continue;
      const std::string closest = cli::closest_name(name, flag_names(where));
      const std::string of = command ? "backprop " + command->get_name() : "backprop";
      return "unknown flag '" + name + "'" +
             (closest.empty() ? " (see " + of + " --help)" : " (did you mean '" + closest + "'?)");
    }
    if (command) continue;  // a value or a positional argument
    for (const cli::Command& c : commands)
      if (c.app->get_name() == arg) command = c.app;
    if (command) continue;
    const std::string closest = cli::closest_name(arg, command_names);
    return "unknown command '" + arg + "' (" +
           (closest.empty() ? "commands: " + cli::join(command_names)
                            : "did you mean '" + closest + "'?") +
           ")";
  }
  if (!command) return "give a command: " + cli::join(command_names) + " (see backprop --help)";
  return std::string(e.what()) + " (see backprop " + command->get_name() + " --help)";
}

}  // namespace

int main(int argc, char** argv) {
  // Started by an MPI launcher (mpirun, srun): one process of a job that trains one model
  // (distributed.h). A failure on any rank then ends every rank (MPI_Abort), so that none is
  // left waiting for it, and every message says which rank it comes from.
  std::string rank_text;  // " (rank 1 of 4)"
  bool in_job = false;
#if BACKPROP_HAVE_MPI
  std::optional<backprop::MpiCommunicator> mpi;
  if (backprop::MpiCommunicator::launched()) mpi.emplace(&argc, &argv);
  in_job = mpi && mpi->size() > 1;
  if (in_job) {
    cli::set_communicator(&*mpi);
    rank_text = fmt::format(" (rank {} of {})", mpi->rank(), mpi->size());
  }
#endif
  const auto fail = [&](int status) {
#if BACKPROP_HAVE_MPI
    if (in_job) {
      std::fflush(stdout);
      std::fflush(stderr);
      mpi->abort(status);
    }
#endif
    return status;
  };
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
      cli::add_serve_command(app),     cli::add_export_command(app),
      cli::add_import_command(app),
  };
  // One thread unless `train` chooses more (--threads, or its rule for wide nets on an idle
  // machine): parallel products synchronise by spinning, which collapses (3-15x slower
  // measured) when another process holds the second core. (Data-parallel training's workers
  // wait passively instead; OMP_WAIT_POLICY cannot be set from here: libgomp reads it when it
  // is loaded, before main.)
  backprop::set_threads(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return cli::speaks() ? app.exit(e) : 0;  // --help, --version
    std::fflush(stdout);
    std::fprintf(stderr, "backprop: error%s: %s\n", rank_text.c_str(),
                 explain(e, commands, app, argc, argv).c_str());
    return fail(2);
  }
  try {
    for (const cli::Command& command : commands) {
      if (!command.app->parsed()) continue;
      const std::string name = command.app->get_name();
      if (in_job && name != "train" && name != "xor" && name != "circle")
        throw backprop::usage_error(
            "backprop " + name +
            " runs in one process; started by mpirun or srun, only train, xor and circle run "
            "(every process training one model together)");
      return command.run();  // every rank got here together: no need to end the others
    }
  } catch (const backprop::Error& e) {
    std::fflush(stdout);
    // The library names an option field ("TrainOptions.epochs"); the command line, its flag.
    const std::string message =
        e.field().empty() ? e.what() : cli::flag_for_field(e.field()) + ": " + e.detail();
    std::fprintf(stderr, "backprop: error%s: %s\n", rank_text.c_str(),
                 cli::with_flag_names(message).c_str());
    return fail(e.kind() == backprop::Error::Kind::usage ? 2 : 1);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "backprop: internal error%s: %s\n", rank_text.c_str(), e.what());
    return fail(1);
  }
  return 0;
}
