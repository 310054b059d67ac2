// Scoring the full-orientation model (docs/particles3d.md, "Task full") on tilt pairs of
// task full: `stereograd eval --data DIR --checkpoint FILE` on such a folder, and
// train-full's table on unseen pairs. The truth (orientations.npy) is read here only,
// to fit the gauge and score (data/rotation_gauge.h).
//
// Rows:
//   single  each first image's rotation P, modulo G and the z-mirror (a single
//           projection cannot tell R from R_z(180) R h)
//   pair    the pair read jointly: (s, g) minimising angle(P1, R_x(-s delta) P2 g), then
//           J = polar(P1 + R_x(-s delta) P2 g); s tells the mirror branch (R_x(delta)
//           turns into R_x(-delta) on the mirrored one), so J is scored modulo G only,
//           on the branch s names (which s is the true branch is one global choice, like
//           the gauge: the better of the two)
//   pair, mirror free   J scored as single is: modulo G and the z-mirror (how much of the
//           pair's gain is the branch, how much the mean)
// Accuracy: % within 2, 5 and 10 degrees and the median geodesic error.
#pragma once
#include <string>
#include <vector>

#include "data/pairs3d.h"
#include "models/rotation_head.h"
#include "train/args.h"

namespace sg {

struct FullRow {
  std::string input;
  std::vector<double> error_deg;
  double within2 = 0, within5 = 0, within10 = 0, median_deg = 0;
  Quat gauge;
};
// The row's figures from its errors.
FullRow full_row(const std::string& input, std::vector<double> error_deg, const Quat& gauge);

// The pair read-out above for P1, P2 (delta in degrees): J, and whether s = -1.
Quat joint_pair_rotation(const Quat& p1, const Quat& p2, double delta_deg, const std::vector<Quat>& group,
                         bool& mirrored);

// The three rows for pairs images [N, 2, S, S] with true first orientations `truth`.
std::vector<FullRow> score_full(RotationHeadModel& model, const std::vector<float>& images, int64_t n,
                                int64_t size, const std::vector<Quat>& truth, const Polyhedron& shape,
                                double delta_deg, Device device);
// Prints the table (and with out non-empty writes out/eval_full.json).
void report_full(const std::vector<FullRow>& rows, const nlohmann::json& info, const std::string& out);

// eval on a folder `dir` of task full (params g): p is eval's parsed options.
int eval_full_orientation(const ArgParser& p, Device device, const std::string& dir, const Gen3dParams& g);

}  // namespace sg
