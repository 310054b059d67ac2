#include "data/png_read.h"

#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <new>
#include <vector>

#include "engine/error.h"

namespace sg {

namespace {

constexpr uint64_t kMaxElements = uint64_t(1) << 31;
constexpr uint64_t kMaxRatio = 1032;  // deflate's largest expansion

// Everything decode() hands back, owned by the caller so that a longjmp out of libpng
// skips no destructor.
struct PngJob {
  const unsigned char* data;
  size_t size, pos;
  char error[256];  // libpng's message, or ours
  uint32_t w, h;
  int bits;
  std::vector<unsigned char>* pixels;  // h rows of w samples, 16-bit big-endian
  std::vector<unsigned char*>* rows;
};

void on_error(png_structp png, png_const_charp msg) {
  auto* job = static_cast<PngJob*>(png_get_error_ptr(png));
  std::snprintf(job->error, sizeof(job->error), "%s", msg);
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

void on_read(png_structp png, png_bytep out, size_t n) {
  auto* job = static_cast<PngJob*>(png_get_io_ptr(png));
  if (n > job->size - job->pos) png_error(png, "truncated");
  std::memcpy(out, job->data + job->pos, n);
  job->pos += n;
}

const char* colour_name(int type) {
  switch (type) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return "greyscale with alpha";
    case PNG_COLOR_TYPE_PALETTE: return "palette";
    case PNG_COLOR_TYPE_RGB: return "RGB";
    case PNG_COLOR_TYPE_RGB_ALPHA: return "RGBA";
    default: return "unknown";
  }
}

// Decodes into *job->pixels; false with job->error set when libpng or our checks refuse
// the file. The only function that calls setjmp.
bool decode(PngJob& job) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
  if (!png) {
    std::snprintf(job.error, sizeof(job.error), "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    if (!job.error[0]) std::snprintf(job.error, sizeof(job.error), "out of memory");
    return false;
  }
  png_set_read_fn(png, &job, on_read);
  png_read_info(png, info);
  job.w = png_get_image_width(png, info);
  job.h = png_get_image_height(png, info);
  job.bits = png_get_bit_depth(png, info);
  const int type = png_get_color_type(png, info);
  const uint64_t bytes = uint64_t(job.w) * job.h * uint64_t(job.bits / 8);
  if (type != PNG_COLOR_TYPE_GRAY)
    std::snprintf(job.error, sizeof(job.error), "colour type %s; stereograd reads greyscale PNGs",
                  colour_name(type));
  else if (job.bits != 8 && job.bits != 16)
    std::snprintf(job.error, sizeof(job.error), "%d-bit greyscale; stereograd reads 8- and 16-bit",
                  job.bits);
  else if (uint64_t(job.w) * job.h > kMaxElements || bytes > kMaxRatio * job.size + 65536)
    std::snprintf(job.error, sizeof(job.error),
                  "%u x %u pixels are more than the file's %zu bytes can hold (absurd dimensions)",
                  job.w, job.h, job.size);
  if (job.error[0]) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const size_t stride = size_t(job.w) * size_t(job.bits / 8);
  try {  // within the cap, but an allocation may still fail: free libpng's state first
    job.pixels->resize(size_t(bytes));
    job.rows->resize(job.h);
  } catch (const std::bad_alloc&) {
    std::snprintf(job.error, sizeof(job.error), "out of memory for %u x %u pixels", job.w, job.h);
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  for (uint32_t r = 0; r < job.h; ++r) (*job.rows)[r] = job.pixels->data() + r * stride;
  png_read_image(png, job.rows->data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

}  // namespace

NpyArray read_png(const char* data, size_t size, const std::string& what) {
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  SG_CHECK(size >= 8 && std::memcmp(data, kSignature, 8) == 0, "'", what,
           "' is not a PNG file: it does not start with \\x89PNG\\r\\n\\x1a\\n");
  std::vector<unsigned char> pixels;
  std::vector<unsigned char*> rows;
  PngJob job{reinterpret_cast<const unsigned char*>(data), size, 0, {}, 0, 0, 0, &pixels, &rows};
  SG_CHECK(decode(job), "'", what, "': cannot read the PNG: ", one_line(job.error));
  NpyArray a;
  a.shape = {1, job.h, job.w};
  a.data.resize(size_t(job.w) * job.h);
  for (size_t i = 0; i < a.data.size(); ++i)
    a.data[i] = job.bits == 8 ? float(pixels[i]) : float((pixels[2 * i] << 8) | pixels[2 * i + 1]);
  return a;
}

}  // namespace sg
