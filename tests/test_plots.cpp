// The figures (train/plots.h) as a reader of a paper sees them: each SVG is well-formed
// XML with the expected elements (plain decimal ticks, whole-number epochs, stage
// boundaries on the loss plot, the reference and the stage thresholds on the curriculum
// plot, the legend above the data, text inside the picture), and a real renderer
// (rsvg-convert, when installed: Debian's librsvg2-bin) draws each into a non-blank PNG.
#include <doctest/doctest.h>
#include <png.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/cli_run.h"
#include "tests/temp_dir.h"
#include "tests/xml_parse.h"
#include "train/plots.h"

using namespace sg;
using sg::test::XmlElement;

namespace {
std::unique_ptr<XmlElement> parse_file(const std::string& path) {
  std::ifstream f(path);
  REQUIRE_MESSAGE(f.good(), path);
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    return sg::test::parse_xml(ss.str());
  } catch (const std::exception& e) {
    FAIL(path << ": " << e.what());
  }
  return nullptr;
}

double num(const XmlElement* e, const char* key) { return std::stod(e->attributes.at(key)); }

// Every tick label is a plain decimal ("0.01", "250", "-5"): no exponent, no "1e-1.5".
std::vector<double> tick_values(const XmlElement& svg, const char* cls) {
  static const std::regex plain("-?[0-9]+(\\.[0-9]+)?");
  std::vector<double> v;
  for (const XmlElement* t : svg.all("text", "class", cls)) {
    CHECK_MESSAGE(std::regex_match(t->text, plain), "tick label '", t->text, "'");
    v.push_back(std::stod(t->text));
  }
  return v;
}

// Nothing is cut off: every unturned text lies inside the picture (its width estimated
// at 7.5 px a character, a little more than the plot's own estimate), and the legend sits
// above the plot area, off the data.
void check_layout(const XmlElement& svg) {
  const double W = num(&svg, "width"), H = num(&svg, "height");
  const std::vector<const XmlElement*> frame = svg.all("rect", "fill", "none");
  REQUIRE(frame.size() == 1);
  const double top = num(frame[0], "y");
  for (const XmlElement* t : svg.all("text")) {
    if (t->attributes.count("transform")) continue;
    const double x = num(t, "x"), y = num(t, "y"), w = 7.5 * double(t->text.size());
    const std::string anchor = t->attributes.count("text-anchor") ? t->attributes.at("text-anchor") : "start";
    const double left = anchor == "middle" ? x - w / 2 : anchor == "end" ? x - w : x;
    CAPTURE(t->text);
    CHECK(left >= 0);
    CHECK(left + w <= W + 0.5 * w);  // UTF-8 bytes overcount: half a width of slack
    CHECK(y > 0);
    CHECK(y <= H);
  }
  for (const XmlElement* g : svg.all("g", "class", "legend"))
    for (const XmlElement* t : g->all("text")) CHECK(num(t, "y") < top);
}

// Renders `svg` with rsvg-convert into a greyscale picture; false when it is not installed.
bool render(const std::string& svg, const std::string& png, std::vector<uint8_t>& grey, uint32_t& w, uint32_t& h) {
  if (sg::test::run_shell("command -v rsvg-convert").status != 0) return false;
  const sg::test::Run r = sg::test::run_shell("rsvg-convert -o '" + png + "' '" + svg + "'");
  REQUIRE_MESSAGE(r.status == 0, r.out);
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_file(&img, png.c_str()));
  img.format = PNG_FORMAT_GRAY;
  grey.resize(PNG_IMAGE_SIZE(img));
  REQUIRE(png_image_finish_read(&img, nullptr, grey.data(), 0, nullptr));
  w = img.width, h = img.height;
  return true;
}

// The renderer drew the picture at the SVG's size, and it is a figure, not a blank page:
// some ink, mostly white, and grey levels in between (anti-aliased text and lines).
void check_rendered(const std::string& svg_path, const XmlElement& svg) {
  std::vector<uint8_t> grey;
  uint32_t w = 0, h = 0;
  if (!render(svg_path, svg_path + ".png", grey, w, h)) {
    MESSAGE("rsvg-convert is not installed: the SVGs were parsed, not rendered");
    return;
  }
  CHECK(double(w) == doctest::Approx(num(&svg, "width")).epsilon(0.01));
  CHECK(double(h) == doctest::Approx(num(&svg, "height")).epsilon(0.01));
  size_t ink = 0, levels[256] = {};
  for (uint8_t v : grey) ink += v < 128, ++levels[v];
  const double fraction = double(ink) / double(grey.size());
  CHECK(fraction > 0.005);
  CHECK(fraction < 0.5);
  CHECK(std::count_if(std::begin(levels), std::end(levels), [](size_t n) { return n > 0; }) > 20);
}
}  // namespace

TEST_CASE("plots: a log axis has plain decimals at its decades, epochs whole numbers") {
  const sg::test::TempDir tmp("plots_unit");
  Series loss{{}, {}, "training loss", true};
  for (int e = 1; e <= 10; ++e) loss.x.push_back(e), loss.y.push_back(0.47 * std::pow(0.55, e - 1));
  PlotSpec s{"Loss per epoch", "epoch", "mean loss"};
  s.log_y = true, s.integer_x = true;
  s.guides = {{4.5, true, "stage 2 (10 %)", "stage-boundary"}, {8.5, true, "final (100 %)", "stage-boundary"}};
  write_svg_plot(tmp.file("loss.svg"), s, {loss});
  const auto svg = parse_file(tmp.file("loss.svg"));
  std::vector<double> y = tick_values(*svg, "tick-y");
  CHECK(y == std::vector<double>{0.001, 0.01, 0.1, 1});  // 0.47 .. 0.0022: whole decades
  for (double x : tick_values(*svg, "tick-x")) CHECK(x == std::round(x));
  CHECK(svg->all("line", "class", "stage-boundary").size() == 2);
  check_layout(*svg);
  CHECK(plain_decimal(0.0001, 4) == "0.0001");
  CHECK(plain_decimal(-0.0, 1) == "0.0");
}

TEST_CASE("plots: a trained run's figures parse, mark stages and thresholds, and render") {
  const sg::test::TempDir tmp("plots_run");
  const std::string d = tmp.path.string();
  std::ofstream(d + "/c.json") << R"({"stages": [0.25, 0.5, 1.0], "epochs_per_stage": 1, "final_epochs": 1,
    "batch": 16, "eval_pairs": 30, "data": {"count": 32, "size": 32}})";
  const sg::test::Run t = sg::test::run_cli("train --config " + d + "/c.json --out " + d + "/run");
  REQUIRE_MESSAGE(t.status == 0, t.out);

  const auto loss = parse_file(d + "/run/loss.svg");
  // Between epochs 1|2, 2|3 and 3|4 (stage 3 is every pair, then the final epoch).
  std::vector<double> at;
  for (const XmlElement* l : loss->all("line", "class", "stage-boundary")) at.push_back(num(l, "x1"));
  REQUIRE(at.size() == 3);
  CHECK(at[0] < at[1]);
  CHECK(at[1] < at[2]);
  CHECK(at[2] - at[1] == doctest::Approx(at[1] - at[0]).epsilon(0.01));
  for (double x : tick_values(*loss, "tick-x")) CHECK(x == std::round(x));
  tick_values(*loss, "tick-y");

  const auto curriculum = parse_file(d + "/run/curriculum.svg");
  CHECK(curriculum->all("line", "class", "reference").size() == 1);
  CHECK(curriculum->all("line", "class", "threshold").size() == 2);  // 25 % and 50 %; 100 % is everything
  bool labelled = false;
  for (const XmlElement* e : curriculum->all("text")) labelled |= e->text == "stage 1: 25 %";
  CHECK(labelled);

  for (const char* f : {"loss.svg", "curriculum.svg", "predicted_vs_true.svg", "error_vs_true.svg"}) {
    CAPTURE(f);
    const auto svg = parse_file(d + "/run/" + f);
    tick_values(*svg, "tick-x");
    tick_values(*svg, "tick-y");
    check_layout(*svg);
    check_rendered(d + "/run/" + f, *svg);
  }
}
