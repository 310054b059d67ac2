// Dense (linear), the autograd op of gemm and bias_add: y = x wᵀ + b with w in PyTorch's
// [out, in] layout.
#include "kernels/reference/gemm.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("linear: forward against the reference, backward by differences") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    for (auto [N, in, out] : {std::tuple{5, 7, 3}, std::tuple{1, 1, 1}, std::tuple{13, 33, 17}}) {
      Tensor x = random_tensor({N, in}, 10, d), w = random_tensor({out, in}, 11, d),
             b = random_tensor({out}, 12, d);
      std::vector<double> vx = to_double(x), vw = to_double(w), vb = to_double(b),
                          want(size_t(N * out));
      ref::linear_forward(N, in, out, vx.data(), vw.data(), vb.data(), want.data());
      check_close(linear(x, w, b).to_vector(), want, 1e-5, 1e-5, "linear");
      if (N * in < 100)
        gradcheck("linear", [](auto& t) { return linear(t[0], t[1], t[2]); }, {x, w, b});
    }
    CHECK_THROWS_AS(linear(Tensor::zeros({2, 4}, d), Tensor::zeros({3, 5}, d), Tensor()), Error);
  }
}
