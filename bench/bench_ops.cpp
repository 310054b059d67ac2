// Every backend op of a training step at the shapes the models use, forward and backward,
// at each batch size and on each device: median time per call (bench/bench_common.h),
// GFLOP/s and GB/s from the FLOPs and minimum bytes of the shape (bench/op_cases.h), and
// the fraction of the device's roofline, measured at the start and the end of the same
// run (bench/roofline.h). On a GPU every conv kernel is timed with our own kernels and
// with cuDNN (where the build has it), side by side; on the CPU every 3×3 conv kernel with
// each Winograd mode (option winograd: off, on, all; GFLOP/s count the direct conv's FLOPs).
//
// The shapes come from the built models' layers (Difference Model 2-D and 1-D, U-Net),
// walked in order: each conv layer gives its forward, backward-data and backward-filter
// (Conv2DTranspose: the adjoint conv's kernels, plus its channel bias and, where a skip
// is concatenated, the concat), the fused Conv+ReLU+MaxPooling where the model fuses it
// (and with the Dropout after it, as training runs it, where one follows), and the ReLU at
// its output size; pooling, dropout, Dense (three GEMMs and the bias),
// up-sampling likewise; then the head (atan2, wrap, MSE) and one Adam update over all
// the model's parameters. One JSON line per case on stdout, after each device's run.
//
//   bench_ops [--device cpu|cuda|cuda-cpu|all] [--batch 64,1024] [--repeats 15]
//             [--warmup 3] [--threads N] [--filter SUBSTRING] [--json FILE] [--md FILE]
#include <iostream>
#include <memory>
#include <sstream>

#include "bench/bench_common.h"
#include "bench/op_cases.h"
#include "bench/roofline.h"
#include "engine/layers/basic.h"
#include "engine/layers/conv.h"
#include "kernels/registry.h"
#include "models/difference.h"
#include "models/unet.h"

namespace sg::bench {
namespace {

struct Options {
  std::vector<Device> devices;
  std::vector<int64_t> batches;
  TimeSpec spec;
  std::string filter, json_path, md_path;
};

// A model as the benchmark sees it: its layer stacks in order, its parameter count and
// the number of values its loss compares per sample.
struct ModelShapes {
  std::string name;
  std::vector<std::pair<std::string, const Sequential*>> parts;  // (name prefix, layers)
  int64_t parameters = 0, loss_values = 0;
};

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// The cases of layer i of s at batch oc.batch(). A Conv2DTranspose with more input
// channels than the layer before it gave takes the concatenation of that and a skip.
// input_grad: whether training needs the gradient of the layer's input (not for the
// first layer, whose input is the images): a conv then has no backward-data pass.
std::vector<Case> layer_cases(OpCases& oc, const Sequential& s, size_t i, bool input_grad) {
  const auto& layers = s.layers();
  Layer& l = *layers[i];
  const Layer* next = i + 1 < layers.size() ? layers[i + 1].get() : nullptr;
  const Shape& in = l.input_shape();
  const Shape& out = l.output_shape();
  const Shape prev = i ? layers[i - 1]->output_shape() : in;
  const int64_t N = oc.batch();
  const std::string type = l.type();
  std::vector<Case> cases;
  auto append = [&](std::vector<Case> more) {
    for (Case& c : more) cases.push_back(std::move(c));
  };
  const auto* conv = dynamic_cast<const ConvLayer*>(&l);
  const bool fused = conv && next && conv->fuses_with(*next);
  if (type == "Conv2D" || type == "Conv1D") {
    // w [K, C, R, S] (2-D) or [K, C, S] (1-D); 'same' or 'valid' from the output size.
    const Shape& w = l.parameters()[0].tensor.shape();
    const bool two = type == "Conv2D";
    ConvGeom g{N, in[0], two ? in[1] : 1, two ? in[2] : in[1], w[0], two ? w[2] : 1,
               two ? w[3] : w[2], 0, 0};
    g.pad_w = (out.back() - g.W + g.S - 1) / 2;
    g.pad_h = two ? g.pad_w : 0;
    append(oc.conv(two ? "conv2d" : "conv1d", g, input_grad));
    if (fused) append(oc.conv_relu_pool(two ? "conv2d_relu_pool" : "conv1d_relu_pool", g,
                                        two ? 2 : 1, 2, input_grad));
    // The block as training runs it when a Dropout follows the pooling (Sequential).
    const auto* drop = fused && i + 2 < layers.size()
                           ? dynamic_cast<const Dropout*>(layers[i + 2].get()) : nullptr;
    if (drop) {
      const DropoutMask m{drop->rate(), 1, 2, nullptr};
      append(oc.conv_relu_pool(two ? "conv2d_relu_pool_dropout" : "conv1d_relu_pool_dropout", g,
                               two ? 2 : 1, 2, input_grad, &m));
    }
    append(oc.relu(N * numel(out)));
  } else if (type == "Conv2DTranspose") {
    // w [Cin, K, R, S]; the adjoint conv reads the output [K, OH, OW].
    const Shape& w = l.parameters()[0].tensor.shape();
    const int64_t pad = (in[1] - out[1] + w[2] - 1) / 2;
    const ConvGeom g{N, out[0], out[1], out[2], in[0], w[2], w[3], pad, pad};
    if (in[0] > prev[0]) append(oc.concat(prev[0], in[0] - prev[0], in[1] * in[2]));
    append(oc.conv_transpose(g));
    append(oc.bias_channels(out[0], out[1] * out[2]));
    append(oc.relu(N * numel(out)));
  } else if (type == "MaxPooling2D") {
    append(oc.maxpool(PoolGeom{N, in[0], in[1], in[2], 2, 2}));
  } else if (type == "MaxPooling1D") {
    append(oc.maxpool(PoolGeom{N, in[0], 1, in[1], 1, 2}));
  } else if (type == "Dropout") {
    append(oc.dropout(N * numel(in)));
  } else if (type == "Dense") {
    append(oc.dense(in[0], out[0]));
  } else if (type == "UpSampling2D") {
    append(oc.upsample(N * in[0], in[1], in[2]));
  } else if (type != "Flatten" && type != "Reshape") {
    fail("bench_ops: no benchmark cases for layer type ", type, " (add them to bench/op_cases.h)");
  }
  return cases;
}

std::vector<ModelShapes> model_shapes(std::vector<std::unique_ptr<PairModel>>& keep) {
  Rng rng(1, 1);
  std::vector<ModelShapes> out;
  for (Dims d : {Dims::Two, Dims::One}) {
    auto m = std::make_unique<DifferenceModel>(d, 64, 4, Wrap::Symmetric, rng, Device::CPU);
    ModelShapes s{d == Dims::Two ? "difference2d" : "difference1d", {{"", &m->cnn()}},
                  m->cnn().parameter_count(), 1};
    out.push_back(s);
    keep.push_back(std::move(m));
  }
  auto u = std::make_unique<UNetModel>(64, 4, UNetOptions{}, rng, Device::CPU);
  out.push_back({"unet", {{"encoder.", &u->encoder()}, {"decoder.", &u->decoder()}},
                 u->parameter_count(), numel(u->decoder().output_shape())});
  keep.push_back(std::move(u));
  return out;
}

class Runner {
 public:
  explicit Runner(const Options& o) : o_(o) {}

  nlohmann::json run_device(Device d, const std::vector<ModelShapes>& models) {
    Backend& be = backend_for(d);
    Roofline roof = measure_roofline(be, o_.spec);
    // On a GPU every conv kernel runs once per implementation, on the CPU every 3×3 one
    // once per Winograd mode; elsewhere once as it is.
    const bool gpu = d == Device::CUDA, cpu = d == Device::CPU;
    const std::string option = gpu ? "conv" : "winograd";
    const std::string chosen = be.option(option);
    const std::vector<std::string> impls =
        gpu || cpu ? be.option_values(option) : std::vector<std::string>{""};
    DeviceBuffer one(be, 1);
    const auto sync = device_sync(be, one);
    const size_t first_row = rows_.size();
    for (int64_t batch : o_.batches) {
      OpCases oc(be, batch);
      for (const ModelShapes& m : models) {
        auto time_all = [&](const std::string& layer, std::vector<Case> cases) {
          for (const Case& c : cases)
            for (const std::string& impl :
                 (gpu && c.conv) || (cpu && c.winograd) ? impls : std::vector<std::string>{""})
              time_case(be, sync, m.name, layer, batch, option, impl, c);
        };
        for (size_t part = 0; part < m.parts.size(); ++part) {
          const auto& [prefix, seq] = m.parts[part];
          for (size_t i = 0; i < seq->layers().size(); ++i)
            time_all(prefix + seq->layers()[i]->name,
                     layer_cases(oc, *seq, i, /*input_grad=*/part > 0 || i > 0));
        }
        time_all("head", oc.angle_head());
        time_all("loss", oc.mse(batch * m.loss_values));
        time_all("optimizer", oc.adam(m.parameters));
      }
    }
    if (gpu || cpu) be.set_option(option, chosen);  // as it was (STEREOGRAD_CONV, _WINOGRAD)
    roof.keep_best(measure_roofline(be, o_.spec));
    std::cerr << "bench_ops: " << device_name(d) << ": peak " << fmt(roof.peak_flops * 1e-9, 1)
              << " GFLOP/s (" << roof.peak_source << "), memory bandwidth "
              << fmt(roof.bandwidth.back().second * 1e-9, 1) << " GB/s\n";
    for (size_t i = first_row; i < rows_.size(); ++i) {
      nlohmann::json& r = rows_[i];
      const double flops = r["flops"], bytes = r["bytes"];
      r["roof_fraction"] = roof.fraction(flops, bytes, r["median_ms"].get<double>() * 1e-3);
      r["roof_fraction_best"] = roof.fraction(flops, bytes, r["best_ms"].get<double>() * 1e-3);
      r["bound"] = roof.bound(flops, bytes);
      std::cout << r.dump() << std::endl;
    }
    return {{"device", device_name(d)}, {"backend", be.name()}, {"roofline", roof.to_json()}};
  }

  const std::vector<nlohmann::json>& rows() const { return rows_; }

 private:
  void time_case(Backend& be, const std::function<void()>& sync, const std::string& model,
                 const std::string& layer, int64_t batch, const std::string& option,
                 const std::string& impl, const Case& c) {
    const std::string key = model + "/" + layer + "/" + c.op + "/" + c.pass;
    if (key.find(o_.filter) == std::string::npos) return;
    if (!impl.empty()) be.set_option(option, impl);
    const Timing t = time_median(o_.spec, c.run, sync);
    // The implementation as the tables show it: own | cudnn, or winograd off | on | all.
    const std::string label = impl.empty() || option == "conv" ? impl : option + " " + impl;
    rows_.push_back({{"bench", "op"},           {"device", device_name(be.device())},
                     {"impl", label},           {"batch", batch},
                     {"model", model},          {"layer", layer},
                     {"op", c.op},              {"pass", c.pass},
                     {"shape", c.shape},        {"flops", c.flops},
                     {"bytes", c.bytes},        {"median_ms", t.median_s * 1e3},
                     {"best_ms", t.best_s * 1e3}, {"calls_per_block", t.inner},
                     {"repeats", o_.spec.repeats},
                     {"gflops", c.flops / t.median_s * 1e-9},
                     {"gbs", c.bytes / t.median_s * 1e-9},
                     {"threads", omp_get_max_threads()}});
  }

  const Options& o_;
  std::vector<nlohmann::json> rows_;
};

std::string bytes_str(double b) {
  return b >= (1 << 20) ? fmt(b / (1 << 20), 0) + " MiB" : fmt(b / 1024, 0) + " KiB";
}

// One table per device and batch, the roofline above it.
std::string markdown(const nlohmann::json& doc) {
  std::ostringstream md;
  md << "# bench_ops\n\n" << machine_line(doc.at("machine")) << ", "
     << doc.at("load_average_1min_end").get<double>() << " at the end. Median of "
     << doc.at("repeats").get<int>() << " timed blocks after " << doc.at("warmup").get<int>()
     << " warm-up calls (bench/README.md).\n";
  for (const auto& dev : doc.at("devices")) {
    const auto& roof = dev.at("roofline");
    for (int64_t batch : doc.at("batches").get<std::vector<int64_t>>()) {
      md << "\n## " << dev.at("device").get<std::string>() << ", batch " << batch
         << "\n\nRoofline: peak " << fmt(roof.at("peak_gflops").get<double>(), 1)
         << " GFLOP/s (" << roof.at("peak_source").get<std::string>() << ")";
      if (roof.contains("own_gemm_gflops"))
        md << ", our own gemm " << fmt(roof.at("own_gemm_gflops").get<double>(), 1) << " GFLOP/s";
      md << "; axpy stream bandwidth, GB/s by bytes moved:";
      const auto& bw = roof.at("stream_bandwidth");
      for (size_t i = 0; i < bw.size(); ++i)
        md << (i ? ", " : " ") << bytes_str(bw[i].at("bytes").get<double>()) << " "
           << fmt(bw[i].at("gbs").get<double>(), 1);
      md << ".\n\n"
         << "| model | layer | op | pass | shape | ms | best ms | GFLOP/s | GB/s | roof | roof (best) | bound |\n"
         << "|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---|\n";
      for (const auto& r : doc.at("rows")) {
        if (r.at("device") != dev.at("device") || r.at("batch").get<int64_t>() != batch) continue;
        const std::string impl = r.at("impl");
        const double flops = r.at("flops");
        md << "| " << r.at("model").get<std::string>() << " | " << r.at("layer").get<std::string>()
           << " | " << r.at("op").get<std::string>() << (impl.empty() ? "" : " (" + impl + ")")
           << " | " << r.at("pass").get<std::string>() << " | " << r.at("shape").get<std::string>()
           << " | " << fmt(r.at("median_ms").get<double>(), 4) << " | "
           << fmt(r.at("best_ms").get<double>(), 4) << " | "
           << (flops > 0 ? fmt(r.at("gflops").get<double>(), 2) : "—") << " | "
           << fmt(r.at("gbs").get<double>(), 2) << " | "
           << fmt(100 * r.at("roof_fraction").get<double>(), 1) << " % | "
           << fmt(100 * r.at("roof_fraction_best").get<double>(), 1) << " % | "
           << r.at("bound").get<std::string>() << " |\n";
      }
    }
  }
  return md.str();
}

}  // namespace
}  // namespace sg::bench

int main(int argc, char** argv) {
  sg::register_builtin_backends();
  using namespace sg::bench;
  Options o;
  sg::ArgParser p("bench_ops", "Every op of the models' training step: median time, GFLOP/s, "
                               "GB/s and the fraction of the roofline measured in the same run.");
  p.option("device", "LIST", "cpu, cuda, cuda-cpu, a comma list, or all (default: cpu, and cuda when present)")
      .option("batch", "LIST", "batch sizes", "64,1024")
      .option("repeats", "N", "timed blocks per case (median reported)", "15")
      .option("warmup", "N", "untimed calls per case first", "3")
      .option("threads", "N", "OpenMP threads (default: OpenMP's, OMP_NUM_THREADS)")
      .option("filter", "TEXT", "only cases whose model/layer/op/pass contains TEXT")
      .option("json", "FILE", "write every result and the machine as one JSON document")
      .option("md", "FILE", "write the Markdown tables");
  if (!parse_or_exit(p, argc, argv, [&](const sg::ArgParser& a) {
        o.devices = parse_devices(a.get("device"));
        o.batches = parse_int_list(a.get("batch"), "--batch");
        o.spec.repeats = int(a.get_int("repeats"));
        o.spec.warmup = int(a.get_int("warmup"));
        SG_CHECK(o.spec.repeats >= 1 && o.spec.warmup >= 0,
                 "bench_ops: --repeats must be >= 1 and --warmup >= 0");
        set_threads(a);
        o.filter = a.get("filter");
        o.json_path = a.get("json");
        o.md_path = a.get("md");
      }))
    return 0;
  try {
    nlohmann::json doc = {{"bench", "bench_ops"},      {"machine", machine_info()},
                          {"repeats", o.spec.repeats}, {"warmup", o.spec.warmup},
                          {"batches", o.batches},      {"filter", o.filter}};
    std::vector<std::unique_ptr<sg::PairModel>> keep;
    const auto models = model_shapes(keep);
    Runner runner(o);
    doc["devices"] = nlohmann::json::array();
    for (sg::Device d : o.devices) doc["devices"].push_back(runner.run_device(d, models));
    doc["rows"] = runner.rows();
    doc["load_average_1min_end"] = load_average();
    if (!o.json_path.empty()) write_text_atomic(o.json_path, doc.dump(1) + "\n");
    if (!o.md_path.empty()) write_text_atomic(o.md_path, markdown(doc));
  } catch (const std::exception& e) {
    std::cerr << "bench_ops: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
