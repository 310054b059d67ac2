// NumPy .npy files, readable by numpy.load and written by numpy.save: we write float32 and read
// any integer or float dtype as float32.
//
// Format (numpy.lib.format): the magic "\x93NUMPY", a major and minor version byte, the
// header length (2 bytes little-endian in version 1.0, 4 bytes in 2.0), then the header:
// a Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n' so the data starts on a 64-byte boundary; then
// the raw data in C order.
//
// We write version 1.0 (float32, '<f4') and read 1.0 and 2.0 in C order, of any integer
// or float dtype in either byte order: u1 u2 u4 u8, i1 i2 i4 i8, f2 f4 f8 ('<', '>', '|'
// or '='), converted to float32 (integers keep their values, rounded to the nearest float
// above 2^24; f8 rounds, and overflows to infinity, which check_finite reports). Every
// rejection names the file and what was wrong, and the data size implied by the shape is
// checked against the file size (and capped at 2^31 elements) before anything is
// allocated.
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace sg {

struct NpyArray {
  std::vector<int64_t> shape;  // empty for a 0-d array (one element)
  std::vector<float> data;     // C order, converted to float32 whatever the file's dtype
  int64_t numel() const;
};

// Writes through write_file_atomic (a temporary file renamed into place).
void save_npy(const std::string& path, const std::vector<int64_t>& shape, const float* data);

NpyArray load_npy(const std::string& path);
// The parser load_npy runs on the file's `size` bytes from `in` (the fuzz target feeds it
// a string stream); errors name `what`.
NpyArray read_npy(std::istream& in, uint64_t size, const std::string& what);

// IEEE 754 binary16 bits (numpy's f2, MRC mode 12) as float.
float half_to_float(uint16_t bits);

// Throws sg::Error naming `path` and the index of the first NaN or infinity.
void check_finite(const NpyArray& a, const std::string& path);

}  // namespace sg
