// Registers every backend this build has (engine/backend.h's registry calls this once).
#include <memory>

#include "kernels/cpu/backend.h"

namespace sg {

void register_builtin_backends() {
  register_backend(Device::CPU, std::make_unique<CpuBackend>());
}

}  // namespace sg
