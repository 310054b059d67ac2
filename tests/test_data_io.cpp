// Files: .npy (engine/io/npy.h), PNG and PGM (data/image_io.h), dataset directories
// (data/dataset_io.h) and the preview grid (data/preview.h).
#include <doctest/doctest.h>

#include "tests/temp_dir.h"
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "data/dataset_io.h"
#include "data/image_io.h"
#include "data/preview.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "engine/random.h"

using namespace sg;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// A .npy file with the given header dict (padded and newline-terminated unless
// `terminate` is false) and `data_bytes` bytes of zeros after it.
std::string npy_bytes(const std::string& dict, size_t data_bytes, int major = 1,
                      bool terminate = true) {
  std::string header = dict;
  if (terminate) {
    const size_t pre = major == 1 ? 10 : 12;
    header.append((64 - (pre + header.size() + 1) % 64) % 64, ' ');
    header.push_back('\n');
  }
  std::string out = std::string("\x93NUMPY", 6) + char(major) + '\0';
  const size_t n = header.size();
  out += char(n & 0xff);
  out += char((n >> 8) & 0xff);
  if (major != 1) {
    out += char((n >> 16) & 0xff);
    out += char((n >> 24) & 0xff);
  }
  return out + header + std::string(data_bytes, '\0');
}

const std::string kGood = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

// Loading `bytes` must fail with a message naming the file and containing `expect`.
void check_rejected(const TempDir& dir, const std::string& bytes, const std::string& expect) {
  const std::string path = dir.file("bad.npy");
  write_raw(path, bytes);
  std::string message;
  try {
    load_npy(path);
  } catch (const Error& e) {
    message = e.what();
  }
  CAPTURE(message);
  CHECK(message.find(path) != std::string::npos);
  CHECK(message.find(expect) != std::string::npos);
}

uint32_t be32(const std::vector<char>& b, size_t at) {
  return (uint32_t(uint8_t(b[at])) << 24) | (uint32_t(uint8_t(b[at + 1])) << 16) |
         (uint32_t(uint8_t(b[at + 2])) << 8) | uint32_t(uint8_t(b[at + 3]));
}

// Decodes our PNGs (8-bit grey, stored deflate blocks), checking every CRC and the
// Adler-32; returns the pixels.
std::vector<uint8_t> decode_png(const std::string& path, uint32_t& w, uint32_t& h) {
  const std::vector<char> b = read_file_bytes(path);
  REQUIRE(b.size() > 8);
  REQUIRE(std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0);
  std::vector<uint8_t> z;
  size_t at = 8;
  std::string type;
  while (type != "IEND") {
    REQUIRE(at + 12 <= b.size());
    const uint32_t len = be32(b, at);
    type.assign(b.data() + at + 4, 4);
    const auto* chunk = reinterpret_cast<const uint8_t*>(b.data() + at + 4);
    CHECK(crc32(chunk, len + 4) == be32(b, at + 8 + len));
    if (type == "IHDR") {
      w = be32(b, at + 8);
      h = be32(b, at + 12);
      CHECK(std::memcmp(b.data() + at + 16, "\x08\x00\x00\x00\x00", 5) == 0);
    }
    if (type == "IDAT") z.insert(z.end(), chunk + 4, chunk + 4 + len);
    at += 12 + len;
  }
  CHECK(at == b.size());
  REQUIRE(z.size() >= 6);
  CHECK((z[0] * 256 + z[1]) % 31 == 0);
  std::vector<uint8_t> raw;
  size_t pos = 2;
  for (bool last = false; !last;) {
    last = z[pos] & 1;
    CHECK((z[pos] >> 1) == 0);  // stored block
    const size_t len = z[pos + 1] | (z[pos + 2] << 8);
    CHECK(((z[pos + 3] | (z[pos + 4] << 8)) ^ 0xffff) == len);
    raw.insert(raw.end(), z.begin() + long(pos) + 5, z.begin() + long(pos + 5 + len));
    pos += 5 + len;
  }
  const uint32_t adler = (uint32_t(z[pos]) << 24) | (uint32_t(z[pos + 1]) << 16) |
                         (uint32_t(z[pos + 2]) << 8) | z[pos + 3];
  CHECK(adler == adler32(raw.data(), raw.size()));
  std::vector<uint8_t> px;
  REQUIRE(raw.size() == size_t(h) * (w + 1));
  for (uint32_t i = 0; i < h; ++i) {
    CHECK(raw[i * (w + 1)] == 0);  // filter type None
    px.insert(px.end(), raw.begin() + long(i * (w + 1) + 1), raw.begin() + long((i + 1) * (w + 1)));
  }
  return px;
}

GenParams tiny_params() {
  GenParams p;
  p.shape = "t";
  p.count = 6;
  p.size = 32;
  p.seed = 77;
  return p;
}

}  // namespace

TEST_CASE("npy: round trips bit-exactly, numpy's header layout") {
  TempDir dir("roundtrip");
  std::vector<float> data(2 * 3 * 5 * 7);
  Rng rng(1, 0);
  for (float& v : data) {
    const uint32_t bits = uint32_t(rng.next_u64());  // any bit pattern: NaNs, denormals, -0
    std::memcpy(&v, &bits, 4);
  }
  const std::string path = dir.file("a.npy");
  save_npy(path, {2, 3, 5, 7}, data.data());
  const NpyArray a = load_npy(path);
  CHECK(a.shape == std::vector<int64_t>{2, 3, 5, 7});
  REQUIRE(a.data.size() == data.size());
  CHECK(std::memcmp(a.data.data(), data.data(), data.size() * 4) == 0);
  const std::vector<char> bytes = read_file_bytes(path);
  const std::string head(bytes.begin(), bytes.begin() + 128);
  CHECK(head.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 5, 7), }") == 10);
  CHECK(head[127] == '\n');
  CHECK(bytes.size() == 128 + data.size() * 4);

  const float one = 2.5f;
  save_npy(path, {}, &one);  // 0-d
  CHECK(load_npy(path).shape.empty());
  CHECK(load_npy(path).data == std::vector<float>{2.5f});
  save_npy(path, {5}, data.data());
  CHECK(read_file_bytes(path)[10 + 50] == '(');  // "(5,)"
  CHECK(load_npy(path).shape == std::vector<int64_t>{5});
  save_npy(path, {0, 4}, nullptr);
  CHECK(load_npy(path).numel() == 0);
}

TEST_CASE("npy: reads version 2.0 headers") {
  TempDir dir("v2");
  std::string bytes = npy_bytes(kGood, 0, 2);
  const float values[6] = {1, 2, 3, 4, 5, 6};
  bytes.append(reinterpret_cast<const char*>(values), sizeof(values));
  write_raw(dir.file("v2.npy"), bytes);
  const NpyArray a = load_npy(dir.file("v2.npy"));
  CHECK(a.shape == std::vector<int64_t>{2, 3});
  CHECK(a.data == std::vector<float>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("npy: malformed, truncated and mismatched files are rejected") {
  TempDir dir("malformed");
  write_raw(dir.file("ok.npy"), npy_bytes(kGood, 24));
  CHECK(load_npy(dir.file("ok.npy")).numel() == 6);

  check_rejected(dir, "", "only 0 bytes");
  check_rejected(dir, "\x93NUMPY\x01", "only 7 bytes");
  std::string magic = npy_bytes(kGood, 24);
  magic[3] = 'X';
  check_rejected(dir, magic, "does not start with");
  check_rejected(dir, npy_bytes(kGood, 24, 3), "unsupported .npy version 3.0");
  std::string long_header = npy_bytes(kGood, 0);
  long_header[8] = char(0xff);
  long_header[9] = char(0x7f);
  check_rejected(dir, long_header, "header claims 32767 bytes");
  check_rejected(dir, npy_bytes(kGood, 24, 1, false), "does not end with a newline");
  check_rejected(dir, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", 24),
                 "malformed .npy header");
  check_rejected(dir, npy_bytes("['descr', '<f4']", 24), "malformed .npy header");
  check_rejected(dir,
                 npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } x", 24),
                 "text after the closing brace");
  // Integer and float dtypes are read (tests/test_image_read.cpp); these are not.
  check_rejected(dir, npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }", 48),
                 "dtype '<c8'");
  check_rejected(dir, npy_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3), }", 6),
                 "dtype '|b1'");
  check_rejected(dir, npy_bytes("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3), }", 24),
                 "needs 12 bytes of <u2 data but the file has 24 after the header (trailing bytes)");
  check_rejected(dir, npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24),
                 "Fortran order");
  check_rejected(dir, npy_bytes("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3), }", 24),
                 "fortran_order must be True or False");
  check_rejected(dir, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", 24),
                 "negative shape value -2");
  check_rejected(dir, npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 24),
                 "expected an integer");
  check_rejected(dir, npy_bytes("{'descr': '<f4', 'fortran_order': False}", 24),
                 "must have the keys");
  check_rejected(
      dir,
      npy_bytes("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24),
      "duplicate key 'descr'");
  check_rejected(dir,
                 npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 24),
                 "unexpected key 'x'");
  check_rejected(dir, npy_bytes(kGood, 20), "(truncated)");
  check_rejected(dir, npy_bytes(kGood, 28), "(trailing bytes)");
  // A huge shape in a tiny file is an error before anything is allocated.
  check_rejected(dir,
                 npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, "
                           "4000000000, 4000000000), }",
                           24),
                 "needs more than the 24 bytes");
  check_rejected(
      dir,
      npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 24),
      "too large");

  std::string message;
  try {
    load_npy(dir.file("missing.npy"));
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK(message.find("missing.npy") != std::string::npos);
}

TEST_CASE("npy: check_finite names the first NaN or infinity") {
  NpyArray a;
  a.shape = {2, 3};
  a.data = {0, 1, 2, 3, std::numeric_limits<float>::infinity(), NAN};
  std::string message;
  try {
    check_finite(a, "x.npy");
  } catch (const Error& e) {
    message = e.what();
  }
  CAPTURE(message);
  CHECK(message.find("x.npy") != std::string::npos);
  CHECK(message.find("index [1, 1]") != std::string::npos);
  a.data[4] = 4;
  a.data[5] = 5;
  CHECK_NOTHROW(check_finite(a, "x.npy"));
}

TEST_CASE("png: checksums match their specifications") {
  const std::string digits = "123456789", wiki = "Wikipedia";
  CHECK(crc32(reinterpret_cast<const uint8_t*>(digits.data()), digits.size()) == 0xCBF43926u);
  CHECK(adler32(reinterpret_cast<const uint8_t*>(wiki.data()), wiki.size()) == 0x11E60398u);
  CHECK(crc32(reinterpret_cast<const uint8_t*>("IEND"), 4) == 0xAE426082u);
}

TEST_CASE("png and pgm: the pixels written are the pixels read back") {
  TempDir dir("png");
  for (int64_t side : {5, 300}) {  // 300 x 301 bytes needs two stored blocks
    Image img(side - 2, side);
    for (int64_t i = 0; i < img.h; ++i)
      for (int64_t j = 0; j < img.w; ++j) img.at(i, j) = float((i * 7 + j * 3) % 256) / 255.0f;
    write_png(dir.file("a.png"), img, 0, 1);
    uint32_t w = 0, h = 0;
    const std::vector<uint8_t> px = decode_png(dir.file("a.png"), w, h);
    CHECK(w == uint32_t(img.w));
    CHECK(h == uint32_t(img.h));
    bool same = px.size() == img.px.size();
    for (size_t k = 0; same && k < px.size(); ++k)
      same = px[k] == uint8_t(std::lround(img.px[k] * 255.0f));
    CHECK(same);
  }
  Image small(2, 3);
  small.px = {0, 1, 2, 3, 4, 5};
  write_image(dir.file("b.pgm"), small);  // auto range: 0 -> 0, 5 -> 255
  const std::vector<char> pgm = read_file_bytes(dir.file("b.pgm"));
  const std::string text(pgm.begin(), pgm.end());
  CHECK(text.substr(0, 11) == "P5\n3 2\n255\n");
  CHECK(uint8_t(text[11]) == 0);
  CHECK(uint8_t(text[16]) == 255);
  CHECK(uint8_t(text[13]) == 102);
  CHECK_THROWS_AS(write_image(dir.file("c.jpg"), small), Error);
  CHECK_THROWS_AS(write_png(dir.file("d.png"), Image()), Error);
}

TEST_CASE("dataset: save and load round trip") {
  TempDir dir("dataset");
  for (bool projection : {false, true}) {
    GenParams p = tiny_params();
    p.projection = projection;
    const Dataset ds = generate(p);
    save_dataset(dir.file("ds"), ds);
    const Dataset back = load_dataset(dir.file("ds"));
    CHECK(back.image_shape() == ds.image_shape());
    CHECK(back.images == ds.images);
    CHECK(back.angles == ds.angles);
    CHECK(to_json(back.params) == to_json(ds.params));
    const Image grid = pair_grid(ds, 8, 4);
    CHECK(grid.w == 4 * (2 * 32 + 1) + 5 * 6);  // 4 of the 6 pairs per row
    CHECK(grid.h == 2 * 32 + 3 * 6);
  }
}

TEST_CASE("dataset: mismatched or malformed directories are rejected") {
  TempDir dir("mismatch");
  const Dataset ds = generate(tiny_params());
  const std::string d = dir.file("ds");
  auto fresh = [&] { save_dataset(d, ds); };
  auto rejected = [&](const std::string& expect) {
    std::string message;
    try {
      load_dataset(d);
    } catch (const Error& e) {
      message = e.what();
    }
    CAPTURE(message);
    CHECK(message.find(expect) != std::string::npos);
  };

  fresh();
  save_npy(dir.file("ds/angles.npy"), {5}, ds.angles.data());
  rejected("angles.npy' has shape [5]");

  fresh();
  save_npy(dir.file("ds/images.npy"), {6, 2, 32}, ds.images.data());
  rejected("images.npy' has shape [6, 2, 32]");

  fresh();
  std::vector<float> angles = ds.angles;
  angles[2] = 400;
  save_npy(dir.file("ds/angles.npy"), {6}, angles.data());
  rejected("degrees in [0, 360)");

  fresh();
  std::vector<float> images = ds.images;
  images[100] = NAN;
  save_npy(dir.file("ds/images.npy"), ds.image_shape(), images.data());
  rejected("expected finite values");

  fresh();
  write_raw(dir.file("ds/params.json"), "{\"format\": \"stereograd-pairs\", ");
  rejected("params.json' is not valid JSON");

  fresh();
  write_raw(dir.file("ds/params.json"), "{\"format\": \"something else\"}");
  rejected("not a stereograd-pairs parameter file");

  fresh();
  std::vector<char> truncated = read_file_bytes(dir.file("ds/images.npy"));
  write_raw(dir.file("ds/images.npy"), std::string(truncated.begin(), truncated.end() - 10));
  rejected("(truncated)");

  fresh();
  fs::remove(dir.file("ds/angles.npy"));
  rejected("angles.npy");
}

TEST_CASE("npy: an empty array whose other sizes overflow 64 bits is rejected") {
  TempDir dir("empty_huge");
  check_rejected(dir,
                 npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (0, "
                           "4000000000, 4000000000, 4000000000), }", 0),
                 "multiply past 2^40");
}
