// A dataset on disk is a directory that numpy can read directly:
//   images.npy   float32 [N, 2, H, W] (or [N, 2, L] for projections); or instead
//                images.tif / images.tiff / images.mrc (data/image_read.h): a stack of
//                2N pages, the two images of pair i at pages 2i and 2i + 1, each H x W
//                (or 1 x L for projections). A folder holds exactly one of them.
//   angles.npy   float32 [N], theta of the first image in degrees, [0, 360)
//   params.json  every generation parameter and the seed (data/pairs.h to_json)
// e.g. np.load("DIR/images.npy"). load_dataset checks that the three agree with one
// another and rejects anything malformed, truncated or mismatched, naming the file.
//
// A folder written by another renderer may carry a minimal params.json instead:
//   {"stereo_angle_deg": 10, "order": 4, "shape": "polygon", "sides": 4}
// stereo_angle_deg required, in (0, 180); order (integer >= 1), shape and sides optional.
// What it leaves out (the shape, hence the order n) comes from the caller's defaults
// (the config's data section); the layout and size come from images.npy's shape.
// docs/data.md, "Training from a folder", is the user's description.
#pragma once
#include <string>

#include "data/pairs.h"
#include "engine/io/npy.h"

namespace sg {

// Creates dir if needed. `format` "npy", "tif" or "mrc": images.npy, or a stack of 2N
// float32 pages images.tif / images.mrc; another format's images file already there is
// removed once the new one is written, so the folder holds one.
void save_dataset(const std::string& dir, const Dataset& ds, const std::string& format = "npy");

// The folder's images file (images.npy, .tif, .tiff or .mrc) read as [N, 2, H, W] or
// [N, 2, L]; an error naming the folder when there is none or more than one. `file` is
// set to its path.
NpyArray load_dataset_images(const std::string& dir, std::string& file);
// A folder written by `stereograd gen`: the full params.json and angles.npy required.
Dataset load_dataset(const std::string& dir);

// Any dataset folder: params.json full or minimal (unstated fields from `defaults`).
// angles.npy is read only when `angles_for` is not empty, and is then required: its
// absence is the error "DIR has no angles.npy: <angles_for>". Otherwise the Dataset has
// no angles (Dataset::has_angles() is false) even when the folder holds them.
Dataset load_dataset_folder(const std::string& dir, const GenParams& defaults,
                            const std::string& angles_for);

// The checks both loaders run, on the files' contents already read (the fuzz target
// feeds it bytes): params.json's text, the images (`images_name` inside `dir`), and
// angles.npy or nullptr if it was not read. `defaults` null: params.json must be the full
// file gen writes. Errors name the files inside `dir`.
Dataset dataset_from_contents(const std::string& dir, const std::string& params_text,
                              NpyArray images, const NpyArray* angles, const GenParams* defaults,
                              const std::string& images_name = "images.npy");

}  // namespace sg
