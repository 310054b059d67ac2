// Every `stereograd` command: one function each, taking the arguments after the
// command's name and returning the process exit code. train/main.cpp lists them.
#pragma once
#include <string>
#include <vector>

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

}  // namespace sg
