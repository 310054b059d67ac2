#include "data/image_read.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/mrc_io.h"
#include "data/png_read.h"
#include "data/tiff_io.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"

namespace sg {

namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

bool is_mrc_extension(const std::string& ext) {
  return ext == ".mrc" || ext == ".mrcs" || ext == ".map" || ext == ".st";
}

enum class Format { npy, tiff, png, mrc, unknown };

Format format_of(const unsigned char* b, size_t n, const std::string& ext) {
  auto starts = [&](const char* m, size_t k) { return n >= k && std::memcmp(b, m, k) == 0; };
  if (starts("\x93NUMPY", 6)) return Format::npy;
  if (starts("II*\0", 4) || starts("MM\0*", 4) || starts("II+\0", 4) || starts("MM\0+", 4))
    return Format::tiff;
  if (starts("\x89PNG\r\n\x1a\n", 8)) return Format::png;
  // No magic we know: MRC has none at the start; a damaged file goes to the reader its
  // extension names, for that reader's message.
  if (is_mrc_extension(ext)) return Format::mrc;
  if (ext == ".npy") return Format::npy;
  if (ext == ".tif" || ext == ".tiff") return Format::tiff;
  if (ext == ".png") return Format::png;
  return Format::unknown;
}

std::string first_bytes(const unsigned char* b, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(n, 4); ++i)
    out += std::string(i ? " " : "") + kHex[b[i] >> 4] + kHex[b[i] & 15];
  return out;
}

}  // namespace

NpyArray read_stack(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  SG_CHECK(fs::exists(st), "cannot read '", path, "': no such file");
  SG_CHECK(!fs::is_directory(st), "cannot read '", path, "': it is a directory, not an image file");
  SG_CHECK(fs::is_regular_file(st), "cannot read '", path, "': not a regular file");
  const uint64_t size = fs::file_size(path, ec);
  SG_CHECK(!ec, "cannot read '", path, "': ", ec.message());
  SG_CHECK(size > 0, "cannot read '", path, "': the file is empty");
  std::ifstream in(path, std::ios::binary);
  SG_CHECK(bool(in), "cannot read '", path, "': ", std::strerror(errno));
  unsigned char head[8] = {};
  in.read(reinterpret_cast<char*>(head), 8);
  const size_t got = size_t(in.gcount());
  in.clear();
  in.seekg(0);
  switch (format_of(head, got, lower_extension(path))) {
    case Format::npy: return read_npy(in, size, path);
    case Format::mrc: return read_mrc(in, size, path);
    case Format::tiff: {
      in.close();
      const std::vector<char> bytes = read_file_bytes(path);
      return read_tiff(bytes.data(), bytes.size(), path);
    }
    case Format::png: {
      in.close();
      const std::vector<char> bytes = read_file_bytes(path);
      return read_png(bytes.data(), bytes.size(), path);
    }
    case Format::unknown: break;
  }
  fail("cannot read '", path, "': unknown image format (it starts with ", first_bytes(head, got),
       "); stereograd reads .npy, TIFF, PNG and MRC (.mrc, .mrcs, .map, .st)");
}

const char* stack_extensions() { return ".npy, .tif, .tiff, .mrc, .mrcs"; }

bool has_stack_extension(const std::string& path) {
  const std::string ext = lower_extension(path);
  return ext == ".npy" || ext == ".tif" || ext == ".tiff" || ext == ".mrc" || ext == ".mrcs";
}

void write_stack(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  const std::string ext = lower_extension(path);
  if (ext == ".npy") return save_npy(path, shape, data);
  if (ext == ".tif" || ext == ".tiff") return save_tiff(path, shape, data);
  if (ext == ".mrc" || ext == ".mrcs") return save_mrc(path, shape, data);
  fail("cannot write '", path, "': use one of ", stack_extensions());
}

StackDims stack_dims(const std::vector<int64_t>& shape, const std::string& writer, const std::string& path) {
  SG_CHECK(shape.size() == 2 || shape.size() == 3, writer, " '", path,
           "': expected [N, H, W] or [H, W], got rank ", shape.size());
  const StackDims d{shape.size() == 3 ? shape[0] : 1, shape[shape.size() - 2], shape.back()};
  for (int64_t v : {d.n, d.h, d.w})
    SG_CHECK(v >= 1 && v <= INT32_MAX, writer, " '", path, "': dimension ", v, " out of range");
  return d;
}

}  // namespace sg
