// Image files in and out (data/image_read.h): TIFF through libtiff, PNG through libpng,
// MRC and every .npy dtype by our own readers. Files are made three ways: by our writers
// (round trips), by libtiff and libpng called directly here, and byte by byte (MRC, .npy);
// each is read back against the values put in. Bad files must give a one-line error
// naming the file and the problem.
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

#include "data/dataset_io.h"
#include "data/image_io.h"
#include "data/image_read.h"
#include "data/mrc_io.h"
#include "data/pairs.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "engine/random.h"
#include "tests/cli_run.h"
#include "tests/temp_dir.h"

using namespace sg;
namespace fs = std::filesystem;
using test::TempDir;

namespace {

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}
std::string read_raw(const std::string& path) {
  const std::vector<char> b = read_file_bytes(path);
  return std::string(b.begin(), b.end());
}

std::vector<float> random_values(size_t n, uint64_t seed, float lo, float hi) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = lo + (hi - lo) * float(rng.uniform());
  return v;
}

// Whole numbers in [lo, hi], exactly representable as float when |lo|, |hi| <= 2^24.
std::vector<double> random_integers(size_t n, uint64_t seed, double lo, double hi) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (double& x : v) x = std::floor(lo + (hi - lo + 1) * rng.uniform());
  for (double& x : v) x = std::min(x, hi);
  return v;
}

std::vector<float> as_floats(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// read_stack's error for `path`, or "no error".
std::string error_of(const std::string& path) {
  try {
    read_stack(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// `bytes` written to `path` must be refused with a one-line message naming the file and
// containing `expect`.
void check_refused(const std::string& path, const std::string& expect) {
  const std::string m = error_of(path);
  CAPTURE(m);
  CHECK(m.find(path) != std::string::npos);
  CHECK(m.find(expect) != std::string::npos);
  CHECK(m.find('\n') == std::string::npos);
}
void check_refused(const std::string& path, const std::string& bytes, const std::string& expect) {
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

void store(double v, const TiffSpec& s, unsigned char* p) {
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
void write_tiff_with_libtiff(const std::string& path, uint32_t h, uint32_t w,
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

std::vector<float> concat(const std::vector<std::vector<double>>& pages) {
  std::vector<float> out;
  for (const auto& p : pages) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// --- PNG written by libpng directly ------------------------------------------------------

// Writes an h x w PNG of `colour` type and `bits` depth; grey samples are `values`
// (other channels copy them). Returns false if libpng failed.
bool write_png_with_libpng(const std::string& path, uint32_t h, uint32_t w, int bits, int colour,
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

void put32(std::string& b, size_t at, uint32_t v, bool big) {
  for (int k = 0; k < 4; ++k) b[at + size_t(k)] = char(big ? v >> (24 - 8 * k) : v >> (8 * k));
}

// A 1024-byte MRC header: sizes, mode, NSYMBT, axes 1 2 3, "MAP " and the stamp.
std::string mrc_header(int32_t nx, int32_t ny, int32_t nz, int32_t mode, int32_t nsymbt, bool big) {
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

std::string be16(int v) { return {char((v >> 8) & 0xff), char(v & 0xff)}; }
std::string le16(int v) { return {char(v & 0xff), char((v >> 8) & 0xff)}; }

std::string npy_file(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string header =
      "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header.push_back('\n');
  return std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 0xff) +
         char(header.size() >> 8) + header + data;
}

template <typename T>
std::string bytes_of(const std::vector<T>& v, bool big = false) {
  std::string out;
  for (const T& x : v) {
    char b[sizeof(T)];
    std::memcpy(b, &x, sizeof(T));
    if (big) std::reverse(b, b + sizeof(T));
    out.append(b, sizeof(T));
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------

TEST_CASE("image read: our writers round trip exactly through read_stack") {
  TempDir dir("imgrt");
  const std::vector<float> v = random_values(3 * 5 * 7, 18, -4.0f, 9.0f);
  for (const char* name : {"x.npy", "x.tif", "x.tiff", "x.mrc", "x.mrcs", "X.TIF"}) {
    CAPTURE(std::string(name));
    const std::string path = dir.file(name);
    write_stack(path, {3, 5, 7}, v.data());
    const NpyArray a = read_stack(path);
    CHECK(a.shape == std::vector<int64_t>{3, 5, 7});
    CHECK(a.data == v);
  }
  // A single image [H, W] becomes a stack of one.
  write_stack(dir.file("one.tif"), {5, 7}, v.data());
  CHECK(read_stack(dir.file("one.tif")).shape == std::vector<int64_t>{1, 5, 7});
  // Nothing but the files themselves: no temporary is left behind.
  CHECK(dir.entries().size() == 7);
  // The PNG writer (8-bit, values mapped from [lo, hi]) read back by libpng.
  Image img(4, 6);
  for (size_t i = 0; i < img.px.size(); ++i) img.px[i] = float((i * 37) % 256);
  write_png(dir.file("p.png"), img, 0, 255);
  const NpyArray p = read_stack(dir.file("p.png"));
  CHECK(p.shape == std::vector<int64_t>{1, 4, 6});
  CHECK(p.data == img.px);
}

TEST_CASE("image read: save_mrc writes an MRC2014 mode-2 header") {
  TempDir dir("mrchdr");
  const std::vector<float> v = {1, 2, 3, 4, 5, 6};
  save_mrc(dir.file("a.mrc"), {2, 1, 3}, v.data());
  const std::string b = read_raw(dir.file("a.mrc"));
  REQUIRE(b.size() == 1024 + 6 * 4);
  auto word = [&](size_t at) {
    uint32_t w;
    std::memcpy(&w, b.data() + at, 4);
    return w;
  };
  auto real = [&](size_t at) {
    float f;
    std::memcpy(&f, b.data() + at, 4);
    return f;
  };
  CHECK(word(0) == 3);   // NX
  CHECK(word(4) == 1);   // NY
  CHECK(word(8) == 2);   // NZ
  CHECK(word(12) == 2);  // mode 2
  CHECK(word(92) == 0);  // no extended header
  CHECK(word(108) == 20140);
  CHECK(b.substr(208, 4) == "MAP ");
  CHECK(uint8_t(b[212]) == 0x44);
  CHECK(real(76) == 1.0f);  // DMIN
  CHECK(real(80) == 6.0f);  // DMAX
  CHECK(real(84) == 3.5f);  // DMEAN
}

TEST_CASE("image read: a multi-page 8-bit TIFF written by libtiff, strips and LZW") {
  TempDir dir("tif8");
  std::vector<std::vector<double>> pages;
  for (int p = 0; p < 3; ++p) pages.push_back(random_integers(5 * 4, 100 + p, 0, 255));
  for (uint16_t compression : {uint16_t(COMPRESSION_NONE), uint16_t(COMPRESSION_LZW)}) {
    CAPTURE(compression);
    TiffSpec s;
    s.compression = compression;
    s.rows_per_strip = 2;
    write_tiff_with_libtiff(dir.file("s.tif"), 5, 4, pages, s);
    const NpyArray a = read_stack(dir.file("s.tif"));
    CHECK(a.shape == std::vector<int64_t>{3, 5, 4});
    CHECK(a.data == concat(pages));
  }
}

TEST_CASE("image read: TIFF of every sample type, both byte orders, strips and tiles") {
  TempDir dir("tiftypes");
  struct Type {
    uint16_t bits, format;
    double lo, hi;
  };
  const Type types[] = {
      {8, SAMPLEFORMAT_UINT, 0, 255},         {8, SAMPLEFORMAT_INT, -128, 127},
      {16, SAMPLEFORMAT_UINT, 0, 65535},      {16, SAMPLEFORMAT_INT, -32768, 32767},
      {32, SAMPLEFORMAT_UINT, 0, 16777216},   {32, SAMPLEFORMAT_INT, -16777216, 16777216},
      {32, SAMPLEFORMAT_IEEEFP, -1000, 1000}, {64, SAMPLEFORMAT_IEEEFP, -1e6, 1e6}};
  const uint32_t h = 20, w = 18;  // tiles of 16 overhang both edges
  int seed = 0;
  for (const Type& t : types)
    for (const char* mode : {"wl", "wb"})
      for (uint32_t tile : {0u, 16u}) {
        CAPTURE(t.bits);
        CAPTURE(t.format);
        CAPTURE(std::string(mode));
        CAPTURE(tile);
        std::vector<std::vector<double>> pages = {random_integers(h * w, 200 + seed, t.lo, t.hi),
                                                  random_integers(h * w, 300 + seed, t.lo, t.hi)};
        ++seed;
        if (t.format == SAMPLEFORMAT_IEEEFP)
          for (double& x : pages[0]) x += 0.25;  // not only whole numbers
        TiffSpec s;
        s.mode = mode;
        s.bits = t.bits;
        s.format = t.format;
        s.tile = tile;
        s.rows_per_strip = 3;
        s.compression = tile ? COMPRESSION_ADOBE_DEFLATE : COMPRESSION_NONE;
        write_tiff_with_libtiff(dir.file("t.tif"), h, w, pages, s);
        const NpyArray a = read_stack(dir.file("t.tif"));
        CHECK(a.shape == std::vector<int64_t>{2, h, w});
        CHECK(a.data == concat(pages));
      }
}

TEST_CASE("image read: 16-bit and 8-bit greyscale PNG written by libpng") {
  TempDir dir("png16");
  for (int interlace : {PNG_INTERLACE_NONE, PNG_INTERLACE_ADAM7})
    for (int bits : {8, 16}) {
      CAPTURE(interlace);
      CAPTURE(bits);
      const std::vector<double> v =
          random_integers(9 * 11, 40 + bits + interlace, 0, bits == 8 ? 255 : 65535);
      REQUIRE(
          write_png_with_libpng(dir.file("g.png"), 9, 11, bits, PNG_COLOR_TYPE_GRAY, interlace, v));
      const NpyArray a = read_stack(dir.file("g.png"));
      CHECK(a.shape == std::vector<int64_t>{1, 9, 11});
      CHECK(a.data == as_floats(v));
    }
}

TEST_CASE("image read: a hand-made big-endian MRC with an extended header") {
  TempDir dir("mrcbe");
  // NX 3, NY 2, NZ 2, mode 1 (int16), 8 bytes of extended header, big-endian stamp.
  const std::vector<int> v = {-32768, -2, 0, 1, 300, 32767, 7, -7, 12, 1000, -1000, 5};
  std::string b = mrc_header(3, 2, 2, 1, 8, true) + "EXTENDED";
  for (int x : v) b += be16(x);
  write_raw(dir.file("be.mrc"), b);
  const NpyArray a = read_stack(dir.file("be.mrc"));
  CHECK(a.shape == std::vector<int64_t>{2, 2, 3});
  CHECK(a.data == std::vector<float>(v.begin(), v.end()));
}

TEST_CASE("image read: MRC modes 0, 6 and 12, and IMOD's unsigned bytes") {
  TempDir dir("mrcmodes");
  // Mode 0 is signed (MRC2014) ...
  write_raw(dir.file("m0.mrc"),
            mrc_header(4, 1, 1, 0, 0, false) + std::string("\x80\xff\x00\x7f", 4));
  CHECK(read_stack(dir.file("m0.mrc")).data == std::vector<float>{-128, -1, 0, 127});
  // ... unless IMOD's stamp says its flags' bit 0 (signed) is clear.
  std::string imod = mrc_header(4, 1, 1, 0, 0, false);
  put32(imod, 152, 1146047817, false);
  write_raw(dir.file("imod.mrc"), imod + std::string("\x80\xff\x00\x7f", 4));
  CHECK(read_stack(dir.file("imod.mrc")).data == std::vector<float>{128, 255, 0, 127});
  // Mode 6: uint16.
  write_raw(dir.file("m6.mrc"), mrc_header(2, 1, 1, 6, 0, false) + le16(65535) + le16(40000));
  CHECK(read_stack(dir.file("m6.mrc")).data == std::vector<float>{65535, 40000});
  // Mode 12: float16 (0x3800 = 0.5, 0xc000 = -2, 0x7bff = 65504, 0x0001 = 2^-24).
  write_raw(dir.file("m12.mrc"), mrc_header(4, 1, 1, 12, 0, false) + le16(0x3800) + le16(0xc000) +
                                     le16(0x7bff) + le16(0x0001));
  CHECK(read_stack(dir.file("m12.mrc")).data ==
        std::vector<float>{0.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24)});
  // A file with "MAP " but no stamp (older writers): the byte order that gives a known mode.
  std::string nostamp = mrc_header(1, 1, 1, 2, 0, true);
  nostamp[212] = nostamp[213] = 0;
  write_raw(dir.file("nostamp.mrc"), nostamp + bytes_of(std::vector<float>{2.5f}, true));
  CHECK(read_stack(dir.file("nostamp.mrc")).data == std::vector<float>{2.5f});
}

TEST_CASE("image read: .npy of every integer and float dtype, both byte orders") {
  TempDir dir("npydt");
  const std::string p = dir.file("d.npy");
  auto read = [&](const std::string& descr, const std::string& data, int n) {
    write_raw(p, npy_file(descr, "(" + std::to_string(n) + ",)", data));
    const NpyArray a = read_stack(p);
    CHECK(a.shape == std::vector<int64_t>{n});
    return a.data;
  };
  CHECK(read("|u1", std::string("\x00\x07\xff", 3), 3) == std::vector<float>{0, 7, 255});
  CHECK(read("|i1", std::string("\x80\x00\x7f", 3), 3) == std::vector<float>{-128, 0, 127});
  const std::vector<int16_t> i2 = {-300, 2, 32767};
  CHECK(read("<i2", bytes_of(i2), 3) == std::vector<float>{-300, 2, 32767});
  CHECK(read(">i2", bytes_of(i2, true), 3) == std::vector<float>{-300, 2, 32767});
  const std::vector<uint16_t> u2 = {65535, 0, 1};
  CHECK(read("<u2", bytes_of(u2), 3) == std::vector<float>{65535, 0, 1});
  const std::vector<int32_t> i4 = {-16777216, 5, 16777216};
  CHECK(read("<i4", bytes_of(i4), 3) == std::vector<float>{-16777216, 5, 16777216});
  CHECK(read(">i4", bytes_of(i4, true), 3) == std::vector<float>{-16777216, 5, 16777216});
  const std::vector<uint32_t> u4 = {4294967295u, 0, 9};
  CHECK(read("<u4", bytes_of(u4), 3) == std::vector<float>{4294967296.0f, 0, 9});
  const std::vector<int64_t> i8 = {-(int64_t(1) << 40), 1, INT64_MAX};
  CHECK(read("<i8", bytes_of(i8), 3) == std::vector<float>{-1099511627776.0f, 1, float(INT64_MAX)});
  const std::vector<uint64_t> u8 = {UINT64_MAX, 0, 3};
  CHECK(read(">u8", bytes_of(u8, true), 3) == std::vector<float>{float(UINT64_MAX), 0, 3});
  const std::vector<uint16_t> f2 = {0x3800, 0xc000, 0x7bff, 0x0001, 0x8000};
  const std::vector<float> f2_read = read("<f2", bytes_of(f2), 5);
  CHECK(f2_read == std::vector<float>{0.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), 0.0f});
  CHECK(std::signbit(f2_read[4]));
  const std::vector<float> f4 = {1.5f, -0.1f, 3e38f};
  CHECK(read(">f4", bytes_of(f4, true), 3) == f4);
  CHECK(read("=f4", bytes_of(f4), 3) == f4);
  const std::vector<double> f8 = {0.1, -2.5, 1e300};
  const std::vector<float> f8_read = read("<f8", bytes_of(f8), 3);
  CHECK(f8_read[0] == 0.1f);
  CHECK(f8_read[1] == -2.5f);
  CHECK(std::isinf(f8_read[2]));  // out of float's range: check_finite names it
  CHECK_THROWS_WITH_AS(check_finite(read_stack(p), p), doctest::Contains("at index [2]"), Error);
}

TEST_CASE("image read: missing, directory, empty and unknown files are refused by name") {
  TempDir dir("imgbad");
  check_refused(dir.file("missing.tif"), "no such file");
  check_refused(dir.path.string(), "it is a directory");
  check_refused(dir.file("empty.npy"), "", "the file is empty");
  check_refused(dir.file("junk.dat"), "hello, world",
                "unknown image format (it starts with 68 65 6c 6c)");
  check_refused(dir.file("junk.bin"), std::string("\x01", 1),
                "unknown image format (it starts with 01)");
  // No magic, but an extension: that format's reader says what is wrong.
  check_refused(dir.file("junk.tif"), "hello, world", "is not a readable TIFF file");
  check_refused(dir.file("junk.npy"), "hello, world", "does not start with \\x93NUMPY");
  check_refused(dir.file("junk.png"), "hello, world", "is not a PNG file");
  check_refused(dir.file("junk.mrc"), "hello, world", "less than the 1024-byte header");
  const std::vector<float> v(4, 1.0f);
  CHECK_THROWS_WITH_AS(write_stack(dir.file("x.jpg"), {2, 2}, v.data()),
                       doctest::Contains("use one of .npy, .tif"), Error);
  // A failed write leaves nothing behind.
  CHECK_THROWS_AS(write_stack(dir.file("no/such/dir/x.tif"), {2, 2}, v.data()), Error);
  CHECK_THROWS_AS(write_stack(dir.file("no/such/dir/x.mrc"), {2, 2}, v.data()), Error);
  CHECK(dir.entries().size() == 7);  // empty.npy and the six junk files
}

TEST_CASE("image read: bad TIFF files give one-line errors") {
  TempDir dir("tifbad");
  const std::string good = dir.file("good.tif");
  std::vector<std::vector<double>> pages = {random_integers(40 * 40, 5, 0, 255),
                                            random_integers(40 * 40, 6, 0, 255)};
  TiffSpec s;
  s.rows_per_strip = 8;
  write_tiff_with_libtiff(good, 40, 40, pages, s);
  const std::string bytes = read_raw(good);
  // Truncated in the second page's data, and in the header.
  check_refused(dir.file("cut.tif"), bytes.substr(0, bytes.size() * 3 / 4), "page");
  check_refused(dir.file("cut8.tif"), bytes.substr(0, 8), "is not a readable TIFF file");
  // Right magic, nothing behind it.
  check_refused(dir.file("magic.tif"), std::string("II*\0\xff\xff\xff\x7f", 8),
                "is not a readable TIFF file");
  // RGB, 1-bit, pages of different sizes.
  TiffSpec rgb;
  rgb.spp = 3;
  write_tiff_with_libtiff(dir.file("rgb.tif"), 4, 4, {random_integers(16, 1, 0, 255)}, rgb);
  check_refused(dir.file("rgb.tif"), "page 0 has 3 samples per pixel");
  TiffSpec one_bit;
  one_bit.bits = 1;
  {
    TIFF* t = TIFFOpen(dir.file("bits1.tif").c_str(), "w");
    REQUIRE(t != nullptr);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 8u);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, 1u);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    unsigned char row = 0xa5;
    REQUIRE(TIFFWriteScanline(t, &row, 0, 0) == 1);
    TIFFClose(t);
  }
  check_refused(dir.file("bits1.tif"), "1-bit integer samples");
  {
    TIFF* t = TIFFOpen(dir.file("sizes.tif").c_str(), "w");
    REQUIRE(t != nullptr);
    for (uint32_t w : {4u, 5u}) {
      TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
      TIFFSetField(t, TIFFTAG_IMAGELENGTH, 2u);
      TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
      TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
      TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
      std::vector<unsigned char> row(w, 1);
      for (uint32_t r = 0; r < 2; ++r) REQUIRE(TIFFWriteScanline(t, row.data(), r, 0) == 1);
      REQUIRE(TIFFWriteDirectory(t));
    }
    TIFFClose(t);
  }
  check_refused(dir.file("sizes.tif"), "page 1 is 5 x 2 but page 0 is 4 x 2");
  // Absurd dimensions: a baseline header claiming 60000 x 60000 8-bit pixels in 16 bytes.
  std::string b("II*\0\x08\0\0\0", 8);
  const uint16_t tags[][3] = {{256, 4, 0}, {257, 4, 0}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
                              {273, 4, 0}, {277, 3, 1}, {278, 4, 0}, {279, 4, 16}};
  b += le16(9);
  for (const auto& t : tags) {
    uint32_t value = t[2];
    if (t[0] == 256 || t[0] == 257 || t[0] == 278) value = 60000;
    if (t[0] == 273) value = 8 + 2 + 9 * 12 + 4;
    b += le16(t[0]) + le16(t[1]) + std::string("\x01\0\0\0", 4);
    std::string v(4, '\0');
    put32(v, 0, value, false);
    b += v;
  }
  b += std::string(4, '\0') + std::string(16, '\x55');
  check_refused(dir.file("huge.tif"), b, "more than the file's");
}

TEST_CASE("image read: bad PNG files give one-line errors") {
  TempDir dir("pngbad");
  const std::vector<double> v = random_integers(64, 3, 0, 255);
  REQUIRE(write_png_with_libpng(dir.file("rgb.png"), 8, 8, 8, PNG_COLOR_TYPE_RGB,
                                PNG_INTERLACE_NONE, v));
  check_refused(dir.file("rgb.png"), "colour type RGB");
  REQUIRE(write_png_with_libpng(dir.file("ga.png"), 8, 8, 8, PNG_COLOR_TYPE_GRAY_ALPHA,
                                PNG_INTERLACE_NONE, v));
  check_refused(dir.file("ga.png"), "greyscale with alpha");
  REQUIRE(write_png_with_libpng(dir.file("g4.png"), 8, 8, 4, PNG_COLOR_TYPE_GRAY,
                                PNG_INTERLACE_NONE, v));
  check_refused(dir.file("g4.png"), "4-bit greyscale");
  REQUIRE(write_png_with_libpng(dir.file("ok.png"), 8, 8, 8, PNG_COLOR_TYPE_GRAY,
                                PNG_INTERLACE_NONE, v));
  const std::string ok = read_raw(dir.file("ok.png"));
  check_refused(dir.file("cut.png"), ok.substr(0, ok.size() - 20), "cannot read the PNG");
  std::string crc = ok;
  crc[16] = char(crc[16] ^ 1);  // IHDR's width: its CRC no longer matches
  check_refused(dir.file("crc.png"), crc, "cannot read the PNG");
  // Absurd dimensions: IHDR (with a valid CRC) claiming 1,000,000 x 1,000,000.
  std::string ihdr = std::string("IHDR") + std::string(13, '\0');
  put32(ihdr, 4, 1000000, true);
  put32(ihdr, 8, 1000000, true);
  ihdr[12] = 8;
  const uint32_t c = crc32(reinterpret_cast<const uint8_t*>(ihdr.data()), ihdr.size());
  std::string huge = ok.substr(0, 8) + std::string("\0\0\0\x0d", 4) + ihdr + std::string(4, '\0');
  put32(huge, 8 + 4 + 17, c, true);
  check_refused(dir.file("huge.png"), huge + ok.substr(33), "absurd dimensions");
}

TEST_CASE("image read: bad MRC files give one-line errors") {
  TempDir dir("mrcbad");
  const std::string data(2 * 3 * 4, '\0');
  check_refused(dir.file("short.mrc"), std::string(100, '\0'), "less than the 1024-byte header");
  check_refused(dir.file("cut.mrc"), mrc_header(2, 3, 1, 2, 0, false) + data.substr(0, 20),
                "(truncated)");
  check_refused(dir.file("long.mrc"), mrc_header(2, 3, 1, 2, 0, false) + data + "xx",
                "(trailing bytes)");
  check_refused(dir.file("complex.mrc"), mrc_header(1, 3, 1, 4, 0, false) + data,
                "complex data (mode 4)");
  check_refused(dir.file("mode101.mrc"), mrc_header(2, 3, 1, 101, 0, false) + data,
                "4-bit data (mode 101)");
  check_refused(dir.file("mode9.mrc"), mrc_header(2, 3, 1, 9, 0, false) + data,
                "unsupported MRC mode 9");
  check_refused(dir.file("huge.mrc"), mrc_header(1 << 30, 1 << 30, 1 << 30, 2, 0, false) + data,
                "(truncated)");
  check_refused(dir.file("neg.mrc"), mrc_header(-2, 3, 1, 2, 0, false) + data,
                "must all be at least 1");
  check_refused(dir.file("ext.mrc"), mrc_header(2, 3, 1, 2, 1 << 20, false) + data,
                "extended header");
  check_refused(dir.file("negext.mrc"), mrc_header(2, 3, 1, 2, -4, false) + data,
                "extended header");
  std::string axes = mrc_header(2, 3, 1, 2, 0, false);
  put32(axes, 64, 2, false);
  put32(axes, 68, 1, false);
  check_refused(dir.file("axes.mrc"), axes + data, "axis order");
  std::string nomagic = mrc_header(2, 3, 1, 2, 0, false);
  std::memset(&nomagic[208], 0, 8);
  check_refused(dir.file("nomagic.mrc"), nomagic + data,
                "no \"MAP \" at byte 208 and no machine stamp");
}

TEST_CASE("image read: a dataset folder's images.tif or images.mrc is a stack of pairs") {
  TempDir dir("dsfmt");
  GenParams p;
  p.shape = "t";
  p.count = 3;
  p.size = 16;
  p.seed = 4;
  const Dataset ds = generate(p);
  p.projection = true;
  const Dataset proj = generate(p);
  for (const char* format : {"npy", "tif", "mrc"})
    for (const Dataset* d : {&ds, &proj}) {
      CAPTURE(std::string(format));
      const std::string out = dir.file(std::string("d_") + format + (d == &ds ? "" : "_proj"));
      save_dataset(out, *d, format);
      CHECK(fs::exists(out + "/images." + format));
      const Dataset back = load_dataset(out);
      CHECK(back.image_shape() == d->image_shape());
      CHECK(back.images == d->images);
      CHECK(back.angles == d->angles);
      // Written again in another format, the folder keeps one images file.
      save_dataset(out, *d, std::string(format) == "npy" ? "mrc" : "npy");
      CHECK_FALSE(fs::exists(out + "/images." + format));
      CHECK(load_dataset(out).images == d->images);
    }
  // Another renderer's folder: a minimal params.json and a TIFF of 2N pages.
  const std::string other = dir.file("other");
  fs::create_directories(other);
  write_raw(other + "/params.json", R"({"stereo_angle_deg": 10})");
  write_stack(other + "/images.tif", {6, 16, 16}, ds.images.data());
  const Dataset o = load_dataset_folder(other, GenParams{}, "");
  CHECK(o.image_shape() == std::vector<int64_t>{3, 2, 16, 16});
  CHECK(o.images == ds.images);
  // An odd page count, and two images files.
  write_stack(other + "/images.tif", {5, 16, 16}, ds.images.data());
  CHECK_THROWS_WITH_AS(load_dataset_folder(other, GenParams{}, ""),
                       doctest::Contains("images.tif' holds 5 pages"), Error);
  save_npy(other + "/images.npy", ds.image_shape(), ds.images.data());
  CHECK_THROWS_WITH_AS(load_dataset_folder(other, GenParams{}, ""), doctest::Contains("holds both"),
                       Error);
}

TEST_CASE("image read: gen --format mrc and tif write the same images as npy") {
  TempDir dir("genfmt");
  const std::string common = " --count 4 --size 16 --seed 9 --shape t";
  REQUIRE(test::run_cli("gen --out " + dir.file("n") + common).status == 0);
  const NpyArray npy = load_npy(dir.file("n/images.npy"));
  for (const char* format : {"mrc", "tif"}) {
    CAPTURE(std::string(format));
    const test::Run r = test::run_cli("gen --format " + std::string(format) + " --out " +
                                      dir.file(format) + common);
    CHECK(r.status == 0);
    const NpyArray a = read_stack(dir.file(std::string(format) + "/images." + format));
    CHECK(a.shape == std::vector<int64_t>{8, 16, 16});
    CHECK(a.data == npy.data);
    CHECK_FALSE(fs::exists(dir.file(std::string(format) + "/images.npy")));
  }
  const test::Run bad = test::run_cli("gen --format jpg --out " + dir.file("j") + common);
  CHECK(bad.status == 1);
  CHECK(test::has(bad.out, "--format 'jpg': use npy, tif or mrc"));
  CHECK_FALSE(fs::exists(dir.file("j")));
}

TEST_CASE("image read: predict reads .tif and .mrc input as it reads .npy") {
  TempDir dir("predfmt");
  const std::string d = dir.path.string();
  std::ofstream(d + "/tiny.json") << R"({"name": "tiny", "stages": [1.0], "epochs_per_stage": 1,
    "final_epochs": 1, "batch": 16, "eval_pairs": 16, "wrap": "symmetric",
    "data": {"count": 32, "size": 32}})";
  REQUIRE(test::run_cli("train --config " + d + "/tiny.json --out " + d + "/run").status == 0);
  const std::string ck = d + "/run/checkpoint.safetensors";
  std::vector<float> images(3 * 32 * 32, 0.0f);
  for (int n = 0; n < 3; ++n)
    for (int i = 6 + n; i < 26; ++i)
      for (int j = 9; j < 23 - 2 * n; ++j) images[size_t(n * 1024 + i * 32 + j)] = 1.0f;
  std::vector<float> reference;
  for (const char* name : {"x.npy", "x.tif", "x.mrc"}) {
    CAPTURE(std::string(name));
    write_stack(d + "/" + name, {3, 32, 32}, images.data());
    const test::Run r = test::run_cli("predict --checkpoint " + ck + " --input " + d + "/" + name +
                                      " --output " + d + "/a.npy");
    CHECK(r.status == 0);
    const NpyArray a = load_npy(d + "/a.npy");
    CHECK(a.shape == std::vector<int64_t>{3});
    if (reference.empty()) reference = a.data;
    CHECK(a.data == reference);
  }
  write_raw(d + "/bad.tif", "II*\0garbage");
  const test::Run b = test::run_cli("predict --checkpoint " + ck + " --input " + d +
                                    "/bad.tif --output " + d + "/b.npy");
  CHECK(b.status == 1);
  CHECK(test::has(b.out, "bad.tif"));
  CHECK_FALSE(fs::exists(d + "/b.npy"));
}

TEST_CASE("image read: a disk filling up during gen --format tif or mrc leaves no images file") {
  TempDir dir("genfull");
  for (const char* format : {"tif", "mrc"}) {
    CAPTURE(std::string(format));
    const std::string out = dir.file(format);
    // The simulated full disk (engine/io/atomic_file.h): writes fail past 3000 bytes,
    // inside the images file (8 pages of 16 x 16 float32).
    const std::string cmd = "STEREOGRAD_FAULT_WRITE_AFTER_BYTES=3000 " +
                            std::string(STEREOGRAD_BINARY) + " gen --count 4 --size 16 --format " +
                            format + " --out " + out + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string output;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) output.append(buf, n);
    const int status = pclose(p);
    CAPTURE(output);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(test::has(output, "images." + std::string(format)));
    CHECK(test::has(output, "No space left on device"));
    CHECK(fs::is_empty(out));  // neither the images file nor a temporary
  }
}
