// Backend options by name (engine/backend.h: set_option, option, option_values): how a
// program chooses the convolution without knowing the backend's class, and --conv
// (train/device_options.cpp), which goes through them.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/error.h"
#include "train/device_options.h"

using namespace sg;

namespace {

// --device and --conv as the CLI parses them; the device, or the sg::Error's message.
std::string device_for(const std::string& device, const std::string& conv) {
  ArgParser p("probe", "device options");
  add_device_options(p);
  std::ostringstream help;
  REQUIRE(p.parse({"--device", device, "--conv", conv}, help));
  try {
    return device_name(device_from_options(p));
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  }
}

}  // namespace

TEST_CASE("backend options: the CPU backend has winograd, blocking and conv_path") {
  Backend& cpu = backend_for(Device::CPU);
  CHECK_FALSE(cpu.set_option("conv", "cudnn"));
  CHECK_FALSE(cpu.set_option("conv", "own"));
  CHECK(cpu.option("conv").empty());
  CHECK(cpu.option_values("conv").empty());
  const std::string was = cpu.option("winograd");
  if (!std::getenv("STEREOGRAD_WINOGRAD")) CHECK(was == "on");  // the default
  CHECK(cpu.option_values("winograd") == std::vector<std::string>{"off", "on", "all"});
  CHECK(cpu.set_option("winograd", "all"));
  CHECK(cpu.option("winograd") == "all");
  CHECK(cpu.set_option("winograd", "on"));
  CHECK(cpu.option("winograd") == "on");
  CHECK_THROWS_WITH_AS(cpu.set_option("winograd", "fast"),
                       doctest::Contains("must be off, on or all, got 'fast'"), Error);
  CHECK(cpu.option("winograd") == "on");  // a refused value changes nothing
  CHECK(cpu.set_option("winograd", "off"));
  CHECK(cpu.option("winograd") == "off");
  cpu.set_option("winograd", was);
  const std::string block = cpu.option("blocking");
  CHECK(cpu.option_values("blocking") == std::vector<std::string>{"wide", "narrow"});
  CHECK(cpu.set_option("blocking", "narrow"));
  CHECK(cpu.option("blocking") == "narrow");
  CHECK(cpu.set_option("blocking", "wide"));
  CHECK(cpu.option("blocking") == "wide");
  CHECK_THROWS_WITH_AS(cpu.set_option("blocking", "avx2"), doctest::Contains("must be wide or narrow, got 'avx2'"),
                       Error);
  CHECK(cpu.option("blocking") == "wide");
  cpu.set_option("blocking", block);
  const std::string grad = cpu.option("conv_path");
  CHECK(cpu.option_values("conv_path") == std::vector<std::string>{"direct", "gemm"});
  CHECK(cpu.set_option("conv_path", "gemm"));
  CHECK(cpu.option("conv_path") == "gemm");
  CHECK_THROWS_WITH_AS(cpu.set_option("conv_path", "im2col"),
                       doctest::Contains("must be direct or gemm, got 'im2col'"), Error);
  CHECK(cpu.option("conv_path") == "gemm");
  CHECK(cpu.set_option("conv_path", "direct"));
  CHECK(cpu.option("conv_path") == "direct");
  cpu.set_option("conv_path", grad);
}

TEST_CASE("backend options: conv on the CUDA backends") {
  for (Device d : {Device::CudaOnCpu, Device::CUDA}) {
    if (!has_backend(d)) continue;
    CAPTURE(device_name(d));
    Backend& b = backend_for(d);
    const std::string before = b.option("conv");
    const std::vector<std::string> values = b.option_values("conv");
    REQUIRE_FALSE(values.empty());
    CHECK(values.front() == "own");
    CHECK(b.set_option("conv", "own"));
    CHECK(b.option("conv") == "own");
    CHECK_FALSE(b.set_option("no such option", "own"));
    CHECK(b.option("no such option").empty());
    CHECK_THROWS_AS(b.set_option("conv", "fastest"), Error);
    CHECK(b.option("conv") == "own");  // a refused value changes nothing
    // cuDNN exists only on Device::CUDA in a build that found it; elsewhere it is refused.
    const bool has_cudnn = values == std::vector<std::string>{"own", "cudnn"};
    if (d == Device::CudaOnCpu) CHECK(values == std::vector<std::string>{"own"});
    if (has_cudnn) {
      CHECK(b.set_option("conv", "cudnn"));
      CHECK(b.option("conv") == "cudnn");
    } else {
      CHECK_THROWS_AS(b.set_option("conv", "cudnn"), Error);
    }
    b.set_option("conv", before);
  }
}

TEST_CASE("backend options: --conv reaches the backend through set_option") {
  CHECK(device_for("cpu", "own") == "cpu");
  CHECK(device_for("cpu", "cudnn") == "error: --conv cudnn needs --device cuda");
  CHECK(device_for("cpu", "fastest") == "error: --conv must be own or cudnn, got 'fastest'");
  if (has_backend(Device::CudaOnCpu)) {
    CHECK(device_for("cuda-cpu", "own") == "cuda-cpu");
    CHECK(device_for("cuda-cpu", "cudnn") == "error: --conv cudnn needs --device cuda");
  }
  if (has_backend(Device::CUDA)) {
    Backend& gpu = backend_for(Device::CUDA);
    const std::string before = gpu.option("conv");
    const bool has_cudnn = gpu.option_values("conv").size() == 2;
    if (has_cudnn) {
      CHECK(device_for("cuda", "cudnn") == "cuda");
      CHECK(gpu.option("conv") == "cudnn");
    } else {
      CHECK(device_for("cuda", "cudnn").find("has no cuDNN") != std::string::npos);
    }
    gpu.set_option("conv", before);
  }
}

TEST_CASE("backend options: graph on the CUDA backends, and --no-graph") {
  for (Device d : {Device::CudaOnCpu, Device::CUDA}) {
    if (!has_backend(d)) continue;
    CAPTURE(device_name(d));
    Backend& b = backend_for(d);
    CHECK(b.option_values("graph") == std::vector<std::string>{"on", "off"});
    CHECK(b.option("graph") == "on");  // the default
    // Only the GPU captures; the executor has no graph API, whatever the option says.
    CHECK(b.supports_graphs() == (d == Device::CUDA));
    CHECK_THROWS_AS(b.set_option("graph", "yes"), Error);
    CHECK(b.option("graph") == "on");

    ArgParser p("probe", "device options");
    add_device_options(p);
    std::ostringstream help;
    REQUIRE(p.parse({"--device", device_name(d), "--no-graph"}, help));
    CHECK(device_from_options(p) == d);
    CHECK(b.option("graph") == "off");
    CHECK_FALSE(b.supports_graphs());
    CHECK(b.set_option("graph", "on"));
  }
  // The CPU has no graphs to turn off: --no-graph is accepted and changes nothing.
  ArgParser p("probe", "device options");
  add_device_options(p);
  std::ostringstream help;
  REQUIRE(p.parse({"--device", "cpu", "--no-graph"}, help));
  CHECK(device_from_options(p) == Device::CPU);
  CHECK_FALSE(backend_for(Device::CPU).supports_graphs());
  CHECK_FALSE(backend_for(Device::CPU).set_option("graph", "off"));
  CHECK_THROWS_WITH_AS(backend_for(Device::CPU).capture([] {}), doctest::Contains("cannot capture"), Error);
}
