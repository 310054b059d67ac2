#include "train/device_options.h"

#include "engine/backend.h"
#include "engine/error.h"

namespace sg {

void add_device_options(ArgParser& p) {
  p.option("device", "DEV", "cpu, cuda (a GPU) or cuda-cpu (the CUDA kernels on the CPU executor)", "cpu")
      .option("conv", "IMPL", "convolution on cuda: own (our kernels) or cudnn", "own")
      .flag("no-graph", "run each training step's kernels one by one, not captured as one CUDA graph");
}

void apply_graph_option(Device d, bool no_graph) {
  // A backend without the option (the CPU) has no graphs to turn off.
  if (no_graph) (void)backend_for(d).set_option("graph", "off");
}

Device device_from_options(const ArgParser& p) {
  const Device d = parse_device(p.get("device"));
  SG_CHECK(has_backend(d), "--device ", p.get("device"), ": this ",
           d == Device::CUDA ? "machine has no usable GPU or this build has no CUDA backend"
                             : "build has no such backend");
  const std::string conv = p.get("conv");
  SG_CHECK(conv == "own" || conv == "cudnn", "--conv must be own or cudnn, got '", conv, "'");
  if (conv == "cudnn") {
    SG_CHECK(d == Device::CUDA, "--conv cudnn needs --device cuda");
    SG_CHECK(backend_for(d).set_option("conv", "cudnn"), "--conv: backend '",
             backend_for(d).name(), "' has no choice of convolution");
  }
  apply_graph_option(d, p.get_flag("no-graph"));
  return d;
}

}  // namespace sg
