// A backend option (engine/backend.h: set_option) set for a scope, then put back as it was.
#pragma once
#include <string>

#include "engine/backend.h"
#include <doctest/doctest.h>

namespace sg::test {

struct ScopedOption {
  Backend& be;
  const std::string name, was;
  ScopedOption(Backend& b, const std::string& n, const std::string& value)
      : be(b), name(n), was(b.option(n)) {
    REQUIRE(be.set_option(name, value));
  }
  ~ScopedOption() { be.set_option(name, was); }
};

}  // namespace sg::test
