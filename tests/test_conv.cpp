// Convolution ops (conv2d, conv1d, conv_transpose2d) through autograd on every backend.
// The kernels themselves are checked in test_conv_kernels.cpp; here: the ops' shapes,
// padding semantics, and gradients by finite differences.
#include "kernels/reference/conv.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

namespace {
std::vector<double> ref_conv(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g) {
  std::vector<double> vx = to_double(x), vw = to_double(w), vb = to_double(b),
                      y(size_t(g.y_size()));
  ref::conv2d_forward(g, vx.data(), vw.data(), vb.data(), y.data());
  return y;
}
}  // namespace

TEST_CASE("conv2d valid and same: forward against the reference, gradients") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    for (int64_t pad : {0, 1}) {
      CAPTURE(pad);
      Tensor x = random_tensor({2, 3, 6, 5}, 20, d), w = random_tensor({4, 3, 3, 3}, 21, d),
             b = random_tensor({4}, 22, d);
      ConvGeom g{2, 3, 6, 5, 4, 3, 3, pad, pad};
      Tensor y = conv2d(x, w, b, pad);
      CHECK(y.shape() == Shape{2, 4, 6 + 2 * pad - 2, 5 + 2 * pad - 2});
      check_close(y.to_vector(), ref_conv(x, w, b, g), 1e-5, 1e-5, "conv2d");
      gradcheck("conv2d", [pad](auto& t) { return conv2d(t[0], t[1], t[2], pad); }, {x, w, b});
    }
    CHECK_THROWS_AS(conv2d(Tensor::zeros({1, 2, 5, 5}, d), Tensor::zeros({4, 3, 3, 3}, d),
                           Tensor(), 0), Error);
  }
}

TEST_CASE("conv1d is conv2d over one row: 'same' keeps the length") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor x = random_tensor({3, 2, 9}, 23, d), w = random_tensor({5, 2, 3}, 24, d),
           b = random_tensor({5}, 25, d);
    Tensor y = conv1d(x, w, b, 1);
    CHECK(y.shape() == Shape{3, 5, 9});
    ConvGeom g{3, 2, 1, 9, 5, 1, 3, 0, 1};
    check_close(y.to_vector(), ref_conv(x, w, b, g), 1e-5, 1e-5, "conv1d");
    gradcheck("conv1d", [](auto& t) { return conv1d(t[0], t[1], t[2], 1); }, {x, w, b});
  }
}

// Transposed convolution written out directly (not through conv2d's backward):
//   y[n,k,iy+r-p,ix+s-p] += x[n,c,iy,ix] · w[c,k,r,s]   for outputs inside the frame.
TEST_CASE("conv_transpose2d: 'same' keeps H×W, 'valid' adds 2, against a direct loop") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    for (int64_t p : {0, 1}) {
      CAPTURE(p);
      const int64_t N = 2, C = 3, H = 4, W = 5, K = 2;
      Tensor x = random_tensor({N, C, H, W}, 26, d), w = random_tensor({C, K, 3, 3}, 27, d),
             b = random_tensor({K}, 28, d);
      Tensor y = conv_transpose2d(x, w, b, p);
      const int64_t OH = H - 2 * p + 2, OW = W - 2 * p + 2;
      REQUIRE(y.shape() == Shape{N, K, OH, OW});
      std::vector<double> vx = to_double(x), vw = to_double(w), vb = to_double(b),
                          want(size_t(N * K * OH * OW));
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k)
          for (int64_t i = 0; i < OH * OW; ++i) want[size_t((n * K + k) * OH * OW + i)] = vb[size_t(k)];
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t iy = 0; iy < H; ++iy)
            for (int64_t ix = 0; ix < W; ++ix)
              for (int64_t k = 0; k < K; ++k)
                for (int64_t r = 0; r < 3; ++r)
                  for (int64_t s = 0; s < 3; ++s) {
                    int64_t oy = iy + r - p, ox = ix + s - p;
                    if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                    want[size_t(((n * K + k) * OH + oy) * OW + ox)] +=
                        vx[size_t(((n * C + c) * H + iy) * W + ix)] *
                        vw[size_t(((c * K + k) * 3 + r) * 3 + s)];
                  }
      check_close(y.to_vector(), want, 1e-5, 1e-5, "conv_transpose2d");
      gradcheck("conv_transpose2d", [p](auto& t) { return conv_transpose2d(t[0], t[1], t[2], p); },
                {x, w, b});
    }
  }
}
