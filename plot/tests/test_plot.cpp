// Tests of backprop_plot: figures are read back (PNG pixels through cairo) and checked against
// what they must show — the lesson's XOR regions at its four points, activation colours at known
// points, the sweep's answers to Exercise 9.3, the computational graph's numbers — and every
// failure must be an Error that leaves no file behind.
#include <cairo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backprop/backprop.h"
#include "backprop/data/csv_dataset.h"
#include "backprop/data/dataset.h"
#include "backprop/data/generators.h"
#include "backprop/data/scaling.h"
#include "backprop/data/split.h"
#include "backprop/io/history.h"
#include "backprop/plot/figures.h"
#include "backprop/plot/graph.h"
#include "backprop/plot/style.h"
#include "backprop/plot/sweep.h"
#include "backprop/train.h"

namespace bp = backprop;
namespace plot = backprop::plot;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "backprop-plot-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename());
    return names;
  }

 private:
  std::string path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Pixel {
  int r, g, b;
};

// A PNG read back through cairo.
class Png {
 public:
  explicit Png(const std::string& path)
      : surface_(cairo_image_surface_create_from_png(path.c_str())) {}
  ~Png() { cairo_surface_destroy(surface_); }
  bool ok() const { return cairo_surface_status(surface_) == CAIRO_STATUS_SUCCESS; }
  int width() const { return cairo_image_surface_get_width(surface_); }
  int height() const { return cairo_image_surface_get_height(surface_); }
  Pixel at(double x, double y) const {
    const int col = static_cast<int>(std::floor(x)), row = static_cast<int>(std::floor(y));
    const unsigned char* data = cairo_image_surface_get_data(surface_);
    const int stride = cairo_image_surface_get_stride(surface_);
    const auto p = *reinterpret_cast<const std::uint32_t*>(data + row * stride + col * 4);
    return {static_cast<int>((p >> 16) & 255), static_cast<int>((p >> 8) & 255),
            static_cast<int>(p & 255)};
  }
  // Pixels within `tolerance` (per channel) of a colour.
  int count(const plot::Rgb& c, int tolerance) const {
    int n = 0;
    for (int y = 0; y < height(); ++y)
      for (int x = 0; x < width(); ++x)
        if (near(at(x, y), c, tolerance)) ++n;
    return n;
  }
  static bool near(const Pixel& p, const plot::Rgb& c, int tolerance) {
    return std::abs(p.r - static_cast<int>(std::lround(c.r * 255))) <= tolerance &&
           std::abs(p.g - static_cast<int>(std::lround(c.g * 255))) <= tolerance &&
           std::abs(p.b - static_cast<int>(std::lround(c.b * 255))) <= tolerance;
  }

 private:
  cairo_surface_t* surface_;
};

::testing::AssertionResult ColorNear(const Pixel& p, const plot::Rgb& c, int tolerance) {
  if (Png::near(p, c, tolerance)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "pixel (" << p.r << ", " << p.g << ", " << p.b << ") is not within " << tolerance
         << " of (" << std::lround(c.r * 255) << ", " << std::lround(c.g * 255) << ", "
         << std::lround(c.b * 255) << ")";
}

// Runs `f`, expecting a backprop::Error whose message contains every one of `parts`.
template <typename F>
void ExpectError(F f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const bp::Error& e) {
    for (const std::string& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "message '" << e.what() << "' lacks '" << part << "'";
  }
}

// The lesson's section 7: 2-4-1 sigmoid on XOR, mse, gradient descent lr 2, 10000 epochs,
// he_normal seed 42 (NumPy's np.random.seed(42) weights).
struct Lesson {
  bp::Dataset data;
  bp::Model model;
};

const Lesson& lesson_xor() {
  static const Lesson lesson = [] {
    Lesson l;
    l.data = bp::make_xor();
    bp::encode_targets(l.data, bp::TargetEncoding::binary);
    l.model.network = bp::Network<double>(
        2, {{4, {bp::Activation::sigmoid}}, {1, {bp::Activation::sigmoid}}}, bp::Loss::mse);
    bp::initialize(l.model.network, bp::Init::he_normal, 42);
    bp::TrainOptions options;
    options.epochs = 10000;
    options.classification = true;
    options.optimizer = bp::OptimizerOptions{bp::OptimizerKind::sgd, 2.0};
    const bp::TrainResult result = bp::train(l.model.network, l.data.x, l.data.y, options);
    l.model.info.history = result.history;
    l.model.info.feature_names = {"x1", "x2"};
    l.model.info.class_names = {"0", "1"};
    return l;
  }();
  return lesson;
}

bp::Model three_input_model() {
  bp::Model m;
  m.network = bp::Network<double>(
      3, {{2, {bp::Activation::sigmoid}}, {1, {bp::Activation::sigmoid}}}, bp::Loss::mse);
  bp::initialize(m.network, bp::Init::he_normal, 1);
  m.info.history = {{0, 1.0}, {1, 0.5}};
  return m;
}

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

}  // namespace

// ---- formats ------------------------------------------------------------------------------------

TEST(Format, NamesRoundTripAndUnknownIsUsageError) {
  for (plot::Format f : {plot::Format::png, plot::Format::svg, plot::Format::pdf})
    EXPECT_EQ(plot::format_from_string(plot::extension(f)), f);
  try {
    plot::format_from_string("jpg");
    FAIL() << "no error";
  } catch (const bp::Error& e) {
    EXPECT_EQ(e.kind(), bp::Error::Kind::usage);
    EXPECT_NE(std::string(e.what()).find("png, svg, pdf"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'jpg'"), std::string::npos) << e.what();
  }
}

// ---- decision boundary --------------------------------------------------------------------------

TEST(DecisionBoundary, LessonXorTrainsToFullAccuracy) {
  const Lesson& l = lesson_xor();
  bp::Network<double> net = l.model.network;
  EXPECT_EQ(bp::accuracy(net.forward(l.data.x), l.data.y), 1.0);
  EXPECT_LT(l.model.info.history.back().loss, 1e-3);
}

TEST(DecisionBoundary, RegionsAtTheFourXorPointsCarryTheirTrueClassColours) {
  const Lesson& l = lesson_xor();
  TempDir dir;
  std::vector<plot::Panel> panels;
  plot::FigureOptions options;
  options.show_points = false;
  options.panels = &panels;
  plot::decision_boundary(l.model, l.data, dir.file("b.png"), plot::Format::png, options);
  ASSERT_EQ(panels.size(), 1u);
  const plot::Panel& p = panels[0];
  // The lesson's view of XOR: −0.5..1.5 on both axes, a square plot.
  EXPECT_DOUBLE_EQ(p.x_min, -0.5);
  EXPECT_DOUBLE_EQ(p.x_max, 1.5);
  EXPECT_DOUBLE_EQ(p.y_min, -0.5);
  EXPECT_DOUBLE_EQ(p.y_max, 1.5);
  EXPECT_EQ(p.width, p.height);
  Png png(dir.file("b.png"));
  ASSERT_TRUE(png.ok());
  EXPECT_GT(png.width(), p.left + p.width);
  EXPECT_GT(png.height(), p.top + p.height);
  for (int j = 0; j < 4; ++j) {
    const double x = l.data.x(0, j), y = l.data.x(1, j);
    // A few pixels off the point itself, where the grid lines at 0 and 1 cross.
    const Pixel px = png.at(p.pixel_x(x) + 5, p.pixel_y(y) + 5);
    const plot::Rgb expected = l.data.labels[j] == 0 ? plot::kRegion0 : plot::kRegion1;
    EXPECT_TRUE(ColorNear(px, expected, 3)) << "at (" << x << ", " << y << ")";
    if (l.data.labels[j] == 0)
      EXPECT_GT(px.b, px.r + 30);  // blue-ish
    else
      EXPECT_GT(px.r, px.b + 30);  // red-ish
  }
  // The boundary is drawn: black pixels inside the plot.
  EXPECT_GT(png.count({0, 0, 0}, 40), 500);
}

TEST(DecisionBoundary, PointsAreTheLessonsBlueCirclesAndRedSquaresOverTheRegions) {
  const Lesson& l = lesson_xor();
  TempDir dir;
  std::vector<plot::Panel> panels;
  plot::FigureOptions options;
  options.panels = &panels;
  plot::decision_boundary(l.model, l.data, dir.file("b.png"), plot::Format::png, options);
  const plot::Panel& p = panels[0];
  Png png(dir.file("b.png"));
  ASSERT_TRUE(png.ok());
  for (int j = 0; j < 4; ++j) {
    const double cx = p.pixel_x(l.data.x(0, j)), cy = p.pixel_y(l.data.x(1, j));
    const bool one = l.data.labels[j] == 1;
    EXPECT_TRUE(ColorNear(png.at(cx, cy), one ? plot::kPoint1 : plot::kPoint0, 3));
    // Beside the marker, pointing away from the plot's centre: the region of the true class.
    const double dx = l.data.x(0, j) < 0.5 ? -16 : 16, dy = l.data.x(1, j) < 0.5 ? 16 : -16;
    EXPECT_TRUE(ColorNear(png.at(cx + dx, cy + dy), one ? plot::kRegion1 : plot::kRegion0, 3));
    // Towards the corner: still the fill of a square, already the black edge of a circle.
    const Pixel corner = png.at(cx + 6, cy + 6);
    if (one)
      EXPECT_TRUE(ColorNear(corner, plot::kPoint1, 40));
    else
      EXPECT_TRUE(ColorNear(corner, {0, 0, 0}, 90));
  }
}

TEST(DecisionBoundary, StandardisedModelDrawsTheSamePictureInRawInputSpace) {
  // W' ((x − mean) / scale) + b' = W x + b when W' = W diag(scale) and b' = b + W mean, so a
  // model carrying that standardisation must draw the same regions.
  const Lesson& l = lesson_xor();
  bp::Model standardised = l.model;
  bp::Vector<double> mean(2), scale(2);
  mean << 0.5, 0.25;
  scale << 2.0, 0.5;
  standardised.info.input_mean = mean;
  standardised.info.input_scale = scale;
  bp::DenseLayer<double>& first = standardised.network.layer(0);
  first.b = l.model.network.layer(0).b + l.model.network.layer(0).W * mean;
  first.W = l.model.network.layer(0).W * scale.asDiagonal();
  TempDir dir;
  plot::FigureOptions options;
  options.show_points = false;
  plot::decision_boundary(l.model, l.data, dir.file("raw.png"), plot::Format::png, options);
  plot::decision_boundary(standardised, l.data, dir.file("std.png"), plot::Format::png, options);
  Png a(dir.file("raw.png")), b(dir.file("std.png"));
  ASSERT_EQ(a.width(), b.width());
  ASSERT_EQ(a.height(), b.height());
  int differ = 0;
  for (int y = 0; y < a.height(); ++y)
    for (int x = 0; x < a.width(); ++x) {
      const Pixel p = a.at(x, y), q = b.at(x, y);
      differ += std::abs(p.r - q.r) + std::abs(p.g - q.g) + std::abs(p.b - q.b) > 24;
    }
  EXPECT_LT(differ, 50);  // rounding may move an anti-aliased edge pixel, nothing more
}

TEST(DecisionBoundary, ThreeInputsAreAnErrorAndNoFileIsWritten) {
  TempDir dir;
  bp::Dataset data = bp::make_xor();
  ExpectError(
      [&] {
        plot::decision_boundary(three_input_model(), data, dir.file("b.png"), plot::Format::png);
      },
      {"decision boundary needs 2 inputs, the model has 3"});
  ExpectError(
      [&] {
        plot::neuron_maps(three_input_model(), data, 0, dir.file("n.png"), plot::Format::png);
      },
      {"neuron maps need", "2 inputs, the model has 3"});
  EXPECT_TRUE(dir.listing().empty());
}

TEST(DecisionBoundary, DataWithOtherThanTwoFeaturesIsAnError) {
  TempDir dir;
  bp::Dataset data = bp::make_xor();
  data.x.conservativeResize(3, Eigen::NoChange);
  data.x.row(2).setZero();
  data.source = "three.csv";
  ExpectError(
      [&] {
        plot::decision_boundary(lesson_xor().model, data, dir.file("b.png"), plot::Format::png);
      },
      {"three.csv has 3 features"});
}

TEST(DecisionBoundary, ManyClassesGetOneColourEachShadedByConfidence) {
  bp::Dataset blobs = bp::make_blobs(150, 3, 1.0, 7);
  bp::Model model;
  model.network = bp::Network<double>(
      2, {{8, {bp::Activation::tanh}}, {3, {bp::Activation::softmax}}}, bp::Loss::cross_entropy);
  bp::initialize(model.network, bp::Init::glorot_normal, 3);
  bp::Standardizer standardizer = bp::Standardizer::fit(blobs.x);
  bp::Matrix<double> x = blobs.x;
  standardizer.apply(x);
  bp::TrainOptions options;
  options.epochs = 300;
  options.optimizer.kind = bp::OptimizerKind::adam;
  options.optimizer.lr = 0.05;
  bp::train(model.network, x, blobs.y, options);
  model.info.input_mean = standardizer.mean;
  model.info.input_scale = standardizer.scale;
  TempDir dir;
  std::vector<plot::Panel> panels;
  plot::FigureOptions fo;
  fo.panels = &panels;
  fo.show_points = false;
  plot::decision_boundary(model, blobs, dir.file("m.png"), plot::Format::png, fo);
  Png png(dir.file("m.png"));
  ASSERT_TRUE(png.ok());
  // At each class's centre (mean of its samples) the region is that class's hue: of the three
  // Okabe–Ito colours, lightened, the pixel is nearest to its own.
  const plot::Panel& p = panels[0];
  for (int k = 0; k < 3; ++k) {
    double cx = 0, cy = 0;
    int n = 0;
    for (std::size_t j = 0; j < blobs.size(); ++j)
      if (blobs.labels[j] == k) cx += blobs.x(0, j), cy += blobs.x(1, j), ++n;
    const Pixel px = png.at(p.pixel_x(cx / n) + 3, p.pixel_y(cy / n) + 3);
    int best = -1;
    double best_distance = 1e9;
    for (int c = 0; c < 3; ++c) {
      // Compare hue directions: the pixel minus white against the colour minus white.
      const plot::Rgb col = plot::categorical(c);
      const double u[3] = {255.0 - px.r, 255.0 - px.g, 255.0 - px.b};
      const double v[3] = {255 * (1 - col.r), 255 * (1 - col.g), 255 * (1 - col.b)};
      const double nu = std::hypot(u[0], u[1], u[2]), nv = std::hypot(v[0], v[1], v[2]);
      const double cosine = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (nu * nv + 1e-12);
      if (1 - cosine < best_distance) best_distance = 1 - cosine, best = c;
    }
    EXPECT_EQ(best, k) << "class " << k << " centre pixel (" << px.r << ", " << px.g << ", " << px.b
                       << ")";
  }
}

// ---- neuron maps --------------------------------------------------------------------------------

TEST(NeuronMaps, PixelColoursFollowEachNeuronsActivation) {
  const Lesson& l = lesson_xor();
  TempDir dir;
  std::vector<plot::Panel> panels;
  plot::FigureOptions options;
  options.show_points = false;
  options.panels = &panels;
  plot::neuron_maps(l.model, l.data, 0, dir.file("n.png"), plot::Format::png, options);
  ASSERT_EQ(panels.size(), 4u);  // one per hidden neuron
  Png png(dir.file("n.png"));
  ASSERT_TRUE(png.ok());
  const bp::DenseLayer<double>& hidden = l.model.network.layer(0);
  int distinct = 0;
  for (int u = 0; u < 4; ++u) {
    const plot::Panel& p = panels[static_cast<std::size_t>(u)];
    EXPECT_LE(p.left + p.width, png.width());
    EXPECT_LE(p.top + p.height, png.height());
    std::vector<double> seen;
    for (const auto& [fx, fy] : {std::pair{0.23, 0.21}, std::pair{0.77, 0.71},
                                 std::pair{0.21, 0.77}, std::pair{0.74, 0.26}}) {
      // The pixel inside the panel at fractions (fx, fy), and the input at its centre.
      const double col = std::floor(p.left + fx * p.width) + 0.5;
      const double row = std::floor(p.top + fy * p.height) + 0.5;
      const double x1 = p.x_min + (col - p.left) / p.width * (p.x_max - p.x_min);
      const double x2 = p.y_max - (row - p.top) / p.height * (p.y_max - p.y_min);
      const double a = sigmoid(hidden.W(u, 0) * x1 + hidden.W(u, 1) * x2 + hidden.b(u));
      EXPECT_TRUE(ColorNear(png.at(col, row), plot::diverging(a), 2))
          << "neuron " << u << " at (" << x1 << ", " << x2 << "), a = " << a;
      seen.push_back(a);
    }
    distinct +=
        *std::max_element(seen.begin(), seen.end()) - *std::min_element(seen.begin(), seen.end()) >
        0.3;
  }
  EXPECT_GE(distinct, 2);  // the check compares different colours, not one flat field
}

TEST(NeuronMaps, ModelWithoutHiddenLayerAndLayerOutOfRangeAreErrors) {
  TempDir dir;
  bp::Model logistic;
  logistic.network = bp::Network<double>(2, {{1, {bp::Activation::sigmoid}}}, bp::Loss::mse);
  ExpectError(
      [&] {
        plot::neuron_maps(logistic, lesson_xor().data, 0, dir.file("n.png"), plot::Format::png);
      },
      {"neuron maps need a hidden layer"});
  ExpectError(
      [&] {
        plot::neuron_maps(lesson_xor().model, lesson_xor().data, 1, dir.file("n.png"),
                          plot::Format::png);
      },
      {"hidden layer 1 is out of range", "1 hidden layer (0)"});
  EXPECT_TRUE(dir.listing().empty());
}

// ---- loss curve ---------------------------------------------------------------------------------

TEST(LossCurve, DrawsTheHistoryAndAnAccuracyPanelWhenRecorded) {
  const Lesson& l = lesson_xor();
  TempDir dir;
  plot::loss_curve(l.model.info.history, "XOR", dir.file("with.png"), plot::Format::png);
  std::vector<bp::EpochRecord> loss_only;
  for (const bp::EpochRecord& r : l.model.info.history) loss_only.push_back({r.epoch, r.loss});
  plot::loss_curve(loss_only, "XOR", dir.file("without.png"), plot::Format::png);
  Png with(dir.file("with.png")), without(dir.file("without.png"));
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE(without.ok());
  EXPECT_GT(with.width(), without.width() + 300);  // a second panel
  EXPECT_EQ(with.height(), without.height());
  EXPECT_GT(without.width(), 400);
  EXPECT_GT(without.height(), 300);
  // The training curve is drawn in the first palette colour (not a blank image).
  EXPECT_GT(without.count(plot::categorical(0), 30), 300);
  EXPECT_GT(with.count(plot::categorical(0), 30), 600);
}

TEST(LossCurve, OneEpochShowsItsPointInsideTheFrame) {
  TempDir dir;
  std::vector<bp::EpochRecord> one = {{0, 0.7, 0.5}};
  one[0].test_loss = 0.6;
  plot::loss_curve(one, "one", dir.file("one.png"), plot::Format::png);
  Png png(dir.file("one.png"));
  ASSERT_TRUE(png.ok());
  EXPECT_GT(png.count(plot::categorical(0), 30), 60);  // training: a dot in each panel
  EXPECT_GT(png.count(plot::categorical(2), 30), 30);  // and the test set's
}

TEST(LossCurve, EmptyHistoryIsAnErrorAndNoFileIsWritten) {
  TempDir dir;
  ExpectError([&] { plot::loss_curve({}, "t", dir.file("l.png"), plot::Format::png); },
              {"no loss history to plot"});
  std::vector<bp::EpochRecord> unrecorded = {{0, std::nan("")}, {1, std::nan("")}};
  ExpectError([&] { plot::loss_curve(unrecorded, "t", dir.file("l.png"), plot::Format::png); },
              {"no loss history to plot"});
  EXPECT_TRUE(dir.listing().empty());
}

TEST(LossCurve, UnwritablePathNamesPathAndReasonAndLeavesNoFile) {
  TempDir dir;
  const std::string missing = dir.file("no-such-dir/loss.png");
  ExpectError(
      [&] { plot::loss_curve(lesson_xor().model.info.history, "t", missing, plot::Format::png); },
      {missing, "No such file or directory"});
  // A directory in the way of the file: nothing may be left beside it either.
  fs::create_directory(dir.file("taken.png"));
  ExpectError(
      [&] {
        plot::loss_curve(lesson_xor().model.info.history, "t", dir.file("taken.png"),
                         plot::Format::png);
      },
      {dir.file("taken.png")});
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"taken.png"});
  EXPECT_TRUE(fs::is_empty(dir.file("taken.png")));
}

TEST(LossCurve, SvgAndPdfStartWithTheirMagic) {
  TempDir dir;
  plot::loss_curve(lesson_xor().model.info.history, "XOR", dir.file("l.svg"), plot::Format::svg);
  plot::decision_boundary(lesson_xor().model, lesson_xor().data, dir.file("b.pdf"),
                          plot::Format::pdf);
  plot::neuron_maps(lesson_xor().model, lesson_xor().data, 0, dir.file("n.svg"), plot::Format::svg);
  for (const std::string name : {"l.svg", "n.svg"}) {
    const std::string svg = slurp(dir.file(name));
    EXPECT_TRUE(svg.rfind("<?xml", 0) == 0 || svg.rfind("<svg", 0) == 0) << svg.substr(0, 40);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);  // complete
  }
  const std::string pdf = slurp(dir.file("b.pdf"));
  EXPECT_EQ(pdf.rfind("%PDF", 0), 0u);
  EXPECT_NE(pdf.find("%%EOF"), std::string::npos);
}

TEST(History, ReadsTrainHistoryCsvWithUnrecordedCells) {
  TempDir dir;
  std::ofstream(dir.file("h.csv")) << "epoch,loss,accuracy,val_loss,val_accuracy\n"
                                      "0,0.25,0.5,,\n1,0.125,0.75,,\n2,0.0625,1,,\n";
  const std::vector<bp::EpochRecord> history = bp::read_history_csv(dir.file("h.csv"));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[2].epoch, 2);
  EXPECT_EQ(history[1].loss, 0.125);
  EXPECT_EQ(history[2].accuracy, 1);
  EXPECT_TRUE(std::isnan(history[1].val_loss));
  plot::loss_curve(history, "h", dir.file("h.png"), plot::Format::png);
  EXPECT_TRUE(Png(dir.file("h.png")).ok());

  std::ofstream(dir.file("gap.csv")) << "epoch,loss\n0,1\n2,0.5\n";
  ExpectError([&] { bp::read_history_csv(dir.file("gap.csv")); },
              {"gap.csv:3:1", "expected epoch 1"});
  std::ofstream(dir.file("bad.csv")) << "epoch,loss\n0,abc\n";
  ExpectError([&] { bp::read_history_csv(dir.file("bad.csv")); }, {"bad.csv:2:2"});
  std::ofstream(dir.file("noloss.csv")) << "epoch,accuracy\n0,1\n";
  ExpectError([&] { bp::read_history_csv(dir.file("noloss.csv")); }, {"loss"});
}

// ---- network diagram, all figures ---------------------------------------------------------------

TEST(NetworkDiagram, EdgesShowBothSignsAndBigLayersAreRefused) {
  TempDir dir;
  plot::network_diagram(lesson_xor().model, dir.file("net.png"), plot::Format::png);
  Png png(dir.file("net.png"));
  ASSERT_TRUE(png.ok());
  // The trained XOR net has weights of both signs: edges of both hues appear (blue: blue well
  // above red; orange: red well above blue), each more than a thin line's worth.
  int blue = 0, orange = 0;
  for (int y = 0; y < png.height(); ++y)
    for (int x = 0; x < png.width(); ++x) {
      const Pixel p = png.at(x, y);
      blue += p.b > p.r + 60;
      orange += p.r > p.b + 60 && p.g > p.b;
    }
  EXPECT_GT(blue, 1000);
  EXPECT_GT(orange, 1000);
  bp::Model wide;
  wide.network = bp::Network<double>(2, {{65, {bp::Activation::relu}}, {1, {}}}, bp::Loss::mse);
  ExpectError([&] { plot::network_diagram(wide, dir.file("wide.png"), plot::Format::png); },
              {"at most 64 units", "layer 1 has 65"});
}

TEST(TrainingFigures, WritesEveryFigureThatAppliesAndRefusesAMissingDirectory) {
  TempDir dir;
  const Lesson& l = lesson_xor();
  const std::vector<std::string> written =
      plot::write_training_figures(l.model, &l.data, dir.path(), plot::Format::png);
  EXPECT_EQ(written, (std::vector<std::string>{dir.file("loss.png"), dir.file("boundary.png"),
                                               dir.file("neurons.png"), dir.file("network.png")}));
  for (const std::string& path : written) EXPECT_EQ(slurp(path).substr(1, 3), "PNG") << path;
  // Without data: no boundary or neuron maps; 3 inputs: neither either.
  const std::vector<std::string> no_data =
      plot::write_training_figures(three_input_model(), nullptr, dir.path(), plot::Format::svg);
  EXPECT_EQ(no_data, (std::vector<std::string>{dir.file("loss.svg"), dir.file("network.svg")}));
  ExpectError(
      [&] { plot::write_training_figures(l.model, &l.data, dir.file("nope"), plot::Format::png); },
      {dir.file("nope"), "No such file or directory"});
}

// ---- sweep --------------------------------------------------------------------------------------

TEST(Sweep, AnswersExercise93OneNeuronNeverSolvesXorFourAlways) {
  plot::SweepOptions options;
  options.hidden_sizes = {1, 2, 4};
  const plot::SweepResult result = plot::run_sweep(bp::make_xor(), options);
  ASSERT_EQ(result.runs.size(), 15u);
  EXPECT_EQ(result.runs.front().seed, 42u);  // the lesson's initialisation first
  EXPECT_EQ(result.runs.front().loss.size(), 10000u);
  // Read the answers back from the CSV the command writes.
  std::istringstream csv(plot::sweep_csv(result));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line,
            "hidden,runs,final_loss_median,final_loss_min,final_loss_max,final_accuracy_mean,"
            "solved,median_epochs_to_100");
  std::vector<std::vector<std::string>> rows;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream s(line);
    std::string cell;
    while (std::getline(s, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    rows.push_back(cells);
  }
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], "1");
  EXPECT_EQ(rows[0][6], "0");  // 1 hidden neuron: never 100 %
  EXPECT_EQ(rows[0][7], "");   // so no epoch to report
  EXPECT_LT(std::stod(rows[0][5]), 1.0);
  EXPECT_GT(std::stod(rows[0][2]), 0.05);  // stuck well above a solution's loss
  EXPECT_EQ(rows[2][0], "4");
  EXPECT_EQ(rows[2][6], "5");  // 4 hidden neurons: every seed
  EXPECT_EQ(std::stod(rows[2][5]), 1.0);
  EXPECT_GT(std::stod(rows[2][7]), 0);
  // 2 hidden neurons can solve XOR, but not from every start (Exercise 9.3's discussion).
  const int two_solved = std::stoi(rows[1][6]);
  EXPECT_GE(two_solved, 1);
  EXPECT_LT(two_solved, 5);

  TempDir dir;
  plot::sweep_figure(result, dir.file("sweep.png"), plot::Format::png);
  Png png(dir.file("sweep.png"));
  ASSERT_TRUE(png.ok());
  for (int k = 0; k < 3; ++k) EXPECT_GT(png.count(plot::categorical(k), 30), 200) << k;
  EXPECT_NE(plot::sweep_table(result).find("0/5"), std::string::npos);
}

TEST(Sweep, BadOptionsAreUsageErrors) {
  plot::SweepOptions options;
  options.hidden_sizes = {2, 0};
  ExpectError([&] { plot::run_sweep(bp::make_xor(), options); }, {"SweepOptions.hidden_sizes"});
  options.hidden_sizes = {2};
  options.seeds = 0;
  ExpectError([&] { plot::run_sweep(bp::make_xor(), options); }, {"SweepOptions.seeds"});
}

// ---- computational graph ------------------------------------------------------------------------

TEST(Graph, SingleNeuronShowsTheLessonsForwardAndBackwardValues) {
  const bp::LessonExample e = bp::lesson_example("single-neuron");
  const std::string dot = plot::graph_dot(e.network, e.x, e.y, e.title);
  EXPECT_EQ(dot.rfind("digraph", 0), 0u);
  // Exercise 3.1's solution, forward then backward.
  for (const std::string expected :
       {"z1 = 1.0000", "z = 0.5000", "ŷ = 0.6225", "e = -0.3775", "L = 0.1425",
        // 2e = −0.75508: the lesson's −0.7550 doubles the rounded e; 4 exact decimals say −0.7551
        "dL/de = -0.755", "dL/dŷ = -0.755", "dL/dz = -0.1774", "dL/dw = -0.3549", "dL/db = -0.1774",
        "dL/dz1 = -0.1774", "dL/dL = 1.0000", "w = 0.5000", "b = -0.5000", "x = 2.0000"})
    EXPECT_NE(dot.find(expected), std::string::npos) << "missing '" << expected << "'";
  // Every node but the target carries a gradient: 9 nodes, 8 gradients; 8 edges forward.
  std::size_t nodes = 0, gradients = 0, edges = 0;
  for (std::size_t at = 0; (at = dot.find("[shape=", at)) != std::string::npos; ++at) ++nodes;
  for (std::size_t at = 0; (at = dot.find("\">dL/d", at)) != std::string::npos; ++at) ++gradients;
  for (std::size_t at = 0; (at = dot.find(" -> ", at)) != std::string::npos; ++at) ++edges;
  EXPECT_EQ(nodes, 9u);
  EXPECT_EQ(gradients, 8u);
  EXPECT_EQ(edges, 8u);
}

TEST(Graph, GradientsAgreeWithTheTraceOfA221Network) {
  const bp::LessonExample e = bp::lesson_example("network-2-2-1");
  const std::string dot = plot::graph_dot(e.network, e.x, e.y);
  const bp::Trace t = bp::trace(e.network, e.x, e.y);
  char buf[64];
  std::snprintf(buf, sizeof buf, "dL/dW1[1,1] = %.4f", t.layers[0].dW(0, 0));
  EXPECT_NE(dot.find(buf), std::string::npos) << buf;
  std::snprintf(buf, sizeof buf, "dL/db2[1] = %.4f", t.layers[1].db(0));
  EXPECT_NE(dot.find(buf), std::string::npos) << buf;
  std::snprintf(buf, sizeof buf, "L = %.4f", t.loss);
  EXPECT_NE(dot.find(buf), std::string::npos) << buf;
}

TEST(Graph, TooBigNetsAndBadExtensionsAreUsageErrors) {
  bp::Network<double> big(2, {{16, {bp::Activation::relu}}, {1, {}}}, bp::Loss::mse);
  bp::Matrix<double> x(2, 1), y(1, 1);
  x << 1, 2;
  y << 1;
  ExpectError([&] { plot::graph_dot(big, x, y); }, {"small nets", "17 units"});
  TempDir dir;
  ExpectError([&] { plot::write_graph("digraph {}", dir.file("g.jpg")); }, {".dot", ".svg"});
  EXPECT_TRUE(dir.listing().empty());
}

TEST(Graph, WritesDotTextAndRendersSvgWithGraphviz) {
  const bp::LessonExample e = bp::lesson_example("single-neuron");
  const std::string dot = plot::graph_dot(e.network, e.x, e.y, e.title);
  TempDir dir;
  plot::write_graph(dot, dir.file("g.dot"));
  EXPECT_EQ(slurp(dir.file("g.dot")), dot);
  if (std::system("command -v dot > /dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz not installed";
  plot::write_graph(dot, dir.file("g.svg"));
  const std::string svg = slurp(dir.file("g.svg"));
  EXPECT_TRUE(svg.rfind("<?xml", 0) == 0 || svg.rfind("<svg", 0) == 0);
  EXPECT_NE(svg.find("0.6225"), std::string::npos);
  // Broken DOT: dot's own message comes back, and no output file is left.
  ExpectError([&] { plot::write_graph("digraph { a -> }", dir.file("bad.svg")); },
              {"bad.svg", "dot", "failed"});
  std::vector<std::string> names = dir.listing();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"g.dot", "g.svg"}));
}
