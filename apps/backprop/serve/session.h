// session.h — one playground: the data, the network and its optimizer, trained by a worker thread
// of its own, watched through snapshots (one JSON event each: curves, weights, the decision grid
// and every unit's thumbnail as base64 float32).
//
// Threads: HTTP handlers call the public methods from any thread; only the worker trains and
// touches the live network. Handlers hand it new set-ups and commands under the mutex; it hands
// back published events (a version number and an immutable string) under the same mutex.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "backprop/data/dataset.h"
#include "backprop/model/model.h"
#include "backprop/network.h"
#include "backprop/train.h"

namespace backprop::serve {

// Every bound the server keeps (see `backprop serve --help`).
struct Limits {
  int max_sessions = 64;
  int max_hidden_layers = 6;
  int max_units = 32;                // per layer
  int max_rows = 5000;               // data samples
  int max_features = 64;             // CSV inputs
  int max_classes = 10;              // CSV classes
  std::size_t max_upload = 1 << 20;  // bytes of a CSV or model file in a request
  int max_epochs = 100000;           // per session; then it pauses
  double idle_seconds = 600;         // a session nobody watches or asks is reclaimed after this
  int max_streams = 96;              // concurrent event streams, all sessions together
  double max_updates_per_second = 60;
  int grid = 100;  // decision map: grid x grid points
  int thumb = 24;  // unit thumbnails: thumb x thumb points
};

// What the page controls; the URL holds all of it but the CSV text.
struct Config {
  // data
  std::string dataset = "xor";  // xor, circle, moons, spirals, blobs, csv
  int n = 200;
  double noise = 0.1;
  int classes = 3;  // spirals, blobs
  std::uint32_t data_seed = 42;
  double test_fraction = 0;
  std::string csv, csv_name = "upload.csv", target;  // csv: text, name, label column ("": last)
  // network
  std::vector<int> hidden = {4};
  std::vector<std::string> activations = {"sigmoid"};  // one per hidden layer
  std::string loss = "mse", optimizer = "gd";
  double lr = 2, l2 = 0;
  int batch = 0;         // 0: full batch
  double dropout = 0;    // every hidden layer's training-time dropout rate (layers/dropout.h)
  double clip_norm = 0;  // gradient clipping by the global norm (0: off)
  std::string class_weight = "none";  // none or balanced (FitOptions.class_weight)
  // The learning rate per epoch (schedules.h): constant, step (× lr_gamma every lr_period epochs),
  // exponential (× lr_gamma every epoch), cosine (half period lr_period epochs, towards 0).
  std::string lr_schedule = "constant";
  double lr_gamma = 0.5;
  int lr_period = 100;
  std::uint32_t seed = 42;
  int epochs_per_update = 10;
};

// Reads a config from the page's JSON (unset fields keep their defaults); a usage Error naming the
// field for anything out of range or over a limit.
Config parse_config(const nlohmann::json& j, const Limits& limits);
nlohmann::json config_to_json(const Config& c);  // without the CSV text

// The data and the untrained network a config makes.
struct Setup {
  Config config;
  Dataset train, test;  // encoded for the network's outputs
  std::vector<std::string> class_names, feature_names;
  Network<double> network;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;  // the input plane shown (2-D data)
  bool two_d() const { return network.inputs() == 2; }
};
// Throws an Error with the library's message (a CSV's file:line:column) for bad data or settings.
std::shared_ptr<Setup> make_setup(const Config& config, const Limits& limits);
// The same from a saved model file: its network (architecture, weights, loss), the config's data.
std::shared_ptr<Setup> make_setup_from_model(const Config& config, const Model& model,
                                             const Limits& limits);

class Session {
 public:
  Session(std::string id, std::shared_ptr<Setup> setup, const Limits& limits);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::string& id() const { return id_; }
  // play, pause, step (one epoch), reset (the config's initial network again).
  void command(const std::string& action);
  // Installs a new set-up (the network restarts).
  void install(std::shared_ptr<Setup> setup);
  // A config that differs from the current one only in lr, l2, batch or epochs_per_update is
  // applied to the running network (training resumes with the optimizer's state, as a resumed
  // checkpoint does); returns false, changing nothing, for any other difference.
  bool tune(const Config& config);
  // The set-up's description: config, data points, classes, plane (JSON text).
  std::string setup_json() const;
  // The latest event (JSON text) and its version.
  std::shared_ptr<const std::string> latest(long* version = nullptr) const;
  // Waits until an event newer than `seen` exists (then sets seen and returns it), the session is
  // closed (nullptr), or the timeout passes (the same event again, seen unchanged).
  std::shared_ptr<const std::string> wait(long& seen, std::chrono::milliseconds timeout);
  // The current network and its set-up, consistent with each other.
  std::pair<Network<double>, std::shared_ptr<const Setup>> current() const;
  Model current_model() const;
  // The backprop view of one training (set "train") or test sample: the trace JSON of
  // trace_to_json plus the weights it was taken on.
  std::string trace_sample(const std::string& set, int index) const;
  std::string gradient_check() const;

  void touch() { last_seen_ = clock::now(); }
  bool idle(double seconds) const;
  int streams() const { return streams_; }
  std::atomic<int>& stream_count() { return streams_; }
  void close();

 private:
  using clock = std::chrono::steady_clock;
  void run();                                                    // the worker
  void publish(const Network<double>& net, const Setup& setup);  // worker only
  bool wait_for_work();                                          // worker only; false: closing

  const std::string id_;
  const Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable cv_, events_cv_;
  // handed to the worker (under mutex_)
  std::shared_ptr<Setup> pending_, tuned_;
  bool playing_ = false, closing_ = false;
  int steps_ = 0;
  // worker's (published copies under mutex_)
  std::shared_ptr<const Setup> setup_;
  Network<double> network_, view_;  // live one (worker); view_ for the grids
  std::shared_ptr<const Network<double>> published_net_;
  std::shared_ptr<const Setup> published_setup_;
  std::string setup_json_;
  int epochs_done_ = 0, run_base_ = 0;  // run_base_: epochs before the current train() run
  std::unique_ptr<TrainState> resume_;  // where an interrupted run continues (after tune())
  std::string status_ = "paused", message_;
  struct Point {
    int epoch;
    double loss, accuracy, test_loss, test_accuracy;
    double lr;  // the epoch's learning rate (a schedule changes it)
  };
  std::vector<Point> history_;  // thinned to stay short: every `stride_`-th epoch
  int stride_ = 1;
  Point last_{};
  clock::time_point last_publish_{};
  int published_epoch_ = -1;
  std::shared_ptr<const std::string> event_;
  long version_ = 0;
  std::atomic<clock::time_point> last_seen_;
  std::atomic<int> streams_{0};
  std::thread worker_;
};

}  // namespace backprop::serve
