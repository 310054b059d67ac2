// The op-test harness (ggml's test-backend-ops idea): every op runs on every backend this
// build has, its forward is checked against the double-precision reference of
// kernels/reference/, and its backward against central finite differences of the op
// itself. Tolerances are stated next to each op's test.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "engine/tensor.h"

namespace sg::test {

// Every device with a registered backend (the CPU always; CUDA where built and present).
inline std::vector<Device> backends() {
  std::vector<Device> d;
  for (Device x : {Device::CPU, Device::CudaOnCpu, Device::CUDA})
    if (has_backend(x)) d.push_back(x);
  return d;
}

// Values uniform in [lo, hi) from (seed, stream), so a test's inputs are fixed.
inline std::vector<float> random_values(int64_t n, uint64_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[size_t(i)] = lo + (hi - lo) * random_uniform(seed, 17, uint64_t(i));
  return v;
}

inline Tensor random_tensor(const Shape& s, uint64_t seed, Device d, bool grad = true,
                            float lo = -1.0f, float hi = 1.0f) {
  Tensor t = Tensor::from_vector(random_values(shape_numel(s), seed, lo, hi), s, d);
  t.set_requires_grad(grad);
  return t;
}

inline std::vector<double> to_double(const Tensor& t) {
  std::vector<float> f = t.to_vector();
  return std::vector<double>(f.begin(), f.end());
}

// |got - want| <= atol + rtol·|want| for every element; reports the first failure.
inline void check_close(const std::vector<float>& got, const std::vector<double>& want,
                        double rtol, double atol, const std::string& what) {
  REQUIRE_MESSAGE(got.size() == want.size(), what << ": sizes differ");
  for (size_t i = 0; i < got.size(); ++i) {
    double err = std::fabs(double(got[i]) - want[i]);
    if (!(err <= atol + rtol * std::fabs(want[i]))) {
      FAIL_CHECK(what << ": element " << i << " is " << got[i] << ", expected " << want[i]);
      return;
    }
  }
}

// Checks d(loss)/d(input) by autograd against central differences, where
// loss = Σ f(inputs) ⊙ r for a fixed random r (so every output element matters).
// Inputs are perturbed in float; eps and tol are chosen per op by the caller.
inline void gradcheck(const std::string& what,
                      const std::function<Tensor(const std::vector<Tensor>&)>& f,
                      std::vector<Tensor> inputs, double eps = 1e-2, double tol = 2e-2) {
  Tensor y0 = f(inputs);
  const Device dev = y0.device();
  Tensor r = random_tensor(y0.shape(), 991, dev, false);
  auto loss_of = [&](const std::vector<Tensor>& in) {
    NoGradGuard ng;
    std::vector<float> y = f(in).to_vector(), rv = r.to_vector();
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += double(y[i]) * rv[i];
    return s;
  };
  for (Tensor& t : inputs) t.zero_grad();
  sum(mul(f(inputs), r)).backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    std::vector<float> analytic = x.grad().to_vector(), values = x.to_vector();
    double scale = 1e-3;
    for (float a : analytic) scale = std::max(scale, double(std::fabs(a)));
    for (size_t i = 0; i < values.size(); ++i) {
      std::vector<float> v = values;
      v[i] = float(values[i] + eps);
      x.copy_from(Tensor::from_vector(v, x.shape(), dev));
      double up = loss_of(inputs);
      v[i] = float(values[i] - eps);
      x.copy_from(Tensor::from_vector(v, x.shape(), dev));
      double down = loss_of(inputs);
      x.copy_from(Tensor::from_vector(values, x.shape(), dev));
      double numeric = (up - down) / (2 * eps);
      if (std::fabs(numeric - analytic[i]) > tol * scale) {
        FAIL_CHECK(what << ": input " << k << " element " << i << " gradient " << analytic[i]
                        << ", finite difference " << numeric);
        return;
      }
    }
  }
}

}  // namespace sg::test
