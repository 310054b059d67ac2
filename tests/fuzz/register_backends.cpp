// libFuzzer calls LLVMFuzzerInitialize once before the first input: every fuzz target
// registers the backends here, as every program does at the start of main
// (kernels/registry.h), so a parsed config reaches the devices it names.
#include "kernels/registry.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sg::register_builtin_backends();
  return 0;
}
