// Data generation throughput: stereo pairs generated per second (2-D images and 1-D
// projections, binary k = 1 and anti-aliased k = 4), and the time of one sinogram plus
// its filtered back projection. One warm-up, then the median of --repeats runs; one
// JSON line per case.
#include "bench/bench_common.h"
#include "data/pairs.h"
#include "data/shapes.h"
#include "data/sinogram.h"
#include "kernels/registry.h"

namespace {

// One warm-up, then the median of `repeats` runs (bench/bench_common.h).
template <typename F>
double median_seconds(int repeats, F&& run) {
  sg::bench::TimeSpec spec;
  spec.warmup = 1;
  spec.repeats = repeats;
  spec.min_block_s = 0;  // each run is long enough to time alone
  return sg::bench::time_median(spec, run).median_s;
}

}  // namespace

int main(int argc, char** argv) {
  sg::register_builtin_backends();
  try {
    sg::ArgParser p("bench_data", "Pairs generated per second; sinogram + FBP time.");
    p.option("count", "N", "pairs per timed run", "4096")
        .option("repeats", "R", "timed runs per case (median reported)", "7")
        .option("shape", "NAME", "particle shape", "s");
    int repeats = 0;
    if (!sg::bench::parse_or_exit(p, argc, argv, [&](const sg::ArgParser& a) {
          repeats = int(a.get_int("repeats"));
          SG_CHECK(repeats >= 1, "bench_data: --repeats must be >= 1, got ", repeats);
        }))
      return 0;
    const int threads = omp_get_max_threads();

    for (bool projection : {false, true}) {
      for (int k : {1, 4}) {
        sg::GenParams g;
        g.shape = p.get("shape");
        g.count = p.get_int("count");
        g.supersample = k;
        g.projection = projection;
        const double s = median_seconds(repeats, [&] { sg::generate(g); });
        std::cout << nlohmann::json{{"bench", "data_gen"},
                                    {"case", std::string(projection ? "1d" : "2d") + "_k" +
                                                 std::to_string(k)},
                                    {"shape", g.shape},
                                    {"size", g.size},
                                    {"supersample", k},
                                    {"projection", projection},
                                    {"noise", g.noise},
                                    {"preprocess", g.preprocess},
                                    {"count", g.count},
                                    {"threads", threads},
                                    {"repeats", repeats},
                                    {"median_s", s},
                                    {"pairs_per_s", double(g.count) / s}}
                         .dump()
                  << std::endl;
      }
    }
    const sg::ParticleShape shape = sg::ParticleShape::make(p.get("shape"), 0);
    for (int k : {1, 4}) {
      const double s = median_seconds(
          repeats, [&] { sg::filtered_back_projection(sg::make_sinogram(shape, 64, 24, 1.0, k)); });
      std::cout << nlohmann::json{{"bench", "sinogram_fbp"},
                                  {"shape", shape.name()},
                                  {"size", 64},
                                  {"angles", 360},
                                  {"supersample", k},
                                  {"threads", threads},
                                  {"repeats", repeats},
                                  {"median_s", s}}
                       .dump()
                << std::endl;
    }
  } catch (const sg::Error& e) {
    std::cerr << "bench_data: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
