#include "train/commands.h"

namespace sg {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"train", "train a model from a JSON config (checkpoints, resume, accuracy table)", cmd_train,
       train_options},
      {"train-full", "train the 3-D particles' full-orientation model from tilt pairs (no orientations)",
       cmd_train_full, train_full_options},
      {"eval", "accuracy of a checkpoint on unseen pairs (the report's table)", cmd_eval, eval_options},
      {"predict", "orientation of each image in a .npy file, from a checkpoint", cmd_predict,
       predict_options},
      {"sweep", "train and evaluate over stereo angles and seeds (table 4.4)", cmd_sweep, sweep_options},
      {"perturb", "how much a U-Net's output image depends on its angle (report §3.2)",
       cmd_perturb, perturb_options},
      {"demo", "train a small network on synthetic squares and print its loss falling", cmd_demo,
       demo_options},
      {"summary", "print a model's layers, output shapes and parameter counts", cmd_summary,
       summary_options},
      {"gen", "generate a synthetic stereo-pair dataset (.npy + params.json)", cmd_gen, gen_options},
      {"reconstruct", "angles of unlabelled projection pairs, and the particle reconstructed from them",
       cmd_reconstruct, reconstruct_options},
      {"sinogram", "sinogram of a shape, filtered back projection and its error", cmd_sinogram,
       sinogram_options},
  };
  return list;
}

}  // namespace sg
