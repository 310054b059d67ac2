// Image stacks from files, whatever the format: one entry point for `predict --input`,
// a dataset folder's images and `gen --format`.
//
//   .npy        any integer or float dtype (engine/io/npy.h), its own shape
//   TIFF        8/16/32-bit integer or 32/64-bit float pages (data/tiff_io.h) [pages, H, W]
//   PNG         8/16-bit greyscale (data/png_read.h)                          [1, H, W]
//   MRC / MRCS  modes 0, 1, 2, 6, 12 (data/mrc_io.h)                          [NZ, NY, NX]
//
// All as float32 with integers keeping their values. The format comes from the file's
// first bytes (\x93NUMPY, II*\0 / MM\0* / II+\0 / MM\0+, \x89PNG); MRC, which has no magic
// at the start, from the extension .mrc, .mrcs, .map or .st; a file without a known magic
// goes to the reader its extension names (.npy, .tif, .tiff, .png). Every error is one line
// naming the file: missing, a directory, empty, an unknown format, or what the format's
// reader refused (truncated, absurd dimensions, an unsupported mode or bit depth).
// docs/data.md, "File formats", is the user's description.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/io/npy.h"

namespace sg {

NpyArray read_stack(const std::string& path);

// By extension: .npy (float32), .tif / .tiff (float32 pages), .mrc / .mrcs (mode 2);
// TIFF and MRC take [N, H, W] or [H, W]. Written atomically (write_file_atomic).
void write_stack(const std::string& path, const std::vector<int64_t>& shape, const float* data);

// The extensions write_stack knows, and whether `path` has one.
const char* stack_extensions();  // ".npy, .tif, .tiff, .mrc, .mrcs"
bool has_stack_extension(const std::string& path);

// The [N, H, W] (or [H, W], N = 1) a stack writer is given, each in [1, 2^31 − 1]; an
// error naming `writer` and the file otherwise.
struct StackDims {
  int64_t n = 1, h = 0, w = 0;
};
StackDims stack_dims(const std::vector<int64_t>& shape, const std::string& writer, const std::string& path);

}  // namespace sg
