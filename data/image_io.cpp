#include "data/image_io.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/error.h"
#include "engine/io/atomic_file.h"

namespace sg {

namespace {

std::vector<uint8_t> to_bytes(const Image& img, float lo, float hi) {
  SG_CHECK(img.h > 0 && img.w > 0, "cannot write an empty image (", img.h, "x", img.w, ")");
  if (lo == hi) {
    const auto [mn, mx] = std::minmax_element(img.px.begin(), img.px.end());
    lo = *mn;
    hi = *mx;
  }
  const float scale = hi > lo ? 255.0f / (hi - lo) : 0.0f;
  std::vector<uint8_t> out(img.px.size());
  for (size_t i = 0; i < img.px.size(); ++i) {
    const float v = std::isfinite(img.px[i]) ? (img.px[i] - lo) * scale : 0.0f;
    out[i] = uint8_t(std::lround(std::clamp(v, 0.0f, 255.0f)));
  }
  return out;
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
}

void put_chunk(std::vector<uint8_t>& png, const char type[4], const std::vector<uint8_t>& data) {
  put_u32(png, uint32_t(data.size()));
  const size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  put_u32(png, crc32(png.data() + start, png.size() - start));
}

bool ends_with_ci(const std::string& path, const std::string& ext) {
  if (path.size() < ext.size()) return false;
  std::string tail = path.substr(path.size() - ext.size());
  std::transform(tail.begin(), tail.end(), tail.begin(), ::tolower);
  return tail == ext;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  });
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t n, uint32_t crc) {
  static const auto table = [] {
    std::vector<uint32_t> t(256);
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

uint32_t adler32(const uint8_t* data, size_t n) {
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; ++i) {
    a = (a + data[i]) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void write_png(const std::string& path, const Image& img, float lo, float hi) {
  const std::vector<uint8_t> pixels = to_bytes(img, lo, hi);
  // Raw scanlines, each with filter type 0 (None).
  std::vector<uint8_t> raw;
  raw.reserve(size_t(img.h * (img.w + 1)));
  for (int64_t i = 0; i < img.h; ++i) {
    raw.push_back(0);
    raw.insert(raw.end(), pixels.begin() + i * img.w, pixels.begin() + (i + 1) * img.w);
  }
  // zlib stream: header (deflate, 32 KiB window, no dictionary, check bits), stored
  // blocks of at most 65535 bytes, Adler-32.
  std::vector<uint8_t> z = {0x78, 0x01};
  size_t pos = 0;
  do {
    const size_t len = std::min<size_t>(65535, raw.size() - pos);
    z.push_back(pos + len == raw.size() ? 1 : 0);  // BFINAL, BTYPE = 00
    z.push_back(uint8_t(len));
    z.push_back(uint8_t(len >> 8));
    z.push_back(uint8_t(~len));
    z.push_back(uint8_t(~len >> 8));
    z.insert(z.end(), raw.begin() + pos, raw.begin() + pos + len);
    pos += len;
  } while (pos < raw.size());
  put_u32(z, adler32(raw.data(), raw.size()));

  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put_u32(ihdr, uint32_t(img.w));
  put_u32(ihdr, uint32_t(img.h));
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});  // 8 bits, greyscale, deflate, no filter, no interlace
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "IDAT", z);
  put_chunk(png, "IEND", {});
  write_bytes(path, png);
}

void write_pgm(const std::string& path, const Image& img, float lo, float hi) {
  const std::vector<uint8_t> pixels = to_bytes(img, lo, hi);
  const std::string header =
      "P5\n" + std::to_string(img.w) + " " + std::to_string(img.h) + "\n255\n";
  std::vector<uint8_t> bytes(header.begin(), header.end());
  bytes.insert(bytes.end(), pixels.begin(), pixels.end());
  write_bytes(path, bytes);
}

bool has_image_extension(const std::string& path) {
  return ends_with_ci(path, ".png") || ends_with_ci(path, ".pgm");
}

void write_image(const std::string& path, const Image& img, float lo, float hi) {
  if (ends_with_ci(path, ".png")) return write_png(path, img, lo, hi);
  if (ends_with_ci(path, ".pgm")) return write_pgm(path, img, lo, hi);
  fail("cannot write image '", path, "': use a .png or .pgm file name");
}

}  // namespace sg
