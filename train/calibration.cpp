#include "train/calibration.h"

#include <cmath>
#include <complex>

#include "data/angles.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/checkpoint.h"

namespace sg {

double calibrated_angle(const Calibration& c, double predicted_deg) {
  return wrap_positive(c.mirrored ? c.offset_deg - predicted_deg : predicted_deg - c.offset_deg, c.period_deg);
}

void calibrate_angles(const Calibration& c, std::vector<float>& angles_deg) {
  for (float& v : angles_deg) {
    v = float(calibrated_angle(c, v));
    if (v >= float(c.period_deg)) v = 0;  // rounding to float can land on the period itself
  }
}

std::optional<Calibration> stored_calibration(const nlohmann::json& stored, const std::string& ck, double period_deg) {
  if (stored.is_null()) return std::nullopt;
  Calibration c = calibration_from_json(stored, "checkpoint '" + ck + "'");
  SG_CHECK(std::fabs(c.period_deg - period_deg) < 1e-9, "checkpoint '", ck, "' holds a calibration of period ",
           c.period_deg, "°, but its model's is ", period_deg, "°");
  return c;
}

nlohmann::json to_json(const Calibration& c) {
  nlohmann::json j{{"offset_deg", c.offset_deg}, {"mirrored", c.mirrored}, {"period_deg", c.period_deg}};
  if (!c.source.is_null()) j["source"] = c.source;
  return j;
}

Calibration calibration_from_json(const nlohmann::json& j, const std::string& what) {
  Calibration c;
  SG_CHECK(j.is_object(), what, ": the calibration is not a JSON object");
  auto number = [&](const char* key) {
    SG_CHECK(j.contains(key) && j[key].is_number() && std::isfinite(j[key].get<double>()), what,
             ": the calibration's '", key, "' is missing or not a number");
    return j[key].get<double>();
  };
  c.offset_deg = number("offset_deg");
  c.period_deg = number("period_deg");
  SG_CHECK(c.period_deg > 0 && c.period_deg <= 360, what, ": the calibration's period ", c.period_deg,
           "° is not in (0, 360]");
  SG_CHECK(j.contains("mirrored") && j["mirrored"].is_boolean(), what, ": the calibration's 'mirrored' is missing");
  c.mirrored = j["mirrored"].get<bool>();
  if (j.contains("source")) c.source = j["source"];
  return c;
}

Calibration calibration_from_references(const std::vector<float>& predicted_deg,
                                        const std::vector<double>& known_deg, double P,
                                        std::optional<bool> mirrored) {
  SG_CHECK(predicted_deg.size() == known_deg.size() && (known_deg.size() == 1 || known_deg.size() == 2),
           "calibration: one or two references, each with its angle (got ", predicted_deg.size(),
           " images and ", known_deg.size(), " angles)");
  Calibration c;
  c.period_deg = P;
  c.mirrored = mirrored.value_or(false);
  if (known_deg.size() == 2) {
    const double dt = wrap_symmetric(known_deg[1] - known_deg[0], P);
    const double dp = wrap_symmetric(double(predicted_deg[1]) - predicted_deg[0], P);
    const double separation = std::fabs(wrap_symmetric(2 * dt, P));  // between the two hypotheses
    SG_CHECK(separation >= kMinSeparationDeg, "calibration: reference angles ", known_deg[0], "° and ",
             known_deg[1], "° differ by ", wrap_positive(dt, P), "° modulo ", P,
             "°: too close to 0 or half the period to tell a mirror (keep them at least ",
             kMinSeparationDeg / 2, "° from both)");
    c.mirrored = std::fabs(wrap_symmetric(dp + dt, P)) < std::fabs(wrap_symmetric(dp - dt, P));
  }
  std::complex<double> sum = 0;  // the circular mean on the circle of the period
  for (size_t k = 0; k < known_deg.size(); ++k) {
    const double o = c.mirrored ? predicted_deg[k] + known_deg[k] : predicted_deg[k] - known_deg[k];
    sum += std::polar(1.0, 2 * kPi * o / P);
  }
  c.offset_deg = wrap_symmetric(std::arg(sum) * P / (2 * kPi), P);
  c.source = {{"references", known_deg.size()}};
  return c;
}

void store_calibration(const Calibration& c, const std::string& dir, const std::string& checkpoint) {
  if (!dir.empty())
    write_file_atomic(dir + "/calibration.json", [&](std::ostream& os) { os << to_json(c).dump(2) << "\n"; });
  if (!checkpoint.empty()) set_checkpoint_json(checkpoint, "calibration", to_json(c));
}

}  // namespace sg
