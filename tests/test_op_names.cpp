// op_name, generated with Op from the one list SG_OPS (engine/backend.h): each op's name is
// the name of its files and Backend members, so it must be exact and unique.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "engine/backend.h"

using namespace sg;

TEST_CASE("op names: the ops found by name have the name of their files") {
  CHECK(std::string(op_name(Op::Mse)) == "mse");                 // engine/ops/mse.cpp
  CHECK(std::string(op_name(Op::Upsample2x)) == "upsample2x");   // engine/ops/upsample2x.cpp
  CHECK(std::string(op_name(Op::ConvReluPool)) == "conv_relu_pool");
  CHECK(std::string(op_name(Op::ConcatChannels)) == "concat_channels");
  CHECK(std::string(op_name(Op::Fill)) == "fill");  // the first of the list
}

TEST_CASE("op names: one distinct name per op, none unnamed") {
  std::set<std::string> names;
  int count = 0;
#define SG_OP_COUNT(e, name) \
  ++count;                   \
  names.insert(op_name(Op::e));
  SG_OPS(SG_OP_COUNT)
#undef SG_OP_COUNT
  CHECK(count == 26);  // Fill ... ConvRelu; a new op updates this and the README's list
  CHECK(names.size() == size_t(count));
  CHECK(names.count("?") == 0);
}
