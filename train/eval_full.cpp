#include "train/eval_full.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "data/rotation_gauge.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "train/train_full.h"

namespace sg {

FullRow full_row(const std::string& input, std::vector<double> error_deg, const Quat& gauge) {
  FullRow r{input, std::move(error_deg), 0, 0, 0, 0, gauge};
  const double n = double(std::max<size_t>(1, r.error_deg.size()));
  for (double e : r.error_deg) {
    r.within2 += e <= 2;
    r.within5 += e <= 5;
    r.within10 += e <= 10;
  }
  r.within2 *= 100 / n, r.within5 *= 100 / n, r.within10 *= 100 / n;
  std::vector<double> s = r.error_deg;
  if (!s.empty()) {
    std::nth_element(s.begin(), s.begin() + std::ptrdiff_t(s.size() / 2), s.end());
    r.median_deg = s[s.size() / 2];
  }
  return r;
}

Quat joint_pair_rotation(const Quat& p1, const Quat& p2, double delta_deg, const std::vector<Quat>& group,
                         bool& mirrored) {
  double best = 1e9;
  Quat other;
  for (int s : {1, -1}) {
    const Quat back = mul(axis_angle({1, 0, 0}, -s * delta_deg), p2);
    for (const Quat& g : group) {
      const Quat c = mul(back, g);
      const double e = geodesic_deg(p1, c);
      if (e < best) best = e, other = c, mirrored = s < 0;
    }
  }
  const Mat3 a = to_matrix(p1), b = to_matrix(other);
  Mat3 m;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m.m[i][j] = a.m[i][j] + b.m[i][j];
  return to_quat(nearest_rotation(m));
}

std::vector<FullRow> score_full(RotationHeadModel& model, const std::vector<float>& images, int64_t n,
                                int64_t size, const std::vector<Quat>& truth, const Polyhedron& shape,
                                double delta_deg, Device device) {
  const int64_t L = size * size;
  SG_CHECK(int64_t(images.size()) == 2 * n * L && int64_t(truth.size()) == n, "eval: ", truth.size(),
           " orientations for ", n, " pairs");
  std::vector<float> firsts(size_t(n * L)), seconds(size_t(n * L));
  for (int64_t i = 0; i < n; ++i) {
    std::copy_n(images.data() + 2 * i * L, L, firsts.data() + i * L);
    std::copy_n(images.data() + (2 * i + 1) * L, L, seconds.data() + i * L);
  }
  const std::vector<Quat> p1 = predict_rotations(model, firsts.data(), n, size, device);
  const std::vector<Quat> p2 = predict_rotations(model, seconds.data(), n, size, device);
  const std::vector<MirrorOption> options = mirror_options(shape.improper, true);
  std::vector<FullRow> rows;
  const GaugeFit single = fit_gauge(p1, truth, shape.group, options);
  rows.push_back(full_row("single", single.error_deg, single.gauge));
  std::vector<Quat> joint(static_cast<size_t>(n));
  std::vector<int> branch(static_cast<size_t>(n)), flipped(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    bool m = false;
    joint[size_t(i)] = joint_pair_rotation(p1[size_t(i)], p2[size_t(i)], delta_deg, shape.group, m);
    branch[size_t(i)] = m ? 1 : 0;
    flipped[size_t(i)] = m ? 0 : 1;
  }
  GaugeFit pair = fit_gauge(joint, truth, shape.group, options, branch);
  const GaugeFit other = fit_gauge(joint, truth, shape.group, options, flipped);
  const FullRow a = full_row("pair", pair.error_deg, pair.gauge), b = full_row("pair", other.error_deg, other.gauge);
  rows.push_back(b.median_deg < a.median_deg ? b : a);
  const GaugeFit free = fit_gauge(joint, truth, shape.group, options);  // the branch not read from s
  rows.push_back(full_row("pair, mirror free", free.error_deg, free.gauge));
  return rows;
}

void report_full(const std::vector<FullRow>& rows, const nlohmann::json& info, const std::string& out) {
  std::cout << "| input | within 2° | within 5° | within 10° | median |\n|---|---|---|---|---|\n";
  nlohmann::json j = info;
  j["rows"] = nlohmann::json::array();
  for (const FullRow& r : rows) {
    char line[200];
    std::snprintf(line, sizeof line, "| %s | %.1f | %.1f | %.1f | %.2f° |\n", r.input.c_str(), r.within2, r.within5,
                  r.within10, r.median_deg);
    std::cout << line;
    j["rows"].push_back({{"input", r.input}, {"within_2", r.within2}, {"within_5", r.within5},
                         {"within_10", r.within10}, {"median_deg", r.median_deg},
                         {"gauge", {r.gauge.w, r.gauge.x, r.gauge.y, r.gauge.z}}});
  }
  if (out.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  SG_CHECK(!ec, "eval: cannot create output folder '", out, "': ", ec.message());
  const std::string path = (std::filesystem::path(out) / "eval_full.json").string();
  write_file_atomic(path, [&](std::ostream& os) { os << j.dump(2) << "\n"; });
  std::cout << "wrote " << path << "\n";
}

int eval_full_orientation(const ArgParser& p, Device device, const std::string& dir, const Gen3dParams& g) {
  auto in = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
  SG_CHECK(p.given("checkpoint"), "eval: --checkpoint is required on a folder of task full");
  SG_CHECK(p.get("method") == "both" || p.get("method") == "model",
           "eval: task full has no classical rows yet; --method model");
  const NpyArray images = load_npy(in("images.npy")), orient = load_npy(in("orientations.npy"));
  const int64_t N = g.count, S = g.size;
  SG_CHECK(images.shape == std::vector<int64_t>({N, 2, S, S}), "eval: '", in("images.npy"), "' is not [", N,
           ", 2, ", S, ", ", S, "] as its params.json says");
  SG_CHECK(orient.shape == std::vector<int64_t>({N, 4}), "eval: '", in("orientations.npy"), "' must be [", N,
           ", 4] quaternions (w, x, y, z), one per pair");
  check_finite(images, in("images.npy"));
  check_finite(orient, in("orientations.npy"));
  FullRun run = load_full_checkpoint(p.get("checkpoint"), device);
  SG_CHECK(run.config.data.shape == g.shape && run.config.data.size == S, "eval: the checkpoint learned '",
           run.config.data.shape, "' at ", run.config.data.size, " px, not '", g.shape, "' at ", S, " px");
  std::vector<Quat> truth(static_cast<size_t>(N));  // the ground truth: read here, for scoring only
  for (int64_t i = 0; i < N; ++i) {
    const float* o = orient.data.data() + 4 * i;
    try {
      truth[size_t(i)] = normalised(Quat{o[0], o[1], o[2], o[3]});
    } catch (const Error& e) {
      fail("eval: '", in("orientations.npy"), "' row ", i, ": ", e.what());
    }
  }
  const Polyhedron shape = make_polyhedron(g.shape, g.ino);
  std::cout << "3-D full orientation: " << N << " pairs of '" << g.shape << "' in " << dir << " (delta "
            << g.stereo_angle_deg << " deg; geodesic error modulo " << shape.group_name
            << " after the fitted gauge; single also modulo the z-mirror)\n";
  const std::vector<FullRow> rows =
      score_full(*run.model, images.data, N, S, truth, shape, g.stereo_angle_deg, device);
  std::string out = p.get("out");
  if (out.empty()) out = std::filesystem::path(p.get("checkpoint")).parent_path().string();
  report_full(rows, {{"data", dir}, {"shape", g.shape}, {"pairs", N}, {"checkpoint", p.get("checkpoint")}}, out);
  return 0;
}

}  // namespace sg
