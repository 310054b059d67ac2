// The doctest runner for the whole suite (CTest runs each test case on its own). Like every
// program, it registers the backends before any test makes a tensor (kernels/registry.h).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "kernels/registry.h"

int main(int argc, char** argv) {
  sg::register_builtin_backends();
  return doctest::Context(argc, argv).run();
}
