// Images to look at: 8-bit greyscale PNG and binary PGM (P5), both written through
// write_file_atomic. Values are mapped linearly from [lo, hi] to [0, 255] and clamped;
// lo == hi means "use the image's own minimum and maximum".
//
// The PNG encoder needs no zlib: the pixel rows (each prefixed with filter byte 0) go
// into a zlib stream of uncompressed 'stored' deflate blocks (RFC 1951 §3.2.4), closed
// by the Adler-32 of the data (RFC 1950); every chunk carries its CRC-32 (ISO 3309, as
// the PNG specification defines it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/image.h"

namespace sg {

uint32_t crc32(const uint8_t* data, size_t n, uint32_t crc = 0);  // chainable
uint32_t adler32(const uint8_t* data, size_t n);

void write_png(const std::string& path, const Image& img, float lo = 0, float hi = 0);
void write_pgm(const std::string& path, const Image& img, float lo = 0, float hi = 0);
// By extension: ".png" or ".pgm" (any case); anything else is an error.
void write_image(const std::string& path, const Image& img, float lo = 0, float hi = 0);
bool has_image_extension(const std::string& path);  // what write_image accepts

}  // namespace sg
