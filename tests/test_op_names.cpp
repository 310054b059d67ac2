// An op is found by its name. op_name, generated with Op from the one list SG_OPS
// (engine/backend.h), is the name of the op's Backend members and of its files
// (README, "Adding an op"):
//   kernels/cpu/<op>.cpp, kernels/cuda/<op>.cu   its kernels on each backend;
//   kernels/reference/<op>.h, .cpp               its plain loops in double;
//   engine/ops/<op>.cpp                          its autograd op;
//   tests/test_op_table{,_conv}.cpp              TEST_CASE("op table: <op>"), its kernels on
//                                                every backend (tests/test_<op>.cpp: more);
// and a file in those folders that is no op's is a shared helper named below. The ops with
// no file of their own in a folder are listed here, with where to look instead: the one
// list of exceptions, kept exact (an exception whose file exists fails too).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/backend.h"

using namespace sg;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> all_op_names() {
  std::vector<std::string> names;
#define SG_OP_NAME(e, name) names.push_back(op_name(Op::e));
  SG_OPS(SG_OP_NAME)
#undef SG_OP_NAME
  return names;
}

// Ops with no autograd op of their own (no engine/ops/<op>.cpp), and where they are used.
const std::map<std::string, const char*> kNoAutogradOp = {
    {"fill", "a backend primitive (Tensor::full, zero_grad, the seed of backward)"},
    {"copy", "a backend primitive (Tensor::clone, Tensor::copy_from)"},
    {"axpy", "a backend primitive: the backward of add, sub, scale, reshape, wrap_angle"},
    {"mul_acc", "the backward of mul (engine/ops/mul.cpp)"},
    {"bias_add", "Dense's bias, in the autograd op of gemm (engine/ops/gemm.cpp)"},
    {"bias_add_channels", "conv_transpose2d's bias (engine/ops/conv2d.cpp)"},
    {"adam", "an optimiser step, engine/optim/optimizer.cpp"},
    {"sgd", "an optimiser step, engine/optim/optimizer.cpp"},
};

// Ops with no kernels/cpu/<op>.cpp: the CPU runs the Backend base class's composition.
const std::map<std::string, const char*> kNoCpuFile = {
    {"conv_relu", "conv2d_forward then relu_forward (engine/backend.cpp); only the CUDA store fuses"},
};

// Ops with no kernels/reference/<op>.{h,cpp}: their op-table entry states the formula,
// one line per element (or conv2d's reference followed by the pooling, for the fused block).
const std::set<std::string> kNoReferenceFile = {
    "fill", "copy", "axpy", "add", "sub", "mul", "mul_acc", "scale", "sum", "bias_add",
    "bias_add_channels", "dropout", "sgd", "conv_relu_pool", "conv_relu",
    "conv_relu_pool_dropout"};

// Files in the op folders that are no op's: code several ops share, named for what it is.
const std::set<std::string> kSharedFiles = {
    "engine/ops/common.h",            // argument checks of the autograd ops
    "engine/ops/reshape.cpp",         // an autograd op with no kernel (a view)
    "kernels/cpu/backend.cpp",        // CpuBackend: memory, its options, conv2d/maxpool2d forwarding
    "kernels/cpu/backend.h",          //
    "kernels/cpu/parallel_for.h",     // the element-wise OpenMP loop
    "kernels/cpu/vec16.h",            // 16-wide vector helpers
    "kernels/cpu/blocking.cpp",       // the register block, per register file
    "kernels/cpu/blocking.h",         //
    "kernels/cpu/conv_few_taps.cpp",  // conv2d's path for at most 9 taps
    "kernels/cpu/conv_few_taps.h",    //
    "kernels/cpu/conv_winograd.cpp",  // conv2d's Winograd F(2x2, 3x3) path (3x3 kernels)
    "kernels/cpu/conv_winograd.h",    //
    "kernels/cpu/conv_path.cpp",      // which loops run conv2d's remaining passes
    "kernels/cpu/conv_path.h",        //
    "kernels/cpu/conv_forward_direct.cpp",  // conv2d's direct forward and input gradient
    "kernels/cpu/conv_forward_direct.h",    //
    "kernels/cpu/conv_filter_direct.cpp",   // conv2d's direct weight gradient
    "kernels/cpu/conv_filter_direct.h",     //
    "kernels/cpu/conv_sample.h",      // one sample of conv2d (also the fused block's)
    "kernels/cpu/plane_layout.h",     // where a sample's planes and rows lie
    "kernels/cuda/allocator.cu",      // the CUDA caching allocator
    "kernels/cuda/allocator.h",       //
    "kernels/cuda/api.h",             // what code outside kernels/cuda/ may see
    "kernels/cuda/backend.h",         // CudaBackend
    "kernels/cuda/common.h",          // grid helpers, warp and block reductions
    "kernels/cuda/tiled_gemm.h",      // the tiled product under gemm.cu and conv2d.cu
    "kernels/cuda/cudnn_conv.h",      //
    "kernels/cuda/backend.cu",        // CudaBackend: construction, memory, registration
    "kernels/cuda/cudnn_conv.cu",     // cuDNN's convolution, the alternative of conv2d.cu
    "kernels/cuda/segmented_sum.cu",  // the reduction under sum, mse and the biases
    "kernels/cuda/graph.cu",          // capture: a training step recorded as one CUDA graph
};

fs::path source_root() { return fs::path(STEREOGRAD_SOURCE_DIR); }

bool has_file(const std::string& relative) { return fs::is_regular_file(source_root() / relative); }

std::string read_text(const std::string& relative) {
  std::ifstream in(source_root() / relative);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The files an op must have, by its name (the folders of the header comment).
std::vector<std::string> files_of(const std::string& op) {
  std::vector<std::string> f = {"kernels/cuda/" + op + ".cu"};
  if (!kNoCpuFile.count(op)) f.push_back("kernels/cpu/" + op + ".cpp");
  if (!kNoReferenceFile.count(op)) {
    f.push_back("kernels/reference/" + op + ".h");
    f.push_back("kernels/reference/" + op + ".cpp");
  }
  if (!kNoAutogradOp.count(op)) f.push_back("engine/ops/" + op + ".cpp");
  return f;
}

}  // namespace

TEST_CASE("op names: the ops found by name have the name of their files") {
  CHECK(std::string(op_name(Op::Mse)) == "mse");                 // engine/ops/mse.cpp
  CHECK(std::string(op_name(Op::Upsample2x)) == "upsample2x");   // engine/ops/upsample2x.cpp
  CHECK(std::string(op_name(Op::ConvReluPool)) == "conv_relu_pool");
  CHECK(std::string(op_name(Op::ConcatChannels)) == "concat_channels");
  CHECK(std::string(op_name(Op::Fill)) == "fill");  // the first of the list
}

TEST_CASE("op names: one distinct name per op, none unnamed") {
  std::set<std::string> names;
  int count = 0;
#define SG_OP_COUNT(e, name) \
  ++count;                   \
  names.insert(op_name(Op::e));
  SG_OPS(SG_OP_COUNT)
#undef SG_OP_COUNT
  CHECK(count == 27);  // Fill ... ConvReluPoolDropout; a new op updates this (README, "Adding an op")
  CHECK(names.size() == size_t(count));
  CHECK(names.count("?") == 0);
}

TEST_CASE("op names: every op's files are where its name says") {
  REQUIRE_MESSAGE(has_file("engine/backend.h"), "no source tree at " << source_root());
  // The table in two files: the convolution family, and the rest.
  const std::string table = read_text("tests/test_op_table.cpp") + read_text("tests/test_op_table_conv.cpp");
  for (const std::string& op : all_op_names()) {
    CAPTURE(op);
    for (const std::string& f : files_of(op)) CHECK_MESSAGE(has_file(f), f << " is missing");
    CHECK_MESSAGE(table.find("TEST_CASE(\"op table: " + op + "\")") != std::string::npos,
                  "tests/test_op_table{,_conv}.cpp have no TEST_CASE(\"op table: " << op << "\")");
  }
}

TEST_CASE("op names: the exceptions are exact, and every other file is an op's") {
  const std::vector<std::string> ops = all_op_names();
  const std::set<std::string> op_set(ops.begin(), ops.end());
  // An exception names an op, and the file it excuses really is not there.
  for (const auto& [op, why] : kNoAutogradOp) {
    CHECK_MESSAGE(op_set.count(op), op << " (no autograd op) is not in SG_OPS");
    CHECK_MESSAGE(!has_file("engine/ops/" + op + ".cpp"),
                  "engine/ops/" << op << ".cpp exists: take " << op << " off kNoAutogradOp");
  }
  for (const auto& [op, why] : kNoCpuFile) {
    CHECK_MESSAGE(op_set.count(op), op << " (no CPU file) is not in SG_OPS");
    CHECK_MESSAGE(!has_file("kernels/cpu/" + op + ".cpp"),
                  "kernels/cpu/" << op << ".cpp exists: take " << op << " off kNoCpuFile");
  }
  for (const std::string& op : kNoReferenceFile) {
    CHECK_MESSAGE(op_set.count(op), op << " (no reference file) is not in SG_OPS");
    CHECK_MESSAGE(!has_file("kernels/reference/" + op + ".cpp"),
                  "kernels/reference/" << op << ".cpp exists: take " << op
                                       << " off kNoReferenceFile");
  }
  for (const std::string& f : kSharedFiles) CHECK_MESSAGE(has_file(f), f << " is missing");
  // Every file of an op folder is an op's (its name, without the extension) or shared.
  for (const char* dir : {"engine/ops", "kernels/cpu", "kernels/cuda", "kernels/reference"})
    for (const auto& entry : fs::directory_iterator(source_root() / dir)) {
      const fs::path p = entry.path();
      const std::string ext = p.extension().string();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".h" && ext != ".cu")) continue;
      const std::string relative = std::string(dir) + "/" + p.filename().string();
      CHECK_MESSAGE((op_set.count(p.stem().string()) || kSharedFiles.count(relative)),
                    relative << " is named for no op of SG_OPS and is not a listed shared file");
    }
}
