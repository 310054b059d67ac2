// Dropout, up-sampling and channel concatenation on every backend.
#include "kernels/reference/concat_channels.h"
#include "kernels/reference/upsample2x.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("upsample2x: nearest neighbour, gradient sums each 2×2 block") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor x = random_tensor({2, 3, 4, 5}, 40, d);
    Tensor y = upsample2x(x);
    REQUIRE(y.shape() == Shape{2, 3, 8, 10});
    std::vector<double> vx = to_double(x), want(size_t(y.numel()));
    ref::upsample2x_forward(6, 4, 5, vx.data(), want.data());
    check_close(y.to_vector(), want, 0, 0, "upsample2x");
    gradcheck("upsample2x", [](auto& t) { return upsample2x(t[0]); }, {x});
  }
}

TEST_CASE("concat_channels joins on axis 1 and splits the gradient back") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor a = random_tensor({2, 3, 4, 4}, 41, d), b = random_tensor({2, 5, 4, 4}, 42, d);
    Tensor y = concat_channels(a, b);
    REQUIRE(y.shape() == Shape{2, 8, 4, 4});
    std::vector<double> va = to_double(a), vb = to_double(b), want(size_t(y.numel()));
    ref::concat_channels_forward(2, 3, 5, 16, va.data(), vb.data(), want.data());
    check_close(y.to_vector(), want, 0, 0, "concat");
    gradcheck("concat", [](auto& t) { return concat_channels(t[0], t[1]); }, {a, b});
    CHECK_THROWS_AS(concat_channels(a, Tensor::zeros({2, 5, 4, 3}, d)), Error);
  }
}

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
