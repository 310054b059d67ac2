// Times sg::cpu::conv2d_* at the Difference CNN's three convolutions (3×3, 'valid'):
//   conv1: C=1  H=W=64 K=16     conv2: C=16 H=W=31 K=32     conv3: C=32 H=W=14 K=16
// Each case: warm-up, then `repeats` timed runs of the forward and of the backward
// (backward_data + backward_filter); the median time per call is reported with GFLOP/s
// (ConvGeom::flops() for the forward, twice that for the backward), one JSON line per case.
// A last line gives the FLOP/s of a large Eigen GEMM run on every thread at once, the
// ceiling that the im2col + GEMM kernels can approach on this machine.
//
//   bench_conv [--batch 64] [--repeats 20] [--warmup 3] [--no-first-dx]
// --no-first-dx skips backward_data for conv1 (its input, the image, needs no gradient in
// training); the JSON then says "bwd_data":false and counts only the filter FLOPs.
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "engine/geometry.h"
#include "engine/random.h"
#include "kernels/cpu/conv.h"

namespace {

struct Options {
  int64_t batch = 64;
  int repeats = 20, warmup = 3;
  bool first_dx = true;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--batch" && has_value) o.batch = std::atoll(argv[++i]);
    else if (a == "--repeats" && has_value) o.repeats = std::atoi(argv[++i]);
    else if (a == "--warmup" && has_value) o.warmup = std::atoi(argv[++i]);
    else if (a == "--no-first-dx") o.first_dx = false;
    else {
      std::fprintf(stderr,
                   "usage: bench_conv [--batch N] [--repeats N] [--warmup N] [--no-first-dx]\n");
      std::exit(2);
    }
  }
  if (o.batch < 1 || o.repeats < 1 || o.warmup < 0) {
    std::fprintf(stderr, "bench_conv: batch and repeats must be >= 1, warmup >= 0\n");
    std::exit(2);
  }
  return o;
}

std::vector<float> random_vector(int64_t n, uint64_t stream) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = sg::random_uniform(42, stream, uint64_t(i)) - 0.5f;
  return v;
}

// Median of the seconds taken by `repeats` calls of f, after `warmup` untimed calls.
template <typename F>
double median_seconds(int warmup, int repeats, F&& f) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> t(static_cast<size_t>(repeats));
  for (auto& s : t) {
    const auto start = std::chrono::steady_clock::now();
    f();
    s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::nth_element(t.begin(), t.begin() + repeats / 2, t.end());
  double med = t[size_t(repeats / 2)];
  if (repeats % 2 == 0) med = (med + *std::max_element(t.begin(), t.begin() + repeats / 2)) / 2;
  return med;
}

void bench_case(const char* name, const sg::ConvGeom& g, bool with_dx, const Options& o) {
  const auto x = random_vector(g.x_size(), 1), w = random_vector(g.w_size(), 2),
             b = random_vector(g.K, 3), dy = random_vector(g.y_size(), 4);
  std::vector<float> y(size_t(g.y_size())), dx(size_t(g.x_size())), dw(size_t(g.w_size())),
      db(size_t(g.K));
  const double fwd = median_seconds(o.warmup, o.repeats, [&] {
    sg::cpu::conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
  });
  const double bwd = median_seconds(o.warmup, o.repeats, [&] {
    if (with_dx) sg::cpu::conv2d_backward_data(g, dy.data(), w.data(), dx.data());
    sg::cpu::conv2d_backward_filter(g, x.data(), dy.data(), dw.data(), db.data());
  });
  const double flops = g.flops(), bwd_flops = (with_dx ? 2 : 1) * flops;
  std::printf(
      "{\"bench\":\"conv2d\",\"case\":\"%s\",\"N\":%lld,\"C\":%lld,\"H\":%lld,\"W\":%lld,"
      "\"K\":%lld,\"R\":%lld,\"S\":%lld,\"pad\":%lld,\"repeats\":%d,\"bwd_data\":%s,"
      "\"fwd_ms\":%.4f,\"bwd_ms\":%.4f,\"fwd_gflops\":%.2f,\"bwd_gflops\":%.2f,"
      "\"threads\":%d}\n",
      name, (long long)g.N, (long long)g.C, (long long)g.H, (long long)g.W, (long long)g.K,
      (long long)g.R, (long long)g.S, (long long)g.pad_h, o.repeats, with_dx ? "true" : "false",
      fwd * 1e3, bwd * 1e3, flops / fwd * 1e-9, bwd_flops / bwd * 1e-9, omp_get_max_threads());
  std::fflush(stdout);
}

// Every thread multiplies its own 512×512 matrices at the same time: the GEMM throughput
// of the whole machine, the roof for the conv numbers above.
void bench_gemm_roof(const Options& o) {
  const int64_t n = 512;
  const int threads = omp_get_max_threads();
  std::vector<Eigen::MatrixXf> A(static_cast<size_t>(threads)), B(A.size()), Cm(A.size());
  for (int t = 0; t < threads; ++t) {
    A[size_t(t)] = Eigen::MatrixXf::Random(n, n);
    B[size_t(t)] = Eigen::MatrixXf::Random(n, n);
    Cm[size_t(t)] = Eigen::MatrixXf::Zero(n, n);
  }
  const double sec = median_seconds(o.warmup, o.repeats, [&] {
#pragma omp parallel for schedule(static)
    for (int t = 0; t < threads; ++t) Cm[size_t(t)].noalias() = A[size_t(t)] * B[size_t(t)];
  });
  std::printf("{\"bench\":\"gemm_roof\",\"case\":\"eigen_sgemm_512_per_thread\",\"ms\":%.4f,"
              "\"gflops\":%.2f,\"threads\":%d}\n",
              sec * 1e3, 2.0 * n * n * n * threads / sec * 1e-9, threads);
}

sg::ConvGeom valid3x3(int64_t N, int64_t C, int64_t HW, int64_t K) {
  sg::ConvGeom g;
  g.N = N, g.C = C, g.H = HW, g.W = HW, g.K = K, g.R = 3, g.S = 3;
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    bench_case("conv1", valid3x3(o.batch, 1, 64, 16), o.first_dx, o);
    bench_case("conv2", valid3x3(o.batch, 16, 31, 32), true, o);
    bench_case("conv3", valid3x3(o.batch, 32, 14, 16), true, o);
    bench_gemm_roof(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_conv: %s\n", e.what());
    return 1;
  }
  return 0;
}
