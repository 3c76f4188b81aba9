// api.h — the playground's JSON endpoints that need no session (POST /api/trace), and the JSON
// helpers the session endpoints share.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "backprop/tensor.h"

namespace backprop::serve {

// An HTTP answer: status and JSON body.
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// {"error": message} with a 4xx status.
Reply error_reply(int status, const std::string& message);

// Parses a request body as a JSON object; a usage Error with the parser's position otherwise.
nlohmann::json parse_body(const std::string& body);

// `name`: a list of rows of finite numbers, all rows equally long (rows = features or outputs,
// columns = samples); a usage Error saying what was expected and found otherwise.
Matrix<double> matrix_from_json(const nlohmann::json& j, const std::string& name);

// POST /api/trace {"model": <model file JSON>, "x": [[...]], "y": [[...]], "lr": <optional>}:
// exactly what `backprop trace --model M --x .. --y .. [--lr ..] --format json` prints.
Reply trace_endpoint(const std::string& body, std::size_t max_samples);

}  // namespace backprop::serve
