// cmd_serve.cpp — `backprop serve`: the playground in the browser, computed by the engine.
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "../commands.h"
#include "server.h"

namespace backprop::cli {
namespace {

volatile std::sig_atomic_t serve_stop = 0;
extern "C" void on_serve_signal(int) { serve_stop = 1; }

// A browser opener on PATH, if there is one.
std::string find_opener() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (const char* name : {"xdg-open", "sensible-browser", "open"}) {
    std::size_t begin = 0;
    while (begin <= dirs.size()) {
      const std::size_t end = std::min(dirs.find(':', begin), dirs.size());
      const std::string candidate = dirs.substr(begin, end - begin) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      begin = end + 1;
    }
  }
  return "";
}

struct ServeOptions {
  serve::ServerOptions server;
  bool open = false;
};

int run_serve(const ServeOptions& o) {
  if (o.server.host != "127.0.0.1" && o.server.host != "localhost" && o.server.host != "::1")
    std::fprintf(stderr,
                 "backprop: warning: --host %s: the playground has no authentication; anyone "
                 "who can reach this address can use it\n",
                 o.server.host.c_str());
#ifdef __GLIBC__
  // Every session's worker and every request thread would get a malloc arena of its own, each
  // keeping what it freed: a few shared arenas halve the server's memory under 50 sessions.
  mallopt(M_ARENA_MAX, 4);
#endif
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_serve_signal);
  std::signal(SIGTERM, on_serve_signal);
  serve::run_server(
      o.server,
      [&o](const std::string& url) {
        std::printf("backprop playground: %s  (Ctrl-C stops it)\n", url.c_str());
        std::fflush(stdout);
        if (!o.open) return;
        const std::string opener = find_opener();
        if (opener.empty()) {
          std::fprintf(stderr,
                       "backprop: note: --open: no browser opener (xdg-open) found; "
                       "open the URL yourself\n");
          return;
        }
        const std::string command = "'" + opener + "' '" + url + "' >/dev/null 2>&1 &";
        if (std::system(command.c_str()) != 0)
          std::fprintf(stderr, "backprop: note: --open: %s failed\n", opener.c_str());
      },
      serve_stop);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::printf("backprop playground: stopped\n");
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  serve::Limits& l = o->server.limits;
  CLI::App* cmd = app.add_subcommand(
      "serve", "The playground: train networks live in the browser, computed by this engine");
  cmd->add_option("--host", o->server.host,
                  "Address to listen on (other than loopback: a warning, there is no login)")
      ->capture_default_str();
  cmd->add_option("--port", o->server.port, "Port (0: pick a free one and print it)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_flag("--open", o->open, "Start a browser on the page, if one is installed");
  cmd->add_option("--max-sessions", l.max_sessions, "Sessions (browser tabs) at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--session-idle", l.idle_seconds,
                  "Seconds after which a session nobody watches is reclaimed")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  cmd->add_option("--max-rows", l.max_rows, "Data rows per session")
      ->capture_default_str()
      ->check(CLI::Range(4, 100000));
  cmd->add_option("--max-units", l.max_units, "Units per hidden layer")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--max-upload", l.max_upload, "Bytes of an uploaded CSV or model file")
      ->capture_default_str()
      ->check(CLI::Range(1024, 64 << 20));
  cmd->add_option("--max-epochs", l.max_epochs, "Epochs per session before it pauses")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  return {cmd, [o] { return run_serve(*o); }};
}

}  // namespace backprop::cli
