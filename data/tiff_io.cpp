#include "data/tiff_io.h"

#include "data/image_read.h"

#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "engine/error.h"
#include "engine/io/atomic_file.h"

namespace sg {

namespace {

constexpr uint64_t kMaxElements = uint64_t(1) << 31;
constexpr uint64_t kMaxRatio = 4096;  // decoded bytes per file byte, compressed files

// The file libtiff reads or writes: a byte buffer with a position. Reading: `in` and
// `size`; writing: `out` grows as libtiff writes (and reads back, and seeks).
struct MemFile {
  const char* in = nullptr;
  std::string* out = nullptr;
  uint64_t size = 0, pos = 0;
  std::string error;  // libtiff's first error message
};

tmsize_t mem_read(thandle_t h, void* buf, tmsize_t n) {
  auto* f = static_cast<MemFile*>(h);
  const char* data = f->out ? f->out->data() : f->in;  // libtiff reads back what it wrote too
  if (!data || n < 0 || f->pos >= f->size) return 0;
  const uint64_t k = std::min<uint64_t>(uint64_t(n), f->size - f->pos);
  std::memcpy(buf, data + f->pos, size_t(k));
  f->pos += k;
  return tmsize_t(k);
}
tmsize_t mem_write(thandle_t h, void* buf, tmsize_t n) {
  auto* f = static_cast<MemFile*>(h);
  if (!f->out || n < 0) return -1;
  if (f->pos + uint64_t(n) > f->out->size()) f->out->resize(size_t(f->pos + uint64_t(n)));
  std::memcpy(f->out->data() + f->pos, buf, size_t(n));
  f->pos += uint64_t(n);
  f->size = std::max<uint64_t>(f->size, f->pos);
  return n;
}
toff_t mem_seek(thandle_t h, toff_t off, int whence) {
  auto* f = static_cast<MemFile*>(h);
  const uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->pos : f->size;
  if (off > (uint64_t(1) << 62) - base) return toff_t(-1);  // also "negative" offsets
  f->pos = base + off;
  return f->pos;
}
int mem_close(thandle_t) { return 0; }
toff_t mem_size(thandle_t h) { return static_cast<MemFile*>(h)->size; }
int mem_map(thandle_t, void**, toff_t*) {
  return 0;
}  // not mapped: every read goes through mem_read
void mem_unmap(thandle_t, void*, toff_t) {}

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  auto* f = static_cast<MemFile*>(user);
  if (f->error.empty()) {
    char buf[512];
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    f->error = one_line(std::string(module ? module : "libtiff") + ": " + buf);
  }
  return 1;  // handled: libtiff's process-wide handler is not called
}
int on_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffCloser {
  void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

TiffPtr open_mem(MemFile& f, const char* mode, const std::string& what, tmsize_t max_alloc) {
  static std::once_flag silence;  // messages from outside a handle (there should be none)
  std::call_once(silence, [] {
    TIFFSetErrorHandler(nullptr);
    TIFFSetWarningHandler(nullptr);
  });
  std::unique_ptr<TIFFOpenOptions, void (*)(TIFFOpenOptions*)> opts(TIFFOpenOptionsAlloc(),
                                                                    TIFFOpenOptionsFree);
  SG_CHECK(opts != nullptr, "'", what, "': out of memory opening the TIFF file");
  TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), on_error, &f);
  TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), on_warning, &f);
  TIFFOpenOptionsSetMaxSingleMemAlloc(opts.get(), max_alloc);
  return TiffPtr(TIFFClientOpenExt(what.c_str(), mode, &f, mem_read, mem_write, mem_seek, mem_close,
                                   mem_size, mem_map, mem_unmap, opts.get()));
}

// How one page's samples are stored.
struct Sample {
  uint16_t bits = 0, format = 0;
  int bytes() const { return bits / 8; }
};

float sample_to_float(const unsigned char* p, const Sample& s) {  // host order (libtiff swaps)
  switch (s.bits) {
    case 8: return s.format == SAMPLEFORMAT_INT ? float(int8_t(p[0])) : float(p[0]);
    case 16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return s.format == SAMPLEFORMAT_INT ? float(int16_t(v)) : float(v);
    }
    case 32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      if (s.format == SAMPLEFORMAT_IEEEFP) {
        float f;
        std::memcpy(&f, &v, 4);
        return f;
      }
      return s.format == SAMPLEFORMAT_INT ? float(int32_t(v)) : float(v);
    }
    default: {
      double d;
      std::memcpy(&d, p, 8);
      return float(d);
    }
  }
}

std::string page_name(const std::string& what, int page) {
  return "'" + what + "' page " + std::to_string(page);
}

// The current page's sample layout, checked.
Sample page_sample(TIFF* t, const std::string& where) {
  uint16_t spp = 1, photometric = PHOTOMETRIC_MINISBLACK;
  Sample s;
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &s.bits);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &s.format);
  TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric);
  SG_CHECK(spp == 1, where, " has ", spp,
           " samples per pixel; stereograd reads greyscale (one sample)");
  SG_CHECK(photometric != PHOTOMETRIC_PALETTE, where,
           " is a palette image; stereograd reads greyscale");
  const bool integer = s.format == SAMPLEFORMAT_UINT || s.format == SAMPLEFORMAT_INT;
  const bool ok = (integer && (s.bits == 8 || s.bits == 16 || s.bits == 32)) ||
                  (s.format == SAMPLEFORMAT_IEEEFP && (s.bits == 32 || s.bits == 64));
  SG_CHECK(ok, where, " has ", s.bits, "-bit ",
           s.format == SAMPLEFORMAT_IEEEFP ? "float"
           : integer                       ? "integer"
                     : "other (sample format " + std::to_string(s.format) + ")",
           " samples; stereograd reads 8/16/32-bit integers and 32/64-bit floats");
  return s;
}

// Copies `rows` x `cols` samples of `buf` (row stride `stride` samples) into `out` at
// (r0, c0) of a page `w` wide.
void put_block(const unsigned char* buf, const Sample& s, uint32_t rows, uint32_t cols,
               uint32_t stride, float* out, uint32_t w, uint32_t r0, uint32_t c0) {
  const int b = s.bytes();
  for (uint32_t r = 0; r < rows; ++r)
    for (uint32_t c = 0; c < cols; ++c)
      out[size_t(r0 + r) * w + c0 + c] = sample_to_float(buf + (size_t(r) * stride + c) * b, s);
}

void read_strips(TIFF* t, const Sample& s, uint32_t w, uint32_t h, float* out, MemFile& f,
                 const std::string& where) {
  uint32_t rps = h;
  TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
  rps = std::clamp<uint32_t>(rps, 1, h);
  std::vector<unsigned char> buf(size_t(rps) * w * s.bytes());
  for (uint32_t r0 = 0; r0 < h; r0 += rps) {
    const uint32_t rows = std::min(rps, h - r0);
    const tmsize_t want = tmsize_t(rows) * w * s.bytes();
    f.error.clear();
    const tmsize_t got = TIFFReadEncodedStrip(t, TIFFComputeStrip(t, r0, 0), buf.data(), want);
    SG_CHECK(got == want, where, ": cannot read the strip at row ", r0,
             f.error.empty() ? " (truncated)" : ": " + f.error);
    put_block(buf.data(), s, rows, w, w, out, w, r0, 0);
  }
}

void read_tiles(TIFF* t, const Sample& s, uint32_t w, uint32_t h, float* out, MemFile& f,
                const std::string& where, uint64_t limit) {
  uint32_t tw = 0, th = 0;
  TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw);
  TIFFGetField(t, TIFFTAG_TILELENGTH, &th);
  // A tile, even one overhanging a small page, is stored whole: it too must fit the file.
  SG_CHECK(tw >= 1 && th >= 1 && uint64_t(tw) * th * s.bytes() <= limit, where, ": tiles of ", tw,
           " x ", th, " are more than the file's bytes can hold");
  const tmsize_t want = tmsize_t(tw) * th * s.bytes();
  std::vector<unsigned char> buf(static_cast<size_t>(want));
  for (uint32_t r0 = 0; r0 < h; r0 += th)
    for (uint32_t c0 = 0; c0 < w; c0 += tw) {
      f.error.clear();
      const tmsize_t got =
          TIFFReadEncodedTile(t, TIFFComputeTile(t, c0, r0, 0, 0), buf.data(), want);
      SG_CHECK(got == want, where, ": cannot read the tile at (", c0, ", ", r0, ")",
               f.error.empty() ? " (truncated)" : ": " + f.error);
      put_block(buf.data(), s, std::min(th, h - r0), std::min(tw, w - c0), tw, out, w, r0, c0);
    }
}

}  // namespace

NpyArray read_tiff(const char* data, size_t size, const std::string& what) {
  MemFile f;
  f.in = data;
  f.size = size;
  // libtiff's own allocations (tag arrays, codec buffers) stay within what the file can
  // justify: a bomb of a few bytes cannot ask for gigabytes.
  const uint64_t budget = std::max<uint64_t>(
      uint64_t(1) << 24, std::min<uint64_t>(uint64_t(size) * kMaxRatio, uint64_t(1) << 32));
  TiffPtr t = open_mem(f, "rm", what, tmsize_t(budget));
  SG_CHECK(t != nullptr, "'", what, "' is not a readable TIFF file: ",
           f.error.empty() ? "wrong magic or truncated header" : f.error);
  NpyArray a;
  uint32_t w0 = 0, h0 = 0;
  uint64_t decoded = 0;  // bytes of samples so far
  for (int page = 0;; ++page) {
    const std::string where = page_name(what, page);
    uint32_t w = 0, h = 0;
    uint16_t compression = COMPRESSION_NONE;
    TIFFGetField(t.get(), TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t.get(), TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(t.get(), TIFFTAG_COMPRESSION, &compression);
    SG_CHECK(w >= 1 && h >= 1, where, " is empty (", w, " x ", h, ")");
    if (page == 0) {
      w0 = w;
      h0 = h;
    }
    SG_CHECK(w == w0 && h == h0, where, " is ", w, " x ", h, " but page 0 is ", w0, " x ", h0,
             "; a stack's pages must be the same size");
    const Sample s = page_sample(t.get(), where);
    const uint64_t page_values = uint64_t(w) * h;  // < 2^64: both < 2^32
    const uint64_t limit = compression == COMPRESSION_NONE ? size : uint64_t(size) * kMaxRatio;
    decoded += page_values * uint64_t(s.bytes());
    SG_CHECK(a.data.size() + page_values <= kMaxElements && decoded <= limit, where, ": ", w,
             " x ", h, " pixels of ", s.bytes(), " bytes (", decoded,
             " bytes with the pages before) are more than the file's ", size, " bytes can hold",
             compression == COMPRESSION_NONE ? " (truncated)" : " compressed (absurd dimensions)");
    const size_t at = a.data.size();
    a.data.resize(at + page_values);
    if (TIFFIsTiled(t.get()))
      read_tiles(t.get(), s, w, h, a.data.data() + at, f, where, limit);
    else
      read_strips(t.get(), s, w, h, a.data.data() + at, f, where);
    f.error.clear();
    if (!TIFFReadDirectory(t.get())) {
      SG_CHECK(f.error.empty(), "'", what, "': cannot read page ", page + 1, ": ", f.error);
      a.shape = {page + 1, h0, w0};
      return a;
    }
  }
}

void save_tiff(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  const StackDims d = stack_dims(shape, "save_tiff", path);  // [pages, H, W]
  const int64_t pages = d.n, h = d.h, w = d.w;
  const uint64_t bytes = uint64_t(pages * h * w) * 4;
  std::string out;
  out.reserve(size_t(bytes + 4096 + 256 * uint64_t(pages)));
  MemFile f;
  f.out = &out;
  {
    // BigTIFF ("w8") once the data alone nears classic TIFF's 4 GiB of offsets.
    TiffPtr t = open_mem(f, bytes > (uint64_t(1) << 31) ? "w8" : "w", path, 0);
    SG_CHECK(t != nullptr, "cannot write '", path, "': ", f.error);
    const uint32_t rps = uint32_t(std::clamp<int64_t>(8192 / (w * 4), 1, h));
    for (int64_t p = 0; p < pages; ++p) {
      TIFF* tp = t.get();
      TIFFSetField(tp, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
      TIFFSetField(tp, TIFFTAG_IMAGEWIDTH, uint32_t(w));
      TIFFSetField(tp, TIFFTAG_IMAGELENGTH, uint32_t(h));
      TIFFSetField(tp, TIFFTAG_BITSPERSAMPLE, uint16_t(32));
      TIFFSetField(tp, TIFFTAG_SAMPLESPERPIXEL, uint16_t(1));
      TIFFSetField(tp, TIFFTAG_SAMPLEFORMAT, uint16_t(SAMPLEFORMAT_IEEEFP));
      TIFFSetField(tp, TIFFTAG_PHOTOMETRIC, uint16_t(PHOTOMETRIC_MINISBLACK));
      TIFFSetField(tp, TIFFTAG_PLANARCONFIG, uint16_t(PLANARCONFIG_CONTIG));
      TIFFSetField(tp, TIFFTAG_COMPRESSION, uint16_t(COMPRESSION_NONE));
      TIFFSetField(tp, TIFFTAG_ROWSPERSTRIP, rps);
      if (pages <= 65535) TIFFSetField(tp, TIFFTAG_PAGENUMBER, uint16_t(p), uint16_t(pages));
      const float* page = data + p * h * w;
      for (int64_t r0 = 0, strip = 0; r0 < h; r0 += rps, ++strip) {
        const int64_t rows = std::min<int64_t>(rps, h - r0);
        // libtiff takes a non-const buffer but does not change it when nothing is compressed.
        void* rowp = const_cast<float*>(page + r0 * w);
        SG_CHECK(TIFFWriteEncodedStrip(tp, uint32_t(strip), rowp, tmsize_t(rows * w * 4)) >= 0,
                 "cannot write '", path, "': ", f.error);
      }
      SG_CHECK(TIFFWriteDirectory(tp), "cannot write '", path, "': ", f.error);
    }
    f.error.clear();
  }  // TIFFClose flushes into `out`
  SG_CHECK(f.error.empty(), "cannot write '", path, "': ", f.error);
  write_file_atomic(path,
                    [&](std::ostream& o) { o.write(out.data(), std::streamsize(out.size())); });
}

}  // namespace sg
