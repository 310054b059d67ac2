// The roofline of a device, measured in the same run as the ops it judges.
//
//   peak FLOP/s: a large float GEMM. On the CPU, every OpenMP thread multiplies its own
//     512×512 matrices with Eigen at the same time (2·512³ FLOPs per thread), which is
//     how the CPU backend uses Eigen: single-threaded GEMMs inside a static OpenMP
//     partition (EIGEN_DONT_PARALLELIZE); or T times one such GEMM run alone, if higher:
//     T threads can do no more than T cores, and on a machine shared with other jobs
//     the run of all T at once is the first to be slowed. On the GPU, cuBLAS SGEMM at 4096³ (plain
//     FP32, bench/cublas_peak.cu), the chip's ceiling, with our own gemm's rate beside
//     it (own_gemm_gflops; it is the peak where cuBLAS is missing); on the CPU executor of the CUDA kernels, 128³ (its figures only say that
//     it runs).
//   bandwidth: the backend's axpy y += a·x over n floats, 3·4·n bytes (x read, y read
//     and written): a stream whose counted bytes are its traffic. (A copy's are not: the
//     CPU reads each destination line before writing it, so a copy counted as 2·4·n
//     bytes reports two thirds of the bandwidth, and an op that accumulates would beat
//     that roof.) At n = 2^15, 2^16, ..., 2^26 floats, 384 KiB to 768 MiB moved (3 MiB at most under the
//     executor); on the CPU, one thread's axpy alone if faster (a floor for when other
//     jobs on the machine stall the threads of the parallel one at their barrier). The
//     largest is the memory's bandwidth; the smaller ones are what the caches give an op
//     whose data stay in them between calls, as they do in these benchmarks and in
//     training. An op moving B bytes is judged against the copy of the smallest measured
//     size ≥ B (the largest, beyond it).
// Both are the fastest of their timed blocks, measured at the start and again at the end
// of a device's run, the better kept: a roof is what the machine can do, and other jobs
// on the machine only ever slow a measurement down.
//
// An op of F FLOPs moving at least B bytes cannot take less than
//   t_roof = max(F / peak, B / bandwidth(B))
// and its fraction of the roofline is t_roof / t_measured (1 = on the roof).
#pragma once
#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "bench/bench_common.h"
#if defined(STEREOGRAD_HAS_CUBLAS_PEAK)
#include "bench/cublas_peak.h"
#endif
#include "engine/backend.h"

namespace sg::bench {

struct Roofline {
  double peak_flops = 0;  // FLOP/s
  std::string peak_source;
  double own_gemm_flops = 0;  // on the CUDA backends: our gemm's, beside the peak
  std::vector<std::pair<double, double>> bandwidth;  // (bytes moved, bytes/s), ascending

  double bandwidth_at(double bytes) const {
    for (const auto& [size, bw] : bandwidth)
      if (size >= bytes) return bw;
    return bandwidth.back().second;
  }
  double fraction(double flops, double bytes, double seconds) const {
    return std::max(flops / peak_flops, bytes / bandwidth_at(bytes)) / seconds;
  }
  // Which side of the roof binds: "compute" or "memory".
  const char* bound(double flops, double bytes) const {
    return flops / peak_flops >= bytes / bandwidth_at(bytes) ? "compute" : "memory";
  }
  // The higher roof of two measurements of the same sizes.
  void keep_best(const Roofline& o) {
    if (o.peak_flops > peak_flops) peak_flops = o.peak_flops, peak_source = o.peak_source;
    own_gemm_flops = std::max(own_gemm_flops, o.own_gemm_flops);
    for (size_t i = 0; i < bandwidth.size(); ++i)
      bandwidth[i].second = std::max(bandwidth[i].second, o.bandwidth[i].second);
  }
  nlohmann::json to_json() const {
    nlohmann::json bw = nlohmann::json::array();
    for (const auto& [size, b] : bandwidth) bw.push_back({{"bytes", size}, {"gbs", b * 1e-9}});
    nlohmann::json j = {{"peak_gflops", peak_flops * 1e-9}, {"peak_source", peak_source},
                        {"stream_bandwidth", bw}};
    if (own_gemm_flops > 0) j["own_gemm_gflops"] = own_gemm_flops * 1e-9;
    return j;
  }
};

// A device buffer of n floats, released with the object.
class DeviceBuffer {
 public:
  DeviceBuffer(Backend& be, int64_t n) : be_(&be), n_(n), p_(be.alloc(std::max<int64_t>(n, 1))) {}
  ~DeviceBuffer() { be_->release(p_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  float* data() const { return p_; }
  int64_t size() const { return n_; }

 private:
  Backend* be_;
  int64_t n_;
  float* p_;
};

// Waits for every queued call of the backend: a one-float copy to the host.
inline std::function<void()> device_sync(Backend& be, const DeviceBuffer& any) {
  return [&be, &any] {
    float v;
    be.to_host(&v, any.data(), 1);
  };
}

inline Roofline measure_roofline(Backend& be, TimeSpec spec) {
  spec.repeats = std::max(spec.repeats, 20);  // a roof is a best-of: give it chances
  Roofline r;
  const Device d = be.device();
  if (d == Device::CPU) {
    const int64_t n = 512;
    const int threads = omp_get_max_threads();
    std::vector<Eigen::MatrixXf> A(static_cast<size_t>(threads)), B(A.size()), C(A.size());
    for (size_t t = 0; t < A.size(); ++t) {
      A[t] = Eigen::MatrixXf::Random(n, n);
      B[t] = Eigen::MatrixXf::Random(n, n);
      C[t] = Eigen::MatrixXf::Zero(n, n);
    }
    const Timing all = time_median(spec, [&] {
#pragma omp parallel for schedule(static)
      for (int i = 0; i < threads; ++i) C[size_t(i)].noalias() = A[size_t(i)] * B[size_t(i)];
    });
    const Timing one = time_median(spec, [&] { C[0].noalias() = A[0] * B[0]; });
    const double flop = 2.0 * n * n * n;
    r.peak_flops = std::max(flop * threads / all.best_s, flop * threads / one.best_s);
    r.peak_source = "Eigen sgemm 512^3 per thread: " + std::to_string(threads) +
                    " threads at once, or threads x one alone, the higher";
  } else {
    const int64_t n = d == Device::CUDA ? 4096 : 128;
    DeviceBuffer A(be, n * n), B(be, n * n), C(be, n * n);
    be.fill(n * n, 0.5f, A.data());
    be.fill(n * n, 0.25f, B.data());
    const Timing t = time_median(
        spec, [&] { be.gemm(false, false, n, n, n, 1.0f, A.data(), B.data(), 0.0f, C.data()); },
        device_sync(be, C));
    r.own_gemm_flops = 2.0 * n * n * n / t.best_s;
    r.peak_flops = r.own_gemm_flops;
    r.peak_source = "backend gemm " + std::to_string(n) + "^3";
#if defined(STEREOGRAD_HAS_CUBLAS_PEAK)
    if (d == Device::CUDA) {
      const double cublas = cublas_sgemm_flops(int(n), spec.repeats);
      if (cublas > r.peak_flops)
        r.peak_flops = cublas, r.peak_source = "cuBLAS sgemm " + std::to_string(n) + "^3 (FP32, no TF32)";
    }
#endif
  }
  // n = 2^15, 2^16, ..., 2^26 floats: 384 KiB to 768 MiB moved, in steps of 2.
  const int64_t largest = d == Device::CudaOnCpu ? (1 << 18) : (1 << 26);
  DeviceBuffer x(be, largest), y(be, largest);
  be.fill(largest, 1e-6f, x.data());
  be.fill(largest, 0.0f, y.data());
  for (int64_t n = 1 << 15; n <= largest; n *= 2) {
    float* yp = y.data();
    const float* xp = x.data();
    double best = time_median(spec, [&] { be.axpy(n, 0.5f, xp, yp); }, device_sync(be, y)).best_s;
    if (d == Device::CPU)  // one thread alone: a floor when other jobs stall the parallel one
      best = std::min(best, time_median(spec, [&] {
                              for (int64_t i = 0; i < n; ++i) yp[i] += 0.5f * xp[i];
                            }).best_s);
    r.bandwidth.push_back({12.0 * double(n), 12.0 * double(n) / best});
  }
  return r;
}

}  // namespace sg::bench
