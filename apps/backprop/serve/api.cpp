// api.cpp — POST /api/trace and the JSON helpers of the endpoints.
#include "api.h"

#include <cmath>
#include <optional>

#include "backprop/error.h"
#include "backprop/io/model_file.h"
#include "backprop/teach/trace.h"

namespace backprop::serve {

using nlohmann::json;

Reply error_reply(int status, const std::string& message) {
  // the message may quote a request's bytes, which need not be UTF-8
  return {status, json({{"error", message}}).dump(-1, ' ', false, json::error_handler_t::replace)};
}

json parse_body(const std::string& body) {
  try {
    json j = json::parse(body);
    if (!j.is_object())
      throw usage_error(std::string("request body: expected a JSON object, found ") +
                        (j.is_null() ? "null" : j.type_name()));
    return j;
  } catch (const json::parse_error& e) {
    // e.g. "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    std::string what = e.what();
    const std::size_t at = what.find("parse error");
    throw usage_error("request body: invalid JSON: " +
                      (at == std::string::npos ? what : what.substr(at)));
  }
}

Matrix<double> matrix_from_json(const json& j, const std::string& name) {
  const auto bad = [&name](const std::string& found) {
    return usage_error(name +
                       ": expected a list of rows of numbers (rows = features or outputs, "
                       "columns = samples), found " +
                       found);
  };
  if (!j.is_array() || j.empty()) throw bad(j.is_array() ? "an empty list" : j.type_name());
  const std::size_t cols = j[0].is_array() ? j[0].size() : 0;
  if (cols == 0) throw bad("row 0 " + std::string(j[0].is_array() ? "empty" : "not a list"));
  Matrix<double> m(static_cast<Eigen::Index>(j.size()), static_cast<Eigen::Index>(cols));
  for (std::size_t r = 0; r < j.size(); ++r) {
    if (!j[r].is_array() || j[r].size() != cols)
      throw usage_error(name + ": expected every row to have " + std::to_string(cols) +
                        " values (one per sample), found " +
                        (j[r].is_array() ? std::to_string(j[r].size()) : "a non-list") +
                        " in row " + std::to_string(r));
    for (std::size_t c = 0; c < cols; ++c) {
      const json& v = j[r][c];
      if (!v.is_number() || !std::isfinite(v.get<double>()))
        throw usage_error(name + "[" + std::to_string(r) + "][" + std::to_string(c) +
                          "]: expected a finite number, found " + v.dump().substr(0, 40));
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = v.get<double>();
    }
  }
  return m;
}

Reply trace_endpoint(const std::string& body, std::size_t max_samples) {
  const json request = parse_body(body);
  for (const char* key : {"model", "x", "y"})
    if (!request.contains(key))
      throw usage_error(std::string(key) + ": missing (give model, x, y)");
  const json& m = request.at("model");
  if (!m.is_object() && !m.is_string())
    throw usage_error("model: expected a model file's JSON (an object), found " +
                      std::string(m.type_name()));
  const Model model = parse_model(m.is_string() ? m.get<std::string>() : m.dump(), "model");
  const Matrix<double> x = matrix_from_json(request.at("x"), "x");
  const Matrix<double> y = matrix_from_json(request.at("y"), "y");
  if (static_cast<std::size_t>(x.cols()) > max_samples)
    throw usage_error("x: expected at most " + std::to_string(max_samples) +
                      " samples (columns), found " + std::to_string(x.cols()));
  long units = 0;  // the trace keeps a few (units x samples) matrices per layer: bound them
  for (const auto& layer : model.network.layers()) units += static_cast<long>(layer.units());
  if (units * static_cast<long>(x.cols()) > 4000000L)
    throw usage_error("x: " + std::to_string(x.cols()) + " samples through " +
                      std::to_string(units) + " units is more than the server traces at once");
  std::optional<double> lr;
  if (request.contains("lr") && !request.at("lr").is_null()) {
    const json& v = request.at("lr");
    if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()))
      throw usage_error("lr: expected a positive number, found " + v.dump().substr(0, 40));
    lr = v.get<double>();
  }
  return {200, trace_to_json(trace_model(model, x, y, lr))};
}

}  // namespace backprop::serve
