// TIFF files through libtiff: greyscale pages of 8-, 16- or 32-bit unsigned or signed
// integers or 32- or 64-bit floats, in strips or tiles, any compression libtiff was built
// with, either byte order, classic or BigTIFF. A multi-page file is a stack: read as
// float32 [pages, H, W], every page the same size. Integers keep their values (an 8-bit
// 200 is 200.0f); the photometric interpretation is not applied (MinIsWhite files are
// read as stored); palette, RGB and multi-sample pages are refused.
//
// libtiff's messages never reach stderr: each file gets its own error handler (libtiff's
// TIFFOpenOptions) that keeps the first message for the one-line sg::Error, and the
// process-wide handlers are silenced once. The decoded size is checked before anything
// is allocated: at most 2^31 values, and no more bytes than the file holds (uncompressed)
// or 4096 times that (compressed; deflate and LZW stay far below).
//
// We write float32 pages, uncompressed, one strip per 8 KiB or so, through
// write_file_atomic (libtiff writes into memory, the bytes are then written atomically).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/io/npy.h"

namespace sg {

// A TIFF file's bytes; errors name `what`.
NpyArray read_tiff(const char* data, size_t size, const std::string& what);

// `shape` [pages, H, W] (or [H, W]), C order: one float32 page per leading index.
void save_tiff(const std::string& path, const std::vector<int64_t>& shape, const float* data);

}  // namespace sg
