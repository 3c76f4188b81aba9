// Regression tests for the in-memory parsers (parse_idx, parse_csv_text, parse_model) and the
// limits that fuzzing found: forged IDX headers must fail before allocating, the CSV column cap
// (2^20), the JSON nesting cap (256), weights checked against "inputs" before any matrix exists,
// non-finite numbers, and an empty history "loss" list that must not drop the other lists.
// test_idx.cpp, test_csv.cpp and test_model_file.cpp cover the file-based paths; these do not.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backprop/data/csv.h"
#include "backprop/data/idx.h"
#include "backprop/io/model_file.h"
#include "test_util.h"

namespace backprop {
namespace {

using test::error_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An IDX header (magic 0 0 TYPE NDIMS, big-endian dims) followed by `data`, as a byte string.
std::string idx(const std::vector<std::uint32_t>& dims, const std::string& data,
                unsigned char type = 0x08) {
  std::string out = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(d >> shift));
  return out + data;
}

// `bytes` as one gzip member, compressed in memory.
std::string gzip(const std::string& bytes) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, bytes.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// The message of the Error that parsing `bytes` as IDX named "buf" throws.
std::string fails(const std::string& bytes) {
  return error_of([&] { parse_idx(bytes, "buf"); });
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --- parse_idx ---------------------------------------------------------------------------------

TEST(ParserLimits, IdxInMemoryRoundTripsOneAndThreeDimensions) {
  const IdxArray labels = parse_idx(idx({5}, std::string("\x00\x01\x09\x80\xff", 5)), "mem");
  EXPECT_THAT(labels.dims, ElementsAre(5u));
  EXPECT_THAT(labels.data, ElementsAre(0, 1, 9, 128, 255));

  std::string cube(2 * 3 * 4, '\0');
  for (std::size_t i = 0; i < cube.size(); ++i) cube[i] = static_cast<char>(i * 11);
  const IdxArray images = parse_idx(idx({2, 3, 4}, cube), "mem");
  EXPECT_THAT(images.dims, ElementsAre(2u, 3u, 4u));
  ASSERT_EQ(images.data.size(), 24u);
  EXPECT_EQ(std::string(images.data.begin(), images.data.end()), cube);  // row-major, as given
  EXPECT_EQ(images.data[1 * 12 + 0 * 4 + 2], static_cast<std::uint8_t>(14 * 11));  // [1][0][2]
  // The same bytes gzip-compressed in memory parse to the same array.
  const IdxArray inflated = parse_idx(gzip(idx({2, 3, 4}, cube)), "mem.gz");
  EXPECT_EQ(inflated.dims, images.dims);
  EXPECT_EQ(inflated.data, images.data);
  // A zero dimension: no data, dimensions kept.
  const IdxArray empty = parse_idx(idx({3, 0, 4000000000u}, ""), "mem");
  EXPECT_THAT(empty.dims, ElementsAre(3u, 0u, 4000000000u));
  EXPECT_TRUE(empty.data.empty());
}

TEST(ParserLimits, IdxInMemoryRejectionsSayWhatWasExpectedAndFound) {
  EXPECT_EQ(fails(""), "buf: truncated header: expected at least 4 bytes, found 0");
  EXPECT_EQ(fails(std::string("\0\0", 2)),
            "buf: truncated header: expected at least 4 bytes, found 2");
  EXPECT_EQ(fails("\x01\x02\x08\x01"),
            "buf: not an IDX file: it starts with 0x01 0x02, expected 0x00 0x00");
  EXPECT_EQ(fails(idx({1}, "x", 0x0D)),
            "buf: IDX type 0x0d (float) is not supported; expected 0x08 (unsigned byte)");
  EXPECT_EQ(fails(idx({}, "")), "buf: IDX header declares 0 dimensions; expected 1 to 4");
  EXPECT_EQ(fails(idx({1, 1, 1, 1, 1}, "x")),
            "buf: IDX header declares 5 dimensions; expected 1 to 4");
  EXPECT_EQ(fails(idx({2, 3}, "").substr(0, 9)),
            "buf: truncated header: expected 12 bytes for 2 dimensions, found 9");
  EXPECT_EQ(fails(idx({2, 3}, "abcde")), "buf: truncated: expected 6 data bytes (2x3), found 5");
  EXPECT_EQ(fails(idx({2, 3}, "abcdefg")),
            "buf: trailing data: expected 6 data bytes (2x3), found 7");
  EXPECT_EQ(fails(idx({0}, "z")), "buf: trailing data: expected 0 data bytes (0), found 1");
  // Through gzip the messages say that the sizes are those after decompression.
  EXPECT_EQ(fails(gzip(std::string("\0\0", 2))),
            "buf: truncated header: expected at least 4 bytes (after gzip decompression), found 2");
  EXPECT_EQ(fails(gzip(idx({2, 3}, "abcdefg"))),
            "buf: trailing data: expected 6 data bytes (2x3), found 7");
}

// A forged header must be refused from the header alone: allocating what it claims would throw
// std::bad_alloc (not backprop::Error) or take seconds to zero-fill.
TEST(ParserLimits, IdxForgedHugeHeaderFailsFastWithoutAllocating) {
  const auto start = std::chrono::steady_clock::now();
  const std::uint32_t big = 1u << 31;
  EXPECT_EQ(fails(idx({big, big, big}, "abc")),
            "buf: IDX dimensions 2147483648x2147483648x2147483648 are absurd: their product "
            "overflows 64 bits");
  EXPECT_EQ(fails(idx({big, big}, "abc")),
            "buf: truncated: expected 4611686018427387904 data bytes (2147483648x2147483648), "
            "found 3");
  EXPECT_EQ(fails(idx({big}, "abc")),
            "buf: truncated: expected 2147483648 data bytes (2147483648), found 3");
  EXPECT_THAT(fails(gzip(idx({big, big}, "abc"))),
              HasSubstr("declare 4611686018427387904 data bytes, above the limit of 2147483648"));
  const std::string small_gz = gzip(idx({big}, "abc"));
  EXPECT_EQ(fails(small_gz),
            "buf: truncated: expected 2147483648 data bytes (2147483648), but a "
            "gzip file of " +
                std::to_string(small_gz.size()) + " bytes inflates to at most " +
                std::to_string(small_gz.size() * 1032));
  EXPECT_LT(seconds_since(start), 0.5);
}

// --- parse_csv_text ----------------------------------------------------------------------------

TEST(ParserLimits, CsvHeaderBeyondTheColumnLimitIsRejected) {
  const std::size_t limit = std::size_t{1} << 20;
  const auto start = std::chrono::steady_clock::now();
  // limit + 1 empty fields: refused on the count, before any name is looked at.
  EXPECT_EQ(error_of([&] { parse_csv_text(std::string(limit, ','), "wide.csv"); }),
            "wide.csv:1: header of 1048577 columns (expected at most 1048576)");
  // Exactly the limit passes the count and fails later, on the (empty) first name.
  EXPECT_THAT(error_of([&] { parse_csv_text(std::string(limit - 1, ','), "wide.csv"); }),
              HasSubstr("wide.csv:1:1: empty column name"));
  // A data row far wider than the header costs no memory and still gets its exact count.
  EXPECT_EQ(error_of([&] { parse_csv_text("a\n1\n" + std::string(limit + 4, ','), "wide.csv"); }),
            "wide.csv:3: expected 1 fields (as in the header), found 1048581");
  EXPECT_LT(seconds_since(start), 5.0);
}

TEST(ParserLimits, CsvRaggedRowNamesTheLineItStartsOn) {
  // Row 1 spans lines 2-3 inside quotes; the short row after it starts on line 4.
  EXPECT_EQ(error_of([] { parse_csv_text("a,b\n\"x\ny\",2\n3\n", "d.csv"); }),
            "d.csv:4: expected 2 fields (as in the header), found 1");
  // A ragged record that itself spans lines is reported where it starts (line 3).
  EXPECT_EQ(error_of([] { parse_csv_text("a,b\n1,2\n3,\"4\n\",5\n", "d.csv"); }),
            "d.csv:3: expected 2 fields (as in the header), found 3");
  EXPECT_EQ(error_of([] { parse_csv_text("", "d.csv"); }),
            "d.csv: empty file, expected a header row");
}

TEST(ParserLimits, CsvTextIsAViewAndQuotingSurvives) {
  // Only the view is read: the byte after it (an unterminated quote) must not be seen.
  const std::string buffer = "a,b\n\"1,\"\"x\"\"\",2\n\"";
  const CsvTable t = parse_csv_text(std::string_view(buffer).substr(0, buffer.size() - 1), "v");
  EXPECT_THAT(t.header, ElementsAre("a", "b"));
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_THAT(t.rows[0], ElementsAre("1,\"x\"", "2"));
  EXPECT_THAT(t.line_numbers, ElementsAre(2u));
  EXPECT_THAT(error_of([&] { parse_csv_text(buffer, "v"); }),
              HasSubstr("v:3:1: unterminated quoted field"));
}

// --- parse_model -------------------------------------------------------------------------------

const std::string kHead = R"({"format": "backprop-model", "version": 1, "inputs": 2, "loss": "mse",
 "layers": [{"activation": "sigmoid", "weights": [[0.5, -0.25]], "bias": [0.125]}])";

// A valid model whose training settings hold a value nested `arrays` lists deep. The document,
// "training" and "settings" objects add 3 levels.
std::string with_nested_setting(std::size_t arrays) {
  return kHead + ",\n \"training\": {\"settings\": {\"deep\": " + std::string(arrays, '[') +
         std::string(arrays, ']') + "}}}";
}

TEST(ParserLimits, JsonNestingDeeperThan256IsAnErrorNotACrash) {
  const Model ok = parse_model(with_nested_setting(253), "m.json");  // 256 deep in all
  ASSERT_EQ(ok.info.settings.size(), 1u);
  EXPECT_EQ(ok.info.settings[0].second.size(), 2 * 253u);
  EXPECT_EQ(ok.network.layer(0).W(0, 1), -0.25);

  EXPECT_THAT(error_of([] { parse_model(with_nested_setting(254), "m.json"); }),
              HasSubstr("lists and objects nested more than 256 deep"));
  // 300 deep, and far deeper: the error names the first bracket past the limit (column 257).
  EXPECT_EQ(error_of([] { parse_model(std::string(300, '['), "m.json"); }),
            "m.json:1:257: lists and objects nested more than 256 deep (a model file nests about "
            "5 deep)");
  EXPECT_THAT(error_of([] { parse_model(std::string(1000000, '{'), "m.json"); }),
              HasSubstr("m.json:1:257: lists and objects nested more than 256 deep"));
  // Brackets inside strings (escaped quotes included) do not count.
  const std::string in_string = "\"\\\"" + std::string(1000, '[') + "\"";
  const Model quoted = parse_model(kHead + ", \"note\": " + in_string + "}", "m.json");
  EXPECT_EQ(quoted.network.inputs(), 2);
}

TEST(ParserLimits, HistoryListsOfDifferentLengthsBecomeEpochsWithGaps) {
  const std::string text = kHead + R"(, "training": {"settings": {}, "history":
      {"loss": [], "accuracy": [0.5, null], "val_loss": [2.5]}}})";
  const Model model = parse_model(text, "m.json");
  ASSERT_EQ(model.info.history.size(), 2u);  // the longest list
  EXPECT_TRUE(std::isnan(model.info.history[0].loss));
  EXPECT_EQ(model.info.history[0].accuracy, 0.5);
  EXPECT_TRUE(std::isnan(model.info.history[1].accuracy));
  EXPECT_EQ(model.info.history[0].val_loss, 2.5);
  EXPECT_TRUE(std::isnan(model.info.history[1].val_loss));
  const std::string saved = model_to_json(model);
  EXPECT_THAT(saved, HasSubstr("\"loss\": [null, null]"));
  const Model back = parse_model(saved, "m.json");
  EXPECT_EQ(model_to_json(back), saved);  // every figure survives the round trip
}

// "inputs" may claim 2^24 columns; rows that do not match must fail before a 2^24-wide matrix
// is allocated for every row listed.
TEST(ParserLimits, WeightRowsNotMatchingInputsRejectedBeforeAllocating) {
  std::string rows = "[1]";
  for (int i = 0; i < 20000; ++i) rows += ", [1]";
  const std::string text = R"({"format": "backprop-model", "version": 1, "inputs": 16777216,
      "loss": "mse", "layers": [{"activation": "relu", "weights": [)" +
                           rows + "], \"bias\": [0]}]}";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(
      error_of([&] { parse_model(text, "m.json"); }),
      "m.json: layers[0].weights[0]: expected 16777216 weights (the model's inputs), found 1");
  EXPECT_LT(seconds_since(start), 1.0);
  // One row too many for its bias, and "inputs" above the 2^24 cap.
  const std::string extra_row = R"({"format": "backprop-model", "version": 1, "inputs": 1,
      "loss": "mse", "layers": [
        {"activation": "relu", "weights": [[1], [2], [3]], "bias": [0, 0]}]})";
  EXPECT_EQ(
      error_of([&] { parse_model(extra_row, "m.json"); }),
      "m.json: layers[0].bias: expected 3 entries (one per unit, as rows of weights), found 2");
  const std::string too_wide = R"({"format": "backprop-model", "version": 1, "inputs": 16777217})";
  EXPECT_THAT(error_of([&] { parse_model(too_wide, "m.json"); }),
              HasSubstr("inputs: expected a positive integer, found number 16777217"));
}

TEST(ParserLimits, NonFiniteNumbersRejectedWhereverTheyAppear) {
  const auto model = [](const std::string& alpha, const std::string& bias) {
    return R"({"format": "backprop-model", "version": 1, "inputs": 2, "loss": "mse", "layers": [
        {"activation": "leaky_relu", "alpha": )" +
           alpha + R"(, "weights": [[1, 2]], "bias": [)" + bias + "]}]}";
  };
  EXPECT_EQ(parse_model(model("0.01", "1.7976931348623157e308"), "m").network.layer(0).b(0),
            1.7976931348623157e308);
  EXPECT_EQ(error_of([&] { parse_model(model("0.01", "-1e999"), "m"); }),
            "m: not a valid model file (number overflow parsing '-1e999')");
  EXPECT_THAT(error_of([&] { parse_model(model("1e400", "0"), "m"); }),
              HasSubstr("number overflow parsing '1e400'"));
  EXPECT_THAT(error_of([&] { parse_model(model("0.01", "Infinity"), "m"); }),
              HasSubstr("not valid JSON"));
  const std::string history = kHead + R"(, "training": {"history": {"loss": [1e999]}}})";
  EXPECT_THAT(error_of([&] { parse_model(history, "m"); }),
              HasSubstr("number overflow parsing '1e999'"));
  const std::string scale = kHead + R"(, "standardize": {"mean": [0, 1], "scale": [1, 0]}})";
  EXPECT_THAT(error_of([&] { parse_model(scale, "m"); }),
              HasSubstr("m: standardize.scale[1]: expected a positive number"));
}

}  // namespace
}  // namespace backprop
