// `stereograd gen --shape cube|octahedron|cuboctahedron|decahedron|icosahedron ...`: tilt
// pairs of 3-D polyhedra (data/pairs3d.h). cmd_gen hands over when --shape names a
// polyhedron: if (wants_polyhedra(args)) return gen_polyhedra(args);
#pragma once
#include "train/commands.h"

namespace sg {

ArgParser gen_polyhedra_options();
// True when args hold "--shape NAME" or "--shape=NAME" with NAME a polyhedron.
bool wants_polyhedra(const Args& args);
// Writes DIR/images.npy [N, 2, H, W], orientations.npy [N, 4], sizes.npy [N] and
// params.json, each through a temporary file renamed into place (params.json last).
int gen_polyhedra(const Args& args);

}  // namespace sg
