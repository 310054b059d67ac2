// Training survives the faults of an overnight run: SIGKILL at random moments and inside
// checkpoint writes, Ctrl-C, a full disk, an unwritable output folder. Each ends with the
// final weights (and Adam state) bit-identical to an uninterrupted run with the same seed,
// and no checkpoint on disk is ever half-written. Most cases drive the real CLI binary
// (STEREOGRAD_BINARY) as a child process; the full disk is simulated with the write-fault
// hook of engine/io/atomic_file.h, since root ignores a read-only folder.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/error.h"
#include "engine/io/safetensors.h"
#include "engine/random.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/trainer.h"

using namespace sg;
namespace fs = std::filesystem;

namespace {

// 5 epochs of 2, 2, 4, 4, 4 steps on 32 × 32 images: about a second per run.
constexpr int64_t kTinySteps[] = {2, 2, 4, 4, 4};
const char* kTinyConfig = R"({"name": "faults", "stages": [0.5, 1.0], "epochs_per_stage": 2,
  "final_epochs": 1, "batch": 16, "eval_pairs": 16, "wrap": "symmetric",
  "data": {"shape": "square", "count": 64, "size": 32, "radius_min": 0.2, "radius_max": 0.3}})";

struct Workspace {
  fs::path dir;
  explicit Workspace(const std::string& name)
      : dir(fs::temp_directory_path() / ("sg_faults_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "tiny.json") << kTinyConfig;
  }
  ~Workspace() { fs::remove_all(dir); }
  std::string config() const { return (dir / "tiny.json").string(); }
};

// A `stereograd train` child process; its stdout and stderr go to `log`.
struct Child {
  pid_t pid = -1;
  Child(const std::string& config, const std::string& out, bool resume, const std::string& log,
        const std::vector<std::pair<std::string, std::string>>& env = {}) {
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<std::string> args{STEREOGRAD_BINARY, "train", "--config", config, "--out", out};
      if (resume) args.push_back("--resume");
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  // Waits; returns the exit code, or 128 + the signal that ended it.
  int wait() {
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  bool running() {
    int st = 0;
    return ::waitpid(pid, &st, WNOHANG) == 0;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_temporary(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
  return false;
}

// Every tensor of the checkpoint (weights and Adam state), by name.
std::map<std::string, std::vector<float>> tensors_of(const fs::path& ck) {
  std::map<std::string, std::vector<float>> out;
  for (auto& [name, t] : load_safetensors(ck.string()).tensors) out[name] = t.data;
  return out;
}

// What a checkpoint on disk must always be: absent, or complete and valid.
// Returns its position (epochs done, steps into the next), or {-1, 0} when absent.
std::pair<int64_t, int64_t> check_whole(const fs::path& ck) {
  if (!fs::exists(ck)) return {-1, 0};
  Checkpoint c = read_checkpoint(ck.string());  // throws on a half-written file
  return {c.epochs_done, c.partial.steps};
}

// The uninterrupted run every faulted run must end equal to, and its wall time (to
// choose kill moments; nothing asserts on it).
struct Reference {
  std::map<std::string, std::vector<float>> tensors;
  double seconds = 0;
};
const Reference& reference_run() {
  static Reference ref = [] {
    Workspace w("reference");
    const auto t0 = std::chrono::steady_clock::now();
    Child c(w.config(), (w.dir / "run").string(), false, (w.dir / "log").string());
    const int code = c.wait();
    INFO(slurp(w.dir / "log"));
    REQUIRE(code == 0);
    return Reference{tensors_of(w.dir / "run" / "checkpoint.safetensors"),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
  }();
  return ref;
}
const std::map<std::string, std::vector<float>>& reference() { return reference_run().tensors; }

// The fraction of the tiny run's steps still to do from a checkpoint position.
double work_left(std::pair<int64_t, int64_t> position) {
  int64_t done = std::max<int64_t>(0, position.second), total = 0;
  for (int64_t e = 0; e < int64_t(std::size(kTinySteps)); ++e) {
    total += kTinySteps[e];
    if (e < position.first) done += kTinySteps[e];
  }
  return 1.0 - double(done) / double(total);
}

// Runs (resuming when there is a checkpoint) until a run finishes; true when its final
// checkpoint equals the reference bit for bit.
bool finish_and_compare(const Workspace& w, const fs::path& out) {
  const bool resume = fs::exists(out / "checkpoint.safetensors");
  Child c(w.config(), out.string(), resume, (w.dir / "final.log").string());
  const int code = c.wait();
  INFO(slurp(w.dir / "final.log"));
  REQUIRE(code == 0);
  CHECK_FALSE(has_temporary(out));
  return tensors_of(out / "checkpoint.safetensors") == reference();
}

}  // namespace

TEST_CASE("faults: SIGKILL inside checkpoint writes and at random moments, then resume, ends bit-identical") {
  const auto& ref = reference();
  REQUIRE(!ref.empty());
  Workspace w("kill");
  const fs::path out = w.dir / "run", ck = out / "checkpoint.safetensors";
  Rng rng(11);
  std::pair<int64_t, int64_t> last{-1, 0};
  int in_write = 0, random_kills = 0;
  for (int round = 0; round < 8; ++round) {
    CAPTURE(round);
    const bool resume = fs::exists(ck);
    const std::string before = resume ? slurp(ck) : "";
    if (round % 2 == 0) {
      // Every write pauses halfway; the kill lands while the temporary is half-written,
      // and the checkpoint must stay the previous one, byte for byte.
      Child c(w.config(), out.string(), resume, (w.dir / "log").string(),
              {{"STEREOGRAD_TEST_WRITE_PAUSE_MS", "400"}});
      bool seen = false;
      for (int i = 0; i < 120000 && !seen && c.running(); ++i) {
        if (fs::exists(out))
          for (const auto& e : fs::directory_iterator(out))
            seen = seen || e.path().filename().string().rfind("checkpoint.safetensors.tmp.", 0) == 0;
        if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      REQUIRE(seen);
      ::kill(c.pid, SIGKILL);
      CHECK(c.wait() == 128 + SIGKILL);
      CHECK(has_temporary(out));  // the half-written temporary, never the checkpoint
      if (resume) CHECK(slurp(ck) == before);
      ++in_write;
    } else {
      // Between 2 % and 12 % of the time the steps still to do took in the reference run.
      // The reference's time is only a guess at this run's (under ctest -j, OpenMP threads
      // of two processes on two cores can slow either by 10x), so a run that finishes
      // before its kill is started again from nothing with a quarter of the delay: every
      // counted round is a kill that landed in a running job.
      int code = 0;
      for (int attempt = 0; attempt < 8 && code != 128 + SIGKILL; ++attempt) {
        if (attempt > 0) {
          fs::remove_all(out);
          last = {-1, 0};
        }
        Child c(w.config(), out.string(), fs::exists(ck), (w.dir / "log").string());
        const double fraction = (0.02 + 0.10 * rng.uniform()) * work_left(last) / (1 << (2 * attempt));
        std::this_thread::sleep_for(
            std::chrono::microseconds(int64_t(1e6 * fraction * reference_run().seconds)));
        ::kill(c.pid, SIGKILL);
        code = c.wait();
        INFO(slurp(w.dir / "log"));
        CHECK((code == 128 + SIGKILL || code == 0));  // killed, or finished first
      }
      CHECK(code == 128 + SIGKILL);
      ++random_kills;
    }
    const auto now = check_whole(ck);
    CHECK(now >= last);  // work done is never lost beyond the last checkpoint
    last = now;
  }
  CHECK(in_write == 4);
  CHECK(random_kills == 4);
  CHECK(finish_and_compare(w, out));
}

TEST_CASE("faults: Ctrl-C or SIGTERM writes a checkpoint, says how to resume, exits 128 + the signal, and resuming ends bit-identical") {
  for (const int sig : {SIGINT, SIGTERM}) {
  CAPTURE(sig);
  Workspace w(sig == SIGINT ? "sigint" : "sigterm");
  const fs::path out = w.dir / "run", ck = out / "checkpoint.safetensors";
  // Every file write pauses 300 ms halfway, so the four epochs after the first
  // checkpoint take over a second: the signal always lands in a running job.
  Child c(w.config(), out.string(), false, (w.dir / "log").string(),
          {{"STEREOGRAD_TEST_WRITE_PAUSE_MS", "300"}});
  // Interrupt once training is under way (the first checkpoint is on disk).
  for (int i = 0; i < 120000 && !fs::exists(ck) && c.running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(c.running());
  ::kill(c.pid, sig);
  const int code = c.wait();
  const std::string log = slurp(w.dir / "log");
  INFO(log);
  CHECK(code == 128 + sig);  // 130, 143
  CHECK(log.find("interrupted; checkpoint") != std::string::npos);
  CHECK(log.find(ck.string()) != std::string::npos);
  CHECK(log.find("continue with: stereograd train --config " + w.config() + " --out " +
                 out.string() + " --resume") != std::string::npos);
  CHECK(check_whole(ck).first >= 1);
  CHECK(finish_and_compare(w, out));
  }
}

TEST_CASE("faults: a run stopped mid-epoch and resumed twice ends bit-identical, loss history included") {
  const TrainConfig cfg = config_from_text(kTinyConfig, "tiny");
  Workspace w("steps");
  const std::string a = (w.dir / "full").string(), b = (w.dir / "parts").string();
  Trainer full(cfg, a, Device::CPU);
  full.run(false, stderr);
  for (int64_t limit : {3, 9}) {  // mid epoch 2 (of 2 steps + 2), mid epoch 4
    Trainer part(cfg, b, Device::CPU);
    part.set_step_limit(limit);
    part.run(limit != 3, stderr);
    CHECK(part.stopped_early());
    CHECK(part.partial_steps() > 0);
    const Checkpoint c = read_checkpoint(b + "/checkpoint.safetensors");
    CHECK(c.partial.steps == part.partial_steps());
  }
  Trainer resumed(cfg, b, Device::CPU);
  resumed.run(true, stderr);
  CHECK(tensors_of(a + "/checkpoint.safetensors") == tensors_of(b + "/checkpoint.safetensors"));
  REQUIRE(resumed.history().size() == full.history().size());
  for (size_t e = 0; e < full.history().size(); ++e)
    CHECK(resumed.history()[e]["loss"].get<double>() == full.history()[e]["loss"].get<double>());
}

TEST_CASE("faults: a full disk stops training with a clear error and the previous checkpoint intact") {
  const auto& ref = reference();
  REQUIRE(!ref.empty());
  Workspace w("full_disk");
  const fs::path out = w.dir / "run", ck = out / "checkpoint.safetensors";
  // Room for the first epoch's checkpoint and metrics, and half of the second checkpoint.
  size_t ck_bytes = 0;
  for (const auto& [name, t] : ref) ck_bytes += t.size() * 4;
  const std::string budget = std::to_string(ck_bytes + ck_bytes / 2);
  Child c(w.config(), out.string(), false, (w.dir / "log").string(),
          {{"STEREOGRAD_FAULT_WRITE_AFTER_BYTES", budget}});
  const int code = c.wait();
  const std::string log = slurp(w.dir / "log");
  INFO(log);
  CHECK(code == 1);
  CHECK(log.find("cannot write '" + ck.string() + "': No space left on device") != std::string::npos);
  CHECK(log.find("the last good checkpoint, " + ck.string() + ", is intact") != std::string::npos);
  CHECK(check_whole(ck) == std::pair<int64_t, int64_t>{1, 0});
  CHECK_FALSE(has_temporary(out));  // the failed temporary was removed
  CHECK(finish_and_compare(w, out));  // once there is room again, the run completes
}

TEST_CASE("faults: an output folder that cannot be created is a clear error") {
  Workspace w("unwritable");
  std::ofstream(w.dir / "file") << "not a folder";
  const fs::path out = w.dir / "file" / "run";
  Child c(w.config(), out.string(), false, (w.dir / "log").string());
  const int code = c.wait();
  const std::string log = slurp(w.dir / "log");
  INFO(log);
  CHECK(code == 1);
  CHECK(log.find("cannot create output folder '" + out.string() + "'") != std::string::npos);
  if (::geteuid() != 0) {  // root ignores permissions: then only the case above applies
    fs::create_directories(w.dir / "ro");
    fs::permissions(w.dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    Child r(w.config(), (w.dir / "ro").string(), false, (w.dir / "log").string());
    CHECK(r.wait() == 1);
    CHECK(slurp(w.dir / "log").find("Permission denied") != std::string::npos);
    fs::permissions(w.dir / "ro", fs::perms::owner_all);
  }
}
