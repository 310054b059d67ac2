// `stereograd perturb --checkpoint FILE`: how much a trained U-Net's (or autoencoder's)
// output image changes when the angle fed to its decoder is shifted (train/sensitivity.h),
// as a table and as JSON.
#include <cstdio>
#include <iostream>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/args.h"
#include "train/checkpoint.h"
#include "train/commands.h"
#include "train/device_options.h"
#include "train/sensitivity.h"

namespace sg {

ArgParser perturb_options() {
  ArgParser p("perturb", "Sensitivity of a U-Net's output to its angle: on unseen pairs, the decoder\n"
                         "gets the first image's angle + δ + Δ (Δ = 0.5° ... 45°); prints the mean\n"
                         "squared change of its output against that of the real image, and the\n"
                         "image MSE against the stereo partner.");
  p.option("checkpoint", "FILE", "a unet or autoencoder checkpoint written by stereograd train", "", true)
      .option("pairs", "N", "unseen pairs to measure on", "200")
      .option("out", "FILE", "where the JSON goes (default: perturb.json beside the checkpoint)", "");
  add_device_options(p);
  return p;
}

int cmd_perturb(const Args& args) {
  ArgParser p = perturb_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  const std::string ck = p.get("checkpoint");
  Checkpoint c = read_checkpoint(ck);
  SG_CHECK(c.config.is_unet(), "perturb: '", ck, "' holds a ", c.config.model,
           " model; perturb needs a unet or autoencoder checkpoint");
  auto model = model_from_checkpoint(c, device);
  Sensitivity s = angle_sensitivity(dynamic_cast<UNetModel&>(*model), c.config, p.get_int("pairs"));

  std::string out = p.get("out");
  if (out.empty()) {
    auto slash = ck.find_last_of('/');
    out = (slash == std::string::npos ? std::string(".") : ck.substr(0, slash)) + "/perturb.json";
  }
  nlohmann::json j = to_json(s);
  j["checkpoint"] = ck;
  j["model"] = c.config.model;
  j["unet"] = to_json(c.config).at("unet");
  j["stereo_angle_deg"] = c.config.data.stereo_angle_deg;
  write_file_atomic(out, [&](std::ostream& os) { os << j.dump(2) << "\n"; });

  std::printf("'%s' (%s), %lld unseen pairs: image MSE %.6f against the partner, %.6f against "
              "itself (Δ = −δ)\n", c.config.name.c_str(), c.config.model.c_str(),
              (long long)s.pairs, s.image_mse, s.self_mse);
  std::printf("   Δ (°)   output change   image change    ratio\n");
  for (const ShiftSensitivity& r : s.shifts)
    std::printf("%8.1f   %13.6f   %12.6f   %6.3f\n", r.shift_deg, r.model_change, r.true_change,
                r.ratio());
  std::printf("written to %s\n", out.c_str());
  return 0;
}

}  // namespace sg
