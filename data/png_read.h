// PNG files in, through libpng: 8- or 16-bit greyscale (no alpha), any filter and
// interlacing, as float32 [1, H, W] with the stored values (8-bit 0..255, 16-bit
// 0..65535; tRNS and gamma are ignored). Colour, palette, grey + alpha and 1/2/4-bit
// images are refused, naming the file and the colour type or bit depth.
//
// libpng reports errors through png_set_error_fn: our handler keeps the message and
// longjmps back to the single function that called setjmp (decode() in png_read.cpp,
// which holds nothing that needs a destructor run), which frees libpng's state and
// returns; only then is sg::Error thrown. Nothing is printed. The image is checked
// against the file size (deflate expands at most 1032 times) before it is allocated.
// The PNG writer (8-bit, for looking at) is data/image_io.h's.
#pragma once
#include <cstddef>
#include <string>

#include "engine/io/npy.h"

namespace sg {

// A PNG file's bytes; errors name `what`.
NpyArray read_png(const char* data, size_t size, const std::string& what);

}  // namespace sg
