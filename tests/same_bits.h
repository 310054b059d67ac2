// Whether two float vectors hold the same bits: the check of "bit-identical" results
// (thread counts, reruns, pieces against the whole). Unlike ==, NaN matches itself and
// -0 does not match 0.
#pragma once
#include <cstring>
#include <vector>

namespace sg::test {

inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  // memcmp of an empty vector's data() (null) is undefined, whatever the size.
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace sg::test
