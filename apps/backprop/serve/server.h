// server.h — `backprop serve`: the HTTP server of the playground (cpp-httplib): the embedded page,
// the JSON API, one session per browser tab with its training stream (Server-Sent Events).
//
//   GET  /, /app.js, ...                 the page and uPlot (embedded at build time)
//   POST /api/trace                      {"model", "x", "y", "lr"?} -> `backprop trace --format
//   json` POST /api/session                    {config} -> {"id", "setup", "update"} GET
//   /api/session/ID/state           {"setup", "update"} POST /api/session/ID/config {config} ->
//   {"setup", "update"} (a new set-up) POST /api/session/ID/command         {"action":
//   "play"|"pause"|"step"|"reset"} GET  /api/session/ID/events          text/event-stream of
//   updates POST /api/session/ID/trace           {"set": "train"|"test", "index": i} -> the
//   backprop view POST /api/session/ID/gradcheck       the numerical gradient check of the current
//   network GET  /api/session/ID/model           the current network as a backprop model file POST
//   /api/session/ID/model           {"model": <model file>, "config": {...}} -> load it DELETE
//   /api/session/ID
// Errors are {"error": message} with a 4xx status; unknown paths 404.
#pragma once

#include <csignal>
#include <functional>
#include <string>

#include "session.h"

namespace backprop::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  Limits limits;
};

// Serves until `stop` becomes true (checked a few times a second). Calls on_listening with the
// URL once the socket is bound. Throws an Error when the address cannot be bound.
void run_server(const ServerOptions& options,
                const std::function<void(const std::string& url)>& on_listening,
                const volatile std::sig_atomic_t& stop);

}  // namespace backprop::serve
