// What each fuzz target feeds its parser, in one place: the libFuzzer targets
// (fuzz_<parser>.cpp) and the regression test (tests/test_fuzz_inputs.cpp) call these.
// Each swallows sg::Error, the expected answer to bad input, and lets anything else
// escape: another exception, or (under the sanitizers) a crash or a report, is a finding.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sg::fuzz {

// safetensors bytes: engine/io/safetensors.h's parser, then train/checkpoint.h's metadata
// checks, as `stereograd eval` and `train --resume` read a file.
void feed_safetensors(const uint8_t* data, size_t size);
// .npy bytes: engine/io/npy.h's reader and its NaN/Inf check (`predict --input`, images.npy).
void feed_npy(const uint8_t* data, size_t size);
// Image files (data/image_read.h's readers, as `predict --input` and a dataset folder's
// images.tif / images.mrc read them) and their NaN/Inf check: TIFF bytes (data/tiff_io.h),
// PNG bytes (data/png_read.h), MRC bytes (data/mrc_io.h). An accepted stack must hold
// exactly the values its [N, H, W] shape says.
void feed_tiff(const uint8_t* data, size_t size);
void feed_png(const uint8_t* data, size_t size);
void feed_mrc(const uint8_t* data, size_t size);
// JSON text: a training config (train/config.h; an accepted one must survive its JSON
// round trip unchanged) and a dataset's params.json (data/pairs.h).
void feed_config(const uint8_t* data, size_t size);
// A dataset folder's contents (data/dataset_io.h dataset_from_contents, the core of
// `train` with data.path and `eval --data`): params.json text, a NUL, then images.npy's
// bytes, then optionally the marker "\0angles.npy\0" (its last occurrence) and
// angles.npy's bytes. Read with a minimal params.json allowed and again as gen's files;
// a Dataset accepted must hold whole pairs and one angle per pair.
void feed_dataset(const uint8_t* data, size_t size);
// An argument vector split on NUL bytes, the first being the command: its real options
// (train/commands.h) parsed, each read as text, integer and number, the device resolved.
// Nothing is run.
void feed_args(const uint8_t* data, size_t size);

}  // namespace sg::fuzz
