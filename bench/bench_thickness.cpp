// Thickness projections of 3-D polyhedra (data/thickness.h) per second: the generation
// of tilt pairs (data/pairs3d.h, no noise) timed whole, images/s = 2 count / median time.
#include <omp.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "bench/bench_common.h"
#include "data/pairs3d.h"
#include "kernels/registry.h"

int main(int argc, char** argv) {
  sg::register_builtin_backends();
  try {
    sg::ArgParser p("bench_thickness", "64 x 64 thickness images per second, per shape.");
    p.option("count", "N", "pairs per timed run", "10000")
        .option("repeats", "R", "timed runs per case (median reported)", "5")
        .option("supersample", "K", "sub-samples per pixel side", "1");
    int repeats = 0;
    if (!sg::bench::parse_or_exit(p, argc, argv, [&](const sg::ArgParser& a) {
          repeats = int(a.get_int("repeats"));
          SG_CHECK(repeats >= 1, "bench_thickness: --repeats must be >= 1, got ", repeats);
        }))
      return 0;
    for (const std::string& shape : sg::polyhedron_names()) {
      sg::Gen3dParams g;
      g.shape = shape;
      g.count = p.get_int("count");
      g.supersample = int(p.get_int("supersample"));
      sg::generate_3d(g);  // warm-up
      std::vector<double> t;
      for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        sg::generate_3d(g);
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      const double s = sg::bench::median(t);
      std::cout << nlohmann::json{{"bench", "thickness"}, {"shape", shape}, {"size", g.size},
                                  {"supersample", g.supersample}, {"threads", omp_get_max_threads()},
                                  {"count", g.count}, {"median_s", s},
                                  {"images_per_s", 2.0 * double(g.count) / s}}
                       .dump()
                << std::endl;
    }
  } catch (const sg::Error& e) {
    std::cerr << "bench_thickness: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
