// Reverse-mode autograd: accumulation, shared inputs, inference mode, error cases.
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("a tensor used twice gets the sum of both gradients") {
  Tensor x = Tensor::from_vector({1.0f, -2.0f, 3.0f}, {3});
  x.set_requires_grad(true);
  // L = Σ (x·x + 3x)  →  dL/dx = 2x + 3
  sum(add(mul(x, x), scale(x, 3.0f))).backward();
  CHECK(x.grad().to_vector() == std::vector<float>{5.0f, -1.0f, 9.0f});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad") {
  Tensor x = Tensor::from_vector({0.5f, 1.5f}, {2});
  x.set_requires_grad(true);
  sum(scale(x, 2.0f)).backward();
  sum(scale(x, 2.0f)).backward();
  CHECK(x.grad().to_vector() == std::vector<float>{4.0f, 4.0f});
  x.zero_grad();
  CHECK(x.grad().to_vector() == std::vector<float>{0.0f, 0.0f});
}

TEST_CASE("inference mode records nothing") {
  Tensor x = random_tensor({4, 4}, 50, Device::CPU);
  {
    NoGradGuard guard;
    Tensor y = relu(mul(x, x));
    CHECK_FALSE(y.requires_grad());
    CHECK(y.impl()->grad_fn == nullptr);
    CHECK_THROWS_AS(sum(y).backward(), Error);
  }
  CHECK(relu(x).requires_grad());
}

TEST_CASE("only gradient-requiring leaves receive gradients") {
  Tensor a = random_tensor({3}, 51, Device::CPU, true), b = random_tensor({3}, 52, Device::CPU, false);
  sum(mul(a, b)).backward();
  CHECK(a.grad().to_vector() == b.to_vector());
  CHECK_FALSE(b.has_grad());
}

TEST_CASE("backward needs a one-element loss") {
  Tensor x = random_tensor({2, 2}, 53, Device::CPU);
  CHECK_THROWS_AS(relu(x).backward(), Error);
}

TEST_CASE("a deep graph back-propagates without recursion") {
  Tensor x = Tensor::from_vector({1.0f}, {1});
  x.set_requires_grad(true);
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = scale(y, 1.0f, 0.001f);
  sum(y).backward();
  CHECK(x.grad().item() == 1.0f);
  CHECK(y.item() == doctest::Approx(21.0f).epsilon(1e-3));
}

TEST_CASE("backward twice through one graph adds the same gradient again") {
  Tensor w = Tensor::from_vector({3.0f}, {1});
  w.set_requires_grad(true);
  Tensor l = sum(mul(scale(w, 2.0f), scale(w, 2.0f)));  // l = 4w², dl/dw = 8w = 24
  l.backward();
  CHECK(w.grad().item() == 24.0f);
  l.backward();
  CHECK(w.grad().item() == 48.0f);
}

TEST_CASE("an op with an undefined optional input (no bias) back-propagates") {
  Tensor x = random_tensor({2, 3}, 54, Device::CPU), w = random_tensor({4, 3}, 55, Device::CPU);
  sum(linear(x, w, Tensor())).backward();
  CHECK(w.has_grad());
  CHECK(x.has_grad());
}
