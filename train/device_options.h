// --device and --conv, shared by every command that runs a model.
#pragma once
#include "engine/device.h"
#include "train/args.h"

namespace sg {

void add_device_options(ArgParser& p);
// The chosen device; applies --conv (own | cudnn, cuDNN only on --device cuda). Throws
// sg::Error for an unknown value or a device this build or machine lacks.
Device device_from_options(const ArgParser& p);

}  // namespace sg
