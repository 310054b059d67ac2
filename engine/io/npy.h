// NumPy .npy files of float32 arrays, readable by numpy.load and written by numpy.save.
//
// Format (numpy.lib.format): the magic "\x93NUMPY", a major and minor version byte, the
// header length (2 bytes little-endian in version 1.0, 4 bytes in 2.0), then the header:
// a Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n' so the data starts on a 64-byte boundary; then
// the raw data in C order.
//
// We write version 1.0 and read 1.0 and 2.0. Only little-endian float32 ('<f4') in C
// order is accepted; every rejection names the file and what was wrong, and the data
// size implied by the shape is checked against the file size before anything is
// allocated.
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace sg {

struct NpyArray {
  std::vector<int64_t> shape;  // empty for a 0-d array (one element)
  std::vector<float> data;     // C order
  int64_t numel() const;
};

// Writes through write_file_atomic (a temporary file renamed into place).
void save_npy(const std::string& path, const std::vector<int64_t>& shape, const float* data);

NpyArray load_npy(const std::string& path);
// The parser load_npy runs on the file's `size` bytes from `in` (the fuzz target feeds it
// a string stream); errors name `what`.
NpyArray read_npy(std::istream& in, uint64_t size, const std::string& what);

// Throws sg::Error naming `path` and the index of the first NaN or infinity.
void check_finite(const NpyArray& a, const std::string& path);

}  // namespace sg
