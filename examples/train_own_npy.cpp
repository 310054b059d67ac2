// Trains a tiny CNN on your own data through stereograd's public API.
//
//   train_own_npy images.npy targets.npy
//
// images.npy holds N greyscale images, [N, H, W] or [N, 1, H, W], of any dtype numpy
// writes (read as float32); targets.npy holds N numbers, the value to predict for each
// image. Without arguments the program first writes a tiny data set of its own (a bright
// 3×3 square on faint noise; the target is the square's column scaled to [-1, 1]) and
// trains on that. It exits with status 1 unless the loss falls below a tenth of its
// first epoch's.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "engine/error.h"             // SG_CHECK, sg::Error
#include "engine/io/npy.h"            // load_npy, save_npy, check_finite
#include "engine/layers/basic.h"      // Dense, MaxPooling2D, Flatten
#include "engine/layers/conv.h"       // Conv2D
#include "engine/layers/sequential.h" // Sequential
#include "engine/ops.h"               // mse
#include "engine/optim/optimizer.h"   // Adam
#include "kernels/registry.h"         // register_builtin_backends

using namespace sg;

// N images of S×S pixels with a bright square at a random place, and its column.
static void write_tiny_dataset(const std::string& images, const std::string& targets) {
  const int64_t N = 96, S = 12;
  Rng rng(7);
  std::vector<float> x(static_cast<size_t>(N * S * S)), y(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    float* img = &x[size_t(n * S * S)];
    for (int64_t i = 0; i < S * S; ++i) img[i] = float(0.1 * rng.uniform());
    const int64_t row = int64_t(rng.below(S - 2)), col = int64_t(rng.below(S - 2));
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j) img[(row + i) * S + col + j] = 1.0f;
    y[size_t(n)] = float(2.0 * double(col) / double(S - 3) - 1.0);
  }
  save_npy(images, {N, S, S}, x.data());
  save_npy(targets, {N}, y.data());
}

int main(int argc, char** argv) try {
  register_builtin_backends();  // the engine has none until the program registers them
  std::string images = "tiny_images.npy", targets = "tiny_targets.npy";
  if (argc == 3) {
    images = argv[1], targets = argv[2];
  } else {
    write_tiny_dataset(images, targets);
  }
  const NpyArray x = load_npy(images), y = load_npy(targets);
  check_finite(x, images);
  check_finite(y, targets);
  SG_CHECK(x.shape.size() >= 3, images, ": expected [N, H, W] or [N, 1, H, W]");
  const int64_t N = x.shape[0], H = x.shape[x.shape.size() - 2], W = x.shape.back();
  SG_CHECK(x.numel() == N * H * W && y.numel() == N, "expected one greyscale image per target");

  // Keras-style layers, built once for the per-sample shape [1, H, W] (glorot weights).
  // Sequential runs each Conv2D (ReLU) + MaxPooling2D pair as one fused op.
  Sequential net;
  net.add<Conv2D>(8, 3, Padding::Same, Activation::Relu).add<MaxPooling2D>();
  net.add<Conv2D>(8, 3, Padding::Same, Activation::Relu).add<MaxPooling2D>();
  net.add<Flatten>().add<Dense>(1, Activation::None);
  Rng init(1);
  net.build({1, H, W}, init, Device::CPU);
  net.summary(std::cout);

  AdamParams hp;
  hp.lr = 3e-3f;
  Adam adam(net.parameters(), hp);
  Context ctx;  // training mode (it would switch dropout on, had the net any)
  ctx.training = true;
  const int64_t B = 16, pixels = H * W;
  double first = 0, last = 0;
  for (int epoch = 1; epoch <= 25; ++epoch) {
    double total = 0;
    for (int64_t s = 0; s < N; s += B) {  // mini-batches in file order
      const int64_t b = std::min(B, N - s);
      const auto xs = x.data.begin() + s * pixels, ys = y.data.begin() + s;
      Tensor xb = Tensor::from_vector({xs, xs + b * pixels}, {b, 1, H, W});
      Tensor yb = Tensor::from_vector({ys, ys + b}, {b, 1});
      Tensor loss = mse(net.forward(xb, ctx), yb);  // mean of (prediction - target)²
      adam.zero_grad();  // gradients accumulate (+=): clear the last step's first
      loss.backward();
      adam.step();
      total += double(loss.item()) * double(b);
    }
    last = total / double(N);
    if (epoch == 1) first = last;
    if (epoch == 1 || epoch % 5 == 0) std::printf("epoch %2d  mse %.5f\n", epoch, last);
  }
  if (!(last < 0.1 * first)) {
    std::fprintf(stderr, "train_own_npy: the loss did not fall (%g -> %g)\n", first, last);
    return 1;
  }
  return 0;
} catch (const std::exception& e) {  // sg::Error names the file and what was wrong
  std::fprintf(stderr, "train_own_npy: %s\n", e.what());
  return 1;
}
