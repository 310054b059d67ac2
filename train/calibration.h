// From the model's frame to the lab's. A self-supervised model learns θ only up to an
// offset c and perhaps a mirror (train/evaluate.h), modulo the period P = 360°/n:
//   θp = θt + c   or, mirrored,   θp = c − θt,
// so the angle in the truth's frame is θ = θp − c, or c − θp, reduced into [0, P).
//
// eval finds c and the mirror against true angles (generated pairs: the renderer's frame;
// eval --data: the folder's angles, a lab's own) and stores them, in calibration.json
// of its --out folder and in the checkpoint's metadata (rewritten atomically); predict
// --calibrated applies them. A lab with one image of known orientation θr instead fixes
// the zero from the model's reading θp(r) of it: c = θp(r) − θr (mirrored: θp(r) + θr),
// the mirror taken from a stored calibration or else assumed absent. Two references fix
// the mirror too: the direct frame predicts θp(r₂) − θp(r₁) = θr₂ − θr₁, the mirrored one
// θr₁ − θr₂, and the nearer wins; they are told apart only when θr₂ − θr₁ is at least
// kMinSeparationDeg/2 away from 0 and P/2 modulo P (where the two predictions coincide).
// The offset is then the circular mean of the references' (in nθ, as predictions are).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg {

inline constexpr double kMinSeparationDeg = 5.0;

struct Calibration {
  double offset_deg = 0;   // c, in [−P/2, P/2)
  bool mirrored = false;
  double period_deg = 360;
  nlohmann::json source;   // where it came from (eval: the pairs and the accuracy), stored with it
};

// θ in the calibrated frame, in [0, P).
double calibrated_angle(const Calibration& c, double predicted_deg);
// Every angle of a prediction into the calibrated frame (as floats, still in [0, P)).
void calibrate_angles(const Calibration& c, std::vector<float>& angles_deg);
// What checkpoint `ck` stores as `stored` (its "calibration" metadata): none when null;
// throws sg::Error naming ck when it is malformed or its period is not the model's.
std::optional<Calibration> stored_calibration(const nlohmann::json& stored, const std::string& ck, double period_deg);

nlohmann::json to_json(const Calibration& c);
// Errors name `what` and the field.
Calibration calibration_from_json(const nlohmann::json& j, const std::string& what);

// From one or two references: the model's readings of them and their known angles.
// `mirrored` (a stored calibration's) decides the sign for one reference; two decide
// it themselves. Throws sg::Error when two references cannot tell the sign.
Calibration calibration_from_references(const std::vector<float>& predicted_deg,
                                        const std::vector<double>& known_deg, double period_deg,
                                        std::optional<bool> mirrored);

// Writes dir/calibration.json atomically (dir "" skips it) and sets the checkpoint's
// "calibration" metadata (checkpoint "" skips it); throws sg::Error naming what failed.
void store_calibration(const Calibration& c, const std::string& dir, const std::string& checkpoint);

}  // namespace sg
