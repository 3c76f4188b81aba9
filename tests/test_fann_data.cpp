// test_fann_data.cpp — FANN's training-file format (data/fann_data.h): FANN's xor.data, and every
// malformed file gets a data Error naming the file, the line and what was expected.
#include <gtest/gtest.h>

#include <string>

#include "backprop/data/fann_data.h"
#include "backprop/error.h"
#include "test_util.h"

namespace backprop {
namespace {

TEST(FannData, ReadsFannsXorFile) {
  const Dataset d = load_fann_data(std::string(BACKPROP_TEST_DATA_DIR) + "/xor.data");
  ASSERT_EQ(d.x.rows(), 2);
  ASSERT_EQ(d.x.cols(), 4);
  ASSERT_EQ(d.y.rows(), 1);
  EXPECT_EQ(d.x, test::matrix_from_rows(nlohmann::json::parse("[[-1, -1, 1, 1], [-1, 1, -1, 1]]")));
  EXPECT_EQ(d.y, test::matrix_from_rows(nlohmann::json::parse("[[-1, 1, 1, -1]]")));
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x0", "x1"}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"y0"}));
  EXPECT_FALSE(d.is_classification());
}

TEST(FannData, BlankLinesTabsAndCrlfAreAccepted) {
  const Dataset d =
      parse_fann_data("2 3 2\r\n\r\n1\t2 3.5\r\n0 1\r\n  4 5e-1 -6\n1 0\n\n", "t.data");
  EXPECT_EQ(d.x, test::matrix_from_rows(nlohmann::json::parse("[[1, 4], [2, 0.5], [3.5, -6]]")));
  EXPECT_EQ(d.y, test::matrix_from_rows(nlohmann::json::parse("[[0, 1], [1, 0]]")));
}

void expect_error(const std::string& text, const std::string& fragment) {
  try {
    parse_fann_data(text, "f.data");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::data);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "'" << e.what() << "' lacks '" << fragment << "'";
  }
}

TEST(FannData, MalformedFilesNameTheLineAndWhatWasExpected) {
  expect_error("", "f.data: the file is empty");
  expect_error("4 2\n", "f.data:1: expected the header's 3 numbers, found 2");
  expect_error("4 2.5 1\n", "f.data:1: expected the header's number of inputs as a whole number");
  expect_error("0 2 1\n", "expected at least one pair");
  expect_error("1 2 1\n1 2 3\n1\n",
               "f.data:2: expected the inputs of pair 1, 2 numbers (the header says 1 pairs of 2 "
               "inputs and 1 outputs), found 3");
  expect_error("1 2 1\n1 2\n\n1 x\n", "f.data:4: expected a finite number, found 'x'");
  expect_error("1 2 1\n1 2\n1 1\n", "f.data:3: expected the outputs of pair 1, 1 numbers");
  expect_error("2 1 1\n1\n0\n1\n", "f.data:4: the file ends after 1 complete pairs and one line");
  expect_error("1 1 1\n1\n0\n5\n", "f.data:4: expected the end of the file after the 1 pairs");
  expect_error("1 1 1\nnan\n0\n", "f.data:2: expected a finite number, found 'nan'");
  expect_error("99999999 99999999 9\n1\n", "more numbers than a file of");
}

TEST(FannData, FannsFileNamesAreRecognised) {
  EXPECT_TRUE(is_fann_data_path("xor.data"));
  EXPECT_TRUE(is_fann_data_path("dir/diabetes1.data"));
  EXPECT_TRUE(is_fann_data_path("datasets/diabetes.train"));
  EXPECT_TRUE(is_fann_data_path("gene.test"));
  EXPECT_FALSE(is_fann_data_path("xor.csv"));
  EXPECT_FALSE(is_fann_data_path(".data"));
  EXPECT_FALSE(is_fann_data_path("dir/.train"));
  EXPECT_FALSE(is_fann_data_path("data.csv"));
}

}  // namespace
}  // namespace backprop
