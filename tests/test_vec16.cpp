// kernels/cpu/vec16.h's shuffles against plain loops over lane indices.
#include <doctest/doctest.h>

#include "kernels/cpu/vec16.h"

using namespace sg::cpu::vec;

TEST_CASE("vec16: transpose16 swaps rows and columns of a 16x16 block") {
  float m[L][L], got[L][L];
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j) m[i][j] = float(100 * i + j);
  v16 r[L];
  for (int i = 0; i < L; ++i) r[i] = load(m[i]);
  transpose16(r);
  for (int i = 0; i < L; ++i) store(got[i], r[i]);
  int wrong = 0;
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j) wrong += got[i][j] != m[j][i];
  CHECK(wrong == 0);
}
