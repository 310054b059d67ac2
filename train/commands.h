// Every `stereograd` command: one function each, taking the arguments after the
// command's name and returning the process exit code, and one that declares its options
// (so the option parsing can run alone: tests/fuzz/fuzz_args.cpp). train/commands.cpp
// lists them; train/main.cpp dispatches.
#pragma once
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "train/args.h"

namespace sg {

using Args = std::vector<std::string>;

int cmd_summary(const Args& args);   // train/cmd_summary.cpp
int cmd_demo(const Args& args);      // train/cmd_demo.cpp
int cmd_gen(const Args& args);       // train/cmd_gen.cpp
int cmd_sinogram(const Args& args);  // train/cmd_sinogram.cpp
int cmd_train(const Args& args);     // train/cmd_train.cpp
int cmd_eval(const Args& args);      // train/cmd_eval.cpp
int cmd_predict(const Args& args);   // train/cmd_predict.cpp
int cmd_sweep(const Args& args);     // train/cmd_sweep.cpp
int cmd_perturb(const Args& args);   // train/cmd_perturb.cpp
int cmd_reconstruct(const Args& args);  // train/cmd_reconstruct.cpp
int cmd_train_full(const Args& args);   // train/cmd_train_full.cpp

// predict --micrograph (train/cmd_predict_micrograph.cpp), called by cmd_predict.
int predict_micrograph(const ArgParser& p, Device device);

ArgParser summary_options();
ArgParser demo_options();
ArgParser gen_options();
ArgParser sinogram_options();
ArgParser train_options();
ArgParser eval_options();
ArgParser predict_options();
ArgParser sweep_options();
ArgParser perturb_options();
ArgParser reconstruct_options();
ArgParser train_full_options();

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args&);
  ArgParser (*options)();
};

// The commands in the order `stereograd --help` lists them.
const std::vector<Command>& commands();

}  // namespace sg
