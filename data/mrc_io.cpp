#include "data/mrc_io.h"

#include "data/image_read.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

#include "engine/error.h"
#include "engine/io/atomic_file.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "save_mrc writes float32 by copying bytes: little-endian hosts only");

namespace sg {

namespace {

constexpr uint64_t kHeader = 1024;
constexpr uint64_t kMaxElements = uint64_t(1) << 31;
constexpr int32_t kImodStamp = 1146047817;  // "IMOD": IMOD's files say whether mode 0 is signed

uint32_t word(const unsigned char* h, int index, bool big) {
  const unsigned char* p = h + 4 * index;
  return big ? (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]
             : (uint32_t(p[3]) << 24) | (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | p[0];
}

int item_bytes(int32_t mode) {
  switch (mode) {
    case 0: return 1;
    case 1:
    case 6:
    case 12: return 2;
    case 2: return 4;
    default: return 0;
  }
}

std::string mode_problem(int32_t mode) {
  if (mode == 3 || mode == 4) return "complex data (mode " + std::to_string(mode) + ")";
  if (mode == 101) return "4-bit data (mode 101)";
  return "mode " + std::to_string(mode);
}

// One value of `mode` at `p` (byte order `big`) as float32.
float value(const unsigned char* p, int32_t mode, bool big, bool unsigned_bytes) {
  if (mode == 0) return unsigned_bytes ? float(p[0]) : float(int8_t(p[0]));
  const uint32_t u16 = big ? (uint32_t(p[0]) << 8) | p[1] : (uint32_t(p[1]) << 8) | p[0];
  if (mode == 1) return float(int16_t(u16));
  if (mode == 6) return float(u16);
  if (mode == 12) return half_to_float(uint16_t(u16));
  const uint32_t u32 = word(p, 0, big);
  float f;
  std::memcpy(&f, &u32, 4);
  return f;
}

void put_word(unsigned char* h, int index, uint32_t v) {
  for (int b = 0; b < 4; ++b) h[4 * index + b] = uint8_t(v >> (8 * b));
}
void put_float(unsigned char* h, int index, float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  put_word(h, index, u);
}

}  // namespace

NpyArray read_mrc(std::istream& in, uint64_t size, const std::string& what) {
  unsigned char h[kHeader];
  SG_CHECK(size >= kHeader && in.read(reinterpret_cast<char*>(h), kHeader), "'", what,
           "' is not an MRC file: only ", size, " bytes, less than the 1024-byte header");
  const bool has_map = std::memcmp(h + 208, "MAP ", 4) == 0;
  bool big;
  if (h[212] == 0x44) {
    big = false;
  } else if (h[212] == 0x11) {
    big = true;
  } else {
    SG_CHECK(has_map, "'", what,
             "' is not an MRC file: no \"MAP \" at byte 208 and no machine stamp");
    big = item_bytes(int32_t(word(h, 3, false))) == 0 && item_bytes(int32_t(word(h, 3, true))) != 0;
  }
  const int32_t nx = int32_t(word(h, 0, big)), ny = int32_t(word(h, 1, big)),
                nz = int32_t(word(h, 2, big)), mode = int32_t(word(h, 3, big)),
                nsymbt = int32_t(word(h, 23, big));
  const int32_t mapc = int32_t(word(h, 16, big)), mapr = int32_t(word(h, 17, big)),
                maps = int32_t(word(h, 18, big));
  const int bytes = item_bytes(mode);
  SG_CHECK(bytes != 0, "'", what, "': unsupported MRC ", mode_problem(mode),
           "; stereograd reads modes 0 (int8), 1 (int16), 2 (float32), 6 (uint16), 12 (float16)");
  SG_CHECK(nx >= 1 && ny >= 1 && nz >= 1, "'", what, "': MRC dimensions ", nx, " x ", ny, " x ", nz,
           " must all be at least 1");
  SG_CHECK((mapc == 1 && mapr == 2 && maps == 3) || (mapc == 0 && mapr == 0 && maps == 0), "'",
           what, "': MRC axis order (MAPC, MAPR, MAPS) = (", mapc, ", ", mapr, ", ", maps,
           "); stereograd reads only (1, 2, 3)");
  SG_CHECK(nsymbt >= 0 && uint64_t(nsymbt) <= size - kHeader, "'", what,
           "': MRC extended header of ", nsymbt, " bytes does not fit in the file's ",
           size - kHeader, " after the header (truncated)");
  // Bound NX * NY (< 2^62) by the data before multiplying by NZ, so nothing overflows.
  const uint64_t remaining = size - kHeader - uint64_t(nsymbt);
  const bool too_big = uint64_t(nx) * uint64_t(ny) > remaining / uint64_t(bytes) / uint64_t(nz);
  SG_CHECK(!too_big, "'", what, "': MRC dimensions ", nx, " x ", ny, " x ", nz, " of ", bytes,
           "-byte values need more than the file's ", remaining, " bytes of data (truncated)");
  const uint64_t n = uint64_t(nx) * uint64_t(ny) * uint64_t(nz);
  SG_CHECK(n * uint64_t(bytes) == remaining, "'", what, "': MRC dimensions ", nx, " x ", ny, " x ",
           nz, " need ", n * uint64_t(bytes), " bytes of data but the file has ", remaining,
           " (trailing bytes)");
  SG_CHECK(n <= kMaxElements, "'", what, "': MRC holds ", n,
           " values, more than stereograd reads (2^31)");
  in.ignore(nsymbt);
  SG_CHECK(bool(in), "'", what, "': short read in the MRC extended header");

  const bool imod = int32_t(word(h, 38, big)) == kImodStamp;
  const bool unsigned_bytes = imod && (word(h, 39, big) & 1) == 0;
  NpyArray a;
  a.shape = {nz, ny, nx};
  a.data.resize(n);
  std::vector<unsigned char> raw(size_t(std::min<uint64_t>(n, 1 << 16)) * size_t(bytes));
  for (uint64_t done = 0; done < n;) {
    const uint64_t k = std::min<uint64_t>(n - done, 1 << 16);
    SG_CHECK(bool(in.read(reinterpret_cast<char*>(raw.data()), std::streamsize(k * bytes))), "'",
             what, "': short read in the MRC data");
    for (uint64_t i = 0; i < k; ++i)
      a.data[done + i] = value(raw.data() + i * bytes, mode, big, unsigned_bytes);
    done += k;
  }
  return a;
}

void save_mrc(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  const StackDims d = stack_dims(shape, "save_mrc", path);  // [NZ, NY, NX]
  const int64_t nz = d.n, ny = d.h, nx = d.w;
  const size_t n = size_t(nx * ny * nz);
  double lo = data[0], hi = data[0], sum = 0, sum2 = 0;
  for (size_t i = 0; i < n; ++i) {
    lo = std::min<double>(lo, data[i]);
    hi = std::max<double>(hi, data[i]);
    sum += data[i];
  }
  const double mean = sum / double(n);
  for (size_t i = 0; i < n; ++i) sum2 += (data[i] - mean) * (data[i] - mean);

  unsigned char h[kHeader] = {};
  put_word(h, 0, uint32_t(nx));
  put_word(h, 1, uint32_t(ny));
  put_word(h, 2, uint32_t(nz));
  put_word(h, 3, 2);             // mode 2: float32
  put_word(h, 7, uint32_t(nx));  // MX, MY, MZ: the sampling, one pixel per cell unit
  put_word(h, 8, uint32_t(ny));
  put_word(h, 9, uint32_t(nz));
  put_float(h, 10, float(nx));  // cell in Å: a 1 Å pixel
  put_float(h, 11, float(ny));
  put_float(h, 12, float(nz));
  for (int i = 13; i < 16; ++i) put_float(h, i, 90.0f);
  put_word(h, 16, 1);
  put_word(h, 17, 2);
  put_word(h, 18, 3);
  put_float(h, 19, float(lo));
  put_float(h, 20, float(hi));
  put_float(h, 21, float(mean));
  put_word(h, 27, 20140);  // NVERSION
  std::memcpy(h + 208, "MAP ", 4);
  h[212] = 0x44;  // little-endian
  h[213] = 0x44;
  put_float(h, 54, float(std::sqrt(sum2 / double(n))));
  put_word(h, 55, 1);  // one label
  const char label[] = "stereograd";
  std::memcpy(h + 224, label, sizeof(label) - 1);
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(h), kHeader);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(n * 4));
  });
}

}  // namespace sg
