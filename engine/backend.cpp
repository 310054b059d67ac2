#include "engine/backend.h"

#include <array>

#include "engine/error.h"

namespace sg {

const char* op_name(Op op) {
  switch (op) {
#define SG_OP_CASE(e, name) \
  case Op::e:               \
    return #name;
    SG_OPS(SG_OP_CASE)
#undef SG_OP_CASE
  }
  return "?";
}

void Backend::conv_relu_pool_forward(const ConvGeom&, int64_t, int64_t, const float*,
                                     const float*, const float*, float*, float*) {
  fail("backend ", name(), " does not support ", op_name(Op::ConvReluPool));
}
void Backend::conv_relu_pool_backward(const ConvGeom&, int64_t, int64_t, const float*,
                                      const float*, const float*, const float*, float*,
                                      float*, float*) {
  fail("backend ", name(), " does not support ", op_name(Op::ConvReluPool));
}

void Backend::conv_relu_pool_dropout_forward(const ConvGeom&, int64_t, int64_t, const float*,
                                             const float*, const float*, const DropoutMask&,
                                             float*, float*) {
  fail("backend ", name(), " does not support ", op_name(Op::ConvReluPoolDropout));
}
void Backend::conv_relu_pool_dropout_backward(const ConvGeom&, int64_t, int64_t, const float*,
                                              const float*, const float*, const DropoutMask&,
                                              const float*, float*, float*, float*) {
  fail("backend ", name(), " does not support ", op_name(Op::ConvReluPoolDropout));
}

void Backend::conv_relu_forward(const ConvGeom& g, const float* x, const float* w,
                                const float* b, float* y) {
  conv2d_forward(g, x, w, b, y);
  relu_forward(g.y_size(), y, y);  // element by element: in place is safe
}

bool Backend::set_option(const std::string&, const std::string&) { return false; }
std::string Backend::option(const std::string&) const { return ""; }
std::vector<std::string> Backend::option_values(const std::string&) const { return {}; }

bool Backend::supports_graphs() const { return false; }
std::unique_ptr<CapturedWork> Backend::capture(const std::function<void()>&) {
  fail("backend ", name(), " cannot capture work as a graph (supports_graphs() is false)");
}

int64_t Backend::mark() { return 0; }
void Backend::upload_side(float* dst, const float* host_src, int64_t n, int64_t) {
  from_host(dst, host_src, n);
}
void Backend::join_side() {}

std::string device_name(Device d) {
  switch (d) {
    case Device::CPU: return "cpu";
    case Device::CUDA: return "cuda";
    case Device::CudaOnCpu: return "cuda-cpu";
  }
  return "?";
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::CPU;
  if (name == "cuda") return Device::CUDA;
  if (name == "cuda-cpu") return Device::CudaOnCpu;
  fail("unknown device '", name, "' (expected cpu, cuda or cuda-cpu)");
}

namespace {
std::array<std::unique_ptr<Backend>, 3>& registry() {
  static std::array<std::unique_ptr<Backend>, 3> r;
  return r;
}
}  // namespace

void register_backend(Device d, std::unique_ptr<Backend> b) {
  registry()[size_t(d)] = std::move(b);
}

bool has_backend(Device d) { return registry()[size_t(d)] != nullptr; }

Backend& backend_for(Device d) {
  Backend* b = registry()[size_t(d)].get();
  SG_CHECK(b, "no backend for device '", device_name(d), "' in this build (or the program "
           "did not call sg::register_builtin_backends() of kernels/registry.h)");
  return *b;
}

}  // namespace sg
