// Test files built three ways for the image-reader tests (data/image_read.h): libtiff and
// libpng called directly, and MRC / .npy byte by byte; plus the refusal checks the bad-file
// tests share. Used by tests/test_image_read.cpp and tests/test_image_files_cli.cpp.
#pragma once
#include <doctest/doctest.h>
#include <png.h>
#include <tiffio.h>

#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "data/image_read.h"
#include "engine/error.h"
#include "engine/random.h"
#include "tests/random_values.h"

namespace sg::test {

inline void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}
inline std::string read_raw(const std::string& path) {
  const std::vector<char> b = read_file_bytes(path);
  return std::string(b.begin(), b.end());
}

// Whole numbers in [lo, hi], exactly representable as float when |lo|, |hi| <= 2^24.
inline std::vector<double> random_integers(size_t n, uint64_t seed, double lo, double hi) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = std::floor(lo + (hi - lo + 1) * rng.uniform());
  for (double& x : v) x = std::min(x, hi);
  return v;
}

inline std::vector<float> as_floats(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// read_stack's error for `path`, or "no error".
inline std::string error_of(const std::string& path) {
  try {
    read_stack(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// `bytes` written to `path` must be refused with a one-line message naming the file and
// containing `expect`.
inline void check_refused(const std::string& path, const std::string& expect) {
  const std::string m = error_of(path);
  CAPTURE(m);
  CHECK(m.find(path) != std::string::npos);
  CHECK(m.find(expect) != std::string::npos);
  CHECK(m.find('\n') == std::string::npos);
}
inline void check_refused(const std::string& path, const std::string& bytes, const std::string& expect) {
  write_raw(path, bytes);
  check_refused(path, expect);
}

// --- TIFF written by libtiff directly --------------------------------------------------

struct TiffSpec {
  const char* mode = "w";  // "wb": big-endian, "wl": little-endian
  uint16_t bits = 8, format = SAMPLEFORMAT_UINT, compression = COMPRESSION_NONE, spp = 1;
  uint32_t rows_per_strip = 0;  // 0: one strip per page
  uint32_t tile = 0;            // > 0: square tiles of this side instead of strips
};

inline void store(double v, const TiffSpec& s, unsigned char* p) {
  const int n = s.bits / 8;
  if (s.format == SAMPLEFORMAT_IEEEFP && s.bits == 32) {
    const float f = float(v);
    std::memcpy(p, &f, 4);
  } else if (s.format == SAMPLEFORMAT_IEEEFP) {
    std::memcpy(p, &v, 8);
  } else {
    const uint64_t u = s.format == SAMPLEFORMAT_INT ? uint64_t(int64_t(v)) : uint64_t(v);
    std::memcpy(p, &u, size_t(n));  // the low bytes, little-endian host
  }
}

// Pages of h x w values (one vector per page), written with `s`; every sample of a pixel
// gets the pixel's value.
inline void write_tiff_with_libtiff(const std::string& path, uint32_t h, uint32_t w,
                             const std::vector<std::vector<double>>& pages, const TiffSpec& s) {
  TIFF* t = TIFFOpen(path.c_str(), s.mode);
  REQUIRE(t != nullptr);
  const int bytes = s.bits / 8 * s.spp;
  for (size_t p = 0; p < pages.size(); ++p) {
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, s.bits);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, s.spp);
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, s.format);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, s.spp == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, s.compression);
    TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
    TIFFSetField(t, TIFFTAG_PAGENUMBER, uint16_t(p), uint16_t(pages.size()));
    auto sample = [&](uint32_t r, uint32_t c, unsigned char* at) {
      for (int k = 0; k < s.spp; ++k) store(pages[p][r * w + c], s, at + k * s.bits / 8);
    };
    if (s.tile) {
      TIFFSetField(t, TIFFTAG_TILEWIDTH, s.tile);
      TIFFSetField(t, TIFFTAG_TILELENGTH, s.tile);
      std::vector<unsigned char> buf(size_t(s.tile) * s.tile * bytes);
      for (uint32_t r0 = 0; r0 < h; r0 += s.tile)
        for (uint32_t c0 = 0; c0 < w; c0 += s.tile) {
          std::fill(buf.begin(), buf.end(), 0);
          for (uint32_t r = r0; r < std::min(h, r0 + s.tile); ++r)
            for (uint32_t c = c0; c < std::min(w, c0 + s.tile); ++c)
              sample(r, c, buf.data() + (size_t(r - r0) * s.tile + (c - c0)) * bytes);
          REQUIRE(TIFFWriteTile(t, buf.data(), c0, r0, 0, 0) >= 0);
        }
    } else {
      TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, s.rows_per_strip ? s.rows_per_strip : h);
      std::vector<unsigned char> row(size_t(w) * bytes);
      for (uint32_t r = 0; r < h; ++r) {
        for (uint32_t c = 0; c < w; ++c) sample(r, c, row.data() + size_t(c) * bytes);
        REQUIRE(TIFFWriteScanline(t, row.data(), r, 0) == 1);
      }
    }
    REQUIRE(TIFFWriteDirectory(t));
  }
  TIFFClose(t);
}

inline std::vector<float> concat(const std::vector<std::vector<double>>& pages) {
  std::vector<float> out;
  for (const auto& p : pages) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// --- PNG written by libpng directly ------------------------------------------------------

// Writes an h x w PNG of `colour` type and `bits` depth; grey samples are `values`
// (other channels copy them). Returns false if libpng failed.
inline bool write_png_with_libpng(const std::string& path, uint32_t h, uint32_t w, int bits, int colour,
                           int interlace, const std::vector<double>& values) {
  const int channels = colour == PNG_COLOR_TYPE_GRAY         ? 1
                       : colour == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                             : 3;
  std::vector<unsigned char> pixels(size_t(h) * w * channels * std::max(1, bits / 8));
  for (size_t i = 0; i < size_t(h) * w; ++i)
    for (int k = 0; k < channels; ++k) {
      const auto v = uint32_t(values[i]);
      if (bits == 16) {
        pixels[(i * channels + k) * 2] = uint8_t(v >> 8);  // PNG is big-endian
        pixels[(i * channels + k) * 2 + 1] = uint8_t(v);
      } else if (bits == 8) {
        pixels[i * channels + k] = uint8_t(v);
      }
    }
  std::vector<png_bytep> rows(h);
  const size_t stride = bits >= 8 ? size_t(w) * channels * (bits / 8) : (size_t(w) * bits + 7) / 8;
  for (uint32_t r = 0; r < h; ++r) rows[r] = pixels.data() + r * stride;
  FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(fp);
    return false;
  }
  png_init_io(png, fp);
  png_set_IHDR(png, info, w, h, bits, colour, interlace, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(fp);
  return true;
}

// --- MRC and .npy byte by byte -----------------------------------------------------------

inline void put32(std::string& b, size_t at, uint32_t v, bool big) {
  for (int k = 0; k < 4; ++k) b[at + size_t(k)] = char(big ? v >> (24 - 8 * k) : v >> (8 * k));
}

// A 1024-byte MRC header: sizes, mode, NSYMBT, axes 1 2 3, "MAP " and the stamp.
inline std::string mrc_header(int32_t nx, int32_t ny, int32_t nz, int32_t mode, int32_t nsymbt, bool big) {
  std::string h(1024, '\0');
  put32(h, 0, uint32_t(nx), big);
  put32(h, 4, uint32_t(ny), big);
  put32(h, 8, uint32_t(nz), big);
  put32(h, 12, uint32_t(mode), big);
  put32(h, 64, 1, big);
  put32(h, 68, 2, big);
  put32(h, 72, 3, big);
  put32(h, 92, uint32_t(nsymbt), big);
  std::memcpy(&h[208], "MAP ", 4);
  h[212] = big ? 0x11 : 0x44;
  h[213] = big ? 0x11 : 0x44;
  return h;
}

inline std::string be16(int v) { return {char((v >> 8) & 0xff), char(v & 0xff)}; }
inline std::string le16(int v) { return {char(v & 0xff), char((v >> 8) & 0xff)}; }

inline std::string npy_file(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  return std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xff) +
         char(header.size() >> 8) + header + data;
}

template <typename T>
inline std::string bytes_of(const std::vector<T>& v, bool big = false) {
  std::string out;
  for (const T& x : v) {
    char b[sizeof(T)];
    std::memcpy(b, &x, sizeof(T));
    if (big) std::reverse(b, b + sizeof(T));
    out.append(b, sizeof(T));
  }
  return out;
}

}  // namespace sg::test
