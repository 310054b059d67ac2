// --device and --conv, shared by every command that runs a model.
#pragma once
#include "engine/device.h"
#include "train/args.h"

namespace sg {

void add_device_options(ArgParser& p);
// The chosen device; applies --conv (own | cudnn, cuDNN only on --device cuda) and
// --no-graph. Throws sg::Error for an unknown value or a device this build or machine lacks.
Device device_from_options(const ArgParser& p);
// --no-graph on device d: Backend::set_option("graph", "off"), where the backend has it.
void apply_graph_option(Device d, bool no_graph);

}  // namespace sg
