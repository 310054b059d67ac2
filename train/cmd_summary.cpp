// `stereograd summary MODEL`: the Keras-style table of a model's layers.
#include <iostream>

#include "engine/error.h"
#include "models/difference.h"
#include "train/args.h"
#include "train/commands.h"

namespace sg {

int cmd_summary(const Args& args) {
  ArgParser p("summary", "Print a model's layers, output shapes and parameter counts.\n"
                         "MODEL is difference (2-D, figure 2.1) or difference1d (figure 2.9).");
  p.option("model", "MODEL", "the model to describe", "difference")
      .option("size", "PIXELS", "input size (pixels per side, or signal length)", "64");
  Args rest = args;
  if (!rest.empty() && rest[0].rfind("--", 0) != 0) rest.insert(rest.begin(), "--model");
  if (!p.parse(rest, std::cout)) return 0;
  const std::string model = p.get("model");
  const int64_t size = p.get_int("size");
  SG_CHECK(size >= 8 && size <= 4096, "summary: --size must be in [8, 4096], got ", size);
  Dims dims;
  if (model == "difference") dims = Dims::Two;
  else if (model == "difference1d") dims = Dims::One;
  else fail("summary: unknown model '", model, "' (expected difference or difference1d)");
  auto cnn = make_difference_cnn(dims);
  Rng rng(0);
  cnn->build(difference_input_shape(dims, size), rng, Device::CPU);
  cnn->summary(std::cout, model == "difference" ? "difference_cnn" : "difference_cnn_1d");
  return 0;
}

}  // namespace sg
