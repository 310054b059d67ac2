// The Difference Model's head: the three wraps of the predicted stereo angle.
#include <cmath>

#include "models/difference.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("difference model: report, symmetric and centred wraps agree modulo 2π, each in its window") {
  const float t = float(4 * 35 * M_PI / 180);  // nδ for squares at δ = 35°: 2.44 rad
  Tensor a = random_tensor({32, 1, 32, 32}, 60, Device::CPU, false, 0.0f, 1.0f);
  Tensor b = random_tensor({32, 1, 32, 32}, 61, Device::CPU, false, 0.0f, 1.0f);
  std::vector<std::vector<float>> d;
  for (Wrap w : {Wrap::Report, Wrap::Symmetric, Wrap::Centred}) {
    Rng rng(5);
    DifferenceModel m(Dims::Two, 32, 4, w, rng, Device::CPU);
    Context ctx;
    d.push_back(m.predicted_difference(a, b, t, ctx).to_vector());
  }
  const double two_pi = 2 * M_PI;
  bool spread = false;
  for (size_t i = 0; i < d[0].size(); ++i) {
    CHECK(d[0][i] >= 0.0f);
    CHECK(d[0][i] < two_pi);
    CHECK(d[1][i] >= -M_PI - 1e-6);
    CHECK(d[1][i] <= M_PI + 1e-6);
    CHECK(d[2][i] >= t - M_PI - 1e-5);
    CHECK(d[2][i] <= t + M_PI + 1e-5);
    for (int k : {1, 2}) {
      double diff = std::remainder(double(d[k][i]) - d[0][i], two_pi);
      CHECK(std::fabs(diff) < 1e-5);
    }
    spread = spread || d[2][i] != d[1][i];
  }
  CHECK(spread);  // the centred window really differs from the symmetric one here
  CHECK(parse_wrap("centred") == Wrap::Centred);
  CHECK_THROWS_AS(parse_wrap("sideways"), Error);
}
