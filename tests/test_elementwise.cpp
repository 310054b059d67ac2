// Element-wise ops and reductions on every backend: forward against the reference (or
// the one-line formula), backward against finite differences.
#include <cmath>

#include "kernels/reference/mse.h"
#include "kernels/reference/relu.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("add, sub, mul, scale: forward and backward") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Shape s{3, 5, 7};
    Tensor a = random_tensor(s, 1, d), b = random_tensor(s, 2, d);
    std::vector<double> va = to_double(a), vb = to_double(b), add_r, sub_r, mul_r, scale_r;
    for (size_t i = 0; i < va.size(); ++i) {
      add_r.push_back(va[i] + vb[i]);
      sub_r.push_back(va[i] - vb[i]);
      mul_r.push_back(va[i] * vb[i]);
      scale_r.push_back(2.5 * va[i] - 0.5);
    }
    check_close(add(a, b).to_vector(), add_r, 1e-6, 1e-7, "add");
    check_close(sub(a, b).to_vector(), sub_r, 1e-6, 1e-7, "sub");
    check_close(mul(a, b).to_vector(), mul_r, 1e-6, 1e-7, "mul");
    check_close(scale(a, 2.5f, -0.5f).to_vector(), scale_r, 1e-6, 1e-6, "scale");
    gradcheck("add", [](auto& in) { return add(in[0], in[1]); }, {a, b});
    gradcheck("sub", [](auto& in) { return sub(in[0], in[1]); }, {a, b});
    gradcheck("mul", [](auto& in) { return mul(in[0], in[1]); }, {a, b});
    gradcheck("scale", [](auto& in) { return scale(in[0], -1.5f, 3.0f); }, {a});
  }
}

TEST_CASE("relu: forward against the reference, backward by finite differences") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    // Values at least 0.05 away from the kink, so finite differences stay on one side.
    Tensor x = Tensor::from_vector(away_from_zero(300, 3, 0.05f), {4, 3, 5, 5}, d);
    x.set_requires_grad(true);
    std::vector<double> vx = to_double(x), want(vx.size());
    ref::relu_forward(int64_t(vx.size()), vx.data(), want.data());
    check_close(relu(x).to_vector(), want, 0, 0, "relu");
    // eps 1e-3 keeps the perturbation off the kink for these inputs.
    gradcheck("relu", [](auto& in) { return relu(in[0]); }, {x}, {1e-3, 1e-2, 1e-3});
  }
}

TEST_CASE("sum, mean and mse reduce in double and back-propagate") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor a = random_tensor({6, 11}, 4, d), b = random_tensor({6, 11}, 5, d);
    std::vector<double> va = to_double(a), vb = to_double(b);
    double s = 0;
    for (double v : va) s += v;
    CHECK(sum(a).item() == doctest::Approx(s).epsilon(1e-6));
    CHECK(mean(a).item() == doctest::Approx(s / 66).epsilon(1e-6));
    CHECK(mse(a, b).item() ==
          doctest::Approx(ref::mse(int64_t(va.size()), va.data(), vb.data())).epsilon(1e-6));
    CHECK(sum(a).shape().empty());
    gradcheck("sum", [](auto& in) { return sum(in[0]); }, {a});
    gradcheck("mean", [](auto& in) { return mean(in[0]); }, {a});
    gradcheck("mse", [](auto& in) { return mse(in[0], in[1]); }, {a, b});
  }
}

TEST_CASE("reshape shares memory and passes gradients through") {
  for (Device d : backends()) {
    Tensor x = random_tensor({2, 3, 4}, 6, d);
    Tensor y = reshape(x, {6, 4});
    CHECK(y.shape() == Shape{6, 4});
    CHECK(y.data() == x.data());
    CHECK(y.to_vector() == x.to_vector());
    gradcheck("reshape", [](auto& in) { return reshape(in[0], {4, 6}); }, {x});
    CHECK_THROWS_AS(reshape(x, {5, 5}), Error);
  }
}

TEST_CASE("shape mismatches throw errors that name both shapes") {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 2});
  for (auto op : {add, sub, mul, mse}) {
    try {
      op(a, b);
      FAIL("no exception");
    } catch (const Error& e) {
      std::string m = e.what();
      CHECK(m.find("[2, 3]") != std::string::npos);
      CHECK(m.find("[3, 2]") != std::string::npos);
    }
  }
}
