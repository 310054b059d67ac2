// The op table's convolution family: conv2d, conv_relu, maxpool2d and the fused
// conv_relu_pool, with their shapes, tolerances and finite-difference steps, run by
// run_op() (tests/op_table.h) on every backend against kernels/reference/; and the CPU's
// Winograd path through the same entries. The other ops are in tests/test_op_table.cpp.
#include <algorithm>
#include <cmath>
#include <optional>

#include "engine/random.h"
#include "kernels/reference/conv2d.h"
#include "kernels/reference/maxpool2d.h"
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

// The fused conv block, y = maxpool_{ph×pw}(relu(conv(x, w) + b)) with `at`, the offset in
// its window of each y's first maximum (-1 where the ReLU cut the whole window), and its
// backward: dz = dy at `at`, then conv2d's backward. Every window the ops use (2×2, 1×2)
// and others (3×3, 2×3); 'valid' and 'same'; rows and columns no window covers.
// With a mask m: conv_relu_pool_dropout, y times dropout's mask (the element's
// random_uniform32(seed, stream, i) < p: 0 and `at` −1, else 1/(1 − p)) and dy times
// 1/(1 − p) before the block's backward (a dropped value routes nothing); its shapes a subset (windows 2×2, 1×2, 2×3, both paddings, C = 2 and 1),
// one with K·Q odd, so that samples start on odd element indices (a pair split between two).
OpEntry conv_relu_pool_entry(const DropoutMask* m = nullptr) {
  OpEntry e;
  e.name = m ? "conv_relu_pool_dropout" : "conv_relu_pool";
  e.op = m ? Op::ConvReluPoolDropout : Op::ConvReluPool;
  e.forward = {1e-5, 1e-5};  // `at` holds whole numbers: any error there is >= 1
  e.backward = {1e-4, 1e-5};
  // No finite differences: a weight moves every window of its channel, and at these sizes
  // any step switches some window's maximum (a kink). tests/test_conv_relu_pool.cpp checks
  // the op's gradients by differences on small shapes.
  e.grad.max_checked = 0;
  struct Window {
    int64_t ph, pw;
  };
  // C = 1 with 2×2 windows: the CPU's register-fused forward (conv_few_taps.h), rows of
  // 19 and 20 windows.
  // Padding 3 > R − 1, once: on the CPU's direct path the input gradient then falls back to
  // the GEMM, which reads dz as dense planes, not the wide rows the sums read (conv2d.cpp).
  for (int64_t C : {2, 1})
  for (int64_t pad : {0, 1, 3})
    for (Window win : {Window{2, 2}, Window{1, 2}, Window{3, 3}, Window{2, 3}}) {
      if (pad == 3 && (C != 2 || win.ph != 2 || win.pw != 2)) continue;
      if (m && (pad == 3 || win.ph == 3)) continue;
      // With a mask and 2×3 windows: 5 channels, 2×12 windows each, K·Q = 120 per sample;
      // 1×2: 3 channels of 5×19, K·Q = 285, odd.
      const ConvGeom g = conv_geom(2, C, 7, 40, m && win.ph == 2 && win.pw == 3 ? 5 : 3, 3, 3,
                                   pad, pad);
      const int64_t ph = win.ph, pw = win.pw, QH = g.OH() / ph, QW = g.OW() / pw;
      const int64_t Q = g.N * g.K * QH * QW;
      OpCase c;
      c.shape = describe(g) + " window " + std::to_string(ph) + "x" + std::to_string(pw);
      c.in = {g.x_size(), g.w_size(), g.K};
      c.out = {Q, Q};  // y, at
      c.output_has_gradient = {true, false};
      const std::optional<DropoutMask> mask = m ? std::optional<DropoutMask>(*m) : std::nullopt;
      c.forward = [g, ph, pw, mask](Backend& be, const Ptrs& in, const Ptrs& out) {
        if (mask)
          be.conv_relu_pool_dropout_forward(g, ph, pw, in[0], in[1], in[2], *mask, out[0], out[1]);
        else
          be.conv_relu_pool_forward(g, ph, pw, in[0], in[1], in[2], out[0], out[1]);
      };
      c.backward = [g, ph, pw, mask](Backend& be, const Ptrs& in, const Ptrs& out,
                                     const Ptrs& dy, const Ptrs& din) {
        if (mask)
          be.conv_relu_pool_dropout_backward(g, ph, pw, in[0], in[1], out[1], *mask, dy[0],
                                             din[0], din[1], din[2]);
        else
          be.conv_relu_pool_backward(g, ph, pw, in[0], in[1], out[1], dy[0], din[0], din[1],
                                     din[2]);
      };
      // Whether dropout drops element o of y (never without a mask), and a kept one's factor.
      auto dropped = [mask](int64_t o) {
        return mask && random_uniform32(mask->seed, mask->stream, uint64_t(o)) < double(mask->p);
      };
      const double keep = mask ? 1.0 / double(1.0f - mask->p) : 1.0;
      c.ref_forward = [g, ph, pw, QH, QW, dropped, keep](const DPtrs& in, const DPtrs& out) {
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
              const int64_t o = (plane * QH + i) * QW + j;
              out[0][o] = dropped(o) ? 0.0 : m * keep;
              out[1][o] = dropped(o) ? -1.0 : double(best);  // no gradient through a dropped value
            }
      };
      c.ref_backward = [g, ph, pw, QH, QW, keep](const DPtrs& in, const DPtrs& out,
                                                 const DPtrs& dy, const DPtrs& din) {
        std::vector<double> dz(size_t(g.y_size()), 0.0);
        for (int64_t plane = 0; plane < g.N * g.K; ++plane)
          for (int64_t i = 0; i < QH; ++i)
            for (int64_t j = 0; j < QW; ++j) {
              const int64_t o = (plane * QH + i) * QW + j, a = int64_t(out[1][o]);
              if (a >= 0)
                dz[size_t((plane * g.OH() + i * ph + a / pw) * g.OW() + j * pw + a % pw)] =
                    dy[0][o] * keep;
            }
        if (din[0]) ref::conv2d_backward_data(g, dz.data(), in[1], din[0]);
        ref::conv2d_backward_filter(g, in[0], dz.data(), din[1], din[2]);  // each may be null
      };
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
      c.shape = describe(g) + (bias ? "" : " no bias");
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
TEST_CASE("op table: conv2d without bias") { run_op(conv2d_entry(false)); }
TEST_CASE("op table: maxpool2d") { run_op(maxpool2d_entry()); }
TEST_CASE("op table: conv_relu_pool") { run_op(conv_relu_pool_entry()); }
TEST_CASE("op table: conv_relu_pool_dropout") {
  const DropoutMask m{0.3f, 1234, 77, nullptr};
  run_op(conv_relu_pool_entry(&m));
}

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
// Each register block (kernels/cpu/blocking.h) on whatever CPU runs the tests: the one the
// build did not pick is plain vector code too, only slower here.
TEST_CASE("op table: conv2d and conv_relu_pool, each CPU register block") {
  for (const char* b : {"wide", "narrow"}) {
    CAPTURE(b);
    ScopedOption block(backend_for(Device::CPU), "blocking", b);
    run_op(conv2d_entry(true));
    run_op(conv_relu_pool_entry());
    ScopedOption all(backend_for(Device::CPU), "winograd", "all");
    run_op(conv2d_entry(true));
    run_op(conv_relu_pool_entry());
  }
}

// Both CPU conv paths (kernels/cpu/conv_path.h: the direct loops of conv_forward_direct.h
// and conv_filter_direct.h, or im2col + Eigen GEMM) with each register block, whichever
// the build picked by default: every shape above (padding, rows shorter than 16 pixels,
// K and C·R·S not multiples of the blocks, C·R·S = 630) against the plain-loop reference.
TEST_CASE("op table: conv2d and conv_relu_pool, each CPU conv path") {
  for (const char* f : {"direct", "gemm"})
    for (const char* b : {"wide", "narrow"}) {
      CAPTURE(f);
      CAPTURE(b);
      ScopedOption grad(backend_for(Device::CPU), "conv_path", f);
      ScopedOption block(backend_for(Device::CPU), "blocking", b);
      run_op(conv2d_entry(true));
      run_op(conv_relu_pool_entry());
    }
}
