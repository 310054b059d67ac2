// Layers and Sequential: the Difference CNN's shapes and parameter counts against the
// report's Keras summaries (counted by hand here), Keras names, glorot_uniform
// statistics, input-shape errors, Dropout's mask, and the small shape layers.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/layers/basic.h"
#include "engine/layers/conv.h"
#include "engine/layers/sequential.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "models/difference.h"

using namespace sg;

namespace {

struct Expected {
  const char* name;
  const char* type;
  Shape out;
  int64_t params;
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL_CHECK("expected sg::Error");
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Values in [lo, hi) that are never zero when lo > 0.
std::vector<float> values(int64_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) f = float(rng.uniform(lo, hi));
  return v;
}

std::unique_ptr<Sequential> built_cnn(Dims dims) {
  auto m = make_difference_cnn(dims);
  Rng rng(1);
  m->build(difference_input_shape(dims, 64), rng, Device::CPU);
  return m;
}

void check_layers(const Sequential& m, const std::vector<Expected>& want) {
  REQUIRE(m.layers().size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Layer& l = *m.layers()[i];
    CAPTURE(i);
    CHECK(l.name == want[i].name);
    CHECK(l.type() == want[i].type);
    CHECK(l.output_shape() == want[i].out);
    CHECK(l.parameter_count() == want[i].params);
  }
}

}  // namespace

TEST_CASE("difference CNN 2-D: shapes, parameter counts and summary match the report") {
  auto m = built_cnn(Dims::Two);
  CHECK(m->input_shape() == Shape{1, 64, 64});
  // Counted by hand: conv k·k·C·F + F; dense in·out + out.
  const int64_t c1 = 3 * 3 * 1 * 16 + 16, c2 = 3 * 3 * 16 * 32 + 32, c3 = 3 * 3 * 32 * 16 + 16,
                d1 = 576 * 16 + 16, d2 = 16 * 2 + 2;
  CHECK(c1 == 160);
  CHECK(c2 == 4640);
  CHECK(c3 == 4624);
  CHECK(d1 == 9232);
  CHECK(d2 == 34);
  check_layers(*m, {{"conv2d", "Conv2D", {16, 62, 62}, c1},
                    {"max_pooling2d", "MaxPooling2D", {16, 31, 31}, 0},
                    {"dropout", "Dropout", {16, 31, 31}, 0},
                    {"conv2d_1", "Conv2D", {32, 29, 29}, c2},
                    {"max_pooling2d_1", "MaxPooling2D", {32, 14, 14}, 0},
                    {"dropout_1", "Dropout", {32, 14, 14}, 0},
                    {"conv2d_2", "Conv2D", {16, 12, 12}, c3},
                    {"max_pooling2d_2", "MaxPooling2D", {16, 6, 6}, 0},
                    {"dropout_2", "Dropout", {16, 6, 6}, 0},
                    {"flatten", "Flatten", {576}, 0},
                    {"dense", "Dense", {16}, d1},
                    {"dense_1", "Dense", {2}, d2}});
  CHECK(m->parameter_count() == 18690);
  CHECK(m->output_shape() == Shape{2});

  std::ostringstream os;
  m->summary(os, "difference_2d");
  const std::string s = os.str();
  CHECK(contains(s, "18,690"));
  CHECK(contains(s, "(None, 62, 62, 16)"));
  CHECK(contains(s, "(None, 6, 6, 16)"));
  CHECK(contains(s, "(None, 576)"));
  CHECK(contains(s, "conv2d_1 (Conv2D)"));
  CHECK(contains(s, "max_pooling2d (MaxPooling2D)"));
  CHECK(contains(s, "9,232"));

  // A batch runs through to [N, 2].
  Context ctx;
  Tensor x = Tensor::from_vector(values(3 * 64 * 64, 5), {3, 1, 64, 64});
  CHECK(m->forward(x, ctx).shape() == Shape{3, 2});
}

TEST_CASE("difference CNN 1-D: 'same' convs, shapes and parameter count") {
  auto m = built_cnn(Dims::One);
  CHECK(m->input_shape() == Shape{1, 64});
  const int64_t c1 = 3 * 1 * 16 + 16, c2 = 3 * 16 * 32 + 32, c3 = 3 * 32 * 16 + 16,
                d1 = 128 * 16 + 16, d2 = 16 * 2 + 2;
  check_layers(*m, {{"conv1d", "Conv1D", {16, 64}, c1},
                    {"max_pooling1d", "MaxPooling1D", {16, 32}, 0},
                    {"dropout", "Dropout", {16, 32}, 0},
                    {"conv1d_1", "Conv1D", {32, 32}, c2},
                    {"max_pooling1d_1", "MaxPooling1D", {32, 16}, 0},
                    {"dropout_1", "Dropout", {32, 16}, 0},
                    {"conv1d_2", "Conv1D", {16, 16}, c3},
                    {"max_pooling1d_2", "MaxPooling1D", {16, 8}, 0},
                    {"dropout_2", "Dropout", {16, 8}, 0},
                    {"flatten", "Flatten", {128}, 0},
                    {"dense", "Dense", {16}, d1},
                    {"dense_1", "Dense", {2}, d2}});
  CHECK(c1 + c2 + c3 + d1 + d2 == 5282);
  CHECK(m->parameter_count() == 5282);
  std::ostringstream os;
  m->summary(os);
  CHECK(contains(os.str(), "5,282"));
  CHECK(contains(os.str(), "(None, 64, 16)"));

  Context ctx;
  Tensor x = Tensor::from_vector(values(2 * 64, 6), {2, 1, 64});
  CHECK(m->forward(x, ctx).shape() == Shape{2, 2});
}

TEST_CASE("parameters: Keras names, PyTorch layouts") {
  auto m = built_cnn(Dims::Two);
  const std::vector<NamedTensor> p = m->parameters();
  const std::vector<std::pair<std::string, Shape>> want = {
      {"conv2d.weight", {16, 1, 3, 3}},   {"conv2d.bias", {16}},
      {"conv2d_1.weight", {32, 16, 3, 3}}, {"conv2d_1.bias", {32}},
      {"conv2d_2.weight", {16, 32, 3, 3}}, {"conv2d_2.bias", {16}},
      {"dense.weight", {16, 576}},         {"dense.bias", {16}},
      {"dense_1.weight", {2, 16}},         {"dense_1.bias", {2}}};
  REQUIRE(p.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(p[i].name == want[i].first);
    CHECK(p[i].tensor.shape() == want[i].second);
    CHECK(p[i].tensor.requires_grad());
  }
  CHECK(m->parameters("cnn.")[0].name == "cnn.conv2d.weight");
  // The listed tensors are the layer's own (a handle, not a copy).
  CHECK(p[0].tensor.impl() == m->layers()[0]->parameters()[0].tensor.impl());
}

TEST_CASE("Keras names for the U-Net layers") {
  // Keras's to_snake_case: Conv2DTranspose → conv2d_transpose, UpSampling2D → up_sampling2d.
  Sequential m;
  m.add<Conv2DTranspose>(4, 3, Padding::Same, Activation::None);
  m.add<Conv2DTranspose>(4, 3, Padding::Same, Activation::None);
  m.add<UpSampling2D>();
  m.add<Reshape>(Shape{4, 2});
  CHECK(m.layers()[0]->name == "conv2d_transpose");
  CHECK(m.layers()[1]->name == "conv2d_transpose_1");
  CHECK(m.layers()[2]->name == "up_sampling2d");
  CHECK(m.layers()[3]->name == "reshape");
}

TEST_CASE("glorot_uniform: bounds, variance limit²/3, zero biases") {
  auto m = built_cnn(Dims::Two);
  for (const auto& l : m->layers()) {
    for (NamedTensor& p : l->parameters()) {
      CAPTURE(l->name + "." + p.name);
      const std::vector<float> v = p.tensor.to_vector();
      const Shape& s = p.tensor.shape();
      if (p.name == "bias") {
        CHECK(std::all_of(v.begin(), v.end(), [](float f) { return f == 0.0f; }));
        continue;
      }
      REQUIRE(p.name == "weight");
      // Fans from the PyTorch layouts: conv [F, C, k, k], dense [out, in].
      const double rf = s.size() == 4 ? double(s[2] * s[3]) : 1.0;
      const double fan_in = double(s[1]) * rf, fan_out = double(s[0]) * rf;
      const double limit = std::sqrt(6.0 / (fan_in + fan_out));
      double sum = 0, sum2 = 0, lo = 0, hi = 0;
      for (float f : v) {
        sum += f;
        sum2 += double(f) * f;
        lo = std::min(lo, double(f));
        hi = std::max(hi, double(f));
      }
      CHECK(lo >= -limit);
      CHECK(hi <= limit);
      const double n = double(v.size()), mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1);
      if (v.size() >= 1000) {  // conv2d_1, conv2d_2 (4608 each), dense (9216)
        // Uniform(-l, l): variance l²/3; the sample variance's relative sd is ~1.3% here.
        CHECK(var == doctest::Approx(limit * limit / 3).epsilon(0.06));
        CHECK(std::fabs(mean) < 0.05 * limit);
        CHECK(lo < -0.98 * limit);  // the range is used up to the limit, not a smaller one
        CHECK(hi > 0.98 * limit);
      }
    }
  }
  // The same seed gives the same weights; another seed other weights.
  auto a = built_cnn(Dims::Two), b = built_cnn(Dims::Two);
  auto c = make_difference_cnn(Dims::Two);
  Rng rng2(2);
  c->build({1, 64, 64}, rng2, Device::CPU);
  CHECK(a->parameters()[2].tensor.to_vector() == b->parameters()[2].tensor.to_vector());
  CHECK(a->parameters()[2].tensor.to_vector() != c->parameters()[2].tensor.to_vector());
}

TEST_CASE("a wrong input shape to a built layer names both shapes") {
  Rng rng(3);
  Conv2D conv(8, 3, Padding::Valid, Activation::Relu);
  conv.name = "conv2d";
  conv.build({1, 64, 64}, rng, Device::CPU);
  Context ctx;
  const std::string m = error_of([&] { conv(Tensor::zeros({2, 1, 32, 32}), ctx); });
  CHECK(contains(m, "conv2d"));
  CHECK(contains(m, "1, 64, 64"));
  CHECK(contains(m, "[2, 1, 32, 32]"));

  Dense dense(16, Activation::None);
  dense.name = "dense";
  dense.build({576}, rng, Device::CPU);
  const std::string m2 = error_of([&] { dense(Tensor::zeros({4, 575}), ctx); });
  CHECK(contains(m2, "576"));
  CHECK(contains(m2, "[4, 575]"));
  CHECK_NOTHROW(dense(Tensor::zeros({4, 576}), ctx));

  // An unbuilt layer and an impossible build are errors too.
  Dense unbuilt(4, Activation::None);
  CHECK_THROWS_AS(unbuilt(Tensor::zeros({1, 3}), ctx), Error);
  Conv2D big(4, 5, Padding::Valid, Activation::None);
  CHECK_THROWS_AS(big.build({1, 3, 3}, rng, Device::CPU), Error);
  CHECK_THROWS_AS(dense.build({4, 4}, rng, Device::CPU), Error);  // needs Flatten
}

TEST_CASE("Dropout: identity in inference, inverted mask in training") {
  const int64_t n = 20000;
  const std::vector<float> xv = values(n, 9, 0.5f, 1.5f);  // never zero
  Tensor x = Tensor::from_vector(xv, {4, n / 4});
  Rng rng(0);

  SUBCASE("inference is the identity") {
    Dropout d(0.5f);
    d.build({n / 4}, rng, Device::CPU);
    Context ctx;  // training = false
    CHECK(d(x, ctx).to_vector() == xv);
  }
  SUBCASE("rate 0.5: the mask follows random_uniform32(seed, stream, i) < p, kept values ×2") {
    Dropout d(0.5f);
    d.build({n / 4}, rng, Device::CPU);
    Context ctx{true, 42, 7};
    const std::vector<float> y = d(x, ctx).to_vector();
    CHECK(ctx.stream == 8);  // each dropout call takes the next stream
    int64_t zeros = 0;
    for (int64_t i = 0; i < n; ++i) {
      const bool drop = random_uniform32(42, 7, uint64_t(i)) < 0.5;
      REQUIRE(y[size_t(i)] == (drop ? 0.0f : 2.0f * xv[size_t(i)]));  // exact
      zeros += drop;
    }
    CHECK(double(zeros) / n == doctest::Approx(0.5).epsilon(0.03));
  }
  SUBCASE("rate 0.1 (the model's): about 10% zeroed, the rest scaled by 1/0.9") {
    Dropout d(0.1f);
    d.build({n / 4}, rng, Device::CPU);
    Context ctx{true, 1, 0};
    const std::vector<float> y = d(x, ctx).to_vector();
    int64_t zeros = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (y[size_t(i)] == 0.0f) {
        ++zeros;
      } else {
        REQUIRE(double(y[size_t(i)]) ==
                doctest::Approx(double(xv[size_t(i)]) / 0.9).epsilon(1e-6));
      }
    }
    // Binomial sd at n = 20000 is 0.0021: allow about 5 sd.
    CHECK(std::fabs(double(zeros) / n - 0.1) < 0.011);
  }
  SUBCASE("the same (seed, stream) gives the same mask; another stream another mask") {
    Dropout d(0.3f);
    d.build({n / 4}, rng, Device::CPU);
    Context c1{true, 5, 3}, c2{true, 5, 3}, c3{true, 5, 4}, c4{true, 6, 3};
    const std::vector<float> y1 = d(x, c1).to_vector(), y2 = d(x, c2).to_vector(),
                             y3 = d(x, c3).to_vector(), y4 = d(x, c4).to_vector();
    CHECK(y1 == y2);
    CHECK(y1 != y3);
    CHECK(y1 != y4);
  }
  SUBCASE("the gradient is the mask") {
    Dropout d(0.5f);
    d.build({n / 4}, rng, Device::CPU);
    Tensor xg = x.clone();
    xg.set_requires_grad(true);
    Context ctx{true, 42, 7};
    sum(d(xg, ctx)).backward();
    const std::vector<float> g = xg.grad().to_vector();
    for (int64_t i = 0; i < n; i += 97)
      CHECK(g[size_t(i)] == (random_uniform32(42, 7, uint64_t(i)) < 0.5 ? 0.0f : 2.0f));
  }
  SUBCASE("a rate outside [0, 1) is rejected at build") {
    Dropout bad(1.0f);
    CHECK_THROWS_AS(bad.build({4}, rng, Device::CPU), Error);
  }
}

TEST_CASE("Conv2DTranspose: 'same' keeps H×W, 'valid' adds kernel-1") {
  Rng rng(4);
  Conv2DTranspose same(8, 3, Padding::Same, Activation::Relu);
  Conv2DTranspose valid(8, 3, Padding::Valid, Activation::None);
  same.build({4, 10, 12}, rng, Device::CPU);
  valid.build({4, 10, 12}, rng, Device::CPU);
  CHECK(same.output_shape() == Shape{8, 10, 12});
  CHECK(valid.output_shape() == Shape{8, 12, 14});
  CHECK(same.parameters()[0].tensor.shape() == Shape{4, 8, 3, 3});  // [in, out, k, k]
  CHECK(same.parameter_count() == 4 * 8 * 9 + 8);
  Context ctx;
  Tensor x = Tensor::from_vector(values(2 * 4 * 10 * 12, 8), {2, 4, 10, 12});
  CHECK(same(x, ctx).shape() == Shape{2, 8, 10, 12});
  CHECK(valid(x, ctx).shape() == Shape{2, 8, 12, 14});

  // 'valid' transpose of a one-pixel input stamps the kernel: y[k, r, s] = w[0, k, r, s].
  Conv2DTranspose stamp(2, 3, Padding::Valid, Activation::None);
  stamp.build({1, 1, 1}, rng, Device::CPU);
  const std::vector<float> w = stamp.parameters()[0].tensor.to_vector();
  const std::vector<float> y = stamp(Tensor::full({1, 1, 1, 1}, 1.0f), ctx).to_vector();
  REQUIRE(y.size() == w.size());
  for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == doctest::Approx(w[i]));
}

TEST_CASE("UpSampling2D doubles H and W by repetition") {
  Rng rng(0);
  UpSampling2D up;
  up.build({3, 5, 7}, rng, Device::CPU);
  CHECK(up.output_shape() == Shape{3, 10, 14});
  CHECK(up.parameter_count() == 0);
  const std::vector<float> xv = values(2 * 3 * 5 * 7, 10);
  Context ctx;
  const Tensor y = up(Tensor::from_vector(xv, {2, 3, 5, 7}), ctx);
  REQUIRE(y.shape() == Shape{2, 3, 10, 14});
  const std::vector<float> yv = y.to_vector();
  for (int p = 0; p < 6; ++p)
    for (int i = 0; i < 10; ++i)
      for (int j = 0; j < 14; ++j)
        REQUIRE(yv[size_t((p * 10 + i) * 14 + j)] == xv[size_t((p * 5 + i / 2) * 7 + j / 2)]);
}

TEST_CASE("Reshape and Flatten keep the batch axis and the values") {
  Rng rng(0);
  Context ctx;
  const std::vector<float> xv = values(2 * 3 * 4 * 5, 11);
  const Tensor x = Tensor::from_vector(xv, {2, 3, 4, 5});

  Flatten flat;
  flat.build({3, 4, 5}, rng, Device::CPU);
  CHECK(flat.output_shape() == Shape{60});
  const Tensor f = flat(x, ctx);
  CHECK(f.shape() == Shape{2, 60});
  CHECK(f.to_vector() == xv);

  Reshape r(Shape{12, 5});
  r.build({3, 4, 5}, rng, Device::CPU);
  CHECK(r.output_shape() == Shape{12, 5});
  const Tensor y = r(x, ctx);
  CHECK(y.shape() == Shape{2, 12, 5});
  CHECK(y.to_vector() == xv);

  Reshape bad(Shape{7, 9});
  const std::string m = error_of([&] { bad.build({3, 4, 5}, rng, Device::CPU); });
  CHECK(contains(m, "[3, 4, 5]"));
  CHECK(contains(m, "[7, 9]"));
}
