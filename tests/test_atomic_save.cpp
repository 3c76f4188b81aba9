// Saving is atomic: a process killed (SIGKILL) at any moment while it saves leaves either the old
// file or the new one, never a torn one; the next save removes the killed one's temporary file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "backprop/init.h"
#include "backprop/io/model_file.h"
#include "backprop/random.h"

namespace backprop {
namespace {

namespace fs = std::filesystem;

TEST(AtomicSave, KilledWhileSavingLeavesOldOrNewFile) {
  const fs::path dir = fs::temp_directory_path() / ("backprop_kill_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "model.json").string();
  // Two different large models (~1 MB of JSON each), so a save takes a while.
  Network<double> a(300, {{300, {Activation::tanh}}, {10, {Activation::softmax}}},
                    Loss::cross_entropy);
  Network<double> b = a;
  initialize(a, Init::glorot_normal, 1);
  initialize(b, Init::glorot_normal, 2);
  const std::string text_a = model_to_json(a), text_b = model_to_json(b);
  save_model(a, path);

  Random random(3);
  int old_seen = 0, new_seen = 0;
  for (int round = 0; round < 25; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // save alternately, forever, until killed
      for (int i = 0;; ++i) save_model((i % 2) ? a : b, path);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + random.interval(30000)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    const std::string text = read_file(path);
    ASSERT_TRUE(text == text_a || text == text_b)
        << "round " << round << ": torn file of " << text.size() << " bytes";
    (text == text_a ? old_seen : new_seen)++;
    EXPECT_NO_THROW(load_model(path));
  }
  EXPECT_GT(old_seen + new_seen, 0);
  // The next save clears the temporary files the killed saves left behind, but not one whose
  // process is alive (this test's own pid stands in for another running save).
  const std::string alive = path + ".tmp-" + std::to_string(::getppid());
  { std::ofstream(alive) << "another save in progress"; }
  const pid_t gone = ::fork();  // a process that has certainly ended: its leftover must go
  ASSERT_GE(gone, 0);
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  const std::string stale = path + ".tmp-" + std::to_string(gone);
  { std::ofstream(stale) << "a save killed half way"; }
  save_model(a, path);
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir)) left.push_back(entry.path().string());
  EXPECT_EQ(left.size(), 2u) << "model.json and the live process's temporary file only";
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_FALSE(fs::exists(stale));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace backprop
