// run_op(): the checks of tests/op_table.h, for every case of an entry on every backend.
#include "tests/op_table.h"

#include <memory>

#include "tests/same_bits.h"

namespace sg::test {
namespace {

using Buffers = std::vector<std::unique_ptr<GuardedBuffer>>;
using Host = std::vector<std::vector<double>>;

std::vector<double> draw(const Draw& d, int64_t n, uint64_t seed) {
  std::vector<double> v(static_cast<size_t>(n));
  Rng rng(seed);
  switch (d.kind) {
    case Draw::Uniform:
      return widen(random_values(n, seed, float(d.lo), float(d.hi)));
    case Draw::Levels:  // small whole numbers: many ties
      for (double& x : v) x = double(rng.below(uint64_t(d.hi)));
      return v;
    case Draw::Distinct:
      return widen(distinct_values(n, seed));
    case Draw::AwayFromZero:  // |v| in [lo, lo + 1): a kink at 0 stays out of reach
      return widen(away_from_zero(n, seed, float(d.lo)));
    case Draw::Nan:  // for buffers that must not be read
      v.assign(v.size(), double(NAN));
      return v;
  }
  return v;
}

std::vector<float> narrow(const std::vector<double>& v) { return {v.begin(), v.end()}; }

Buffers upload(Backend& be, const Host& h) {
  Buffers b;
  for (const auto& v : h) b.push_back(std::make_unique<GuardedBuffer>(be, narrow(v)));
  return b;
}
Buffers nan_buffers(Backend& be, const std::vector<int64_t>& sizes) {
  Buffers b;
  for (int64_t n : sizes)
    b.push_back(std::make_unique<GuardedBuffer>(be, std::vector<float>(size_t(n), NAN)));
  return b;
}
// The device pointers; mask[k] false gives a null pointer (a gradient not wanted).
Ptrs ptrs(const Buffers& b, const std::vector<bool>& mask = {}) {
  Ptrs p;
  for (size_t k = 0; k < b.size(); ++k)
    p.push_back(mask.empty() || mask[k] ? (b[k] ? b[k]->get() : nullptr) : nullptr);
  return p;
}
DPtrs dptrs(Host& h) {
  DPtrs p;
  for (auto& v : h) p.push_back(v.data());
  return p;
}

// Every buffer's guards intact; inputs (what the op only reads) also unchanged.
void check_untouched(const Buffers& b, const Host* values, const std::string& what) {
  for (size_t k = 0; k < b.size(); ++k) {
    if (!b[k]) continue;
    CHECK_MESSAGE(b[k]->guards_intact(), what << " " << k << ": written past its end");
    if (values) CHECK_MESSAGE(same_bits(b[k]->host(), narrow((*values)[k])),
                              what << " " << k << ": changed by the op");
  }
}

// Σ_j Σ_i y_j[i]·dy_j[i]: the loss whose gradients the backward pass computes.
double dot(const std::vector<std::vector<float>>& y, const Host& dy) {
  double s = 0;
  for (size_t j = 0; j < y.size(); ++j)
    for (size_t i = 0; i < y[j].size(); ++i) s += double(y[j][i]) * dy[j][i];
  return s;
}

struct ThreadCount {  // sets OpenMP's thread count for a scope
  int saved = omp_get_max_threads();
  explicit ThreadCount(int n) { omp_set_num_threads(n); }
  ~ThreadCount() { omp_set_num_threads(saved); }
};

void run_case(const OpEntry& e, const OpCase& c, Device d) {
  Backend& be = backend_for(d);
  INFO(e.name << " [" << c.shape << "] on " << device_name(d));
  const size_t ni = c.in.size(), no = c.out.size();
  auto wanted = [&](size_t k) { return c.differentiable.empty() || c.differentiable[k]; };
  const int64_t cap = c.size_only ? 0 : c.max_checked >= 0 ? c.max_checked : e.grad.max_checked;
  // The second run: on two threads on the CPU (OpenMP), the same again elsewhere.
  const int again = d == Device::CPU ? 2 : 1;
  const std::string again_what = d == Device::CPU ? "1 and 2 threads differ" : "two runs differ";

  Host X(ni), Y(no);
  for (size_t k = 0; k < ni; ++k)
    X[k] = draw(k < c.draws.size() ? c.draws[k] : Draw{}, c.in[k], 100 + k);
  for (size_t j = 0; j < no; ++j) Y[j].assign(size_t(c.out[j]), 0.0);
  c.ref_forward(dptrs(X), dptrs(Y));

  // Forward on one thread, checked; the second run gives the same bits.
  Buffers in = upload(be, X), out = nan_buffers(be, c.out);
  {
    ThreadCount one(1);
    c.forward(be, ptrs(in), ptrs(out));
  }
  for (size_t j = 0; j < no; ++j)
    check_close(out[j]->host(), Y[j], e.forward.rtol, e.forward.atol, "output " + std::to_string(j));
  if (!c.size_only || d == Device::CPU) {
    Buffers out2 = nan_buffers(be, c.out);
    ThreadCount t(again);
    c.forward(be, ptrs(in), ptrs(out2));
    for (size_t j = 0; j < no; ++j)
      CHECK_MESSAGE(same_bits(out[j]->host(), out2[j]->host()), "output " << j << ": " << again_what);
  }
  check_untouched(out, nullptr, "output");
  check_untouched(in, &X, "input");
  if (!c.backward) return;

  // Backward onto nonzero gradients (an overwrite would show), against the reference.
  Host DY(no), D0(ni), DX(ni), G(ni);
  for (size_t j = 0; j < no; ++j) {
    DY[j] = draw(Draw{}, c.out[j], 200 + j);
    if (!c.output_has_gradient.empty() && !c.output_has_gradient[j]) DY[j].assign(DY[j].size(), 0.0);
  }
  for (size_t k = 0; k < ni; ++k) {
    D0[k] = draw(Draw{}, c.in[k], 300 + k);
    if (!wanted(k)) D0[k].clear();
  }
  DX = D0;
  for (size_t k = 0; k < ni; ++k) G[k].assign(wanted(k) ? size_t(c.in[k]) : 0, 0.0);
  {
    DPtrs dx = dptrs(DX), g = dptrs(G);
    for (size_t k = 0; k < ni; ++k)
      if (!wanted(k)) dx[k] = g[k] = nullptr;
    c.ref_backward(dptrs(X), dptrs(Y), dptrs(DY), dx);
    c.ref_backward(dptrs(X), dptrs(Y), dptrs(DY), g);
  }
  // The reference itself: accumulation adds exactly what a run from zero gives, and
  // its gradients are the central differences of its forward (sampled, in double).
  for (size_t k = 0; k < ni; ++k) {
    size_t bad = 0;
    while (bad < G[k].size() &&
           std::fabs(DX[k][bad] - (D0[k][bad] + G[k][bad])) <= 1e-12 * (1 + std::fabs(DX[k][bad])))
      ++bad;
    CHECK_MESSAGE(bad == G[k].size(), "reference: accumulating into input " << k << "'s gradient "
                                          "is not adding, element " << bad);
  }
  if (cap > 0)
    for (size_t k = 0; k < ni; ++k) {
      if (!wanted(k)) continue;
      for (int64_t i : sample_indices(c.in[k], cap, 7 + k)) {
        Host Xp = X, Yp = Y;
        auto loss = [&](double v) {
          Xp[k][size_t(i)] = v;
          c.ref_forward(dptrs(Xp), dptrs(Yp));
          double s = 0;
          for (size_t j = 0; j < no; ++j)
            for (size_t q = 0; q < Yp[j].size(); ++q) s += Yp[j][q] * DY[j][q];
          return s;
        };
        const double x = X[k][size_t(i)];
        const double numeric = (loss(x + e.ref_h) - loss(x - e.ref_h)) / (2 * e.ref_h);
        CHECK_MESSAGE(std::fabs(numeric - G[k][size_t(i)]) <=
                          e.ref_rtol * (1 + std::fabs(G[k][size_t(i)])),
                      "reference gradient of input " << k << " element " << i << ": "
                                                     << G[k][size_t(i)] << ", differences "
                                                     << numeric);
      }
    }

  Buffers dy = upload(be, DY);
  std::vector<bool> mask(ni);
  for (size_t k = 0; k < ni; ++k) mask[k] = wanted(k);
  // The gradients asked for by `m`, accumulated onto D0 on `threads` threads.
  auto gradients = [&](const std::vector<bool>& m, int threads) {
    Buffers din;
    for (size_t k = 0; k < ni; ++k)
      din.push_back(m[k] ? std::make_unique<GuardedBuffer>(be, narrow(D0[k])) : nullptr);
    ThreadCount t(threads);
    c.backward(be, ptrs(in), ptrs(out), ptrs(dy), ptrs(din));
    return din;
  };
  const Buffers din = gradients(mask, 1);
  std::vector<std::vector<float>> got(ni);
  for (size_t k = 0; k < ni; ++k) {
    if (!mask[k]) continue;
    got[k] = din[k]->host();
    check_close(got[k], DX[k], e.backward.rtol, e.backward.atol,
                "gradient of input " + std::to_string(k) + " (accumulated)");
  }
  check_untouched(din, nullptr, "gradient of input");
  if (!c.size_only || d == Device::CPU) {
    const Buffers din2 = gradients(mask, again);
    for (size_t k = 0; k < ni; ++k)
      if (mask[k])
        CHECK_MESSAGE(same_bits(got[k], din2[k]->host()), "gradient of input " << k << ": " << again_what);
  }
  if (c.size_only) {
    check_untouched(in, &X, "input");
    check_untouched(dy, &DY, "output gradient");
    return;
  }
  // Each gradient alone (the others null), then none: nothing else is written.
  for (size_t k = 0; k < ni; ++k) {
    if (!mask[k]) continue;
    std::vector<bool> alone(ni, false);
    alone[k] = true;
    const Buffers one = gradients(alone, 1);
    check_close(one[k]->host(), DX[k], e.backward.rtol, e.backward.atol,
                "gradient of input " + std::to_string(k) + " alone");
    check_untouched(one, nullptr, "gradient alone of input");
  }
  gradients(std::vector<bool>(ni, false), 1);
  check_untouched(in, &X, "input");
  check_untouched(dy, &DY, "output gradient");
  check_untouched(out, nullptr, "output");

  // The backend's gradient (accumulated minus D0) against central differences of its
  // own forward, with the step actually applied to the float input.
  for (size_t k = 0; k < ni && cap > 0; ++k) {
    if (!mask[k]) continue;
    const std::vector<float> xs = in[k]->host();
    Buffers y = nan_buffers(be, c.out);
    auto loss = [&](float v, int64_t i) {
      be.from_host(in[k]->get() + i, &v, 1);
      c.forward(be, ptrs(in), ptrs(y));
      std::vector<std::vector<float>> ys;
      for (const auto& b : y) ys.push_back(b->host());
      return dot(ys, DY);
    };
    for (int64_t i : sample_indices(c.in[k], cap, 11 + k)) {
      const FiniteStep s = finite_step(xs[size_t(i)], e.grad.h);
      const double numeric = (loss(s.up, i) - loss(s.down, i)) / s.width();
      be.from_host(in[k]->get() + i, &xs[size_t(i)], 1);
      const double a = double(got[k][size_t(i)]) - D0[k][size_t(i)];
      if (!(std::fabs(numeric - a) <= e.grad.atol + e.grad.rtol * std::fabs(a))) {
        FAIL_CHECK("input " << k << " element " << i << ": gradient " << a
                            << ", finite difference " << numeric);
        break;
      }
    }
  }
}

}  // namespace

void run_op(const OpEntry& e) {
  for (Device d : backends()) {
    if (!backend_for(d).supports(e.op)) {
      MESSAGE(e.name << ": " << device_name(d) << " does not support it");
      continue;
    }
    for (const OpCase& c : e.cases) run_case(e, c, d);
  }
}

}  // namespace sg::test
