// Conv + bias + ReLU as one op (conv_relu: engine/ops/conv_relu.cpp; on the CUDA backends
// the bias and the ReLU in the conv kernel's store, kernels/cuda/conv2d.cu): the kernel in
// the op table on every backend against the reference conv followed by max(·, 0), at the
// tile shapes of the own kernel; the op's values and gradients against conv2d then relu
// (and conv1d then relu), bit for bit; and the layers running it.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/layers/conv.h"
#include "engine/layers/sequential.h"
#include "engine/ops.h"
#include "kernels/reference/conv2d.h"
#include "tests/op_table.h"

using namespace sg;
using namespace sg::test;

namespace {


struct Result {
  std::vector<float> y, dx, dw, db;
};

// y = conv_relu(x, w, b) or relu(conv(x, w, b)) on `d`, and the gradients of Σ y ⊙ r.
Result run(Device d, bool fused, bool one_d) {
  const Shape xs = one_d ? Shape{3, 4, 21} : Shape{3, 4, 9, 8};
  const Shape ws = one_d ? Shape{6, 4, 3} : Shape{6, 4, 3, 3};
  Tensor x = random_tensor(xs, 1, d), w = random_tensor(ws, 2, d), b = random_tensor({6}, 3, d);
  Tensor y = one_d ? (fused ? conv1d_relu(x, w, b, 1) : relu(conv1d(x, w, b, 1)))
                   : (fused ? conv2d_relu(x, w, b, 1) : relu(conv2d(x, w, b, 1)));
  Tensor r = random_tensor(y.shape(), 4, d, false);
  sum(mul(y, r)).backward();
  return {y.to_vector(), x.grad().to_vector(), w.grad().to_vector(), b.grad().to_vector()};
}

}  // namespace


TEST_CASE("conv_relu: the values and gradients of conv then relu, bit for bit") {
  for (Device d : backends())
    for (bool one_d : {false, true}) {
      INFO("device " << device_name(d) << (one_d ? ", 1-D" : ", 2-D"));
      const Result fused = run(d, true, one_d), plain = run(d, false, one_d);
      CHECK(std::count(fused.y.begin(), fused.y.end(), 0.0f) > 0);  // the ReLU did cut
      CHECK(fused.y == plain.y);
      CHECK(fused.dx == plain.dx);
      CHECK(fused.dw == plain.dw);
      CHECK(fused.db == plain.db);
    }
}

TEST_CASE("conv_relu: a Conv2D layer with ReLU runs it, unless fusion is off") {
  for (Device d : backends()) {
    INFO("device " << device_name(d));
    std::vector<float> out[2];
    for (bool fuse : {true, false}) {
      Sequential m;
      m.add<Conv2D>(5, 3, Padding::Same, Activation::Relu);
      Rng rng(8);
      m.build({2, 7, 7}, rng, d);
      m.set_fusion(fuse);
      Context ctx;
      out[fuse] = m.forward(random_tensor({2, 2, 7, 7}, 9, d, false), ctx).to_vector();
    }
    CHECK(out[0] == out[1]);
  }
}
