// test_metrics.cpp — the reported metrics (model/metrics.h) against scikit-learn's on the cases of
// tests/golden/generate_metrics.py (classification_report, roc_auc_score, mse/mae/r2), and
// evaluate()'s use of them.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "backprop/error.h"
#include "backprop/model/metrics.h"
#include "backprop/model/model.h"
#include "test_util.h"

namespace backprop {
namespace {

// sklearn sums in another order (NumPy's pairwise sums): agreement to a few ulps.
void expect_close(double ours, const nlohmann::json& theirs, const std::string& what) {
  if (theirs.is_null()) {
    EXPECT_TRUE(std::isnan(ours)) << what << ": expected undefined (NaN), found " << ours;
    return;
  }
  EXPECT_NEAR(ours, theirs.get<double>(), 1e-13 * std::max(1.0, std::abs(ours))) << what;
}

void expect_entry(const ClassMetrics& m, const nlohmann::json& entry, const std::string& what) {
  expect_close(m.precision, entry.at("precision"), what + " precision");
  expect_close(m.recall, entry.at("recall"), what + " recall");
  expect_close(m.f1, entry.at("f1-score"), what + " f1-score");
  // Ours is always an integer; scikit-learn 1.2 gives 2.0 instead of 2 when every score is 0.
  EXPECT_EQ(static_cast<double>(m.support), entry.at("support").get<double>())
      << what << " support";
}

TEST(Metrics, ClassificationReportMatchesScikitLearn) {
  for (const nlohmann::json& c : test::load_golden("metrics.json").at("classification")) {
    const std::string name = c.at("name");
    const ClassificationReport r = classification_report(
        c.at("true").get<std::vector<int>>(), c.at("predicted").get<std::vector<int>>(),
        c.at("classes").get<std::vector<std::string>>());
    std::vector<std::string> keys;
    for (const ClassMetrics& m : r.classes) keys.push_back(m.name);
    keys.insert(keys.end(), {"accuracy", "macro avg", "weighted avg"});
    EXPECT_EQ(keys, c.at("keys").get<std::vector<std::string>>()) << name;
    const nlohmann::json& report = c.at("report");
    for (const ClassMetrics& m : r.classes) expect_entry(m, report.at(m.name), name + " " + m.name);
    expect_close(r.accuracy, report.at("accuracy"), name + " accuracy");
    expect_entry(r.macro_avg, report.at("macro avg"), name + " macro avg");
    expect_entry(r.weighted_avg, report.at("weighted avg"), name + " weighted avg");
  }
}

TEST(Metrics, RocAucMatchesScikitLearn) {
  for (const nlohmann::json& c : test::load_golden("metrics.json").at("roc")) {
    std::vector<bool> positive;
    for (int v : c.at("positive").get<std::vector<int>>()) positive.push_back(v == 1);
    expect_close(roc_auc(positive, c.at("score").get<std::vector<double>>()), c.at("auc"),
                 c.at("name").get<std::string>());
  }
}

TEST(Metrics, RegressionMetricsMatchScikitLearn) {
  for (const nlohmann::json& c : test::load_golden("metrics.json").at("regression")) {
    const std::string name = c.at("name");
    const RegressionMetrics m = regression_metrics(test::matrix_from_rows(c.at("y")),
                                                   test::matrix_from_rows(c.at("predicted")));
    expect_close(m.mse, c.at("mse"), name + " mse");
    expect_close(m.mae, c.at("mae"), name + " mae");
    expect_close(m.r2, c.at("r2"), name + " r2");
  }
}

TEST(Metrics, RocAucOfScoresThatCannotBeOrderedIsUndefined) {
  EXPECT_TRUE(std::isnan(roc_auc({true, false, true}, {0.2, std::nan(""), 0.9})));
  EXPECT_TRUE(std::isnan(roc_auc({true, false}, {HUGE_VAL, 0.1})));
}

TEST(Metrics, BadArgumentsAreUsageErrors) {
  EXPECT_THROW(classification_report({0, 1}, {0}, {"a", "b"}), Error);
  EXPECT_THROW(classification_report({0, 2}, {0, 1}, {"a", "b"}), Error);
  EXPECT_THROW(roc_auc({true}, {0.5, 0.2}), Error);
  EXPECT_THROW(regression_metrics(Matrix<double>(1, 3), Matrix<double>(2, 3)), Error);
}

// A network whose outputs are its inputs (identity weights, linear): evaluate() sees exactly the
// predictions the test chooses.
Network<double> identity_network(int n) {
  Network<double> net(n, {{n, {Activation::linear}}}, Loss::mse);
  net.layer(0).W.setIdentity();
  net.layer(0).b.setZero();
  return net;
}

TEST(Metrics, OneHotNumericTargetsAreEvaluatedAsClasses) {
  Dataset d;
  d.source = "one-hot";
  d.x = test::matrix_from_rows(
      nlohmann::json::parse("[[0.9, 0.2, 0.1, 0.6], [0.1, 0.7, 0.3, 0.3], [0, 0.1, 0.6, 0.1]]"));
  d.y = test::matrix_from_rows(nlohmann::json::parse("[[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0]]"));
  d.target_names = {"y0", "y1", "y2"};
  const Evaluation e = evaluate_prepared(identity_network(3), d);
  EXPECT_DOUBLE_EQ(e.accuracy, 0.75);  // the last sample's argmax is y0, its target y1
  EXPECT_EQ(e.class_names, d.target_names);
  ASSERT_TRUE(e.report.has_value());
  ASSERT_TRUE(e.regression.has_value());
  EXPECT_EQ(e.confusion, (std::vector<std::vector<long>>{{1, 0, 0}, {1, 1, 0}, {0, 0, 1}}));
  d.y(0, 0) = 0.5;  // no longer classes: regression figures only
  const Evaluation r = evaluate_prepared(identity_network(3), d);
  EXPECT_TRUE(std::isnan(r.accuracy));
  EXPECT_FALSE(r.report.has_value());
  EXPECT_TRUE(r.class_names.empty());
}

}  // namespace
}  // namespace backprop
