// session.cpp — a playground session: set-ups from configs, the training worker, its events.
#include "session.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "backprop/data/csv.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/split.h"
#include "backprop/error.h"
#include "backprop/init.h"
#include "backprop/io/model_file.h"
#include "backprop/model/fit.h"
#include "backprop/optimizers.h"
#include "backprop/schedules.h"
#include "backprop/teach/gradcheck.h"
#include "backprop/teach/trace.h"
#include "backprop/train.h"

namespace backprop::serve {

using nlohmann::json;

namespace {

// ---- reading the page's config, field by field --------------------------------------------------

std::string type_name(const json& v) { return v.is_null() ? "null" : v.type_name(); }
std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 40) + "..." : s;
}

double number(const json& j, const char* key, double fallback, double lo, double hi) {
  if (!j.contains(key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_number() || !(v.get<double>() >= lo && v.get<double>() <= hi))
    throw option_error(std::string("config.") + key, "expected a number from " + json(lo).dump() +
                                                         " to " + json(hi).dump() + ", found " +
                                                         shown(v));
  return v.get<double>();
}
int integer(const json& j, const char* key, int fallback, int lo, int hi) {
  const double v = number(j, key, fallback, lo, hi);
  if (v != std::floor(v))
    throw option_error(std::string("config.") + key,
                       "expected a whole number, found " + shown(j.at(key)));
  return static_cast<int>(v);
}
std::string text(const json& j, const char* key, const std::string& fallback,
                 const std::vector<std::string>& choices = {}) {
  if (!j.contains(key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_string())
    throw option_error(std::string("config.") + key, "expected a string, found " + type_name(v));
  const std::string s = v.get<std::string>();
  if (!choices.empty() && std::find(choices.begin(), choices.end(), s) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    throw option_error(std::string("config.") + key,
                       "expected one of " + list + ", found " + shown(v));
  }
  return s;
}

const std::vector<std::string> kDatasets = {"xor", "circle", "moons", "spirals", "blobs", "csv"};
const std::vector<std::string> kActivations = {"sigmoid", "tanh", "relu", "leaky_relu", "linear"};
const std::vector<std::string> kLosses = {"mse", "bce", "cross_entropy"};
const std::vector<std::string> kOptimizers = {"gd", "momentum", "adam", "rprop"};

// ---- base64 of float32 values -------------------------------------------------------------------

std::string base64(const std::vector<float>& values) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
  const std::size_t n = values.size() * sizeof(float);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    const unsigned v =
        (bytes[i] << 16) | ((i + 1 < n ? bytes[i + 1] : 0) << 8) | (i + 2 < n ? bytes[i + 2] : 0);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < n ? table[(v >> 6) & 63] : '=';
    out += i + 2 < n ? table[v & 63] : '=';
  }
  return out;
}

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The points of an n x n grid over the plane, row 0 at the top (largest x2), as columns.
Matrix<double> plane_grid(const Setup& s, int n) {
  Matrix<double> g(2, static_cast<Eigen::Index>(n) * n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) {
      g(0, r * n + c) = s.x0 + (c + 0.5) * (s.x1 - s.x0) / n;
      g(1, r * n + c) = s.y1 - (r + 0.5) * (s.y1 - s.y0) / n;
    }
  return g;
}

json weights_json(const Network<double>& net) {
  json layers = json::array();
  for (const auto& layer : net.layers()) {
    json W = json::array();
    for (Eigen::Index r = 0; r < layer.W.rows(); ++r) {
      json row = json::array();
      for (Eigen::Index c = 0; c < layer.W.cols(); ++c) row.push_back(layer.W(r, c));
      W.push_back(std::move(row));
    }
    json b = json::array();
    for (Eigen::Index r = 0; r < layer.b.size(); ++r) b.push_back(layer.b(r));
    layers.push_back({{"activation", to_string(layer.activation.kind)},
                      {"W", std::move(W)},
                      {"b", std::move(b)}});
  }
  return layers;
}

struct EventState {
  int epoch = 0;
  std::string status, message;
  json history;  // {"epoch": [...], "loss": [...], ...}
};

// One event: the state, curves, weights, and for 2-D data the decision grid and thumbnails.
std::string make_event(const Network<double>& net, const Setup& s, Network<double>& scratch,
                       const EventState& st, const Limits& limits) {
  json j = {{"type", "update"},      {"epoch", st.epoch},     {"status", st.status},
            {"message", st.message}, {"history", st.history}, {"layers", weights_json(net)}};
  if (s.two_d()) {
    scratch = net;
    // In chunks of columns, so that the forward pass's stored z and a stay small (a session
    // keeps its scratch network between events).
    const Matrix<double> g = plane_grid(s, limits.grid);
    const Eigen::Index outputs = net.outputs(), chunk = 1024;
    std::vector<float> grid(static_cast<std::size_t>(g.cols() * outputs));
    Matrix<double> part;
    for (Eigen::Index begin = 0; begin < g.cols(); begin += chunk) {
      part = g.middleCols(begin, std::min(chunk, g.cols() - begin));
      const Matrix<double>& out = scratch.forward(part);
      for (Eigen::Index p = 0; p < out.cols(); ++p)
        for (Eigen::Index o = 0; o < outputs; ++o)
          grid[static_cast<std::size_t>((begin + p) * outputs + o)] = static_cast<float>(out(o, p));
    }
    j["grid"] = {{"n", limits.grid}, {"outputs", outputs}, {"data", base64(grid)}};
    const Matrix<double> t = plane_grid(s, limits.thumb);
    scratch.forward(t);
    json thumbs = json::array();
    for (std::size_t l = 0; l < scratch.depth(); ++l) {
      const Matrix<double>& a = scratch.a(l);
      std::vector<float> values(static_cast<std::size_t>(a.size()));
      for (Eigen::Index u = 0; u < a.rows(); ++u)
        for (Eigen::Index p = 0; p < a.cols(); ++p)
          values[static_cast<std::size_t>(u * a.cols() + p)] = static_cast<float>(a(u, p));
      thumbs.push_back(base64(values));
    }
    j["thumbs"] = {{"n", limits.thumb}, {"layers", std::move(thumbs)}};
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json points_json(const Dataset& d, bool two_d) {
  json j = {{"labels", d.labels}, {"n", d.size()}};
  if (two_d) {
    std::vector<double> x1(d.size()), x2(d.size());
    for (std::size_t i = 0; i < d.size(); ++i) {
      x1[i] = d.x(0, static_cast<Eigen::Index>(i));
      x2[i] = d.x(1, static_cast<Eigen::Index>(i));
    }
    j["x1"] = x1;
    j["x2"] = x2;
  }
  return j;
}

std::string make_setup_json(const Setup& s) {
  std::vector<std::string> layers;
  json j = {{"type", "setup"},
            {"config", config_to_json(s.config)},
            {"classes", s.class_names},
            {"features", s.feature_names},
            {"inputs", s.network.inputs()},
            {"outputs", s.network.outputs()},
            {"loss", to_string(s.network.loss())},
            {"two_d", s.two_d()},
            {"plane", {s.x0, s.x1, s.y0, s.y1}},
            {"train", points_json(s.train, s.two_d())},
            {"test", points_json(s.test, s.two_d())}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);  // names from a user's CSV
}

// Splits off the test part and sets the plane; shared by both set-up makers.
void finish_setup(Setup& s, Dataset d, const Limits& limits) {
  if (static_cast<int>(d.size()) > limits.max_rows)
    throw usage_error("the data has " + std::to_string(d.size()) +
                      " rows; the playground takes at most " + std::to_string(limits.max_rows));
  if (static_cast<int>(d.x.rows()) > limits.max_features)
    throw usage_error("the data has " + std::to_string(d.x.rows()) +
                      " input columns; the playground takes at most " +
                      std::to_string(limits.max_features));
  if (static_cast<int>(d.class_names.size()) > limits.max_classes)
    throw usage_error("the data has " + std::to_string(d.class_names.size()) +
                      " classes; the playground takes at most " +
                      std::to_string(limits.max_classes));
  s.class_names = d.class_names;
  s.feature_names = d.feature_names;
  if (s.config.test_fraction > 0) {
    std::tie(s.train, s.test) = split(d, s.config.test_fraction, s.config.data_seed);
  } else {
    s.train = d;
    s.test = subset(d, {});
  }
  if (d.x.rows() == 2) {
    const Eigen::Index n = d.x.cols();
    double lo[2], hi[2];
    for (int r = 0; r < 2; ++r) {
      lo[r] = n ? d.x.row(r).minCoeff() : 0;
      hi[r] = n ? d.x.row(r).maxCoeff() : 1;
      const double pad = std::max(0.15 * (hi[r] - lo[r]), 0.25);
      lo[r] -= pad;
      hi[r] += pad;
    }
    s.x0 = lo[0];
    s.x1 = hi[0];
    s.y0 = lo[1];
    s.y1 = hi[1];
  }
}

Dataset read_config_data(const Config& c, const Limits& limits) {
  if (c.dataset == "csv") {
    if (c.csv.empty()) throw usage_error("config.csv: no CSV data was given (drop a file)");
    if (c.csv.size() > limits.max_upload)
      throw usage_error("the CSV has " + std::to_string(c.csv.size()) +
                        " bytes; the playground takes at most " +
                        std::to_string(limits.max_upload));
    CsvDatasetOptions options;
    options.target = c.target;
    if (options.target.empty()) {  // the last column holds the labels
      const CsvTable table = parse_csv_text(c.csv, c.csv_name);
      if (table.header.size() < 2)
        throw Error(c.csv_name +
                    ": expected at least 2 columns (inputs, then a class label), "
                    "found " +
                    std::to_string(table.header.size()));
      options.target = table.header.back();
    }
    return csv_dataset_from_text(c.csv, c.csv_name, options);
  }
  if (c.dataset == "xor") return make_xor();
  if (c.n > limits.max_rows)
    throw option_error("config.n", "expected at most " + std::to_string(limits.max_rows) +
                                       " samples, found " + std::to_string(c.n));
  if (c.dataset == "spirals") return make_spirals(c.n, c.classes, c.noise, c.data_seed);
  if (c.dataset == "blobs") return make_blobs(c.n, c.classes, c.noise, c.data_seed);
  return make_dataset(c.dataset, c.n, c.noise, c.data_seed);
}

void encode_for(Dataset& d, const Network<double>& net) {
  const bool binary = net.outputs() == 1;
  if (binary && d.class_names.size() != 2)
    throw usage_error("the network has 1 output, which fits 2 classes; the data has " +
                      std::to_string(d.class_names.size()));
  if (!binary && net.outputs() != static_cast<int>(d.class_names.size()))
    throw usage_error("the network has " + std::to_string(net.outputs()) +
                      " outputs; the data has " + std::to_string(d.class_names.size()) +
                      " classes");
  encode_targets(d, binary ? TargetEncoding::binary : TargetEncoding::one_hot);
}

}  // namespace

// ---- configs
// ---------------------------------------------------------------------------------------

Config parse_config(const json& j, const Limits& limits) {
  if (!j.is_object()) throw usage_error("config: expected a JSON object, found " + type_name(j));
  Config c;
  c.dataset = text(j, "dataset", c.dataset, kDatasets);
  c.n = integer(j, "n", c.n, 10, limits.max_rows);
  c.noise = number(j, "noise", c.noise, 0, 5);
  c.classes = integer(j, "classes", c.classes, 2, 5);
  c.data_seed = static_cast<std::uint32_t>(integer(j, "data_seed", 42, 0, 1000000));
  c.test_fraction = number(j, "test_fraction", c.test_fraction, 0, 0.9);
  c.csv = text(j, "csv", "");
  c.csv_name = text(j, "csv_name", c.csv_name);
  if (c.csv_name.size() > 200) c.csv_name = c.csv_name.substr(0, 200);
  c.target = text(j, "target", "");
  if (j.contains("hidden")) {
    const json& h = j.at("hidden");
    if (!h.is_array() || static_cast<int>(h.size()) > limits.max_hidden_layers)
      throw option_error("config.hidden", "expected a list of at most " +
                                              std::to_string(limits.max_hidden_layers) +
                                              " layer sizes, found " + shown(h));
    c.hidden.clear();
    for (const json& u : h) {
      if (!u.is_number_integer() || u.get<long>() < 1 || u.get<long>() > limits.max_units)
        throw option_error("config.hidden", "expected layer sizes from 1 to " +
                                                std::to_string(limits.max_units) + ", found " +
                                                shown(u));
      c.hidden.push_back(u.get<int>());
    }
  }
  c.activations.assign(c.hidden.size(), "sigmoid");
  if (j.contains("activations")) {
    const json& a = j.at("activations");
    if (!a.is_array() || a.size() != c.hidden.size())
      throw option_error("config.activations", "expected one activation per hidden layer (" +
                                                   std::to_string(c.hidden.size()) + "), found " +
                                                   shown(a));
    for (std::size_t i = 0; i < a.size(); ++i) {
      const json one = {{"activation", a[i]}};
      c.activations[i] = text(one, "activation", "", kActivations);
    }
  }
  c.loss = text(j, "loss", c.loss, kLosses);
  c.optimizer = text(j, "optimizer", c.optimizer, kOptimizers);
  c.lr = number(j, "lr", c.lr, 1e-6, 100);
  c.l2 = number(j, "l2", c.l2, 0, 10);
  c.batch = integer(j, "batch", c.batch, 0, limits.max_rows);
  c.dropout = number(j, "dropout", c.dropout, 0, 0.9);
  c.clip_norm = number(j, "clip_norm", c.clip_norm, 0, 1e6);
  c.class_weight = text(j, "class_weight", c.class_weight, {"none", "balanced"});
  c.lr_schedule =
      text(j, "lr_schedule", c.lr_schedule, {"constant", "step", "exponential", "cosine"});
  c.lr_gamma = number(j, "lr_gamma", c.lr_gamma, 1e-6, 1);
  c.lr_period = integer(j, "lr_period", c.lr_period, 1, 1000000);
  if (c.lr_schedule != "constant" && c.optimizer == "rprop")
    throw option_error("config.lr_schedule",
                       "rprop adapts its own step sizes; a " + c.lr_schedule +
                           " schedule does not apply to it (choose constant)");
  c.seed = static_cast<std::uint32_t>(integer(j, "seed", 42, 0, 1000000));
  c.epochs_per_update = integer(j, "epochs_per_update", c.epochs_per_update, 1, 1000);
  return c;
}

json config_to_json(const Config& c) {
  json j = {{"dataset", c.dataset},
            {"n", c.n},
            {"noise", c.noise},
            {"classes", c.classes},
            {"data_seed", c.data_seed},
            {"test_fraction", c.test_fraction},
            {"hidden", c.hidden},
            {"activations", c.activations},
            {"loss", c.loss},
            {"optimizer", c.optimizer},
            {"lr", c.lr},
            {"l2", c.l2},
            {"batch", c.batch},
            {"dropout", c.dropout},
            {"clip_norm", c.clip_norm},
            {"class_weight", c.class_weight},
            {"lr_schedule", c.lr_schedule},
            {"lr_gamma", c.lr_gamma},
            {"lr_period", c.lr_period},
            {"seed", c.seed},
            {"epochs_per_update", c.epochs_per_update}};
  if (c.dataset == "csv") {
    j["csv_name"] = c.csv_name;
    j["target"] = c.target;
  }
  return j;
}

std::shared_ptr<Setup> make_setup(const Config& config, const Limits& limits) {
  auto s = std::make_shared<Setup>();
  s->config = config;
  Dataset d = read_config_data(config, limits);
  const int classes = static_cast<int>(d.class_names.size());
  if (classes < 2) throw usage_error("the playground classifies: the data needs class labels");
  const Loss loss = loss_from_string(config.loss);
  // cross-entropy pairs with softmax (one output per class); mse and bce with sigmoid outputs:
  // one for two classes, one per class (one-hot) for more.
  const bool softmax = loss == Loss::cross_entropy;
  const int outputs = (!softmax && classes == 2) ? 1 : classes;
  std::vector<LayerSpec> specs;
  for (std::size_t l = 0; l < config.hidden.size(); ++l)
    specs.push_back({config.hidden[l], {activation_from_string(config.activations[l]), 0.01}});
  specs.push_back({outputs, {softmax ? Activation::softmax : Activation::sigmoid, 0.01}});
  s->network = Network<double>(static_cast<int>(d.x.rows()), specs, loss);
  initialize(s->network, Init::he_normal, config.seed);
  if (config.dropout > 0 && !config.hidden.empty()) s->network.set_dropout({config.dropout});
  encode_for(d, s->network);
  finish_setup(*s, std::move(d), limits);
  return s;
}

std::shared_ptr<Setup> make_setup_from_model(const Config& config, const Model& model,
                                             const Limits& limits) {
  if (model.is_standardized())
    throw usage_error(
        "the playground trains on raw inputs; this model standardises its inputs "
        "(its \"standardize\" field), so its weights do not fit the data here");
  const Network<double>& net = model.network;
  for (std::size_t l = 0; l + 1 < net.depth(); ++l)
    if (net.layer(l).units() > limits.max_units)
      throw usage_error("the model's layer " + std::to_string(l + 1) + " has " +
                        std::to_string(net.layer(l).units()) +
                        " units; the playground takes at most " + std::to_string(limits.max_units));
  if (static_cast<int>(net.depth()) > limits.max_hidden_layers + 1)
    throw usage_error("the model has " + std::to_string(net.depth() - 1) +
                      " hidden layers; the playground takes at most " +
                      std::to_string(limits.max_hidden_layers));
  auto s = std::make_shared<Setup>();
  s->config = config;
  s->config.hidden.clear();
  s->config.activations.clear();
  for (std::size_t l = 0; l + 1 < net.depth(); ++l) {
    s->config.hidden.push_back(static_cast<int>(net.layer(l).units()));
    s->config.activations.push_back(to_string(net.layer(l).activation.kind));
  }
  s->config.loss = to_string(net.loss());
  Dataset d = read_config_data(config, limits);
  if (d.x.rows() != net.inputs())
    throw usage_error("the model takes " + std::to_string(net.inputs()) + " inputs; the data has " +
                      std::to_string(d.x.rows()));
  s->network = net;
  encode_for(d, s->network);
  finish_setup(*s, std::move(d), limits);
  return s;
}

// ---- the session
// -----------------------------------------------------------------------------------

Session::Session(std::string id, std::shared_ptr<Setup> setup, const Limits& limits)
    : id_(std::move(id)), limits_(limits), last_seen_(clock::now()) {
  install(std::move(setup));
  worker_ = std::thread([this] { run(); });
}

Session::~Session() {
  close();
  if (worker_.joinable()) worker_.join();
}

void Session::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closing_ = true;
  cv_.notify_all();
  events_cv_.notify_all();
}

void Session::install(std::shared_ptr<Setup> setup) {
  Network<double> scratch;
  EventState st;
  st.status = "paused";
  st.history = json::object();
  auto event =
      std::make_shared<const std::string>(make_event(setup->network, *setup, scratch, st, limits_));
  std::string setup_json = make_setup_json(*setup);
  auto net = std::make_shared<const Network<double>>(setup->network);
  std::lock_guard<std::mutex> lock(mutex_);
  pending_ = setup;
  published_setup_ = setup;
  published_net_ = std::move(net);
  setup_json_ = std::move(setup_json);
  event_ = std::move(event);
  ++version_;
  playing_ = false;
  steps_ = 0;
  cv_.notify_all();
  events_cv_.notify_all();
}

bool Session::tune(const Config& config) {
  const auto fixed = [](const Config& c) {
    json j = config_to_json(c);
    for (const char* key : {"lr", "l2", "batch", "clip_norm", "epochs_per_update"}) j.erase(key);
    return j;
  };
  std::lock_guard<std::mutex> lock(mutex_);
  const Config& now = published_setup_->config;
  if (fixed(config) != fixed(now) || config.csv != now.csv) return false;
  auto setup = std::make_shared<Setup>(*published_setup_);
  setup->config = config;
  setup_json_ = make_setup_json(*setup);
  published_setup_ = setup;
  tuned_ = std::move(setup);
  cv_.notify_all();
  return true;
}

void Session::command(const std::string& action) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (action == "play") {
    playing_ = true;
  } else if (action == "pause") {
    playing_ = false;
    steps_ = 0;
  } else if (action == "step") {
    playing_ = false;
    steps_ = std::min(steps_ + 1, 1000);
  } else if (action == "reset") {
    auto setup = std::const_pointer_cast<Setup>(published_setup_);
    pending_ = setup;
    playing_ = false;
    steps_ = 0;
  } else {
    throw option_error(
        "action", "expected play, pause, step or reset, found \"" + action.substr(0, 40) + "\"");
  }
  cv_.notify_all();
}

std::string Session::setup_json() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return setup_json_;
}

std::shared_ptr<const std::string> Session::latest(long* version) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (version) *version = version_;
  return event_;
}

std::shared_ptr<const std::string> Session::wait(long& seen, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  events_cv_.wait_for(lock, timeout, [&] { return closing_ || version_ != seen; });
  if (closing_) return nullptr;
  seen = version_;
  return event_;
}

std::pair<Network<double>, std::shared_ptr<const Setup>> Session::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {*published_net_, published_setup_};
}

bool Session::idle(double seconds) const {
  if (streams_ > 0) return false;
  return std::chrono::duration<double>(clock::now() - last_seen_.load()).count() > seconds;
}

namespace {
Model model_of(Network<double> net, const Setup& setup) {
  Model m;
  m.network = std::move(net);
  m.info.feature_names = setup.feature_names;
  m.info.class_names = setup.class_names;
  const Config& c = setup.config;
  m.info.settings = {{"source", json("backprop serve").dump()},
                     {"data", json(c.dataset == "csv" ? c.csv_name : c.dataset).dump()},
                     {"optimizer", json(c.optimizer).dump()},
                     {"lr", json(c.lr).dump()},
                     {"batch_size", json(c.batch).dump()},
                     {"l2", json(c.l2).dump()},
                     {"dropout", json(c.dropout).dump()},
                     {"clip_norm", json(c.clip_norm).dump()},
                     {"class_weight", json(c.class_weight).dump()},
                     {"lr_schedule", json(c.lr_schedule).dump()},
                     {"seed", json(c.seed).dump()}};
  return m;
}
}  // namespace

Model Session::current_model() const {
  auto [net, setup] = current();
  return model_of(std::move(net), *setup);
}

std::string Session::trace_sample(const std::string& set, int index) const {
  auto [net, setup] = current();  // one consistent network and set-up
  if (set != "train" && set != "test")
    throw option_error("set", "expected train or test, found \"" + set.substr(0, 40) + "\"");
  const Dataset& d = set == "train" ? setup->train : setup->test;
  if (index < 0 || index >= static_cast<int>(d.size()))
    throw option_error("index", "expected a sample from 0 to " +
                                    std::to_string(static_cast<long>(d.size()) - 1) + " of the " +
                                    set + " set, found " + std::to_string(index));
  const Matrix<double> x = d.x.col(index);
  const Matrix<double> y = d.y.col(index);
  json head = {{"set", set},
               {"index", index},
               {"label", d.labels.at(static_cast<std::size_t>(index))},
               {"lr", setup->config.lr},
               {"optimizer", setup->config.optimizer},
               {"weights", weights_json(net)}};
  const Model model = model_of(std::move(net), *setup);
  const Trace t = trace_model(model, x, y, setup->config.lr);
  std::string out = head.dump();
  out.pop_back();
  return out + ",\"model\":" + model_to_json(model) + ",\"trace\":" + trace_to_json(t) + "}";
}

std::string Session::gradient_check() const {
  auto [net, setup] = current();
  const Dataset& d = setup->train;
  const Eigen::Index n = std::min<Eigen::Index>(d.x.cols(), 100);  // bounded work
  const Matrix<double> x = d.x.leftCols(n), y = d.y.leftCols(n);
  const GradCheckReport r = backprop::gradient_check(net, x, y);
  json tensors = json::array();
  for (const GradCheckTensor& t : r.tensors)
    tensors.push_back({{"name", t.name},
                       {"rows", t.rows},
                       {"cols", t.cols},
                       {"max_abs_diff", finite_or_null(t.max_abs_diff)},
                       {"max_rel_error", finite_or_null(t.max_rel_error)},
                       {"passed", t.passed}});
  return json({{"samples", n},
               {"loss", finite_or_null(r.loss)},
               {"tolerance", r.options.tolerance},
               {"passed", r.passed()},
               {"tensors", tensors},
               {"report", format_report(r)}})
      .dump();
}

// ---- the worker
// ------------------------------------------------------------------------------------

bool Session::wait_for_work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return closing_ || pending_ || tuned_ || playing_ || steps_ > 0; });
    if (closing_) return false;
    if (pending_) {
      setup_ = pending_;
      pending_.reset();
      tuned_.reset();
      resume_.reset();
      network_ = setup_->network;
      epochs_done_ = 0;
      history_.clear();
      stride_ = 1;
      status_ = "paused";
      message_.clear();
      published_epoch_ = 0;
      // The page gets the initial network again (install() published it for a new set-up
      // already, not for a reset of the same one), then training waits for play or step.
      lock.unlock();
      publish(network_, *setup_);
      lock.lock();
      continue;
    }
    if (tuned_) {  // same data and network, new rate or batch: the next run resumes
      setup_ = std::move(tuned_);
      tuned_.reset();
      continue;
    }
    return true;
  }
}

namespace {
// At most one event is computed per core at a time, all sessions together: 50 sessions playing
// on two cores then share them instead of thrashing, and requests still get their turn.
class ComputeSlots {
 public:
  ComputeSlots() : free_(std::max(1u, std::thread::hardware_concurrency())) {}
  void acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return free_ > 0; });
    --free_;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++free_;
    cv_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  unsigned free_;
};
ComputeSlots compute_slots;
struct ComputeSlot {
  ComputeSlot() { compute_slots.acquire(); }
  ~ComputeSlot() { compute_slots.release(); }
  ComputeSlot(const ComputeSlot&) = delete;
  ComputeSlot& operator=(const ComputeSlot&) = delete;
};
}  // namespace

void Session::publish(const Network<double>& net, const Setup& setup) {
  EventState st;
  std::vector<Point> history;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pending_ || closing_) return;  // about to change: skip
    st.epoch = epochs_done_;
    st.status = status_ == "paused" && playing_ ? "running" : status_;
    st.message = message_;
  }
  json h = {{"epoch", json::array()},         {"loss", json::array()},
            {"accuracy", json::array()},      {"test_loss", json::array()},
            {"test_accuracy", json::array()}, {"lr", json::array()}};
  auto add = [&h](const Point& p) {
    h["epoch"].push_back(p.epoch);
    h["loss"].push_back(finite_or_null(p.loss));
    h["accuracy"].push_back(finite_or_null(p.accuracy));
    h["test_loss"].push_back(finite_or_null(p.test_loss));
    h["test_accuracy"].push_back(finite_or_null(p.test_accuracy));
    h["lr"].push_back(finite_or_null(p.lr));
  };
  for (const Point& p : history_) add(p);
  if (epochs_done_ > 0 && (history_.empty() || history_.back().epoch != last_.epoch)) add(last_);
  st.history = std::move(h);
  std::shared_ptr<const std::string> event;
  {
    ComputeSlot slot;
    event = std::make_shared<const std::string>(make_event(net, setup, view_, st, limits_));
  }
  auto copy = std::make_shared<const Network<double>>(net);
  std::lock_guard<std::mutex> lock(mutex_);
  if (pending_ || closing_) return;
  event_ = std::move(event);
  published_net_ = std::move(copy);
  published_epoch_ = epochs_done_;
  last_publish_ = clock::now();
  ++version_;
  events_cv_.notify_all();
}

void Session::run() {
  while (wait_for_work()) {
    const std::shared_ptr<const Setup> setup = setup_;
    const Setup& s = *setup;
    if (epochs_done_ >= limits_.max_epochs) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        playing_ = false;
        steps_ = 0;
        status_ = "done";
        message_ = "the playground trains at most " + std::to_string(limits_.max_epochs) +
                   " epochs per session; reset to start again";
      }
      publish(network_, s);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      status_ = "paused";  // shown as running while playing
      message_.clear();
    }
    TrainOptions options;
    if (resume_)
      options.resume = resume_.get();  // after tune(): the same run, new settings
    else
      run_base_ = epochs_done_;
    options.epochs = limits_.max_epochs - run_base_;
    // Called when the run is interrupted: kept, so that a tune() continues it exactly.
    std::unique_ptr<TrainState> interrupted;
    options.on_checkpoint = [&interrupted](const TrainState& state) {
      interrupted = std::make_unique<TrainState>(state);
    };
    options.batch_size = s.config.batch;
    options.seed = s.config.seed;
    options.classification = true;
    const std::string& o = s.config.optimizer;
    options.optimizer.kind = o == "gd"         ? OptimizerKind::sgd
                             : o == "momentum" ? OptimizerKind::momentum
                             : o == "adam"     ? OptimizerKind::adam
                                               : OptimizerKind::rprop;
    options.optimizer.lr = s.config.lr;
    options.optimizer.weight_decay = o == "rprop" ? 0 : s.config.l2;
    options.optimizer.clip_norm = s.config.clip_norm;
    options.lr_schedule.kind = schedule_from_string(s.config.lr_schedule);
    options.lr_schedule.gamma = s.config.lr_gamma;
    options.lr_schedule.step_size = s.config.lr_period;
    options.lr_schedule.t_max = s.config.lr_period;
    if (s.config.class_weight == "balanced") {
      ClassWeight balanced;
      balanced.balanced = true;
      options.class_weights = class_weights_for(balanced, s.train);
    }
    const bool has_test = s.test.size() > 0;
    const int first = run_base_;
    const std::chrono::duration<double> period(1.0 / limits_.max_updates_per_second);
    const auto on_epoch = [&](EpochRecord& r) -> bool {
      epochs_done_ = first + r.epoch + 1;
      last_ = {first + r.epoch, r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.lr};
      if (last_.epoch % stride_ == 0) {
        history_.push_back(last_);
        if (history_.size() >= 1000) {  // thin: keep every other point, sample half as often
          std::vector<Point> kept;
          for (const Point& p : history_)
            if (p.epoch % (2 * stride_) == 0) kept.push_back(p);
          history_ = std::move(kept);
          stride_ *= 2;
        }
      }
      std::unique_lock<std::mutex> lock(mutex_);
      if (closing_ || pending_ || tuned_) return false;
      if (steps_ > 0) {
        if (--steps_ > 0) return true;
      } else if (playing_) {
        if (epochs_done_ - published_epoch_ < s.config.epochs_per_update) return true;
        const auto due = last_publish_ + std::chrono::duration_cast<clock::duration>(period);
        cv_.wait_until(lock, due, [&] { return closing_ || pending_ || tuned_ || !playing_; });
        if (closing_ || pending_ || tuned_) return false;
        lock.unlock();
        publish(network_, s);
        return true;
      }
      // a step is done, or pause was pressed: show where training stands, then wait
      lock.unlock();
      publish(network_, s);
      lock.lock();
      cv_.wait(lock, [&] { return closing_ || pending_ || tuned_ || playing_ || steps_ > 0; });
      return !(closing_ || pending_ || tuned_);
    };
    TrainResult result;
    std::string failure;
    try {
      result = train(network_, s.train.x, s.train.y, options, has_test ? &s.test.x : nullptr,
                     has_test ? &s.test.y : nullptr, on_epoch);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    resume_ = std::move(interrupted);  // only an interrupted run continues
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (pending_ || closing_ || tuned_) continue;
      resume_.reset();
      if (!failure.empty() || result.diverged) {
        playing_ = false;
        steps_ = 0;
        status_ = result.diverged ? "diverged" : "error";
        message_ = result.diverged ? result.divergence : failure;
      }
    }
    publish(network_, s);
  }
}

}  // namespace backprop::serve
