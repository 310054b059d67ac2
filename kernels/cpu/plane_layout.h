// Where a sample's planes lie in memory: plane (channel) k's row i at p + k·plane + i·row.
// Dense [C, H, W] planes are {H·W, W}; the direct weight gradient's wide rows
// (conv_filter_direct.h) are {blocks·16, Wp}, and the fused block's backward writes its
// output gradient there once for every consumer (conv_relu_pool.cpp).
#pragma once
#include <cstdint>

namespace sg::cpu {

struct PlaneLayout {
  int64_t plane, row;
  static PlaneLayout dense(int64_t H, int64_t W) { return {H * W, W}; }
};

}  // namespace sg::cpu
