#include "backprop/io/checkpoint.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "backprop/error.h"
#include "backprop/io/model_file.h"

namespace backprop {

using Json = nlohmann::ordered_json;

namespace {

Json flat(const Matrix<double>& m) {
  Json out = {{"rows", m.rows()}, {"cols", m.cols()}, {"values", Json::array()}};
  for (Eigen::Index i = 0; i < m.size(); ++i) out["values"].push_back(m(i));
  return out;
}

Json numbers(const std::vector<EpochRecord>& h, double EpochRecord::*field) {
  Json out = Json::array();
  for (const EpochRecord& r : h) {
    const double v = r.*field;
    if (std::isfinite(v))
      out.push_back(v);
    else
      out.push_back(nullptr);
  }
  return out;
}

}  // namespace

std::string checkpoint_to_json(const TrainState& state, const std::string& fingerprint) {
  Json doc;
  doc["format"] = "backprop-checkpoint";
  doc["version"] = 1;
  doc["fingerprint"] = fingerprint;
  doc["epochs_done"] = state.epochs_done;
  doc["steps"] = state.steps;
  doc["random_state"] = state.random_state;
  doc["model"] = Json::parse(model_to_json(state.network));
  doc["optimizer"] = Json::array();
  for (std::size_t k = 0; k < state.optimizer_first.size(); ++k)
    doc["optimizer"].push_back(
        {{"first", flat(state.optimizer_first[k])}, {"second", flat(state.optimizer_second[k])}});
  doc["history"] = Json::object();
  for (const HistoryColumn& column : kHistoryColumns)
    doc["history"][column.name] = numbers(state.history, column.field);
  Json early = {{"best", std::isfinite(state.best) ? Json(state.best) : Json(nullptr)},
                {"best_epoch", state.best_epoch},
                {"since_best", state.since_best}};
  if (state.best_epoch >= 0) early["model"] = Json::parse(model_to_json(state.best_network));
  doc["early_stopping"] = early;
  if (const auto& s = state.scheduler)  // the rate exactly (JSON numbers round-trip doubles)
    doc["lr_scheduler"] = {{"steps", s->steps},
                           {"lr", s->lr},
                           {"best", std::isfinite(s->best) ? Json(s->best) : Json(nullptr)},
                           {"bad_epochs", s->bad_epochs}};
  return doc.dump() + "\n";
}

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw Error(source + ": not a usable checkpoint: " + what);
}

Matrix<double> unflat(const Json& j, const std::string& source) {
  if (!j.is_object() || !j.contains("rows") || !j.contains("cols") || !j.contains("values"))
    fail(source, "a matrix needs rows, cols and values");
  const long rows = j["rows"].get<long>(), cols = j["cols"].get<long>();
  const Json& values = j["values"];
  if (rows < 0 || cols < 0 || !values.is_array() ||
      values.size() != static_cast<std::size_t>(rows * cols))
    fail(source, "a matrix's values do not match its shape");
  Matrix<double> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i)
    m(i) = values[static_cast<std::size_t>(i)].get<double>();
  return m;
}

double number_or_nan(const Json& v) {
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

}  // namespace

TrainState parse_checkpoint(const std::string& text, const std::string& source,
                            std::string* fingerprint) {
  TrainState state;
  try {
    const Json doc = Json::parse(text);
    if (!doc.is_object() || doc.value("format", "") != "backprop-checkpoint")
      fail(source, "expected \"format\": \"backprop-checkpoint\"");
    if (doc.value("version", 0) != 1) fail(source, "this build reads checkpoint version 1");
    if (fingerprint != nullptr) *fingerprint = doc.at("fingerprint").get<std::string>();
    state.epochs_done = doc.at("epochs_done").get<int>();
    state.steps = doc.at("steps").get<long>();
    state.random_state = doc.at("random_state").get<std::string>();
    state.network = model_from_json(doc.at("model").dump(), source + " (model)");
    for (const Json& t : doc.at("optimizer")) {
      state.optimizer_first.push_back(unflat(t.at("first"), source));
      state.optimizer_second.push_back(unflat(t.at("second"), source));
    }
    const Json& h = doc.at("history");
    const std::size_t n = h.at("loss").size();
    for (std::size_t e = 0; e < n; ++e) {
      EpochRecord r;
      r.epoch = static_cast<int>(e);
      for (const HistoryColumn& column : kHistoryColumns)  // older checkpoints lack test_*
        r.*column.field = h.contains(column.name) && e < h[column.name].size()
                              ? number_or_nan(h[column.name][e])
                              : std::numeric_limits<double>::quiet_NaN();
      state.history.push_back(r);
    }
    const Json& early = doc.at("early_stopping");
    state.best = early.at("best").is_null() ? std::numeric_limits<double>::infinity()
                                            : early["best"].get<double>();
    state.best_epoch = early.at("best_epoch").get<int>();
    state.since_best = early.at("since_best").get<int>();
    if (state.best_epoch >= 0)
      state.best_network = model_from_json(early.at("model").dump(), source + " (best model)");
    if (const auto s = doc.find("lr_scheduler"); s != doc.end()) {  // older checkpoints lack it
      SchedulerState scheduler;
      scheduler.steps = s->at("steps").get<int>();
      scheduler.lr = s->at("lr").get<double>();
      scheduler.best = s->at("best").is_null() ? std::numeric_limits<double>::infinity()
                                               : s->at("best").get<double>();
      scheduler.bad_epochs = s->at("bad_epochs").get<int>();
      if (scheduler.steps != state.epochs_done || !(scheduler.lr >= 0))
        fail(source, "the learning-rate scheduler's state does not match epochs_done");
      state.scheduler = scheduler;
    }
    if (state.epochs_done < 0 || static_cast<std::size_t>(state.epochs_done) != n)
      fail(source, "epochs_done does not match the history");
  } catch (const Json::exception& e) {
    fail(source, e.what());
  }
  return state;
}

}  // namespace backprop
