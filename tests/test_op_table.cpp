// The op table's entries: every kernel of the backend interface with its shapes (odd
// sizes, sizes that are not multiples of the CUDA kernels' tiles or of a warp, 1-D
// rows), its tolerances and its finite-difference step, stated once and run by
// run_op() (tests/op_table.h) on every backend against kernels/reference/.
#include <cmath>

#include "engine/random.h"
#include "kernels/reference/adam.h"
#include "kernels/reference/angle_loss.h"
#include "kernels/reference/atan2.h"
#include "kernels/reference/concat_channels.h"
#include "kernels/reference/conv2d.h"
#include "kernels/reference/maxpool2d.h"
#include "kernels/reference/relu.h"
#include "kernels/reference/upsample2x.h"
#include "kernels/reference/wrap_angle.h"
#include "tests/op_table.h"
#include "tests/scoped_option.h"

using namespace sg;
using namespace sg::test;

namespace {

ConvGeom conv_geom(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
                   int64_t ph, int64_t pw) {
  ConvGeom g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.K = K, g.R = R, g.S = S, g.pad_h = ph, g.pad_w = pw;
  return g;
}

std::string describe(const ConvGeom& g) {
  return "N=" + std::to_string(g.N) + " C=" + std::to_string(g.C) + " " + std::to_string(g.H) +
         "x" + std::to_string(g.W) + " K=" + std::to_string(g.K) + " " + std::to_string(g.R) +
         "x" + std::to_string(g.S) + " pad " + std::to_string(g.pad_h) + "," +
         std::to_string(g.pad_w);
}

// Convolution y = conv(x, w) (+ b): the Difference Model's layers scaled down, 'same' and
// 'valid', 1-D rows, 1x1, padding up to and beyond R-1, a row narrower than the kernel,
// uneven batches (N=17, 21), the few-taps CPU path (C=1 or 2, pixels not a multiple of
// 16), every tile shape of kernels/cuda/tiled_gemm.h with M and the filter slices not
// multiples of them, and 512 filter slices (the 130x130 case).
OpEntry conv2d_entry(bool bias) {
  OpEntry e;
  e.name = bias ? "conv2d" : "conv2d without bias";
  e.op = Op::Conv2d;
  e.forward = e.backward = {1e-4, 1e-4};
  e.grad = {0.25, 1e-3, 1e-3, 6};  // linear in each input: any step is exact
  e.ref_h = 0.5;
  e.ref_rtol = 1e-7;
  struct Shape {
    ConvGeom g;
    int64_t cap;  // 0: a shape for its size only (tiles, blocks)
  };
  const Shape shapes[] = {
      {conv_geom(2, 1, 10, 10, 16, 3, 3, 0, 0), -1}, {conv_geom(2, 16, 6, 6, 32, 3, 3, 0, 0), -1},
      {conv_geom(1, 32, 5, 5, 16, 3, 3, 0, 0), -1},  {conv_geom(2, 3, 8, 8, 4, 3, 3, 1, 1), -1},
      {conv_geom(3, 4, 1, 20, 5, 1, 3, 0, 0), -1},   {conv_geom(3, 4, 1, 20, 5, 1, 3, 0, 1), -1},
      {conv_geom(1, 2, 7, 5, 3, 3, 3, 0, 0), -1},    {conv_geom(5, 3, 7, 5, 2, 3, 3, 1, 1), -1},
      {conv_geom(2, 6, 5, 7, 4, 1, 1, 0, 0), -1},    {conv_geom(2, 1, 9, 11, 5, 3, 3, 0, 0), -1},
      {conv_geom(3, 1, 1, 40, 16, 1, 3, 0, 1), -1},  {conv_geom(2, 2, 6, 7, 3, 2, 2, 1, 1), -1},
      {conv_geom(2, 3, 4, 5, 2, 3, 3, 2, 2), -1},    {conv_geom(2, 2, 5, 6, 3, 2, 3, 1, 2), -1},
      {conv_geom(21, 2, 6, 5, 3, 3, 3, 1, 1), -1},   {conv_geom(2, 2, 4, 3, 2, 3, 3, 3, 3), -1},
      {conv_geom(2, 2, 1, 2, 3, 1, 3, 0, 1), -1},    {conv_geom(2, 2, 5, 4, 3, 3, 2, 1, 1), -1},
      {conv_geom(1, 3, 1, 7, 2, 1, 3, 0, 1), -1},    {conv_geom(2, 1, 4, 4, 2, 3, 3, 2, 2), -1},
      {conv_geom(5, 3, 9, 7, 4, 3, 3, 1, 1), -1},    {conv_geom(17, 4, 1, 30, 8, 1, 3, 0, 1), -1},
      {conv_geom(8, 5, 13, 11, 20, 3, 2, 1, 0), 0},  {conv_geom(3, 33, 7, 6, 40, 2, 3, 0, 1), 0},
      {conv_geom(1, 70, 9, 9, 66, 3, 3, 1, 1), 0},   {conv_geom(20, 16, 12, 12, 32, 3, 3, 0, 0), 0},
      {conv_geom(40, 2, 30, 30, 3, 3, 3, 0, 0), 0},  {conv_geom(64, 1, 34, 34, 3, 3, 3, 0, 0), 0},
      {conv_geom(2, 2, 130, 130, 20, 3, 3, 1, 1), 0},
  };
  for (const Shape& s : shapes) {
    // Without a bias only the bias differs: the tile shapes are checked once, with it.
    if (!bias && s.cap == 0) continue;
    const ConvGeom g = s.g;
    OpCase c;
    c.shape = describe(g);
    c.in = {g.x_size(), g.w_size()};
    if (bias) c.in.push_back(g.K);
    c.out = {g.y_size()};
    c.max_checked = s.cap;
    c.size_only = s.cap == 0;
    c.forward = [g, bias](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.conv2d_forward(g, in[0], in[1], bias ? in[2] : nullptr, out[0]);
    };
    c.backward = [g, bias](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy,
                           const Ptrs& din) {
      be.conv2d_backward_data(g, dy[0], in[1], din[0]);
      be.conv2d_backward_filter(g, in[0], dy[0], din[1], bias ? din[2] : nullptr);
    };
    c.ref_forward = [g, bias](const DPtrs& in, const DPtrs& out) {
      ref::conv2d_forward(g, in[0], in[1], bias ? in[2] : nullptr, out[0]);
    };
    c.ref_backward = [g, bias](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      ref::conv2d_backward_data(g, dy[0], in[1], din[0]);
      ref::conv2d_backward_filter(g, in[0], dy[0], din[1], bias ? din[2] : nullptr);
    };
    e.cases.push_back(c);
  }
  return e;
}

// Max pooling, window = stride, floor mode: odd sizes leave rows and columns no window
// covers; 1-D windows; a 3x2 window; small whole numbers (ties: the gradient goes to the
// first maximum, as in the reference) and a constant input. Ties get no differences.
OpEntry maxpool2d_entry() {
  OpEntry e;
  e.name = "maxpool2d";
  e.op = Op::MaxPool2d;
  e.forward = {0, 0};           // it only selects
  e.backward = {1e-6, 1e-6};    // dx0 + dy: one float add
  e.grad = {1e-3, 1e-3, 1e-4, 24};  // distinct values 0.01 apart: the step never switches
  e.ref_h = 1e-4;
  struct Shape {
    PoolGeom g;
    int levels;  // 0: distinct values
  };
  const Shape shapes[] = {
      {{2, 3, 7, 9, 2, 2}, 0},  {{5, 2, 8, 6, 2, 2}, 0},  {{3, 4, 1, 11, 1, 2}, 0},
      {{2, 2, 7, 5, 3, 2}, 0},  {{2, 2, 5, 7, 2, 3}, 0},  {{2, 3, 9, 7, 2, 2}, 3},
      {{2, 3, 7, 9, 2, 2}, 3},  {{3, 4, 1, 11, 1, 2}, 3}, {{2, 2, 7, 5, 3, 2}, 3},
      {{2, 2, 1, 13, 1, 2}, 2}, {{2, 2, 5, 7, 2, 2}, 1},  {{6, 5, 11, 9, 2, 2}, 4},
  };
  for (const Shape& s : shapes) {
    const PoolGeom g = s.g;
    OpCase c;
    c.shape = "N=" + std::to_string(g.N) + " C=" + std::to_string(g.C) + " " +
              std::to_string(g.H) + "x" + std::to_string(g.W) + " window " +
              std::to_string(g.ph) + "x" + std::to_string(g.pw) +
              (s.levels ? ", values 0.." + std::to_string(s.levels - 1) : ", distinct values");
    c.in = {g.x_size()};
    c.out = {g.y_size()};
    c.draws = {s.levels ? Draw{Draw::Levels, 0, double(s.levels)} : Draw{Draw::Distinct}};
    if (s.levels) c.max_checked = 0;
    c.forward = [g](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.maxpool2d_forward(g, in[0], out[0]);
    };
    c.backward = [g](Backend& be, const Ptrs& in, const Ptrs& out, const Ptrs& dy,
                     const Ptrs& din) { be.maxpool2d_backward(g, in[0], out[0], dy[0], din[0]); };
    c.ref_forward = [g](const DPtrs& in, const DPtrs& out) {
      ref::maxpool2d_forward(g, in[0], out[0]);
    };
    c.ref_backward = [g](const DPtrs& in, const DPtrs& out, const DPtrs& dy, const DPtrs& din) {
      ref::maxpool2d_backward(g, in[0], out[0], dy[0], din[0]);
    };
    e.cases.push_back(c);
  }
  return e;
}

// C = alpha·op(A)·op(B) + beta·C0 in every transpose, odd sizes, K = 0, and the wide
// 32x128 and 16x256 tiles (N = 32800, 65600). With beta = 0, C0 is NaN: it must not be read.
OpEntry gemm_entry() {
  OpEntry e;
  e.name = "gemm";
  e.op = Op::Gemm;
  e.forward = {1e-4, 1e-5};
  struct Size {
    int64_t M, N, K;
  };
  for (Size z : {Size{1, 1, 1}, Size{70, 33, 17}, Size{64, 64, 16}, Size{3, 130, 100},
                 Size{129, 5, 65}, Size{4, 6, 0}, Size{20, 32800, 3}, Size{9, 65600, 5}})
    for (int t = 0; t < 4; ++t)
      for (float beta : {0.0f, 0.75f}) {
        const bool ta = t & 1, tb = t & 2;
        const float alpha = 1.5f;
        // The wide tiles: every transpose with beta, the epilogue without it once.
        if (z.N > 10000 && beta == 0 && t != 0) continue;
        OpCase c;
        c.shape = "M=" + std::to_string(z.M) + " N=" + std::to_string(z.N) + " K=" +
                  std::to_string(z.K) + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : "") +
                  (beta == 0 ? " beta=0" : " beta=0.75");
        c.in = {z.M * z.K, z.K * z.N, z.M * z.N};
        c.out = {z.M * z.N};
        c.draws = {Draw{}, Draw{}, beta == 0 ? Draw{Draw::Nan} : Draw{}};
        c.size_only = z.N > 10000;
        c.forward = [z, ta, tb, alpha, beta](Backend& be, const Ptrs& in, const Ptrs& out) {
          be.copy(z.M * z.N, in[2], out[0]);
          be.gemm(ta, tb, z.M, z.N, z.K, alpha, in[0], in[1], beta, out[0]);
        };
        c.ref_forward = [z, ta, tb, alpha, beta](const DPtrs& in, const DPtrs& out) {
          for (int64_t m = 0; m < z.M; ++m)
            for (int64_t n = 0; n < z.N; ++n) {
              double s = 0;
              for (int64_t k = 0; k < z.K; ++k)
                s += (ta ? in[0][k * z.M + m] : in[0][m * z.K + k]) *
                     (tb ? in[1][n * z.K + k] : in[1][k * z.N + n]);
              const int64_t i = m * z.N + n;
              out[0][i] = alpha * s + (beta == 0 ? 0.0 : beta * in[2][i]);
            }
        };
        e.cases.push_back(c);
      }
  return e;
}

// Reductions: sum (empty, one, not a multiple of a warp or a block, 300,001) and the
// mean squared error with its backward; a fixed order makes them bit-reproducible.
OpEntry sum_entry() {
  OpEntry e;
  e.name = "sum";
  e.op = Op::Sum;
  e.forward = {1e-5, 1e-4};
  for (int64_t n : {0, 1, 33, 1000, 300001}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in = {n};
    c.out = {1};
    c.forward = [n](Backend& be, const Ptrs& in, const Ptrs& out) { be.sum(n, in[0], out[0]); };
    c.ref_forward = [n](const DPtrs& in, const DPtrs& out) {
      out[0][0] = 0;
      for (int64_t i = 0; i < n; ++i) out[0][0] += in[0][i];
    };
    e.cases.push_back(c);
  }
  return e;
}

OpEntry mse_entry() {
  OpEntry e;
  e.name = "mse";
  e.op = Op::Mse;
  e.forward = {1e-5, 1e-6};
  e.backward = {1e-5, 2e-7};
  e.grad = {0.1, 1e-2, 1e-6, 8};  // quadratic: central differences are exact
  e.ref_h = 1e-3;
  for (int64_t n : {0, 1, 33, 1000, 300001}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in = {n, n};
    c.out = {1};
    if (n > 1000) c.max_checked = 3;
    c.forward = [n](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.mse_forward(n, in[0], in[1], out[0]);
    };
    c.ref_forward = [n](const DPtrs& in, const DPtrs& out) {  // mean (a-b)², 0 when empty
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += (in[0][i] - in[1][i]) * (in[0][i] - in[1][i]);
      out[0][0] = n ? s / double(n) : 0.0;
    };
    if (n > 0) {  // da += g·2(a-b)/n, db -= g·2(a-b)/n
      c.backward = [n](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
        be.mse_backward(n, in[0], in[1], dy[0], din[0], din[1]);
      };
      c.ref_backward = [n](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
        for (int64_t i = 0; i < n; ++i) {
          const double g = dy[0][0] * 2 * (in[0][i] - in[1][i]) / double(n);
          if (din[0]) din[0][i] += g;
          if (din[1]) din[1][i] -= g;
        }
      };
    }
    e.cases.push_back(c);
  }
  return e;
}

// Bias of Dense (y[r,c] = y0[r,c] + b[c]) and of NC(S) tensors (y[n,c,s] = y0 + b[c]);
// db sums dy over everything but c. y0 is the layer's output before the bias.
OpEntry bias_entry(bool channels) {
  OpEntry e;
  e.name = channels ? "bias_add_channels" : "bias_add";
  e.op = channels ? Op::BiasAddChannels : Op::BiasAdd;
  e.forward = {1e-6, 1e-6};
  e.backward = {1e-5, 1e-4};
  e.grad = {0.25, 1e-3, 1e-3, 8};  // linear
  e.ref_rtol = 1e-7;
  struct Size {
    int64_t N, C, S;  // Dense: N rows of C columns, S = 1
  };
  const std::vector<Size> sizes = channels
      ? std::vector<Size>{{5, 4, 777}, {2, 3, 1}, {3, 5, 33}, {1, 1, 1}}
      : std::vector<Size>{{1000, 3, 1}, {5, 7, 1}, {1, 1, 1}, {33, 17, 1}};
  for (Size z : sizes) {
    OpCase c;
    c.shape = "N=" + std::to_string(z.N) + " C=" + std::to_string(z.C) + " S=" + std::to_string(z.S);
    const int64_t n = z.N * z.C * z.S;
    c.in = {n, z.C};
    c.out = {n};
    c.differentiable = {false, true};
    c.forward = [z, n, channels](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.copy(n, in[0], out[0]);
      if (channels) be.bias_add_channels(z.N, z.C, z.S, in[1], out[0]);
      else be.bias_add(z.N, z.C, in[1], out[0]);
    };
    c.backward = [z, channels](Backend& be, const Ptrs&, const Ptrs&, const Ptrs& dy,
                               const Ptrs& din) {
      if (channels) be.bias_backward_channels(z.N, z.C, z.S, dy[0], din[1]);
      else be.bias_backward(z.N, z.C, dy[0], din[1]);
    };
    c.ref_forward = [z, n](const DPtrs& in, const DPtrs& out) {
      for (int64_t i = 0; i < n; ++i) out[0][i] = in[0][i] + in[1][(i / z.S) % z.C];
    };
    c.ref_backward = [z, n](const DPtrs&, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      if (din[1])
        for (int64_t i = 0; i < n; ++i) din[1][(i / z.S) % z.C] += dy[0][i];
    };
    e.cases.push_back(c);
  }
  return e;
}

// ReLU on values at least 0.05 from the kink (so differences stay on one side).
OpEntry relu_entry() {
  OpEntry e;
  e.name = "relu";
  e.op = Op::Relu;
  e.forward = {0, 0};
  e.backward = {1e-6, 1e-7};
  e.grad = {1e-2, 1e-3, 1e-4, 24};
  e.ref_h = 1e-3;
  for (int64_t n : {1, 33, 300, 4097}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in = {n};
    c.out = {n};
    c.draws = {Draw{Draw::AwayFromZero, 0.05}};
    c.forward = [n](Backend& be, const Ptrs& in, const Ptrs& out) { be.relu_forward(n, in[0], out[0]); };
    c.backward = [n](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
      be.relu_backward(n, in[0], dy[0], din[0]);
    };
    c.ref_forward = [n](const DPtrs& in, const DPtrs& out) { ref::relu_forward(n, in[0], out[0]); };
    c.ref_backward = [n](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      for (int64_t i = 0; i < n; ++i)
        if (din[0] && in[0][i] > 0) din[0][i] += dy[0][i];
    };
    e.cases.push_back(c);
  }
  return e;
}

// The angle head: y = atan2(S, C) of n pairs; dS += dy·C/(S²+C²), dC -= dy·S/(S²+C²).
// (S, C) in all four quadrants, and in [0.3, 1)² where the differences are well conditioned.
OpEntry atan2_entry() {
  OpEntry e;
  e.name = "atan2";
  e.op = Op::Atan2;
  e.forward = {1e-6, 1e-6};
  e.backward = {1e-5, 1e-6};
  e.grad = {1e-2, 1e-2, 2e-3, 24};
  e.ref_h = 1e-5;
  e.ref_rtol = 1e-6;
  for (int64_t n : {9, 33, 1000})
    for (bool quadrants : {true, false}) {
      OpCase c;
      c.shape = "n=" + std::to_string(n) + (quadrants ? ", all quadrants" : ", S, C in [0.3, 1)");
      c.in = {2 * n};
      c.out = {n};
      if (!quadrants) c.draws = {Draw{Draw::Uniform, 0.3, 1.0}};
      else c.max_checked = 0;
      c.forward = [n](Backend& be, const Ptrs& in, const Ptrs& out) { be.atan2_forward(n, in[0], out[0]); };
      c.backward = [n](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
        be.atan2_backward(n, in[0], dy[0], din[0]);
      };
      c.ref_forward = [n](const DPtrs& in, const DPtrs& out) { ref::atan2_forward(n, in[0], out[0]); };
      c.ref_backward = [n](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
        if (!din[0]) return;
        for (int64_t i = 0; i < n; ++i) {
          const double S = in[0][2 * i], C = in[0][2 * i + 1], r2 = S * S + C * C;
          din[0][2 * i] += dy[0][i] * C / r2;
          din[0][2 * i + 1] -= dy[0][i] * S / r2;
        }
      };
      e.cases.push_back(c);
    }
  return e;
}

// The wrap of an angle difference into one period (one-sided and symmetric); its
// backward is the identity, done by the engine.
OpEntry wrap_angle_entry() {
  OpEntry e;
  e.name = "wrap_angle";
  e.op = Op::WrapAngle;
  e.forward = {1e-6, 1e-6};
  const double P = 2 * M_PI;
  for (int64_t n : {7, 1000})
    for (bool sym : {false, true}) {
      OpCase c;
      c.shape = "n=" + std::to_string(n) + (sym ? ", symmetric" : ", one-sided");
      c.in = {n};
      c.out = {n};
      c.draws = {Draw{Draw::Uniform, -7, 7}};
      c.forward = [n, sym, P](Backend& be, const Ptrs& in, const Ptrs& out) {
        be.wrap_angle(n, float(P), sym, in[0], out[0]);
      };
      c.ref_forward = [n, sym, P](const DPtrs& in, const DPtrs& out) {
        ref::wrap_angle(n, double(float(P)), sym, in[0], out[0]);
      };
      e.cases.push_back(c);
    }
  return e;
}

// An op that only copies or adds values: exact forward, one float add per gradient element,
// linear (any finite-difference step is exact).
OpEntry moves_values(const char* name, Op op) {
  OpEntry e;
  e.name = name;
  e.op = op;
  e.forward = {0, 0};
  e.backward = {1e-6, 1e-6};
  e.grad = {0.25, 1e-3, 1e-3, 16};
  e.ref_rtol = 1e-7;
  return e;
}

// Nearest-neighbour x2 up-sampling over planes of HxW; dx sums each 2x2 block of dy.
OpEntry upsample2x_entry() {
  OpEntry e = moves_values("upsample2x", Op::Upsample2x);
  struct Size {
    int64_t P, H, W;
  };
  for (Size z : {Size{6, 4, 5}, Size{3, 7, 9}, Size{1, 1, 1}, Size{2, 17, 33}}) {
    OpCase c;
    c.shape = std::to_string(z.P) + " planes of " + std::to_string(z.H) + "x" + std::to_string(z.W);
    c.in = {z.P * z.H * z.W};
    c.out = {4 * z.P * z.H * z.W};
    c.forward = [z](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.upsample2x_forward(z.P, z.H, z.W, in[0], out[0]);
    };
    c.backward = [z](Backend& be, const Ptrs&, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
      be.upsample2x_backward(z.P, z.H, z.W, dy[0], din[0]);
    };
    c.ref_forward = [z](const DPtrs& in, const DPtrs& out) {
      ref::upsample2x_forward(z.P, z.H, z.W, in[0], out[0]);
    };
    c.ref_backward = [z](const DPtrs&, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      if (!din[0]) return;
      for (int64_t p = 0; p < z.P; ++p)
        for (int64_t i = 0; i < 2 * z.H; ++i)
          for (int64_t j = 0; j < 2 * z.W; ++j)
            din[0][(p * z.H + i / 2) * z.W + j / 2] += dy[0][(p * 2 * z.H + i) * 2 * z.W + j];
    };
    e.cases.push_back(c);
  }
  return e;
}

// y[n] = [a[n], b[n]] along the channels; the backward splits dy back.
OpEntry concat_entry() {
  OpEntry e = moves_values("concat_channels", Op::ConcatChannels);
  struct Size {
    int64_t N, Ca, Cb, S;
  };
  for (Size z : {Size{2, 3, 5, 16}, Size{3, 1, 2, 7}, Size{1, 4, 1, 33}}) {
    OpCase c;
    c.shape = "N=" + std::to_string(z.N) + " Ca=" + std::to_string(z.Ca) + " Cb=" +
              std::to_string(z.Cb) + " S=" + std::to_string(z.S);
    c.in = {z.N * z.Ca * z.S, z.N * z.Cb * z.S};
    c.out = {z.N * (z.Ca + z.Cb) * z.S};
    c.forward = [z](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.concat_channels_forward(z.N, z.Ca, z.Cb, z.S, in[0], in[1], out[0]);
    };
    c.backward = [z](Backend& be, const Ptrs&, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
      be.concat_channels_backward(z.N, z.Ca, z.Cb, z.S, dy[0], din[0], din[1]);
    };
    c.ref_forward = [z](const DPtrs& in, const DPtrs& out) {
      ref::concat_channels_forward(z.N, z.Ca, z.Cb, z.S, in[0], in[1], out[0]);
    };
    c.ref_backward = [z](const DPtrs&, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      const int64_t a = z.Ca * z.S, b = z.Cb * z.S;
      for (int64_t n = 0; n < z.N; ++n)
        for (int64_t i = 0; i < a + b; ++i) {
          double* d = i < a ? din[0] : din[1];
          if (d) d[n * (i < a ? a : b) + (i < a ? i : i - a)] += dy[0][n * (a + b) + i];
        }
    };
    e.cases.push_back(c);
  }
  return e;
}

// The element-wise kernels, y[i] = f(inputs[i]), on n = 0, 1, not a multiple of a warp or
// a block, and past the CPU's threshold for OpenMP (2^15). axpy and mul_acc accumulate:
// their y0 is the last input, copied to the output before the kernel runs (as gemm's C0).
OpEntry elementwise_entry(const char* name, Op op, int inputs,
                          std::function<void(Backend&, int64_t n, const Ptrs& in, float* y)> run,
                          std::function<double(const double* v)> f) {
  OpEntry e;
  e.name = name;
  e.op = op;
  e.forward = {1e-6, 1e-6};  // one or two float roundings (the GPU may fuse them)
  for (int64_t n : {0, 1, 33, 1000, 40000}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in.assign(size_t(inputs), n);
    c.out = {n};
    c.forward = [n, run](Backend& be, const Ptrs& in, const Ptrs& out) { run(be, n, in, out[0]); };
    c.ref_forward = [n, inputs, f](const DPtrs& in, const DPtrs& out) {
      std::vector<double> v(static_cast<size_t>(inputs));
      for (int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < inputs; ++k) v[size_t(k)] = in[size_t(k)][i];
        out[0][i] = f(v.data());
      }
    };
    e.cases.push_back(c);
  }
  return e;
}

OpEntry fill_entry() {
  return elementwise_entry("fill", Op::Fill, 0,
      [](Backend& be, int64_t n, const Ptrs&, float* y) { be.fill(n, 0.375f, y); },
      [](const double*) { return 0.375; });
}
OpEntry copy_entry() {
  return elementwise_entry("copy", Op::Copy, 1,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.copy(n, in[0], y); },
      [](const double* v) { return v[0]; });
}
OpEntry axpy_entry() {  // y = y0 + a·x
  return elementwise_entry("axpy", Op::Axpy, 2,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) {
        be.copy(n, in[1], y);
        be.axpy(n, -1.5f, in[0], y);
      },
      [](const double* v) { return v[1] - 1.5 * v[0]; });
}
OpEntry add_entry() {
  return elementwise_entry("add", Op::Add, 2,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.add(n, in[0], in[1], y); },
      [](const double* v) { return v[0] + v[1]; });
}
OpEntry sub_entry() {
  return elementwise_entry("sub", Op::Sub, 2,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.sub(n, in[0], in[1], y); },
      [](const double* v) { return v[0] - v[1]; });
}
OpEntry mul_entry() {
  return elementwise_entry("mul", Op::Mul, 2,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.mul(n, in[0], in[1], y); },
      [](const double* v) { return v[0] * v[1]; });
}
OpEntry mul_acc_entry() {  // y = y0 + a·b
  return elementwise_entry("mul_acc", Op::MulAcc, 3,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) {
        be.copy(n, in[2], y);
        be.mul_acc(n, in[0], in[1], y);
      },
      [](const double* v) { return v[2] + v[0] * v[1]; });
}
OpEntry scale_entry() {  // y = s·x + t
  return elementwise_entry("scale", Op::Scale, 1,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.scale(n, 2.5f, -0.5f, in[0], y); },
      [](const double* v) { return 2.5 * v[0] - 0.5; });
}

// The inverted-dropout mask: mask[i] = 0 where random_uniform(seed, stream, i) < p, else
// 1/(1-p), the same draw on every backend (engine/random.h), whatever the launch shape.
OpEntry dropout_mask_entry() {
  OpEntry e;
  e.name = "dropout_mask";
  e.op = Op::DropoutMask;
  e.forward = {1e-7, 0};  // 1/(1-p) rounded to float
  for (int64_t n : {1, 1000, 100003})
    for (float p : {0.0f, 0.1f, 0.5f}) {
      OpCase c;
      c.shape = "n=" + std::to_string(n) + " p=" + std::to_string(p);
      c.out = {n};
      c.forward = [n, p](Backend& be, const Ptrs&, const Ptrs& out) {
        be.dropout_mask(n, p, 1234, 77, nullptr, out[0]);
      };
      c.ref_forward = [n, p](const DPtrs&, const DPtrs& out) {
        for (int64_t i = 0; i < n; ++i)
          out[0][i] = random_uniform(1234, 77, uint64_t(i)) < p ? 0.0 : 1.0 / (1.0 - double(p));
      };
      e.cases.push_back(c);
    }
  return e;
}

// Adam, one step t = 3 on (p0, m0, v0) copied to the outputs (p, m, v): the update runs in
// place. v0 >= 0, as a running mean of squares is.
OpEntry adam_entry() {
  OpEntry e;
  e.name = "adam";
  e.op = Op::Adam;
  e.forward = {1e-5, 1e-6};
  AdamParams a;
  a.lr = 0.01f;
  a.step = 3;
  for (int64_t n : {1, 33, 1000}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in = {n, n, n, n};  // g, p0, m0, v0
    c.out = {n, n, n};    // p, m, v
    c.draws = {Draw{}, Draw{}, Draw{}, Draw{Draw::Uniform, 0, 1}};
    c.forward = [n, a](Backend& be, const Ptrs& in, const Ptrs& out) {
      for (int k = 0; k < 3; ++k) be.copy(n, in[size_t(k + 1)], out[size_t(k)]);
      be.adam_update(n, a, in[0], out[0], out[1], out[2]);
    };
    c.ref_forward = [n, a](const DPtrs& in, const DPtrs& out) {
      for (int k = 0; k < 3; ++k) std::copy(in[size_t(k + 1)], in[size_t(k + 1)] + n, out[size_t(k)]);
      ref::adam_update(n, a, in[0], out[0], out[1], out[2]);
    };
    e.cases.push_back(c);
  }
  return e;
}

// SGD on (p0, vel0) copied to the outputs: vel = μ·vel0 - lr·g, p = p0 + vel; without a
// velocity buffer p = p0 - lr·g.
OpEntry sgd_entry() {
  OpEntry e;
  e.name = "sgd";
  e.op = Op::Sgd;
  e.forward = {1e-6, 1e-6};
  const float lr = 0.1f, mu = 0.9f;
  for (int64_t n : {1, 33, 1000})
    for (bool momentum : {false, true}) {
      OpCase c;
      c.shape = "n=" + std::to_string(n) + (momentum ? ", momentum" : ", no velocity");
      c.in = momentum ? std::vector<int64_t>{n, n, n} : std::vector<int64_t>{n, n};
      c.out = momentum ? std::vector<int64_t>{n, n} : std::vector<int64_t>{n};
      c.forward = [n, momentum, lr, mu](Backend& be, const Ptrs& in, const Ptrs& out) {
        be.copy(n, in[1], out[0]);
        if (momentum) be.copy(n, in[2], out[1]);
        be.sgd_update(n, lr, mu, in[0], out[0], momentum ? out[1] : nullptr);
      };
      c.ref_forward = [n, momentum, lr, mu](const DPtrs& in, const DPtrs& out) {
        for (int64_t i = 0; i < n; ++i) {
          const double step = momentum ? double(mu) * in[2][i] - double(lr) * in[0][i]
                                       : -double(lr) * in[0][i];
          out[0][i] = in[1][i] + step;
          if (momentum) out[1][i] = step;
        }
      };
      e.cases.push_back(c);
    }
  return e;
}

// The fused conv block, y = maxpool_{ph×pw}(relu(conv(x, w) + b)) with `at`, the offset in
// its window of each y's first maximum (-1 where the ReLU cut the whole window), and its
// backward: dz = dy at `at`, then conv2d's backward. Every window the ops use (2×2, 1×2)
// and others (3×3, 2×3); 'valid' and 'same'; rows and columns no window covers.
OpEntry conv_relu_pool_entry() {
  OpEntry e;
  e.name = "conv_relu_pool";
  e.op = Op::ConvReluPool;
  e.forward = {1e-5, 1e-5};  // `at` holds whole numbers: any error there is >= 1
  e.backward = {1e-4, 1e-5};
  // No finite differences: a weight moves every window of its channel, and at these sizes
  // any step switches some window's maximum (a kink). tests/test_conv_relu_pool.cpp checks
  // the op's gradients by differences on small shapes.
  e.grad.max_checked = 0;
  struct Window {
    int64_t ph, pw;
  };
  for (int64_t pad : {0, 1})
    for (Window win : {Window{2, 2}, Window{1, 2}, Window{3, 3}, Window{2, 3}}) {
      const ConvGeom g = conv_geom(2, 2, 7, 40, 3, 3, 3, pad, pad);
      const int64_t ph = win.ph, pw = win.pw, QH = g.OH() / ph, QW = g.OW() / pw;
      const int64_t Q = g.N * g.K * QH * QW;
      OpCase c;
      c.shape = describe(g) + " window " + std::to_string(ph) + "x" + std::to_string(pw);
      c.in = {g.x_size(), g.w_size(), g.K};
      c.out = {Q, Q};  // y, at
      c.output_has_gradient = {true, false};
      c.forward = [g, ph, pw](Backend& be, const Ptrs& in, const Ptrs& out) {
        be.conv_relu_pool_forward(g, ph, pw, in[0], in[1], in[2], out[0], out[1]);
      };
      c.backward = [g, ph, pw](Backend& be, const Ptrs& in, const Ptrs& out, const Ptrs& dy,
                               const Ptrs& din) {
        be.conv_relu_pool_backward(g, ph, pw, in[0], in[1], out[1], dy[0], din[0], din[1],
                                   din[2]);
      };
      // z = conv(x, w) + b; per window, the first maximum above 0 (none: y = 0, at = -1).
      c.ref_forward = [g, ph, pw, QH, QW](const DPtrs& in, const DPtrs& out) {
        std::vector<double> z(size_t(g.y_size()));
        ref::conv2d_forward(g, in[0], in[1], in[2], z.data());
        for (int64_t plane = 0; plane < g.N * g.K; ++plane)
          for (int64_t i = 0; i < QH; ++i)
            for (int64_t j = 0; j < QW; ++j) {
              double m = 0;
              int64_t best = -1;
              for (int64_t a = 0; a < ph; ++a)
                for (int64_t b = 0; b < pw; ++b) {
                  const double v = z[size_t((plane * g.OH() + i * ph + a) * g.OW() + j * pw + b)];
                  if (v > m) m = v, best = a * pw + b;
                }
              out[0][(plane * QH + i) * QW + j] = m;
              out[1][(plane * QH + i) * QW + j] = double(best);
            }
      };
      c.ref_backward = [g, ph, pw, QH, QW](const DPtrs& in, const DPtrs& out, const DPtrs& dy,
                                           const DPtrs& din) {
        std::vector<double> dz(size_t(g.y_size()), 0.0);
        for (int64_t plane = 0; plane < g.N * g.K; ++plane)
          for (int64_t i = 0; i < QH; ++i)
            for (int64_t j = 0; j < QW; ++j) {
              const int64_t o = (plane * QH + i) * QW + j, a = int64_t(out[1][o]);
              if (a >= 0)
                dz[size_t((plane * g.OH() + i * ph + a / pw) * g.OW() + j * pw + a % pw)] = dy[0][o];
            }
        if (din[0]) ref::conv2d_backward_data(g, dz.data(), in[1], din[0]);
        ref::conv2d_backward_filter(g, in[0], dz.data(), din[1], din[2]);  // each may be null
      };
      e.cases.push_back(c);
    }
  return e;
}

// Shapes: rows in the first quadrant for both images (differences in (-1, 1): away from
// the symmetric and centred wraps' jumps at ±π), or for the one-sided wrap the second
// image in the third quadrant (differences in (-4.1, -2.1): away from its jump at 0), so
// that central differences see a smooth loss; all four quadrants forward only; a size.
OpEntry angle_loss_entry(AngleWrap wrap) {
  OpEntry e;
  e.name = std::string("angle_loss ") + wrap_name(wrap);
  e.op = Op::AngleLoss;
  e.forward = {1e-5, 1e-6};
  e.backward = {1e-4, 1e-6};
  e.grad = {1e-2, 2e-2, 2e-4, 24};  // a float sum over n rows: a smaller step is rounding noise
  e.ref_h = 1e-5;
  e.ref_rtol = 1e-5;
  const double P = 2 * M_PI, t = 0.5;
  struct Shape {
    int64_t n;
    bool quadrants, size;
  };
  for (Shape s : {Shape{0, false, false}, Shape{1, false, false}, Shape{37, false, false},
                  Shape{300, false, false}, Shape{37, true, false}, Shape{5000, false, true}}) {
    const int64_t n = s.n;
    OpCase c;
    c.shape = "n=" + std::to_string(n) + (s.quadrants ? ", all quadrants" : "");
    c.in = {2 * n, 2 * n};
    c.out = {1};
    const Draw first{Draw::Uniform, 0.3, 1.0};
    const Draw second = wrap == AngleWrap::Report ? Draw{Draw::Uniform, -1.0, -0.3} : first;
    if (!s.quadrants) c.draws = {first, second};
    if (s.quadrants) c.max_checked = 0;
    c.size_only = s.size;
    c.forward = [=](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.angle_loss_forward(n, float(P), wrap, float(t), in[0], in[1], out[0]);
    };
    c.ref_forward = [=](const DPtrs& in, const DPtrs& out) {
      out[0][0] = ref::angle_loss_forward(n, double(float(P)), wrap, double(float(t)), in[0], in[1]);
    };
    if (n > 0) {
      c.backward = [=](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
        be.angle_loss_backward(n, float(P), wrap, float(t), in[0], in[1], dy[0], din[0], din[1]);
      };
      c.ref_backward = [=](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
        ref::angle_loss_backward(n, double(float(P)), wrap, double(float(t)), in[0], in[1], dy[0][0],
                                 din[0], din[1]);
      };
    }
    e.cases.push_back(c);
  }
  return e;
}

// Forward only (the backward is the engine's: relu's mask, then conv2d's kernels, checked
// in their own entries): N, C, H, W, K, R, S, pad; the last rows for the tile shapes.
OpEntry conv_relu_entry() {
  OpEntry e;
  e.name = "conv_relu";
  e.op = Op::ConvRelu;
  e.forward = {1e-4, 1e-4};
  const ConvGeom shapes[] = {
      {2, 1, 10, 10, 16, 3, 3, 0, 0}, {2, 16, 6, 6, 32, 3, 3, 1, 1}, {3, 4, 1, 20, 5, 1, 3, 0, 1},
      {5, 3, 7, 5, 2, 3, 3, 1, 1},    {8, 5, 13, 11, 20, 3, 2, 1, 0}, {1, 70, 9, 9, 66, 3, 3, 1, 1},
      {20, 16, 12, 12, 32, 3, 3, 0, 0}, {64, 1, 34, 34, 3, 3, 3, 0, 0},
  };
  for (const ConvGeom& g : shapes) {
    for (bool bias : {true, false}) {
      OpCase c;
      c.shape = "N=" + std::to_string(g.N) + " C=" + std::to_string(g.C) + " " + std::to_string(g.H) + "x" +
                std::to_string(g.W) + " K=" + std::to_string(g.K) + (bias ? "" : " no bias");
      c.in = {g.x_size(), g.w_size()};
      if (bias) c.in.push_back(g.K);
      c.out = {g.y_size()};
      c.forward = [g, bias](Backend& be, const Ptrs& in, const Ptrs& out) {
        be.conv_relu_forward(g, in[0], in[1], bias ? in[2] : nullptr, out[0]);
      };
      c.ref_forward = [g, bias](const DPtrs& in, const DPtrs& out) {
        ref::conv2d_forward(g, in[0], in[1], bias ? in[2] : nullptr, out[0]);
        for (int64_t i = 0; i < g.y_size(); ++i) out[0][i] = std::max(out[0][i], 0.0);
      };
      e.cases.push_back(c);
    }
  }
  return e;
}

}  // namespace

TEST_CASE("op table: conv2d") { run_op(conv2d_entry(true)); }
TEST_CASE("op table: conv_relu") { run_op(conv_relu_entry()); }
TEST_CASE("op table: angle_loss") {
  for (AngleWrap w : {AngleWrap::Report, AngleWrap::Symmetric, AngleWrap::Centred}) run_op(angle_loss_entry(w));
}
TEST_CASE("op table: conv2d without bias") { run_op(conv2d_entry(false)); }
TEST_CASE("op table: maxpool2d") { run_op(maxpool2d_entry()); }
TEST_CASE("op table: gemm") { run_op(gemm_entry()); }
TEST_CASE("op table: sum") { run_op(sum_entry()); }
TEST_CASE("op table: mse") { run_op(mse_entry()); }
TEST_CASE("op table: bias_add") { run_op(bias_entry(false)); }
TEST_CASE("op table: bias_add_channels") { run_op(bias_entry(true)); }
TEST_CASE("op table: relu") { run_op(relu_entry()); }
TEST_CASE("op table: atan2") { run_op(atan2_entry()); }
TEST_CASE("op table: wrap_angle") { run_op(wrap_angle_entry()); }
TEST_CASE("op table: upsample2x") { run_op(upsample2x_entry()); }
TEST_CASE("op table: concat_channels") { run_op(concat_entry()); }
TEST_CASE("op table: fill") { run_op(fill_entry()); }
TEST_CASE("op table: copy") { run_op(copy_entry()); }
TEST_CASE("op table: axpy") { run_op(axpy_entry()); }
TEST_CASE("op table: add") { run_op(add_entry()); }
TEST_CASE("op table: sub") { run_op(sub_entry()); }
TEST_CASE("op table: mul") { run_op(mul_entry()); }
TEST_CASE("op table: mul_acc") { run_op(mul_acc_entry()); }
TEST_CASE("op table: scale") { run_op(scale_entry()); }
TEST_CASE("op table: dropout_mask") { run_op(dropout_mask_entry()); }
TEST_CASE("op table: adam") { run_op(adam_entry()); }
TEST_CASE("op table: sgd") { run_op(sgd_entry()); }
TEST_CASE("op table: conv_relu_pool") { run_op(conv_relu_pool_entry()); }

// The CPU backend's Winograd F(2×2, 3×3) path (kernels/cpu/conv_winograd.h) against the
// same reference and tolerances: every 3×3 shape above (odd sizes, K not a multiple of its
// 8-row blocks, rows of more than 16 tiles) runs it forward and, with padding ≤ 2, in the
// backward data. Its rounding error is that of a few extra additions per value: the
// transforms' coefficients are ±1 and ½ (exact), and F(2×2, 3×3)'s error bound is a small
// constant times the direct conv's (Lavin & Gray 2015; Barabasz et al. 2020), well inside
// the 1e-4 the table allows the direct paths.
TEST_CASE("op table: conv2d, Winograd on the CPU") {
  ScopedOption all(backend_for(Device::CPU), "winograd", "all");
  run_op(conv2d_entry(true));
}
TEST_CASE("op table: conv_relu_pool, Winograd on the CPU") {
  ScopedOption all(backend_for(Device::CPU), "winograd", "all");
  run_op(conv_relu_pool_entry());
}
