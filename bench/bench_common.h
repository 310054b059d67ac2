// What every benchmark program shares: option parsing (train/args.h's parser, with the
// benchmarks' exit codes), the median timer, the machine description that heads every
// result, and the writing of result files. Header-only: each bench/*.cpp is a program.
//
// Timing (the rules of STYLE.md §10): `warmup` untimed calls, then `repeats` timed
// blocks; a block is `inner` back-to-back calls followed by the device's sync, and its
// time divided by `inner` is one sample; the median of the samples is reported, and the
// fastest, which on a machine shared with other jobs is the steadier figure. `inner`
// is chosen after the warm-up so that a block lasts at least `min_block_s`: an op of a
// few microseconds is then not measured at the clock's (or the sync's) resolution.
// Caches are not flushed between calls: consecutive ops of a training step also find
// their small tensors in cache.
#pragma once
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/args.h"

namespace sg::bench {

// Parses argv into p, then runs read(p), which takes the values out and validates them
// (throwing sg::Error). Returns false after --help (printed to stdout). A bad option or
// value prints the message and the usage to stderr and exits with status 2, the
// convention of command-line tools for a usage error.
inline bool parse_or_exit(ArgParser& p, int argc, char** argv,
                          const std::function<void(const ArgParser&)>& read) {
  try {
    if (!p.parse(std::vector<std::string>(argv + 1, argv + argc), std::cout)) return false;
    read(p);
    return true;
  } catch (const Error& e) {
    std::cerr << e.what() << "\n\n" << p.help();
    std::exit(2);
  }
}

// "64,1024" → {64, 1024}; every entry a positive integer, else sg::Error naming `what`.
inline std::vector<int64_t> parse_int_list(const std::string& s, const std::string& what) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    SG_CHECK(!item.empty() && *end == '\0' && v > 0, what, ": expected a comma-separated list of "
             "positive integers, got '", s, "'");
    out.push_back(v);
  }
  SG_CHECK(!out.empty(), what, ": empty list");
  return out;
}

// --device: "cpu", "cuda", "cuda-cpu" or a comma-separated list of them; "all" for every
// backend this build and machine have; "" for the CPU and, where present, the GPU (the
// CPU executor of the CUDA kernels only checks correctness, so it runs only on request).
inline std::vector<Device> parse_devices(const std::string& s) {
  std::vector<Device> out;
  if (s.empty() || s == "all") {
    for (Device d : {Device::CPU, Device::CUDA, Device::CudaOnCpu})
      if (has_backend(d) && (s == "all" || d != Device::CudaOnCpu)) out.push_back(d);
    return out;
  }
  std::stringstream ss(s);
  for (std::string name; std::getline(ss, name, ',');) {
    const Device d = parse_device(name);
    SG_CHECK(has_backend(d), "--device ", name, ": not available here (",
             d == Device::CUDA ? "no GPU, or a build without nvcc" : "a build without it", ")");
    out.push_back(d);
  }
  return out;
}

struct TimeSpec {
  int warmup = 3, repeats = 15;
  double min_block_s = 1e-3;
};

struct Timing {
  double median_s = 0;  // per call
  double best_s = 0;    // the fastest block, per call: what an idle machine approaches
  int inner = 1;        // calls per timed block
};

inline double median(std::vector<double> v) {
  SG_CHECK(!v.empty(), "median of nothing");
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median seconds per call of f (see the header); sync() waits for the device.
inline Timing time_median(const TimeSpec& spec, const std::function<void()>& f,
                          const std::function<void()>& sync = [] {}) {
  using Clock = std::chrono::steady_clock;
  auto block = [&](int inner) {
    const auto t0 = Clock::now();
    for (int i = 0; i < inner; ++i) f();
    sync();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  double fastest = 1e30;  // of the warm-up calls: one slowed by another job would set inner = 1
  for (int i = 0; i < std::max(1, spec.warmup); ++i) fastest = std::min(fastest, block(1));
  Timing t;
  t.inner = int(std::clamp(std::ceil(spec.min_block_s / std::max(fastest, 1e-9)), 1.0, 10000.0));
  std::vector<double> samples;
  for (int r = 0; r < spec.repeats; ++r) samples.push_back(block(t.inner) / t.inner);
  t.median_s = median(samples);
  t.best_s = *std::min_element(samples.begin(), samples.end());
  return t;
}

// --threads N: the OpenMP threads of every parallel region (default: OpenMP's own,
// OMP_NUM_THREADS or all cores).
inline void set_threads(const ArgParser& a) {
  if (!a.given("threads")) return;
  const int64_t t = a.get_int("threads");
  SG_CHECK(t >= 1 && t <= 1024, "--threads must be in [1, 1024], got ", t);
  omp_set_num_threads(int(t));
}

// The first "model name" of /proc/cpuinfo, or "unknown CPU".
inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown CPU";
}

// The 1-minute load average (other jobs on a shared machine show here), or -1.
inline double load_average() {
  std::ifstream in("/proc/loadavg");
  double v = -1;
  in >> v;
  return in ? v : -1;
}

inline std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// What heads every result file: the CPU, logical cores, OpenMP threads, date, load.
inline nlohmann::json machine_info() {
  return {{"cpu", cpu_model()},
          {"cores", omp_get_num_procs()},
          {"threads", omp_get_max_threads()},
          {"date", utc_now()},
          {"load_average_1min", load_average()}};
}

// The Markdown line above a result table.
inline std::string machine_line(const nlohmann::json& m) {
  std::ostringstream os;
  os << "Machine: " << m.at("cpu").get<std::string>() << ", " << m.at("cores").get<int>()
     << " logical cores, " << m.at("threads").get<int>() << " OpenMP threads; "
     << m.at("date").get<std::string>() << "; 1-min load average "
     << m.at("load_average_1min").get<double>() << " at the start";
  return os.str();
}

inline void write_text_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, [&](std::ostream& os) { os << text; });
}

// "%.*f" of v, or "—" for a value that does not apply (negative or not finite).
inline std::string fmt(double v, int digits) {
  if (!(v >= 0) || !std::isfinite(v)) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace sg::bench
