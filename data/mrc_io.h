// MRC / MRCS files (MRC2014, https://www.ccpem.ac.uk/mrc_format/mrc2014.php): a 1024-byte
// header of 4-byte words, an extended header of NSYMBT bytes, then NX * NY * NZ values with
// x fastest. Read as float32 [NZ, NY, NX] (an image stack or a volume alike).
//
//   byte   0  NX, NY, NZ (int32)     12  MODE          92  NSYMBT (extended header)
//         64  MAPC, MAPR, MAPS (must be 1, 2, 3; or 0, 0, 0 in old files)
//        208  "MAP "                212  machine stamp: 44 44 00 00 (or 44 41) little-endian,
//                                        11 11 00 00 big-endian
// Modes read: 0 int8 (unsigned in IMOD's files that say so), 1 int16, 2 float32, 6 uint16,
// 12 float16; integers keep their values. A file must carry "MAP " or a known machine
// stamp; an unknown stamp next to "MAP " is decided by which byte order gives a known mode.
//
// We write mode 2 (float32), little-endian, with "MAP ", NVERSION 20140, a 1 Å pixel,
// DMIN/DMAX/DMEAN/RMS of the data and ISPG 0 (an image stack), through write_file_atomic.
// A reader of our own: the header is simple and fixed, so it needs no library.
#pragma once
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "engine/io/npy.h"

namespace sg {

// The file's `size` bytes from `in`; errors name `what`.
NpyArray read_mrc(std::istream& in, uint64_t size, const std::string& what);

// `shape` [NZ, NY, NX] (or [NY, NX]), C order.
void save_mrc(const std::string& path, const std::vector<int64_t>& shape, const float* data);

}  // namespace sg
