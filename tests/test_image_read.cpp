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
#include "tests/image_files.h"

using namespace sg;
namespace fs = std::filesystem;
using test::TempDir;
using namespace sg::test;


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

