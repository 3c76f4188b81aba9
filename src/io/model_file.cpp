#include "backprop/io/model_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "backprop/error.h"
#include "backprop/io/onnx.h"

namespace backprop {

using Json = nlohmann::ordered_json;

namespace {

std::string number(double v) { return Json(v).dump(); }  // shortest round-trip form

std::string row_text(const Matrix<double>& W, Eigen::Index i) {
  std::string s = "[";
  for (Eigen::Index j = 0; j < W.cols(); ++j) s += (j ? ", " : "") + number(W(i, j));
  return s + "]";
}

}  // namespace

namespace {

std::string list_text(const std::vector<double>& values) {
  std::string s = "[";
  for (std::size_t i = 0; i < values.size(); ++i)
    s += (i ? ", " : "") + (std::isfinite(values[i]) ? number(values[i]) : std::string("null"));
  return s + "]";
}

std::string list_text(const Vector<double>& v) {
  return list_text(std::vector<double>(v.data(), v.data() + v.size()));
}

bool any_finite(const std::vector<double>& values) {
  for (double v : values)
    if (std::isfinite(v)) return true;
  return false;
}

std::string names_text(const std::vector<std::string>& names) { return Json(names).dump(); }

// The optional fields, each on its own line, after the layers.
std::string info_text(const ModelInfo& info) {
  std::string out;
  if (!info.feature_names.empty()) out += ",\n \"features\": " + names_text(info.feature_names);
  if (!info.target_column.empty()) out += ",\n \"target\": " + Json(info.target_column).dump();
  if (!info.class_names.empty()) out += ",\n \"classes\": " + names_text(info.class_names);
  if (!info.target_names.empty()) out += ",\n \"targets\": " + names_text(info.target_names);
  if (info.input_mean.size() > 0)
    out += ",\n \"standardize\": {\"mean\": " + list_text(info.input_mean) +
           ", \"scale\": " + list_text(info.input_scale) + "}";
  const bool has_history = !info.history.empty();
  if (!info.settings.empty() || has_history) {
    out += ",\n \"training\": {";
    std::string settings;
    for (const auto& [name, value] : info.settings)
      settings += (settings.empty() ? "" : ", ") + Json(name).dump() + ": " + value;
    out += "\"settings\": {" + settings + "}";
    if (has_history) {
      // One list per figure; "loss" always, the others when any epoch recorded them.
      out += ",\n  \"history\": {";
      bool first = true;
      for (const HistoryColumn& column : kHistoryColumns) {
        std::vector<double> values;
        for (const EpochRecord& r : info.history) values.push_back(r.*column.field);
        if (column.name != std::string("loss") && !any_finite(values)) continue;
        out += (first ? "\"" : ",\n   \"") + std::string(column.name) + "\": " + list_text(values);
        first = false;
      }
      out += "}";
    }
    out += "}";
  }
  return out;
}

}  // namespace

std::string model_to_json(const Network<double>& network) {
  return model_to_json(Model{network, {}});
}

std::string model_to_json(const Model& model) {
  const Network<double>& network = model.network;
  network.validate();
  std::string out = "{\"format\": \"backprop-model\", \"version\": 1, \"inputs\": " +
                    std::to_string(network.inputs()) + ", \"loss\": \"" +
                    to_string(network.loss()) + "\",\n \"layers\": [";
  for (std::size_t l = 0; l < network.depth(); ++l) {
    const DenseLayer<double>& layer = network.layer(l);
    out += (l ? ",\n  " : "\n  ");
    out += "{\"activation\": \"" + to_string(layer.activation.kind) + "\"";
    if (layer.activation.kind == Activation::leaky_relu)
      out += ", \"alpha\": " + number(layer.activation.alpha);
    if (layer.dropout != 0) out += ", \"dropout\": " + number(layer.dropout);  // training only
    out += ",\n   \"weights\": [";
    for (Eigen::Index i = 0; i < layer.W.rows(); ++i)
      out += (i ? ",\n               " : "") + row_text(layer.W, i);
    out += "],\n   \"bias\": [";
    for (Eigen::Index i = 0; i < layer.b.size(); ++i) out += (i ? ", " : "") + number(layer.b(i));
    out += "]}";
  }
  out += "]" + info_text(model.info) + "}\n";
  return out;
}

namespace {

// Checks made while reading: each failure names the source and the JSON path.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw Error(source_ + ": " + (where.empty() ? "" : where + ": ") + what);
  }

  static std::string found(const Json& v) {
    std::string text = v.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return std::string(v.type_name()) + " " + text;
  }

  const Json& field(const Json& object, const std::string& where, const char* key) const {
    auto it = object.find(key);
    if (it == object.end()) fail(where, std::string("missing field \"") + key + "\"");
    return *it;
  }

  std::string string(const Json& v, const std::string& where) const {
    if (!v.is_string()) fail(where, "expected a string, found " + found(v));
    return v.get<std::string>();
  }

  double finite(const Json& v, const std::string& where) const {
    if (!v.is_number()) fail(where, "expected a number, found " + found(v));
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(where, "expected a finite number, found " + v.dump());
    return d;
  }

  long positive_integer(const Json& v, const std::string& where) const {
    if (!v.is_number_integer() || v.get<long long>() <= 0 || v.get<long long>() > (1 << 24))
      fail(where, "expected a positive integer, found " + found(v));
    return static_cast<long>(v.get<long long>());
  }

  const Json& array(const Json& v, const std::string& where) const {
    if (!v.is_array()) fail(where, "expected a list, found " + found(v));
    return v;
  }

  std::vector<std::string> names(const Json& v, const std::string& where) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < array(v, where).size(); ++i)
      out.push_back(string(v[i], where + "[" + std::to_string(i) + "]"));
    return out;
  }

  // A list of numbers, null read as NaN when `allow_null`.
  std::vector<double> numbers(const Json& v, const std::string& where, bool allow_null) const {
    std::vector<double> out;
    for (std::size_t i = 0; i < array(v, where).size(); ++i) {
      if (allow_null && v[i].is_null())
        out.push_back(std::numeric_limits<double>::quiet_NaN());
      else
        out.push_back(finite(v[i], where + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

  ModelInfo info(const Json& doc, long inputs) const {
    ModelInfo info;
    if (auto it = doc.find("features"); it != doc.end()) {
      info.feature_names = names(*it, "features");
      if (static_cast<long>(info.feature_names.size()) != inputs)
        fail("features", "expected " + std::to_string(inputs) + " names (one per input), found " +
                             std::to_string(info.feature_names.size()));
    }
    if (auto it = doc.find("target"); it != doc.end()) info.target_column = string(*it, "target");
    if (auto it = doc.find("classes"); it != doc.end()) info.class_names = names(*it, "classes");
    if (auto it = doc.find("targets"); it != doc.end()) info.target_names = names(*it, "targets");
    if (auto it = doc.find("standardize"); it != doc.end()) {
      if (!it->is_object()) fail("standardize", "expected an object, found " + found(*it));
      const std::vector<double> mean =
          numbers(field(*it, "standardize", "mean"), "standardize.mean", false);
      const std::vector<double> scale =
          numbers(field(*it, "standardize", "scale"), "standardize.scale", false);
      if (static_cast<long>(mean.size()) != inputs || static_cast<long>(scale.size()) != inputs)
        fail("standardize",
             "expected " + std::to_string(inputs) + " means and scales (one per input), found " +
                 std::to_string(mean.size()) + " and " + std::to_string(scale.size()));
      for (std::size_t i = 0; i < scale.size(); ++i)
        if (!(scale[i] > 0))
          fail("standardize.scale[" + std::to_string(i) + "]",
               "expected a positive number, found " + std::to_string(scale[i]));
      info.input_mean = Eigen::Map<const Vector<double>>(mean.data(), inputs);
      info.input_scale = Eigen::Map<const Vector<double>>(scale.data(), inputs);
    }
    if (auto it = doc.find("training"); it != doc.end() && it->is_object()) {
      if (auto s = it->find("settings"); s != it->end() && s->is_object())
        for (auto item = s->begin(); item != s->end(); ++item)
          info.settings.emplace_back(item.key(), item.value().dump());
      if (auto h = it->find("history"); h != it->end() && h->is_object()) {
        const std::string at = "training.history.";
        std::vector<std::vector<double>> columns;
        std::size_t epochs = 0;
        for (const HistoryColumn& column : kHistoryColumns) {
          const auto v = h->find(column.name);
          columns.push_back(v == h->end() ? std::vector<double>{}
                                          : numbers(*v, at + column.name, true));
          epochs = std::max(epochs, columns.back().size());
        }
        info.history.resize(epochs);
        for (std::size_t e = 0; e < epochs; ++e) {
          info.history[e].epoch = static_cast<int>(e);
          for (std::size_t k = 0; k < columns.size(); ++k)
            info.history[e].*kHistoryColumns[k].field =
                e < columns[k].size() ? columns[k][e] : std::numeric_limits<double>::quiet_NaN();
        }
      }
    }
    return info;
  }

 private:
  std::string source_;
};

// "line L, column C" of a byte offset into the text (1-based).
std::string line_column(const std::string& text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// Deepest nesting of lists and objects accepted. A model file nests 5 deep (document, layers,
// layer, weights, row) plus whatever training settings hold; nlohmann's parser copes with any
// depth, but dump() and comparisons recurse, so thousands of levels overflow the stack.
constexpr std::size_t kMaxDepth = 256;

// Throws an Error at the first '[' or '{' that nests deeper than kMaxDepth. A linear scan that
// only tracks strings (brackets inside them do not count), run before the parser builds anything.
void check_nesting(const std::string& text, const std::string& source) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth)
        throw Error(source + ":" + line_column(text, i) + ": lists and objects nested more than " +
                    std::to_string(kMaxDepth) + " deep (a model file nests about 5 deep)");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;  // unbalanced closers are the parser's to report, with its own message
    }
  }
}

}  // namespace

Network<double> model_from_json(const std::string& text, const std::string& source) {
  return parse_model(text, source).network;
}

Model parse_model(const std::string& text, const std::string& source) {
  check_nesting(text, source);
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based and points just past the offending character.
    std::string what = e.what();
    const std::size_t cut = what.find("syntax error");
    throw Error(source + ":" + line_column(text, e.byte ? e.byte - 1 : 0) + ": not valid JSON (" +
                (cut == std::string::npos ? what : what.substr(cut)) + ")");
  } catch (const Json::exception& e) {
    // Raised while parsing numbers, e.g. "number overflow parsing '1e999'".
    std::string what = e.what();
    const std::size_t cut = what.find("] ");
    throw Error(source + ": not a valid model file (" +
                (cut == std::string::npos ? what : what.substr(cut + 2)) + ")");
  }
  Reader r(source);
  if (!doc.is_object()) r.fail("", "expected a JSON object, found " + Reader::found(doc));
  const std::string format = r.string(r.field(doc, "", "format"), "format");
  if (format != "backprop-model")
    r.fail("format", "expected \"backprop-model\", found \"" + format + "\"");
  const Json& version = r.field(doc, "", "version");
  if (!version.is_number_integer() || version.get<long long>() != 1)
    r.fail("version", "this build reads version 1, found " + version.dump());
  const long inputs = r.positive_integer(r.field(doc, "", "inputs"), "inputs");
  const std::string loss_name = r.string(r.field(doc, "", "loss"), "loss");
  Loss loss;
  try {
    loss = loss_from_string(loss_name);
  } catch (const Error& e) {
    r.fail("loss", e.what());
  }
  const Json& layers = r.array(r.field(doc, "", "layers"), "layers");
  if (layers.empty()) r.fail("layers", "expected at least one layer, found an empty list");

  std::vector<LayerSpec> specs;
  std::vector<Matrix<double>> weights;
  std::vector<Vector<double>> biases;
  long fan_in = inputs;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::string at = "layers[" + std::to_string(l) + "]";
    const Json& layer = layers[l];
    if (!layer.is_object()) r.fail(at, "expected an object, found " + Reader::found(layer));
    LayerSpec spec;
    const std::string act = r.string(r.field(layer, at, "activation"), at + ".activation");
    try {
      spec.activation.kind = activation_from_string(act);
    } catch (const Error& e) {
      r.fail(at + ".activation", e.what());
    }
    if (auto alpha = layer.find("alpha"); alpha != layer.end())
      spec.activation.alpha = r.finite(*alpha, at + ".alpha");
    if (auto dropout = layer.find("dropout"); dropout != layer.end()) {
      spec.dropout = r.finite(*dropout, at + ".dropout");
      if (l + 1 == layers.size() && spec.dropout != 0)
        r.fail(at + ".dropout",
               "expected 0 (the output layer has no dropout), found " + dropout->dump());
      if (!(spec.dropout >= 0 && spec.dropout < 1))
        r.fail(at + ".dropout", "expected a rate in [0, 1), found " + dropout->dump());
    }
    const Json& W = r.array(r.field(layer, at, "weights"), at + ".weights");
    if (W.empty()) r.fail(at + ".weights", "expected at least one row (one per unit), found none");
    // Collected row by row as the rows check out, not allocated up front as W.size() x fan_in:
    // "inputs" alone may claim 2^24 columns, and a few one-number rows must not cost gigabytes.
    std::vector<double> values;
    for (std::size_t i = 0; i < W.size(); ++i) {
      const std::string row_at = at + ".weights[" + std::to_string(i) + "]";
      const Json& row = r.array(W[i], row_at);
      if (static_cast<long>(row.size()) != fan_in)
        r.fail(row_at, "expected " + std::to_string(fan_in) + " weights (" +
                           (l == 0 ? std::string("the model's inputs")
                                   : "the units of layers[" + std::to_string(l - 1) + "]") +
                           "), found " + std::to_string(row.size()));
      for (std::size_t j = 0; j < row.size(); ++j)
        values.push_back(r.finite(row[j], row_at + "[" + std::to_string(j) + "]"));
    }
    Matrix<double> w =
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            values.data(), static_cast<Eigen::Index>(W.size()), fan_in);
    const Json& B = r.array(r.field(layer, at, "bias"), at + ".bias");
    if (B.size() != W.size())
      r.fail(at + ".bias", "expected " + std::to_string(W.size()) +
                               " entries (one per unit, as rows of weights), found " +
                               std::to_string(B.size()));
    Vector<double> b(static_cast<Eigen::Index>(B.size()));
    for (std::size_t i = 0; i < B.size(); ++i)
      b(static_cast<Eigen::Index>(i)) = r.finite(B[i], at + ".bias[" + std::to_string(i) + "]");
    spec.units = static_cast<int>(W.size());
    specs.push_back(spec);
    weights.push_back(std::move(w));
    biases.push_back(std::move(b));
    fan_in = spec.units;
  }
  Network<double> network;
  try {
    network = Network<double>(static_cast<int>(inputs), specs, loss);
  } catch (const Error& e) {
    r.fail("", e.what());
  }
  for (std::size_t l = 0; l < specs.size(); ++l) {
    network.layer(l).W = std::move(weights[l]);
    network.layer(l).b = std::move(biases[l]);
  }
  Model model{std::move(network), r.info(doc, inputs)};
  if (!model.info.class_names.empty() &&
      model.info.class_names.size() != static_cast<std::size_t>(model.network.outputs()) &&
      !(model.info.class_names.size() == 2 && model.network.outputs() == 1))
    r.fail("classes", "expected one class per output (" + std::to_string(model.network.outputs()) +
                          "), found " + std::to_string(model.info.class_names.size()));
  return model;
}

Model read_model(const std::string& path) {
  // The one entry point every --model flag goes through: ONNX files by their extension.
  if (is_onnx_path(path)) return read_onnx(path);
  return parse_model(read_file(path), path);
}

Network<double> load_model(const std::string& path) { return read_model(path).network; }

void save_model(const Model& model, const std::string& path) {
  write_file_atomically(path, model_to_json(model));
}

void save_model(const Network<double>& network, const std::string& path) {
  save_model(Model{network, {}}, path);
}

}  // namespace backprop
