// The op-test harness's shared pieces (ggml's test-backend-ops idea): the backends this
// build has, seeded inputs, the per-element comparison, device buffers with guard values
// after their end, and the finite-difference gradient check of an autograd op. The table
// of kernels that runs on every backend is tests/op_table.h; the ops' own tests use these
// helpers for what is particular to each op.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "engine/tensor.h"
#include "tests/random_values.h"

namespace sg::test {

// Every device with a registered backend (the CPU always; CUDA where built and present),
// or only the CUDA ones (the CPU executor's and the GPU's). STEREOGRAD_TEST_BACKENDS, a
// list of names ("cpu,cuda-cpu"), narrows it: the ThreadSanitizer run takes the CPU alone.
inline std::vector<Device> backends(bool cuda_only = false) {
  const char* only = std::getenv("STEREOGRAD_TEST_BACKENDS");
  std::vector<Device> d;
  for (Device x : {Device::CPU, Device::CudaOnCpu, Device::CUDA})
    if (has_backend(x) && !(cuda_only && x == Device::CPU) &&
        (only == nullptr || ("," + std::string(only) + ",").find("," + device_name(x) + ",") !=
                                std::string::npos))
      d.push_back(x);
  return d;
}

inline Tensor random_tensor(const Shape& s, uint64_t seed, Device d, bool grad = true,
                            float lo = -1.0f, float hi = 1.0f) {
  Tensor t = Tensor::from_vector(random_values(shape_numel(s), seed, lo, hi), s, d);
  t.set_requires_grad(grad);
  return t;
}

inline std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }
inline std::vector<double> to_double(const Tensor& t) { return widen(t.to_vector()); }

// |got - want| <= atol + rtol·|want| for every element; reports the first failure.
inline bool check_close(const std::vector<float>& got, const std::vector<double>& want,
                        double rtol, double atol, const std::string& what) {
  REQUIRE_MESSAGE(got.size() == want.size(), what << ": sizes differ");
  for (size_t i = 0; i < got.size(); ++i) {
    double err = std::fabs(double(got[i]) - want[i]);
    if (!(err <= atol + rtol * std::fabs(want[i]))) {
      FAIL_CHECK(what << ": element " << i << " of " << got.size() << " is " << got[i]
                      << ", expected " << want[i]);
      return false;
    }
  }
  return true;
}

// n floats on a backend's device followed by kGuard sentinel floats that no kernel may
// touch: a kernel that writes past the end of its output shows in guards_intact().
class GuardedBuffer {
 public:
  static constexpr int64_t kGuard = 16;
  static constexpr uint32_t kSentinelBits = 0x7fa5a5a5u;  // a signalling NaN: no result

  GuardedBuffer(Backend& b, const std::vector<float>& v) : b_(b), n_(int64_t(v.size())) {
    p_ = b_.alloc(n_ + kGuard);
    std::vector<float> host(v);
    host.resize(size_t(n_ + kGuard));
    for (int64_t i = n_; i < n_ + kGuard; ++i)
      std::memcpy(&host[size_t(i)], &kSentinelBits, sizeof(float));
    b_.from_host(p_, host.data(), n_ + kGuard);
  }
  ~GuardedBuffer() { b_.release(p_); }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  float* get() { return p_; }
  int64_t size() const { return n_; }
  std::vector<float> host() const {
    std::vector<float> v(static_cast<size_t>(n_));
    b_.to_host(v.data(), p_, n_);
    return v;
  }
  bool guards_intact() const {
    std::vector<float> tail(static_cast<size_t>(kGuard));
    b_.to_host(tail.data(), p_ + n_, kGuard);
    for (float f : tail)
      if (std::memcmp(&f, &kSentinelBits, sizeof(float)) != 0) return false;
    return true;
  }

 private:
  Backend& b_;
  int64_t n_;
  float* p_;
};

// At most `cap` distinct indices of [0, n), drawn with a fixed seed (all of them when
// n <= cap), so a large tensor costs the check `cap` evaluations, not n.
inline std::vector<int64_t> sample_indices(int64_t n, int64_t cap, uint64_t seed) {
  std::vector<int64_t> idx;
  if (n <= cap) {
    for (int64_t i = 0; i < n; ++i) idx.push_back(i);
    return idx;
  }
  std::vector<char> taken(size_t(n), 0);
  Rng rng(seed, 5);
  while (int64_t(idx.size()) < cap) {
    const int64_t i = int64_t(rng.below(uint64_t(n)));
    if (!taken[size_t(i)]) taken[size_t(i)] = 1, idx.push_back(i);
  }
  return idx;
}

// The central difference with the step that was actually applied: x ± h rounded to float,
//   g ≈ (L(x⁺) - L(x⁻)) / (x⁺ - x⁻),   x± = float(x ± h),
// so the rounding of x ± h does not show up as an error of the gradient.
struct FiniteStep {
  float up, down;
  double width() const { return double(up) - double(down); }
};
inline FiniteStep finite_step(float x, double h) {
  return {float(double(x) + h), float(double(x) - h)};
}

// How a gradient is judged: |numeric - analytic| <= atol + rtol·|analytic| per element,
// at most max_checked elements of each input (seeded sample), central step h.
struct GradTol {
  double h = 1e-2, rtol = 2e-2, atol = 2e-3;
  int64_t max_checked = 48;
};

// Checks d(loss)/d(input) by autograd against central differences, where
// loss = Σ f(inputs) ⊙ r for a fixed random r (so every output element matters).
inline void gradcheck(const std::string& what,
                      const std::function<Tensor(const std::vector<Tensor>&)>& f,
                      std::vector<Tensor> inputs, const GradTol& tol = {}) {
  Tensor y0 = f(inputs);
  const Device dev = y0.device();
  const std::vector<float> r = random_values(y0.numel(), 991);
  Tensor rt = Tensor::from_vector(r, y0.shape(), dev);
  auto loss_of = [&](const std::vector<Tensor>& in) {
    NoGradGuard ng;
    std::vector<float> y = f(in).to_vector();
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += double(y[i]) * r[i];
    return s;
  };
  for (Tensor& t : inputs) t.zero_grad();
  sum(mul(f(inputs), rt)).backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    const std::vector<float> analytic = x.grad().to_vector(), values = x.to_vector();
    for (int64_t i : sample_indices(int64_t(values.size()), tol.max_checked, 31 + k)) {
      std::vector<float> v = values;
      const FiniteStep s = finite_step(values[size_t(i)], tol.h);
      v[size_t(i)] = s.up;
      x.copy_from(Tensor::from_vector(v, x.shape(), dev));
      const double up = loss_of(inputs);
      v[size_t(i)] = s.down;
      x.copy_from(Tensor::from_vector(v, x.shape(), dev));
      const double down = loss_of(inputs);
      x.copy_from(Tensor::from_vector(values, x.shape(), dev));
      const double numeric = (up - down) / s.width(), a = analytic[size_t(i)];
      if (!(std::fabs(numeric - a) <= tol.atol + tol.rtol * std::fabs(a))) {
        FAIL_CHECK(what << ": input " << k << " element " << i << " gradient " << a
                        << ", finite difference " << numeric);
        return;
      }
    }
  }
}

}  // namespace sg::test
