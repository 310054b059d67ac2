// Optimisers: Adam against the double-precision reference (kernels/reference), SGD with
// and without momentum against a hand-written loop, state names and counters, a resumed
// Adam continuing bit-identically, parameters without gradients, and a tiny regression
// fitted end to end through the ops and autograd.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/ops.h"
#include "engine/optim/optimizer.h"
#include "engine/random.h"
#include "tests/op_harness.h"
#include "kernels/reference/adam.h"

using namespace sg;

namespace {


std::vector<float> values(int64_t n, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) f = float(rng.uniform(lo, hi));
  return v;
}

Tensor param(const Shape& s, uint64_t seed, Device d) {
  Tensor t = Tensor::from_vector(values(shape_numel(s), seed), s, d);
  t.set_requires_grad(true);
  return t;
}

// Overwrites t's gradient with g (as a backward pass would have accumulated it).
void set_grad(Tensor& t, const std::vector<float>& g) {
  REQUIRE(int64_t(g.size()) == t.numel());
  t.backend().from_host(t.grad_data(), g.data(), t.numel());
}

std::vector<double> to_double(const Tensor& t) {
  const std::vector<float> f = t.to_vector();
  return std::vector<double>(f.begin(), f.end());
}

void check_rel(const std::vector<float>& got, const std::vector<double>& want, double rtol,
               double atol, const std::string& what) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(double(got[i]) - want[i]);
    if (!(err <= atol + rtol * std::fabs(want[i]))) {
      FAIL_CHECK(what << "[" << i << "] = " << got[i] << ", expected " << want[i]);
      return;
    }
  }
}

const Tensor& state_of(const std::vector<NamedTensor>& s, const std::string& name) {
  for (const NamedTensor& t : s)
    if (t.name == name) return t.tensor;
  FAIL("no state tensor '" << name << "'");
  return s.front().tensor;
}

}  // namespace

TEST_CASE("AdamParams{} holds Keras's defaults") {
  const AdamParams a{};
  CHECK(a.lr == 1e-3f);
  CHECK(a.beta1 == 0.9f);
  CHECK(a.beta2 == 0.999f);
  CHECK(a.eps == 1e-7f);
  Adam opt({});
  CHECK(opt.type() == "adam");
  CHECK(opt.hyper().lr == 1e-3f);
  CHECK(opt.hyper().eps == 1e-7f);
}

TEST_CASE("Adam matches ref::adam_update over several steps") {
  AdamParams custom;
  custom.lr = 0.02f, custom.beta1 = 0.8f, custom.beta2 = 0.99f, custom.eps = 1e-3f;
  for (Device d : sg::test::backends()) {
    for (const AdamParams& hp : {AdamParams{}, custom}) {
      CAPTURE(device_name(d));
      CAPTURE(hp.lr);
      std::vector<NamedTensor> params = {{"w", param({3, 4, 5}, 1, d)}, {"b", param({7}, 2, d)}};
      Adam opt(params, hp);
      // The reference state, in double, starting from the same float values.
      std::vector<std::vector<double>> p, m, v;
      for (auto& np : params) {
        p.push_back(to_double(np.tensor));
        m.emplace_back(p.back().size(), 0.0);
        v.emplace_back(p.back().size(), 0.0);
      }
      for (int t = 1; t <= 6; ++t) {
        for (size_t i = 0; i < params.size(); ++i) {
          // Gradients of mixed scale, some exactly zero.
          std::vector<float> g = values(params[i].tensor.numel(), 100 * t + i, -3.0, 3.0);
          for (size_t j = 0; j < g.size(); j += 5) g[j] = 0.0f;
          for (size_t j = 1; j < g.size(); j += 7) g[j] *= 1e-3f;
          set_grad(params[i].tensor, g);
          std::vector<double> gd(g.begin(), g.end());
          AdamParams a = hp;
          a.step = t;
          ref::adam_update(int64_t(gd.size()), a, gd.data(), p[i].data(), m[i].data(),
                           v[i].data());
        }
        opt.step();
        CHECK(opt.counters() == std::map<std::string, int64_t>{{"step", t}});
        const std::vector<NamedTensor> state = opt.state();
        for (size_t i = 0; i < params.size(); ++i) {
          const std::string& n = params[i].name;
          check_rel(params[i].tensor.to_vector(), p[i], 1e-5, 1e-6, "adam param " + n);
          check_rel(state_of(state, "adam.m." + n).to_vector(), m[i], 1e-5, 1e-7, "adam.m." + n);
          check_rel(state_of(state, "adam.v." + n).to_vector(), v[i], 1e-5, 1e-9, "adam.v." + n);
        }
      }
    }
  }
}

TEST_CASE("Adam: state names, counters, and a resumed run continues bit-identically") {
  const Device d = Device::CPU;
  std::vector<NamedTensor> pa = {{"conv.weight", param({2, 3}, 1, d)}, {"conv.bias", param({2}, 2, d)}};
  Adam a(pa);
  const std::vector<NamedTensor> s = a.state();
  std::vector<std::string> names;
  for (const NamedTensor& t : s) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"adam.m.conv.bias", "adam.m.conv.weight",
                                          "adam.v.conv.bias", "adam.v.conv.weight"});
  CHECK(state_of(s, "adam.m.conv.weight").shape() == Shape{2, 3});
  CHECK(a.counters() == std::map<std::string, int64_t>{{"step", 0}});

  auto grads_at = [](int t, std::vector<NamedTensor>& p) {
    for (size_t i = 0; i < p.size(); ++i) set_grad(p[i].tensor, values(p[i].tensor.numel(), 50 * t + i));
  };
  for (int t = 1; t <= 3; ++t) {
    grads_at(t, pa);
    a.step();
  }

  // A second optimiser over copies of the parameters, given the first one's state.
  std::vector<NamedTensor> pb;
  for (NamedTensor& p : pa) pb.push_back({p.name, p.tensor.clone().set_requires_grad(true)});
  Adam b(pb);
  std::vector<NamedTensor> sa = a.state(), sb = b.state();
  for (size_t i = 0; i < sa.size(); ++i) sb[i].tensor.copy_from(state_of(sa, sb[i].name));
  b.set_counters(a.counters());
  for (int t = 4; t <= 5; ++t) {
    grads_at(t, pa);
    grads_at(t, pb);
    a.step();
    b.step();
  }
  CHECK(b.counters() == std::map<std::string, int64_t>{{"step", 5}});
  for (size_t i = 0; i < pa.size(); ++i) CHECK(pa[i].tensor.to_vector() == pb[i].tensor.to_vector());

  // The step count feeds the bias correction: t = 11 after set_counters({step: 10}).
  std::vector<NamedTensor> pc = {{"x", param({4}, 9, d)}};
  std::vector<double> p = to_double(pc[0].tensor), m(4, 0.0), v(4, 0.0);
  Adam c(pc);
  c.set_counters({{"step", 10}});
  const std::vector<float> g = {0.5f, -1.0f, 2.0f, 0.0f};
  set_grad(pc[0].tensor, g);
  c.step();
  AdamParams hp;
  hp.step = 11;
  const std::vector<double> gd(g.begin(), g.end());
  ref::adam_update(4, hp, gd.data(), p.data(), m.data(), v.data());
  check_rel(pc[0].tensor.to_vector(), p, 1e-6, 1e-7, "adam at t = 11");
  CHECK_THROWS_AS(c.set_counters({}), Error);
}

TEST_CASE("SGD without and with momentum matches a hand-written loop") {
  for (Device d : sg::test::backends()) {
    CAPTURE(device_name(d));
    for (float mu : {0.0f, 0.9f}) {
      CAPTURE(mu);
      const float lr = 0.05f;
      std::vector<NamedTensor> params = {{"w", param({4, 3}, 3, d)}, {"b", param({4}, 4, d)}};
      Sgd opt(params, lr, mu);
      CHECK(opt.type() == "sgd");
      std::vector<std::vector<double>> p, vel;
      for (auto& np : params) {
        p.push_back(to_double(np.tensor));
        vel.emplace_back(p.back().size(), 0.0);
      }
      for (int t = 1; t <= 5; ++t) {
        for (size_t i = 0; i < params.size(); ++i) {
          const std::vector<float> g = values(params[i].tensor.numel(), 10 * t + i, -2.0, 2.0);
          set_grad(params[i].tensor, g);
          for (size_t j = 0; j < g.size(); ++j) {  // Keras: vel = μ vel - lr g; p += vel
            vel[i][j] = double(mu) * vel[i][j] - double(lr) * g[j];
            p[i][j] += vel[i][j];
          }
        }
        opt.step();
        for (size_t i = 0; i < params.size(); ++i)
          check_rel(params[i].tensor.to_vector(), p[i], 1e-6, 1e-6, "sgd " + params[i].name);
      }
      const std::vector<NamedTensor> s = opt.state();
      if (mu == 0.0f) {
        CHECK(s.empty());
      } else {
        REQUIRE(s.size() == 2);
        CHECK(s[0].name == "sgd.velocity.w");
        check_rel(s[0].tensor.to_vector(), vel[0], 1e-5, 1e-6, "sgd velocity");
      }
    }
  }
  CHECK_THROWS_AS(Sgd({}, 0.0f), Error);
  CHECK_THROWS_AS(Sgd({}, 0.1f, 1.0f), Error);
}

TEST_CASE("a parameter without a gradient is left untouched") {
  const Device d = Device::CPU;
  std::vector<NamedTensor> params = {{"used", param({5}, 1, d)}, {"frozen", param({3, 2}, 2, d)}};
  const std::vector<float> used0 = params[0].tensor.to_vector(),
                           frozen0 = params[1].tensor.to_vector();
  Adam adam(params);
  Sgd sgd(params, 0.1f, 0.5f);
  for (int t = 0; t < 3; ++t) {
    set_grad(params[0].tensor, values(5, 7 + t));
    adam.step();
    sgd.step();
  }
  CHECK(!params[1].tensor.has_grad());
  CHECK(params[1].tensor.to_vector() == frozen0);
  CHECK(params[0].tensor.to_vector() != used0);
  const std::vector<NamedTensor> s = adam.state();
  CHECK(state_of(s, "adam.m.frozen").to_vector() == std::vector<float>(6, 0.0f));
  CHECK(state_of(s, "adam.v.frozen").to_vector() == std::vector<float>(6, 0.0f));
  CHECK(state_of(sgd.state(), "sgd.velocity.frozen").to_vector() == std::vector<float>(6, 0.0f));
}

TEST_CASE("zero_grad zeroes every gradient") {
  const Device d = Device::CPU;
  std::vector<NamedTensor> params = {{"w", param({2, 3}, 1, d)}, {"b", param({2}, 2, d)}};
  Tensor x = Tensor::from_vector(values(4 * 3, 3), {4, 3});
  sum(linear(x, params[0].tensor, params[1].tensor)).backward();
  // d Σ(x wᵀ + b) / d b = N for every output.
  CHECK(params[1].tensor.grad().to_vector() == std::vector<float>{4.0f, 4.0f});
  Adam opt(params);
  opt.zero_grad();
  CHECK(params[0].tensor.grad().to_vector() == std::vector<float>(6, 0.0f));
  CHECK(params[1].tensor.grad().to_vector() == std::vector<float>(2, 0.0f));
}

TEST_CASE("end to end: Adam fits y = x wᵀ + b and recovers w and b") {
  const int64_t N = 64, in = 3, out = 2;
  const std::vector<float> w_true = {0.5f, -1.25f, 2.0f, -0.75f, 0.25f, 1.5f}, b_true = {0.3f, -0.6f};
  const std::vector<float> xv = values(N * in, 21);
  std::vector<float> yv(size_t(N * out));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < out; ++o) {
      double acc = b_true[size_t(o)];
      for (int64_t i = 0; i < in; ++i) acc += double(xv[size_t(n * in + i)]) * w_true[size_t(o * in + i)];
      yv[size_t(n * out + o)] = float(acc);
    }
  const Tensor x = Tensor::from_vector(xv, {N, in}), y = Tensor::from_vector(yv, {N, out});
  std::vector<NamedTensor> params = {{"w", Tensor::zeros({out, in}).set_requires_grad(true)},
                                     {"b", Tensor::zeros({out}).set_requires_grad(true)}};
  AdamParams hp;
  hp.lr = 0.05f;
  Adam opt(params, hp);
  const float loss0 = mse(linear(x, params[0].tensor, params[1].tensor), y).item();
  float loss = loss0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    Tensor l = mse(linear(x, params[0].tensor, params[1].tensor), y);
    loss = l.item();
    l.backward();
    opt.step();
  }
  loss = mse(linear(x, params[0].tensor, params[1].tensor), y).item();
  CHECK(loss0 > 1.0f);
  CHECK(loss < 1e-4f);
  const std::vector<float> w = params[0].tensor.to_vector(), b = params[1].tensor.to_vector();
  for (size_t i = 0; i < w.size(); ++i) CHECK(w[i] == doctest::Approx(w_true[i]).epsilon(1e-3));
  for (size_t i = 0; i < b.size(); ++i) CHECK(b[i] == doctest::Approx(b_true[i]).epsilon(1e-3));
}

// adam_update_spans (one launch per 48 spans on the CUDA backends) against adam_update on
// each span alone, both from t and lr in the device schedule written by adam_schedule:
// 100 spans (three launches), empty ones among them, sizes off the block size.
TEST_CASE("Adam: one update over many spans gives each span's own update bit for bit") {
  for (Device d : sg::test::backends()) {
    INFO("device " << device_name(d));
    Backend& b = backend_for(d);
    AdamParams a;
    a.lr = 3e-3f;
    std::vector<int64_t> sizes;
    for (int s = 0; s < 100; ++s) sizes.push_back(s % 17 == 3 ? 0 : 1 + (s * 37) % 300);
    sizes[50] = 1000;  // a span of several blocks
    struct Bufs { Tensor g, p, m, v; };
    auto make = [&](int64_t n, uint64_t seed) {
      const Shape s{std::max<int64_t>(n, 1)};
      return Bufs{Tensor::from_vector(values(s[0], seed), s, d), Tensor::from_vector(values(s[0], seed + 1), s, d),
                  Tensor::from_vector(values(s[0], seed + 2, -0.1, 0.1), s, d),
                  Tensor::from_vector(values(s[0], seed + 3, 0.0, 0.01), s, d)};
    };
    std::vector<Bufs> fused, alone;
    std::vector<AdamSpan> spans;
    for (size_t i = 0; i < sizes.size(); ++i) {
      fused.push_back(make(sizes[i], 10 * i));
      alone.push_back(make(sizes[i], 10 * i));
      spans.push_back({sizes[i], fused[i].g.data(), fused[i].p.data(), fused[i].m.data(), fused[i].v.data()});
    }
    // Two steps from t = 6: the schedule's t and lr_t must follow the host's.
    std::vector<float> start{6.0f, a.lr, 0.0f};
    Tensor sched = Tensor::from_vector(start, {kAdamScheduleSize}, d);
    for (int64_t t = 7; t <= 8; ++t) {
      b.adam_schedule(a, sched.data());
      b.adam_update_spans(spans.data(), int64_t(spans.size()), a, sched.data());
      AdamParams at = a;
      at.step = t;
      for (size_t i = 0; i < sizes.size(); ++i)
        b.adam_update(sizes[i], at, alone[i].g.data(), alone[i].p.data(), alone[i].m.data(), alone[i].v.data());
    }
    CHECK(sched.to_vector()[size_t(kAdamT)] == 8.0f);
    for (size_t i = 0; i < sizes.size(); ++i) {
      INFO("span " << i << " of " << sizes[i]);
      CHECK(fused[i].p.to_vector() == alone[i].p.to_vector());
      CHECK(fused[i].m.to_vector() == alone[i].m.to_vector());
      CHECK(fused[i].v.to_vector() == alone[i].v.to_vector());
    }
  }
}
