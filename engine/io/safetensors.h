// Checkpoints in the safetensors format (https://github.com/huggingface/safetensors):
//   [8-byte little-endian header length N][N bytes of JSON][raw little-endian data]
// The JSON maps each tensor name to {"dtype": "F32", "shape": [...], "data_offsets":
// [begin, end]} (offsets into the data section) plus an optional "__metadata__" object
// of string values. We write F32 only, in the layouts of engine/layers (PyTorch's), so
// `safetensors.numpy.load_file` / `safetensors.torch.load_file` read our checkpoints.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/layers/layer.h"

namespace sg {

struct HostTensor {
  Shape shape;
  std::vector<float> data;
};

struct SafetensorsFile {
  std::map<std::string, HostTensor> tensors;
  std::map<std::string, std::string> metadata;
};

// Writes atomically (temporary file, then rename).
void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Parses and validates a whole file: header length, JSON, dtypes, shapes, offsets
// against the file size (checked before any allocation). Errors name the file and the
// problem.
SafetensorsFile load_safetensors(const std::string& path);
SafetensorsFile parse_safetensors(const char* bytes, size_t size, const std::string& what);

// Copies the file's tensors into `targets`: every target name must be present with the
// same shape. Names in the file that no target has are an error unless `allow_extra`.
void copy_into(const SafetensorsFile& file, std::vector<NamedTensor>& targets,
               const std::string& what, bool allow_extra = false);

}  // namespace sg
