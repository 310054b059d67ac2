// dropout, the autograd op of the kernel dropout_mask: inverted scaling, seeded, the
// identity outside training. The mask kernel itself is the op table's.
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
