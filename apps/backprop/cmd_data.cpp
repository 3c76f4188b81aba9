// cmd_data.cpp — `backprop data`: a generated data set as CSV, to a file or standard output.
#include <cstdio>
#include <memory>
#include <string>

#include "backprop/data/csv_dataset.h"
#include "backprop/data/generators.h"
#include "cli_util.h"
#include "commands.h"

namespace backprop::cli {
namespace {

struct DataOptions {
  std::string name, out;
  int n = -1;
  double noise = -1;
  unsigned seed = 42;
};

int run_data(const DataOptions& o) {
  check_choice(o.name, dataset_names(), "", "dataset");
  if (!o.out.empty()) check_output_path(o.out, "--out", {}, true);
  const Dataset d = make_dataset(o.name, o.n, o.noise, o.seed);
  if (o.out.empty()) {
    std::fputs(dataset_to_csv(d).c_str(), stdout);
    return 0;
  }
  write_csv(d, o.out);
  std::printf("Wrote %zu samples of %s to %s\n", d.size(), d.source.c_str(), o.out.c_str());
  return 0;
}

}  // namespace

Command add_data_command(CLI::App& app) {
  auto o = std::make_shared<DataOptions>();
  CLI::App* cmd = app.add_subcommand("data", "Export a built-in data set as CSV");
  cmd->add_option("name", o->name, "The data set: " + join(dataset_names()))->required();
  cmd->add_option("--out", o->out, "CSV file to write (default: standard output)");
  add_generator_options(cmd, o->n, o->noise, o->seed, "the data set");
  // train, sweep and plot call it --data-seed; their --seed seeds the weights.
  deprecated_alias(cmd, "--seed", "--data-seed", o->seed);
  return {cmd, [o] { return run_data(*o); }};
}

}  // namespace backprop::cli
