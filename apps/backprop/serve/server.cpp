// server.cpp — routes, sessions and event streams of `backprop serve`.
#include "server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "api.h"
#include "assets.h"
#include "backprop/error.h"
#include "backprop/io/model_file.h"
#include "backprop/io/onnx.h"

namespace backprop::serve {

using nlohmann::json;

namespace {

constexpr std::size_t kTraceMaxSamples = 1000;

class Sessions {
 public:
  explicit Sessions(const Limits& limits) : limits_(limits) {}

  std::shared_ptr<Session> create(std::shared_ptr<Setup> setup) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (static_cast<int>(map_.size()) >= limits_.max_sessions) return nullptr;
    std::string id;
    do {
      id.clear();
      for (int i = 0; i < 4; ++i) {
        char part[9];
        std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(random_()));
        id += part;
      }
    } while (map_.count(id));
    auto s = std::make_shared<Session>(id, std::move(setup), limits_);
    map_[id] = s;
    return s;
  }
  std::shared_ptr<Session> find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    it->second->touch();
    return it->second;
  }
  bool remove(const std::string& id) {
    std::shared_ptr<Session> gone;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = map_.find(id);
      if (it == map_.end()) return false;
      gone = std::move(it->second);
      map_.erase(it);
    }
    gone->close();  // streams end; the last owner joins the worker
    return true;
  }
  // Closes the sessions idle for longer than the limit (and all of them with `all`).
  void reclaim(bool all) {
    std::vector<std::shared_ptr<Session>> gone;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = map_.begin(); it != map_.end();) {
        if (all || it->second->idle(limits_.idle_seconds)) {
          gone.push_back(std::move(it->second));
          it = map_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& s : gone) s->close();
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return map_.size();
  }

 private:
  const Limits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Session>> map_;
  std::random_device random_;
};

void send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  res.set_content(r.body, r.content_type);
}

// Runs a handler; the library's Errors become 400 with their message, anything else 500.
template <typename F>
void guarded(httplib::Response& res, F&& f) {
  try {
    send(res, f());
  } catch (const Error& e) {
    send(res, error_reply(400, e.what()));
  } catch (const json::exception& e) {
    send(res, error_reply(400, std::string("request: ") + e.what()));
  } catch (const std::bad_alloc&) {
    send(res, error_reply(413, "the request needs more memory than the server gives one request"));
  } catch (const std::exception& e) {
    send(res, error_reply(500, e.what()));
  }
}

std::string state_json(Session& s) {
  return "{\"id\":" + json(s.id()).dump() + ",\"setup\":" + s.setup_json() +
         ",\"update\":" + *s.latest() + "}";
}

}  // namespace

void run_server(const ServerOptions& options,
                const std::function<void(const std::string& url)>& on_listening,
                const volatile std::sig_atomic_t& stop) {
  const Limits& limits = options.limits;
  Sessions sessions(limits);
  std::atomic<int> streams{0};
  httplib::Server svr;
  // Every event stream holds a thread while it is open: room for all of them plus requests.
  const std::size_t threads = static_cast<std::size_t>(limits.max_streams) + 16;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(limits.max_upload + 64 * 1024);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, with which a second server on
  // the same port would bind too and share its connections instead of failing.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  svr.set_read_timeout(5, 0);
  svr.set_write_timeout(5, 0);
  svr.set_keep_alive_timeout(2);
  svr.set_keep_alive_max_count(100);

  for (std::size_t i = 0; i < kAssetCount; ++i) {
    const Asset& a = kAssets[i];
    svr.Get(a.path, [&a](const httplib::Request&, httplib::Response& res) {
      res.set_content(reinterpret_cast<const char*>(a.data), a.size, a.mime);
      res.set_header("Cache-Control", "no-cache");
    });
  }
  svr.Get("/index.html",
          [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/"); });

  svr.Post("/api/trace", [](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] { return trace_endpoint(req.body, kTraceMaxSamples); });
  });

  svr.Post("/api/session", [&](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      const Config c =
          parse_config(req.body.empty() ? json::object() : parse_body(req.body), limits);
      std::shared_ptr<Session> s = sessions.create(make_setup(c, limits));
      if (!s)
        return error_reply(429, "the server holds " + std::to_string(limits.max_sessions) +
                                    " sessions already (close a tab, or wait " +
                                    std::to_string(static_cast<int>(limits.idle_seconds)) +
                                    " s for idle ones to be reclaimed)");
      return Reply{200, state_json(*s)};
    });
  });

  const auto with_session = [&](const httplib::Request& req, httplib::Response& res, auto&& f) {
    guarded(res, [&] {
      std::shared_ptr<Session> s = sessions.find(req.matches[1]);
      if (!s)
        return error_reply(404, "no session " + std::string(req.matches[1]) +
                                    " (it was closed or reclaimed after being idle; "
                                    "reload the page)");
      return f(*s);
    });
  };
  const std::string id = "/api/session/([0-9a-f]{1,64})";

  svr.Get(id + "/state", [&](const httplib::Request& req, httplib::Response& res) {
    with_session(req, res, [&](Session& s) { return Reply{200, state_json(s)}; });
  });
  svr.Post(id + "/config", [&](const httplib::Request& req, httplib::Response& res) {
    with_session(req, res, [&](Session& s) {
      const Config c = parse_config(parse_body(req.body), limits);
      const bool tuned = s.tune(c);  // a new rate or batch size keeps the network training
      if (!tuned) s.install(make_setup(c, limits));
      std::string state = state_json(s);
      state.pop_back();
      return Reply{200, state + ",\"tuned\":" + (tuned ? "true" : "false") + "}"};
    });
  });
  svr.Post(id + "/command", [&](const httplib::Request& req, httplib::Response& res) {
    with_session(req, res, [&](Session& s) {
      const json j = parse_body(req.body);
      if (!j.contains("action") || !j.at("action").is_string())
        throw usage_error("action: expected play, pause, step or reset");
      s.command(j.at("action").get<std::string>());
      return Reply{200, "{\"ok\":true}"};
    });
  });
  svr.Post(id + "/trace", [&](const httplib::Request& req, httplib::Response& res) {
    with_session(req, res, [&](Session& s) {
      const json j = parse_body(req.body);
      const json set = j.value("set", json("train"));
      const json index = j.value("index", json(nullptr));
      if (!set.is_string()) throw usage_error("set: expected train or test");
      if (!index.is_number_integer() || std::abs(index.get<long>()) > 1000000000L)
        throw usage_error("index: expected a sample number, found " + index.dump().substr(0, 40));
      return Reply{200, s.trace_sample(set.get<std::string>(), index.get<int>())};
    });
  });
  svr.Post(id + "/gradcheck", [&](const httplib::Request& req, httplib::Response& res) {
    with_session(req, res, [&](Session& s) { return Reply{200, s.gradient_check()}; });
  });
  svr.Get(id + "/model", [&](const httplib::Request& req, httplib::Response& res) {
    with_session(req, res, [&](Session& s) {
      res.set_header("Content-Disposition", "attachment; filename=\"playground-model.json\"");
      return Reply{200, model_to_json(s.current_model())};
    });
  });
  // The same model as an ONNX file (io/onnx.h: float32 weights, the input scaling in the graph).
  svr.Get(id + "/model.onnx", [&](const httplib::Request& req, httplib::Response& res) {
    with_session(req, res, [&](Session& s) {
      res.set_header("Content-Disposition", "attachment; filename=\"playground-model.onnx\"");
      return Reply{200, model_to_onnx(s.current_model()), "application/octet-stream"};
    });
  });
  svr.Post(id + "/model", [&](const httplib::Request& req, httplib::Response& res) {
    with_session(req, res, [&](Session& s) {
      const json j = parse_body(req.body);
      if (!j.contains("model")) throw usage_error("model: missing (give a model file's JSON)");
      const json& m = j.at("model");
      if (!m.is_object() && !m.is_string())
        throw usage_error("model: expected a model file's JSON");
      const std::string name = j.value("name", std::string("model file"));
      const Model model =
          parse_model(m.is_string() ? m.get<std::string>() : m.dump(), name.substr(0, 200));
      const Config c = parse_config(j.value("config", json::object()), limits);
      s.install(make_setup_from_model(c, model, limits));
      return Reply{200, state_json(s)};
    });
  });
  svr.Delete(id, [&](const httplib::Request& req, httplib::Response& res) {
    guarded(res, [&] {
      if (!sessions.remove(req.matches[1])) return error_reply(404, "no such session");
      return Reply{200, "{\"ok\":true}"};
    });
  });

  svr.Get(id + "/events", [&](const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<Session> s = sessions.find(req.matches[1]);
    if (!s) return send(res, error_reply(404, "no session " + std::string(req.matches[1])));
    if (streams.fetch_add(1) >= limits.max_streams) {
      streams.fetch_sub(1);
      return send(res, error_reply(503, "too many open event streams (" +
                                            std::to_string(limits.max_streams) + ")"));
    }
    s->stream_count().fetch_add(1);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto seen = std::make_shared<long>(-1);
    res.set_chunked_content_provider(
        "text/event-stream",
        [s, seen, &stop](std::size_t, httplib::DataSink& sink) {
          if (stop) return false;
          const long before = *seen;
          std::shared_ptr<const std::string> event = s->wait(*seen, std::chrono::seconds(2));
          if (!event) return false;  // the session was closed
          s->touch();
          if (*seen == before) return sink.write(": ping\n\n", 8);  // keeps the socket checked
          const std::string message = "data: " + *event + "\n\n";
          return sink.write(message.data(), message.size());
        },
        [s, &streams](bool) {
          s->stream_count().fetch_sub(1);
          s->touch();
          streams.fetch_sub(1);
        });
  });

  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string what = res.status == 404   ? "no such path: " + req.path.substr(0, 200)
                             : res.status == 413 ? "the request is too large"
                                                 : "bad request";
    res.set_content(error_reply(res.status, what).body, "application/json");
  });

  const int port = options.port == 0
                       ? svr.bind_to_any_port(options.host)
                       : (svr.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port < 0)
    throw Error("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                " (is the port in use? --port 0 picks a free one)");
  const std::string host =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  std::atomic<bool> listening_ended{false};
  std::thread janitor([&] {
    while (!stop && !listening_ended) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      sessions.reclaim(false);
    }
    svr.stop();
  });
  on_listening("http://" + host + ":" + std::to_string(port) + "/");
  svr.listen_after_bind();
  listening_ended = true;
  janitor.join();
  sessions.reclaim(true);
}

}  // namespace backprop::serve
