// data_source.cpp — where training data comes from: generators, CSV files, Fashion-MNIST,
// in-memory data sets.
#include <fmt/format.h>

#include <algorithm>

#include "backprop/data/csv_dataset.h"
#include "backprop/data/fann_data.h"
#include "backprop/data/generators.h"
#include "backprop/error.h"
#include "backprop/model/fit.h"

namespace backprop {

// ---- data sources -------------------------------------------------------------------------------

DataSource DataSource::generated(const std::string& name, int n, double noise, std::uint32_t seed) {
  DataSource s;
  s.kind = Kind::generator;
  s.generator = name;
  s.n = n;
  s.noise = noise;
  s.data_seed = seed;
  return s;
}

DataSource DataSource::csv_classes(const std::string& path, const std::string& target_column) {
  DataSource s;
  s.kind = Kind::csv;
  s.path = path;
  s.target = target_column;
  return s;
}

DataSource DataSource::csv_numeric(const std::string& path,
                                   std::vector<std::string> target_columns) {
  DataSource s;
  s.kind = Kind::csv;
  s.path = path;
  s.targets = std::move(target_columns);
  return s;
}

DataSource DataSource::fashion_mnist(const std::string& directory) {
  DataSource s;
  s.kind = Kind::fashion_mnist;
  s.path = directory;
  return s;
}

DataSource DataSource::in_memory(Dataset dataset) {
  DataSource s;
  s.kind = Kind::in_memory;
  s.dataset = std::move(dataset);
  return s;
}

std::string DataSource::describe() const {
  switch (kind) {
    case Kind::none:
      return "no data";
    case Kind::generator:
      return generator;
    case Kind::csv:
      return path;
    case Kind::fashion_mnist:
      return "fashion-mnist";
    case Kind::in_memory:
      return dataset.source.empty() ? "in-memory data" : dataset.source;
  }
  return "?";
}

std::vector<std::string> builtin_dataset_names() {
  std::vector<std::string> names = dataset_names();
  names.push_back("fashion-mnist");
  return names;
}

DataSource builtin_dataset(const std::string& name, int n, double noise, std::uint32_t seed) {
  if (name == "fashion-mnist") {
    if (n > 0 || noise >= 0)
      throw option_error("DataSource.n", "fashion-mnist has fixed samples and no noise");
    return DataSource::fashion_mnist();
  }
  const std::vector<std::string> names = dataset_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw option_error("DataSource.generator",
                       fmt::format("unknown data set '{}' (data sets: {})", name,
                                   fmt::join(builtin_dataset_names(), ", ")));
  return DataSource::generated(name, n, noise, seed);
}

std::string to_string(Precision precision) {
  return precision == Precision::float32 ? "float" : "double";
}

Precision precision_from_string(const std::string& name) {
  if (name == "float" || name == "float32") return Precision::float32;
  if (name == "double" || name == "float64") return Precision::float64;
  throw option_error("FitOptions.precision", "expected double or float, found '" + name + "'");
}

namespace {

// One source's data; its columns named as `columns_from` names them (held-out files use the
// training source's columns).
Dataset load_columns(const DataSource& source, const DataSource& columns_from,
                     const std::vector<std::string>& classes, bool train) {
  switch (source.kind) {
    case DataSource::Kind::generator:
      return make_dataset(source.generator, source.n, source.noise, source.data_seed);
    case DataSource::Kind::csv: {
      if (is_fann_data_path(source.path) && columns_from.target.empty() &&
          columns_from.targets.empty() && columns_from.features.empty())
        return load_fann_data(source.path);
      if (is_fann_data_path(source.path) && source.path == columns_from.path)
        throw option_error("DataSource.targets",
                           source.path +
                               ": a FANN training file (.data) brings its own inputs and targets "
                               "(x0.., y0..); name no target or feature columns");
      CsvDatasetOptions csv;
      csv.target = columns_from.target;
      csv.targets = columns_from.targets;
      csv.features = columns_from.features;
      if (!csv.target.empty()) csv.class_names = classes;
      if (csv.target.empty() == csv.targets.empty())
        throw option_error("DataSource.target",
                           source.path +
                               ": give a class-label column (DataSource.target) or numeric "
                               "target columns (DataSource.targets), exactly one");
      return load_csv_dataset(source.path, csv);
    }
    case DataSource::Kind::fashion_mnist: {
      LabelledImages images = load_fashion_mnist(source.path, train);
      Dataset d;
      d.source = images.source;
      d.x = images.x.cast<double>();
      images.x.resize(0, 0);  // the float copy is no longer needed
      for (std::size_t i = 0; i < static_cast<std::size_t>(d.x.rows()); ++i)
        d.feature_names.push_back("pixel" + std::to_string(i));
      d.labels = std::move(images.labels);
      d.class_names = std::move(images.class_names);
      return d;
    }
    case DataSource::Kind::in_memory:
      return source.dataset;
    case DataSource::Kind::none:
      break;
  }
  throw option_error("FitOptions.data", "give the training data");
}

}  // namespace

Dataset read_data(const DataSource& source, const std::vector<std::string>& class_names,
                  bool training_part) {
  return load_columns(source, source, class_names, training_part);
}

Dataset read_held_out(const DataSource& source, const DataSource& training,
                      const std::vector<std::string>& class_names) {
  return load_columns(source, training, class_names, false);
}

}  // namespace backprop
