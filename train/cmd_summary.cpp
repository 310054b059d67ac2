// `stereograd summary MODEL`: the Keras-style table of a model's layers.
#include <cinttypes>
#include <cstdio>
#include <iostream>

#include "engine/error.h"
#include "models/difference.h"
#include "models/unet.h"
#include "train/args.h"
#include "train/commands.h"

namespace sg {

ArgParser summary_options() {
  ArgParser p("summary", "Print a model's layers, output shapes and parameter counts.\n"
                         "MODEL is difference (2-D, figure 2.1), difference1d (figure 2.9),\n"
                         "unet (figure 2.4, with skips) or autoencoder (the same, without).");
  p.option("model", "MODEL", "the model to describe", "difference")
      .option("size", "PIXELS", "input size (pixels per side, or signal length)", "64")
      .option("bottleneck", "KIND", "unet/autoencoder: angle (the report's) or sincos", "angle")
      .option("filters", "F1,F2,F3", "difference: the three conv widths", "16,32,16")
      .option("dense", "UNITS", "difference: the hidden Dense width", "16");
  return p;
}

int cmd_summary(const Args& args) {
  ArgParser p = summary_options();
  Args rest = args;
  if (!rest.empty() && rest[0].rfind("--", 0) != 0) rest.insert(rest.begin(), "--model");
  if (!p.parse(rest, std::cout)) return 0;
  const std::string model = p.get("model");
  const int64_t size = p.get_int("size");
  SG_CHECK(size >= 8 && size <= 4096, "summary: --size must be in [8, 4096], got ", size);
  Rng rng(0);
  if (model == "unet" || model == "autoencoder") {
    SG_CHECK(size % 8 == 0, "summary: the U-Net needs --size to be a multiple of 8, got ", size);
    UNetOptions o;
    o.skips = model == "unet";
    o.bottleneck = parse_bottleneck(p.get("bottleneck"));
    UNetModel(size, 4, o, rng, Device::CPU).summary(std::cout);
    return 0;
  }
  Dims dims;
  if (model == "difference") dims = Dims::Two;
  else if (model == "difference1d") dims = Dims::One;
  else fail("summary: unknown model '", model, "' (expected difference, difference1d, unet or "
            "autoencoder)");
  DifferenceWidth w;
  w.dense = p.get_int("dense");
  const std::string f = p.get("filters");
  int used = 0;
  SG_CHECK(std::sscanf(f.c_str(), "%" SCNd64 ",%" SCNd64 ",%" SCNd64 "%n", &w.filters[0],
                       &w.filters[1], &w.filters[2], &used) == 3 && used == int(f.size()),
           "summary: --filters must be three integers like 16,32,16, got '", f, "'");
  auto cnn = make_difference_cnn(dims, w);
  cnn->build(difference_input_shape(dims, size), rng, Device::CPU);
  cnn->summary(std::cout, model == "difference" ? "difference_cnn" : "difference_cnn_1d");
  return 0;
}

}  // namespace sg
