// The backend calls of one training step, as benchmark cases: one Case per (op, pass,
// shape), with its FLOPs and minimum bytes computed from the shape. bench_ops.cpp takes
// the shapes from the built models' layers, so the cases follow the models.
//
// Counting (per call; float32, 4 bytes per value):
//   FLOPs: a multiply-add is 2, an add, multiply, max or compare 1; conv biases are left
//     out (K·OH·OW per sample, < 1/(C·R·S) of the conv). Ops that only move or draw data
//     (upsample and concat forward, atan2, wrap) count 0 and are judged
//     by their bytes alone.
//   bytes: every input read once, every output written once; an accumulated output
//     (backward passes add into their gradients, engine/backend.h) is read and written.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/roofline.h"
#include "engine/random.h"

namespace sg::bench {

struct Case {
  std::string op, pass, shape;
  double flops = 0, bytes = 0;
  bool conv = false;  // the conv kernels: on CUDA, timed once per ConvImpl
  std::function<void()> run;
  bool winograd = false;  // a 3×3 conv: on the CPU, timed once per Winograd mode (off, on, all)
};

class OpCases {
 public:
  OpCases(Backend& be, int64_t batch) : be_(be), N_(batch) {}
  int64_t batch() const { return N_; }

  // Conv2D / Conv1D (1-D: H = 1, R = 1): forward with bias; backward data; backward filter
  // with db. Each pass is 2·N·K·OH·OW·C·R·S FLOPs (ConvGeom::flops).
  //   fwd  bytes 4(x + w + K + y)
  //   bwd_data  4(dy + w + 2dx)           bwd_filter  4(x + dy + 2w + 2K)
  // input_grad false: the layer's input needs no gradient (the first layer), so training
  // runs no backward-data pass and none is timed.
  std::vector<Case> conv(const std::string& op, const ConvGeom& g, bool input_grad = true) {
    auto x = buf(g.x_size()), w = buf(g.w_size()), b = buf(g.K), y = buf(g.y_size()),
         dy = buf(g.y_size()), dx = buf(g.x_size()), dw = buf(g.w_size()), db = buf(g.K);
    const std::string s = conv_shape(g);
    Backend& be = be_;
    std::vector<Case> cases{
        {op, "fwd", s, g.flops(), 4.0 * (g.x_size() + g.w_size() + g.K + g.y_size()), true,
         [=, &be] { be.conv2d_forward(g, x->data(), w->data(), b->data(), y->data()); }},
        {op, "bwd_filter", s, g.flops(),
         4.0 * (g.x_size() + g.y_size() + 2 * g.w_size() + 2 * g.K), true,
         [=, &be] { be.conv2d_backward_filter(g, x->data(), dy->data(), dw->data(), db->data()); }},
    };
    if (input_grad)
      cases.insert(cases.begin() + 1,
                   {op, "bwd_data", s, g.flops(), 4.0 * (g.y_size() + g.w_size() + 2 * g.x_size()),
                    true, [=, &be] { be.conv2d_backward_data(g, dy->data(), w->data(), dx->data()); }});
    return three_by_three(g, cases);
  }

  // Conv2DTranspose x [N,Cin,H,W] → [N,K,OH,OW] is the adjoint of the conv g whose input
  // is the output (g.C = K, g.K = Cin; engine/ops/conv2d.cpp), so its passes are g's
  // kernels: fwd = conv2d_backward_data(g) (+ bias_add_channels, its own case),
  // bwd_data = conv2d_forward(g) without bias, bwd_filter = conv2d_backward_filter(g)
  // with x and dy swapped (+ bias_backward_channels). FLOPs g.flops() each.
  //   fwd  4(x + w + 2y)    bwd_data  4(dy + w + dx)    bwd_filter  4(dy + x + 2w)
  std::vector<Case> conv_transpose(const ConvGeom& g) {
    auto x = buf(g.y_size()), w = buf(g.w_size()), y = buf(g.x_size()), dy = buf(g.x_size()),
         dx = buf(g.y_size()), dw = buf(g.w_size());
    const std::string s = conv_shape(g) + " (as conv)";
    Backend& be = be_;
    return three_by_three(g, {
        {"conv_transpose2d", "fwd", s, g.flops(),
         4.0 * (g.y_size() + g.w_size() + 2 * g.x_size()), true,
         [=, &be] { be.conv2d_backward_data(g, x->data(), w->data(), y->data()); }},
        {"conv_transpose2d", "bwd_data", s, g.flops(),
         4.0 * (g.x_size() + g.w_size() + g.y_size()), true,
         [=, &be] { be.conv2d_forward(g, dy->data(), w->data(), nullptr, dx->data()); }},
        {"conv_transpose2d", "bwd_filter", s, g.flops(),
         4.0 * (g.x_size() + g.y_size() + 2 * g.w_size()), true,
         [=, &be] { be.conv2d_backward_filter(g, dy->data(), x->data(), dw->data(), nullptr); }},
    });
  }

  // The fused Conv (ReLU) + MaxPooling of ph×pw (Op::ConvReluPool); P = pooled size.
  //   fwd  FLOPs g.flops() + z (ReLU) + z (window compares), z = N·K·OH·OW;
  //        bytes 4(x + w + K + 2P) (y and at)
  //   bwd  FLOPs 2·g.flops() (data and filter); bytes 4(x + w + 2P + 2x + 2w + 2K);
  //        without input_grad (the first layer) no dx: g.flops(), 4(x + 2w + 2K + 2P)
  // With dropout's mask m: the block with the dropout after it (Op::ConvReluPoolDropout),
  // the same FLOPs and bytes counted (the mask's P products and draws not).
  std::vector<Case> conv_relu_pool(const std::string& op, const ConvGeom& g, int64_t ph,
                                   int64_t pw, bool input_grad = true,
                                   const DropoutMask* m = nullptr) {
    if (!be_.supports(m ? Op::ConvReluPoolDropout : Op::ConvReluPool)) return {};
    const std::optional<DropoutMask> mask = m ? std::optional<DropoutMask>(*m) : std::nullopt;
    const int64_t P = g.N * g.K * (g.OH() / ph) * (g.OW() / pw);
    auto x = buf(g.x_size()), w = buf(g.w_size()), b = buf(g.K), y = buf(P), at = buf(P),
         dy = buf(P), dx = buf(g.x_size()), dw = buf(g.w_size()), db = buf(g.K);
    // `at` must be the forward's, for the backward to scatter to real window positions.
    be_.conv_relu_pool_forward(g, ph, pw, x->data(), w->data(), b->data(), y->data(), at->data());
    const std::string s = conv_shape(g) + ", pool " + std::to_string(ph) + "x" + std::to_string(pw);
    const double z = double(g.y_size());
    Backend& be = be_;
    return three_by_three(g, {
        {op, "fwd", s, g.flops() + 2 * z, 4.0 * (g.x_size() + g.w_size() + g.K + 2 * P), true,
         [=, &be] {
           if (mask)
             be.conv_relu_pool_dropout_forward(g, ph, pw, x->data(), w->data(), b->data(), *mask,
                                               y->data(), at->data());
           else
             be.conv_relu_pool_forward(g, ph, pw, x->data(), w->data(), b->data(), y->data(),
                                       at->data());
         }},
        {op, "bwd", s, (input_grad ? 2 : 1) * g.flops(),
         4.0 * ((input_grad ? 3 : 1) * g.x_size() + (input_grad ? 3 : 2) * g.w_size() + 2 * g.K + 2 * P),
         true,
         [=, &be] {
           float* dxp = input_grad ? dx->data() : nullptr;
           if (mask)
             be.conv_relu_pool_dropout_backward(g, ph, pw, x->data(), w->data(), at->data(),
                                                *mask, dy->data(), dxp, dw->data(), db->data());
           else
             be.conv_relu_pool_backward(g, ph, pw, x->data(), w->data(), at->data(), dy->data(),
                                        dxp, dw->data(), db->data());
         }},
    });
  }

  // relu over n values.   fwd  n FLOPs, 4·2n bytes;   bwd  n FLOPs, 4·4n (x, dy, 2dx)
  std::vector<Case> relu(int64_t n) {
    auto x = buf(n), y = buf(n), dy = buf(n), dx = buf(n);
    Backend& be = be_;
    const std::string s = std::to_string(n);
    return {{"relu", "fwd", s, double(n), 8.0 * n, false,
             [=, &be] { be.relu_forward(n, x->data(), y->data()); }},
            {"relu", "bwd", s, double(n), 16.0 * n, false,
             [=, &be] { be.relu_backward(n, x->data(), dy->data(), dx->data()); }}};
  }

  // Max pooling, windows ph×pw, Y = N·C·OH·OW outputs, X inputs.
  //   fwd  (ph·pw − 1)·Y compares, 4(X + Y) bytes
  //   bwd  ph·pw·Y compares + Y adds, 4(X + 2Y + 2X) bytes (x, y, dy, dx accumulated)
  std::vector<Case> maxpool(const PoolGeom& g) {
    auto x = buf(g.x_size()), y = buf(g.y_size()), dy = buf(g.y_size()), dx = buf(g.x_size());
    be_.maxpool2d_forward(g, x->data(), y->data());  // the backward finds the max from x and y
    const double X = double(g.x_size()), Y = double(g.y_size()), k = double(g.ph * g.pw);
    const std::string s = std::to_string(g.N) + "x" + std::to_string(g.C) + "x" +
                          std::to_string(g.H) + "x" + std::to_string(g.W) + ", " +
                          std::to_string(g.ph) + "x" + std::to_string(g.pw);
    Backend& be = be_;
    return {{"maxpool", "fwd", s, (k - 1) * Y, 4 * (X + Y), false,
             [=, &be] { be.maxpool2d_forward(g, x->data(), y->data()); }},
            {"maxpool", "bwd", s, (k + 1) * Y, 4 * (3 * X + 2 * Y), false,
             [=, &be] { be.maxpool2d_backward(g, x->data(), y->data(), dy->data(), dx->data()); }}};
  }

  // Dropout of n values: y = x·m in the forward and dx = dy·m in the backward, the same
  // kernel, each drawing its mask again (n FLOPs, 4·2n bytes).
  std::vector<Case> dropout(int64_t n) {
    auto x = buf(n), y = buf(n);
    Backend& be = be_;
    const std::string s = std::to_string(n);
    return {{"dropout", "fwd/bwd", s, double(n), 8.0 * n, false,
             [=, &be] { be.dropout(n, 0.1f, 1, 2, nullptr, x->data(), y->data()); }}};
  }

  // Dense x [N,in] → [N,out], w [out,in] (engine/ops/gemm.cpp's three GEMMs):
  //   fwd  y = x wᵀ: gemm(N, out, in);  bwd_data dx += g w: gemm(N, in, out);
  //   bwd_filter dw += gᵀ x: gemm(out, in, N). 2·M·N·K FLOPs each; bytes 4(A + B + C),
  //   C twice when accumulated. Bias: rows·cols FLOPs; add 4(2·rows·cols + cols),
  //   backward 4(rows·cols + 2·cols).
  std::vector<Case> dense(int64_t in, int64_t out) {
    const int64_t N = N_;
    auto x = buf(N * in), w = buf(out * in), b = buf(out), y = buf(N * out), g = buf(N * out),
         dx = buf(N * in), dw = buf(out * in), db = buf(out);
    const std::string s = std::to_string(N) + "x" + std::to_string(in) + " -> " + std::to_string(out);
    const double mm = 2.0 * N * in * out;
    Backend& be = be_;
    return {
        {"gemm", "fwd", s, mm, 4.0 * (N * in + out * in + N * out), false,
         [=, &be] { be.gemm(false, true, N, out, in, 1, x->data(), w->data(), 0, y->data()); }},
        {"gemm", "bwd_data", s, mm, 4.0 * (N * out + out * in + 2 * N * in), false,
         [=, &be] { be.gemm(false, false, N, in, out, 1, g->data(), w->data(), 1, dx->data()); }},
        {"gemm", "bwd_filter", s, mm, 4.0 * (N * out + N * in + 2 * out * in), false,
         [=, &be] { be.gemm(true, false, out, in, N, 1, g->data(), x->data(), 1, dw->data()); }},
        {"bias_add", "fwd", s, double(N * out), 4.0 * (2 * N * out + out), false,
         [=, &be] { be.bias_add(N, out, b->data(), y->data()); }},
        {"bias_add", "bwd", s, double(N * out), 4.0 * (N * out + 2 * out), false,
         [=, &be] { be.bias_backward(N, out, g->data(), db->data()); }},
    };
  }

  // Per-channel bias of [N,C,S] (the Conv2DTranspose's): N·C·S FLOPs;
  //   add 4(2·N·C·S + C), backward 4(N·C·S + 2C).
  std::vector<Case> bias_channels(int64_t C, int64_t S) {
    const int64_t N = N_, n = N * C * S;
    auto b = buf(C), y = buf(n), db = buf(C);
    const std::string s = std::to_string(N) + "x" + std::to_string(C) + "x" + std::to_string(S);
    Backend& be = be_;
    return {{"bias_add_channels", "fwd", s, double(n), 4.0 * (2 * n + C), false,
             [=, &be] { be.bias_add_channels(N, C, S, b->data(), y->data()); }},
            {"bias_add_channels", "bwd", s, double(n), 4.0 * (n + 2 * C), false,
             [=, &be] { be.bias_backward_channels(N, C, S, y->data(), db->data()); }}};
  }

  // Nearest ×2 of `planes` H×W planes, p = planes·H·W inputs.
  //   fwd  0 FLOPs, 4(p + 4p);   bwd  3p adds, 4(4p + 2p)
  std::vector<Case> upsample(int64_t planes, int64_t H, int64_t W) {
    const int64_t p = planes * H * W;
    auto x = buf(p), y = buf(4 * p), dy = buf(4 * p), dx = buf(p);
    const std::string s = std::to_string(planes) + "x" + std::to_string(H) + "x" + std::to_string(W);
    Backend& be = be_;
    return {{"upsample2x", "fwd", s, 0, 20.0 * p, false,
             [=, &be] { be.upsample2x_forward(planes, H, W, x->data(), y->data()); }},
            {"upsample2x", "bwd", s, 3.0 * p, 24.0 * p, false,
             [=, &be] { be.upsample2x_backward(planes, H, W, dy->data(), dx->data()); }}};
  }

  // [N,Ca,S] ++ [N,Cb,S], t = N(Ca+Cb)S values.
  //   fwd  0 FLOPs, 4·2t;   bwd  t adds (da, db accumulated), 4·3t
  std::vector<Case> concat(int64_t Ca, int64_t Cb, int64_t S) {
    const int64_t N = N_, t = N * (Ca + Cb) * S;
    auto a = buf(N * Ca * S), b = buf(N * Cb * S), y = buf(t), da = buf(N * Ca * S),
         db = buf(N * Cb * S);
    const std::string s = std::to_string(N) + "x(" + std::to_string(Ca) + "+" +
                          std::to_string(Cb) + ")x" + std::to_string(S);
    Backend& be = be_;
    return {{"concat_channels", "fwd", s, 0, 8.0 * t, false,
             [=, &be] { be.concat_channels_forward(N, Ca, Cb, S, a->data(), b->data(), y->data()); }},
            {"concat_channels", "bwd", s, double(t), 12.0 * t, false, [=, &be] {
               be.concat_channels_backward(N, Ca, Cb, S, y->data(), da->data(), db->data());
             }}};
  }

  // The angle head over N (S, C) pairs and the wrap of N differences (0 FLOPs counted):
  //   atan2 fwd 4(2N + N);  bwd 4(2N + N + 2·2N);  wrap 4·2N
  std::vector<Case> angle_head() {
    const int64_t n = N_;
    auto sc = buf(2 * n), y = buf(n), dy = buf(n), dsc = buf(2 * n), d = buf(n);
    const std::string s = std::to_string(n);
    Backend& be = be_;
    return {{"atan2", "fwd", s, 0, 12.0 * n, false,
             [=, &be] { be.atan2_forward(n, sc->data(), y->data()); }},
            {"atan2", "bwd", s, 0, 28.0 * n, false,
             [=, &be] { be.atan2_backward(n, sc->data(), dy->data(), dsc->data()); }},
            {"wrap_angle", "fwd", s, 0, 8.0 * n, false,
             [=, &be] { be.wrap_angle(n, 6.2831853f, true, d->data(), y->data()); }}};
  }

  // mean (a − b)² over n values:  fwd 3n FLOPs, 4(2n + 1);  bwd (da only: the target needs
  // no gradient) 3n FLOPs, 4(2n + 2n + 1)
  std::vector<Case> mse(int64_t n) {
    auto a = buf(n), b = buf(n), out = buf(1), da = buf(n);
    const std::string s = std::to_string(n);
    Backend& be = be_;
    return {{"mse", "fwd", s, 3.0 * n, 4.0 * (2 * n + 1), false,
             [=, &be] { be.mse_forward(n, a->data(), b->data(), out->data()); }},
            {"mse", "bwd", s, 3.0 * n, 4.0 * (4 * n + 1), false,
             [=, &be] { be.mse_backward(n, a->data(), b->data(), out->data(), da->data(), nullptr); }}};
  }

  // Adam over n parameters, one buffer: m 3, v 4, update 5 FLOPs (sqrt, add, divide,
  // multiply, subtract) per value; reads g, p, m, v and writes p, m, v: 4·7n bytes.
  std::vector<Case> adam(int64_t n) {
    auto g = buf(n), p = buf(n), m = buf(n), v = buf(n);
    Backend& be = be_;
    // v must start non-negative, as it does in training (a mean of squares).
    be.fill(n, 0.01f, v->data());
    return {{"adam_update", "step", std::to_string(n), 12.0 * n, 28.0 * n, false,
             [=, &be] { be.adam_update(n, AdamParams{}, g->data(), p->data(), m->data(), v->data()); }}};
  }

 private:
  // n values drawn from U(−0.5, 0.5) on the device.
  std::shared_ptr<DeviceBuffer> buf(int64_t n) {
    auto b = std::make_shared<DeviceBuffer>(be_, n);
    std::vector<float> host(size_t(std::max<int64_t>(n, 1)));
    for (size_t i = 0; i < host.size(); ++i) host[i] = random_uniform(7, ++stream_, i) - 0.5f;
    be_.from_host(b->data(), host.data(), int64_t(host.size()));
    return b;
  }
  // The cases of a conv, marked for the CPU's Winograd path where its kernel is 3×3.
  static std::vector<Case> three_by_three(const ConvGeom& g, std::vector<Case> cases) {
    for (Case& c : cases) c.winograd = g.R == 3 && g.S == 3;
    return cases;
  }
  static std::string conv_shape(const ConvGeom& g) {
    return std::to_string(g.N) + "x" + std::to_string(g.C) + "x" + std::to_string(g.H) + "x" +
           std::to_string(g.W) + " -> " + std::to_string(g.K) + ", " + std::to_string(g.R) + "x" +
           std::to_string(g.S) + " pad " + std::to_string(g.pad_w);
  }

  Backend& be_;
  int64_t N_;
  uint64_t stream_ = 0;
};

}  // namespace sg::bench
