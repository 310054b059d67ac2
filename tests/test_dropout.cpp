// dropout, the autograd op of the kernel dropout: inverted scaling, seeded, the identity
// outside training. The kernel itself is the op table's.
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("dropout: inverted scaling, seeded, identity outside training") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor x = Tensor::full({64, 100}, 2.0f, d);
    x.set_requires_grad(true);
    CHECK(dropout(x, 0.1f, false, 1, 0).to_vector() == x.to_vector());
    std::vector<float> y = dropout(x, 0.25f, true, 7, 3).to_vector();
    int zeros = 0;
    for (float v : y) {
      CHECK((v == 0.0f || v == doctest::Approx(2.0f / 0.75f)));
      zeros += v == 0.0f;
    }
    // 6,400 Bernoulli(0.25) draws: mean 1,600, sd ≈ 35.
    CHECK(zeros > 1450);
    CHECK(zeros < 1750);
    CHECK(dropout(x, 0.25f, true, 7, 3).to_vector() == y);
    CHECK(dropout(x, 0.25f, true, 7, 4).to_vector() != y);
    // A stream base in device memory adds to the stream: base 1 + stream 2 draws stream 3's
    // mask, a base of 2^40 another one.
    for (uint64_t b : {uint64_t(1), uint64_t(1) << 40}) {
      Tensor base = Tensor::zeros({2}, d);  // a uint64 in two floats' storage
      base.backend().from_host(base.data(), reinterpret_cast<const float*>(&b), 2);
      const std::vector<float> yb =
          dropout(x, 0.25f, true, 7, 2, reinterpret_cast<const uint64_t*>(base.data())).to_vector();
      CHECK((b == 1 ? yb == y : yb != y));
    }
    gradcheck("dropout", [](auto& t) { return dropout(t[0], 0.5f, true, 3, 1); },
              {random_tensor({3, 7}, 43, d)});
  }
}

// One kernel forward and backward, the mask drawn again from each index: the bits of
// x · m and g · m with m the float mask built here from random_uniform32 (what a stored
// mask and `mul` gave before), for values of both signs and zeros; and where x's gradient
// is already being summed (x used twice), dx = g·m + g.
TEST_CASE("dropout: the bits of x·mask forward and g·mask backward, accumulated too") {
  const float p = 0.3f, keep = 1.0f / (1.0f - p);
  const int64_t n = 70001;
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    std::vector<float> mask(static_cast<size_t>(n)), want(static_cast<size_t>(n));
    Tensor x = random_tensor({n}, 44, d);
    std::vector<float> xv = x.to_vector();
    for (int64_t i = 0; i < n; i += 7) xv[size_t(i)] = 0.0f;
    x = Tensor::from_vector(xv, {n}, d);
    x.set_requires_grad(true);
    for (int64_t i = 0; i < n; ++i) {
      mask[size_t(i)] = random_uniform32(5, 9, uint64_t(i)) < double(p) ? 0.0f : keep;
      want[size_t(i)] = xv[size_t(i)] * mask[size_t(i)];
    }
    Tensor y = dropout(x, p, true, 5, 9);
    CHECK(y.to_vector() == want);
    Tensor g = random_tensor({n}, 45, d);
    const std::vector<float> gv = g.to_vector();
    sum(mul(y, g)).backward();  // ∂/∂y = g
    const std::vector<float> dx = x.grad().to_vector();
    std::vector<float> dx_want(static_cast<size_t>(n)), dx2_want(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      dx_want[size_t(i)] = gv[size_t(i)] * mask[size_t(i)];
      dx2_want[size_t(i)] = gv[size_t(i)] * mask[size_t(i)] + gv[size_t(i)];
    }
    CHECK(dx == dx_want);
    Tensor x2 = Tensor::from_vector(xv, {n}, d);
    x2.set_requires_grad(true);
    sum(mul(add(dropout(x2, p, true, 5, 9), x2), g)).backward();
    const std::vector<float> dx2 = x2.grad().to_vector();
    double worst = 0;
    for (int64_t i = 0; i < n; ++i)
      worst = std::max(worst, std::abs(double(dx2[size_t(i)]) - dx2_want[size_t(i)]));
    CHECK(worst <= 1e-6);
  }
}

// The draw (engine/random.h), restated here from its definition: value i takes the low
// (i even) or high (i odd) 32 bits u of SplitMix64(key + ⌊i/2⌋) and is dropped when
// u·2⁻³² < p. random_below's integer threshold gives that outcome for p on the 2⁻³² grid,
// just off it, and at the ends (0, the largest float below 1), over 200,000 indices each;
// the rate is p; and the two halves of one hash are not alike (each value's own draw).
TEST_CASE("dropout's draw: random_below is u·2⁻³² < p, u the index's half of its pair's hash") {
  const float grid = std::ldexp(1.0f, -32);
  const float below_one = std::nextafter(1.0f, 0.0f);
  for (float p : {0.0f, 0.1f, 0.25f, 0.5f, 3 * grid, 3 * grid + grid / 4, below_one}) {
    CAPTURE(p);
    const uint64_t key = random_key(11, 4);
    const uint32_t threshold = random_below_threshold(p);
    int64_t differ = 0, bits_differ = 0, below = 0, pairs_alike = 0;
    for (uint64_t i = 0; i < 200000; ++i) {
      const uint64_t h = mix64(key + i / 2);
      const uint32_t u = i % 2 ? uint32_t(h >> 32) : uint32_t(h & 0xffffffffu);
      const bool want = double(u) * std::ldexp(1.0, -32) < double(p);
      bits_differ += random_bits32(key, i) != u;
      differ += random_below(key, i, threshold) != want;
      below += want;
      if (i % 2) pairs_alike += want == (random_below(key, i - 1, threshold));
    }
    CHECK(bits_differ == 0);
    CHECK(differ == 0);
    if (p == 0.5f) {
      CHECK(std::abs(below - 100000) < 1500);        // sd 224
      CHECK(std::abs(pairs_alike - 50000) < 1200);   // independent halves: sd 158
    }
  }
}
