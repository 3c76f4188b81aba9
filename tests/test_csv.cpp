// Tests for the strict CSV reader: each format rule is checked both for acceptance (values parsed
// right) and for the exact location and wording of its error message.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backprop/data/csv.h"
#include "backprop/error.h"

namespace backprop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A file under the test temp directory, unique per call, removed when the object dies.
class TempCsv {
 public:
  explicit TempCsv(const std::string& contents) {
    static std::atomic<int> counter{0};
    // Time plus a random draw keeps names apart across test processes run in parallel.
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count() ^
                       static_cast<long long>(std::random_device{}());
    path_ =
        (std::filesystem::temp_directory_path() /
         ("backprop_test_csv_" + std::to_string(stamp) + "_" + std::to_string(counter++) + ".csv"))
            .string();
    std::ofstream out(path_, std::ios::binary);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  }
  ~TempCsv() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempCsv(const TempCsv&) = delete;
  TempCsv& operator=(const TempCsv&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

CsvTable parse(const std::string& text, const std::string& source = "data.csv") {
  std::istringstream in(text);
  return parse_csv(in, source);
}

// The message of the Error thrown by parsing `text` as "data.csv"; fails the test if none.
std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::data);
    return e.what();
  }
  ADD_FAILURE() << "expected an Error for input: " << text;
  return "";
}

std::string number_error(const std::string& cell) {
  try {
    parse_number(cell, "data.csv", 7, 3, "x2");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::data);
    return e.what();
  }
  ADD_FAILURE() << "expected an Error for cell: '" << cell << "'";
  return "";
}

TEST(Csv, ParsesPlainFileTrimmingHeaderAndUnquotedCells) {
  const CsvTable t = parse(" a , b\t,c\n1, 2 ,\t3\n4,5,6\n");
  EXPECT_EQ(t.source, "data.csv");
  EXPECT_THAT(t.header, ElementsAre("a", "b", "c"));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_THAT(t.rows[0], ElementsAre("1", "2", "3"));
  EXPECT_THAT(t.rows[1], ElementsAre("4", "5", "6"));
  EXPECT_THAT(t.line_numbers, ElementsAre(2u, 3u));
}

TEST(Csv, ReadCsvReadsFileAndParseCsvMatches) {
  const std::string text = "x,y\n1,2\n3,4\n";
  TempCsv file(text);
  const CsvTable from_file = read_csv(file.path());
  const CsvTable from_stream = parse(text, file.path());
  EXPECT_EQ(from_file.source, file.path());
  EXPECT_EQ(from_file.header, from_stream.header);
  EXPECT_EQ(from_file.rows, from_stream.rows);
  EXPECT_EQ(from_file.line_numbers, from_stream.line_numbers);
}

TEST(Csv, ReadCsvMissingFileNamesFileAndReason) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "backprop_no_such_dir/none.csv").string();
  try {
    read_csv(path);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::data);
    EXPECT_THAT(e.what(), HasSubstr(path + ": cannot open"));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
}

TEST(Csv, QuotedFieldsWithCommasDoubledQuotesAndNewlines) {
  const CsvTable t = parse(
      "name,note\n"
      "\"Smith, J\",\"said \"\"hi\"\"\"\n"
      "\"two\nlines\",\"  kept  \"\n"
      "  \"spaced\"  ,\"\"\n");
  EXPECT_THAT(t.rows[0], ElementsAre("Smith, J", "said \"hi\""));
  EXPECT_THAT(t.rows[1], ElementsAre("two\nlines", "  kept  "));  // quoted text kept verbatim
  EXPECT_THAT(t.rows[2], ElementsAre("spaced", ""));
  // The second record spans physical lines 3-4, so the third starts on line 5.
  EXPECT_THAT(t.line_numbers, ElementsAre(2u, 3u, 5u));
}

TEST(Csv, CrlfAndBomParseIdenticallyToLf) {
  const std::string lf = "a,b\n1,\"x\ny\"\n\n3,4\n";
  const std::string crlf =
      "\xEF\xBB\xBF"  // separate literal, or "a" would extend the \xBF escape
      "a,b\r\n1,\"x\r\ny\"\r\n\r\n3,4\r\n";
  TempCsv lf_file(lf);
  TempCsv crlf_file(crlf);
  const CsvTable a = read_csv(lf_file.path());
  const CsvTable b = read_csv(crlf_file.path());
  EXPECT_THAT(b.header, ElementsAre("a", "b"));  // BOM not glued to the first name
  EXPECT_EQ(a.header, b.header);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.line_numbers, b.line_numbers);
  EXPECT_THAT(b.rows[0], ElementsAre("1", "x\ny"));
  EXPECT_THAT(b.line_numbers, ElementsAre(2u, 5u));
}

TEST(Csv, BlankLinesSkippedAnywhereAndTrailingNewlineOptional) {
  const CsvTable t = parse("\n  \n\r\na,b\n\n1,2\n \t\r\n3,4");
  EXPECT_THAT(t.header, ElementsAre("a", "b"));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_THAT(t.rows[1], ElementsAre("3", "4"));
  EXPECT_THAT(t.line_numbers, ElementsAre(6u, 8u));
  // A quoted empty cell is data, not a blank line.
  const CsvTable single = parse("a\n\"\"\n");
  ASSERT_EQ(single.rows.size(), 1u);
  EXPECT_THAT(single.rows[0], ElementsAre(""));
}

TEST(Csv, EmptyFileRejected) {
  EXPECT_EQ(parse_error(""), "data.csv: empty file, expected a header row");
  EXPECT_EQ(parse_error("\xEF\xBB\xBF"), "data.csv: empty file, expected a header row");
  EXPECT_EQ(parse_error("\n \r\n\n"), "data.csv: empty file, expected a header row");
}

TEST(Csv, HeaderOnlyRejected) {
  EXPECT_EQ(parse_error("a,b\n"), "data.csv: no data rows after the header (line 1)");
  EXPECT_EQ(parse_error("\n\na,b\n\n"), "data.csv: no data rows after the header (line 3)");
}

TEST(Csv, EmptyColumnNameRejected) {
  EXPECT_THAT(parse_error("a,b,,d\n1,2,3,4\n"), HasSubstr("data.csv:1:3: empty column name"));
  EXPECT_THAT(parse_error("a, \t ,c\n1,2,3\n"), HasSubstr("data.csv:1:2: empty column name"));
  EXPECT_THAT(parse_error("\n\"\",b\n1,2\n"), HasSubstr("data.csv:2:1: empty column name"));
}

TEST(Csv, DuplicateColumnNameRejectedNamingBothColumns) {
  const std::string msg = parse_error("x,y,z, y\n1,2,3,4\n");
  EXPECT_THAT(msg, HasSubstr("data.csv:1:4: duplicate column name 'y'"));
  EXPECT_THAT(msg, HasSubstr("columns 2 and 4"));
}

TEST(Csv, RaggedRowRejected) {
  EXPECT_EQ(parse_error("a,b,c\n1,2,3\n\n\n1,2,3,4\n"),
            "data.csv:5: expected 3 fields (as in the header), found 4");
  EXPECT_EQ(parse_error("a,b,c\n1,2\n"),
            "data.csv:2: expected 3 fields (as in the header), found 2");
}

TEST(Csv, UnterminatedQuoteNamesLineWhereItOpened) {
  const std::string msg = parse_error("a,b\n1,2\n3,\"open\nmore\nstill open\n");
  EXPECT_THAT(msg, HasSubstr("data.csv:3:2: unterminated quoted field"));
  EXPECT_THAT(msg, HasSubstr("opened on line 3"));
}

TEST(Csv, StrayQuoteInUnquotedFieldRejected) {
  EXPECT_THAT(parse_error("a,b\n1,2\n3,ab\"c\n"),
              HasSubstr("data.csv:3:2: unexpected '\"' inside unquoted field 'ab'"));
  EXPECT_THAT(parse_error("a,b\n\"x\"y,2\n"),
              HasSubstr("data.csv:2:1: expected ',' or end of line after the closing quote of a "
                        "quoted field, found 'y'"));
}

TEST(Csv, InvalidUtf8Rejected) {
  EXPECT_THAT(parse_error("a,b\n1,2\n3,4\n5,\xff\n"),
              HasSubstr("data.csv:4:2: invalid UTF-8 byte 0xff at byte 3 of the line"));
  // Structure checks: lone continuation, missing continuation, truncated, overlong, surrogate.
  EXPECT_THAT(parse_error("a\n\x80\n"), HasSubstr("data.csv:2:1: invalid UTF-8 byte 0x80"));
  EXPECT_THAT(parse_error("a,b\n1,x\xC3(\n"), HasSubstr("data.csv:2:2: invalid UTF-8 byte 0xc3"));
  EXPECT_THAT(parse_error("a\n\xE2\x82"), HasSubstr("data.csv:2:1: invalid UTF-8 byte 0xe2"));
  EXPECT_THAT(parse_error("a\n\xC0\xAF\n"), HasSubstr("data.csv:2:1: invalid UTF-8 byte 0xc0"));
  EXPECT_THAT(parse_error("a\n\xED\xA0\x80\n"), HasSubstr("invalid UTF-8 byte 0xed"));
  EXPECT_THAT(parse_error("a\n\xF4\x90\x80\x80\n"), HasSubstr("invalid UTF-8 byte 0xf4"));
  // Inside a quoted field that spans lines, the physical line is reported.
  EXPECT_THAT(parse_error("a,b\n1,\"x\ny\xfe\"\n"),
              HasSubstr("data.csv:3:2: invalid UTF-8 byte 0xfe at byte 2 of the line"));
  // Valid 2-, 3- and 4-byte sequences pass through untouched.
  const CsvTable t = parse("caf\xC3\xA9,\xE2\x82\xAC\n\xF0\x9F\x98\x80,\"\xC3\xBC\"\n");
  EXPECT_THAT(t.header, ElementsAre("caf\xC3\xA9", "\xE2\x82\xAC"));
  EXPECT_THAT(t.rows[0], ElementsAre("\xF0\x9F\x98\x80", "\xC3\xBC"));
}

TEST(Csv, VeryLongLinesParseInLinearTime) {
  const std::size_t length = 5'000'000;
  const std::string long_cell(length, 'x');
  const std::string quoted_cell(length, ',');
  const std::string text = "id,blob,quoted\n1," + long_cell + ",\"" + quoted_cell + "\"\n2,b,c\n";
  TempCsv file(text);
  const CsvTable t = read_csv(file.path());
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1].size(), length);
  EXPECT_EQ(t.rows[0][2], quoted_cell);
  EXPECT_THAT(t.line_numbers, ElementsAre(2u, 3u));

  // A wide file: a million columns, so per-field work (e.g. duplicate checks) must be cheap.
  std::string wide_header = "c0";
  std::string wide_row = "0";
  const std::size_t fields = 1'000'000;
  for (std::size_t i = 1; i < fields; ++i) {
    wide_header += ",c" + std::to_string(i);
    wide_row += ",1";
  }
  const CsvTable wide = parse(wide_header + "\n" + wide_row + "\n");
  EXPECT_EQ(wide.header.size(), fields);
  EXPECT_EQ(wide.rows[0].size(), fields);
  EXPECT_EQ(wide.column_index("c999999"), fields - 1);
}

TEST(Csv, ParseNumberAcceptsDecimalAndScientific) {
  const auto num = [](const std::string& cell) {
    return parse_number(cell, "data.csv", 2, 1, "x");
  };
  EXPECT_EQ(num("1"), 1.0);
  EXPECT_EQ(num(" \t-2.5 \t"), -2.5);
  EXPECT_EQ(num("+.5"), 0.5);
  EXPECT_EQ(num("3."), 3.0);
  EXPECT_EQ(num("1e-3"), 1e-3);
  EXPECT_EQ(num("-1.25E+2"), -125.0);
  EXPECT_EQ(num("0.1"), 0.1);        // correctly rounded
  EXPECT_EQ(num("1e-310"), 1e-310);  // subnormal kept
  EXPECT_EQ(num("1e-400"), 0.0);     // underflow rounds to zero, as strtod does
  EXPECT_TRUE(std::signbit(num("-1e-400")));
  EXPECT_EQ(num("1.7976931348623157e308"), 1.7976931348623157e308);
}

TEST(Csv, ParseNumberRejectsNonNumericCell) {
  EXPECT_EQ(number_error("abc"),
            "data.csv:7:3 (column 'x2'): expected a finite number, found 'abc'");
  EXPECT_THAT(number_error(""), HasSubstr("data.csv:7:3 (column 'x2'): expected a finite number"));
  EXPECT_THAT(number_error("  "), HasSubstr("data.csv:7:3 (column 'x2')"));
  for (const char* bad : {"1.2.3", "1e", "e5", "1 2", "--1", "+", ".", "1,5", "12abc", "0x10"}) {
    EXPECT_THAT(number_error(bad), HasSubstr(std::string("found '") + bad + "'")) << bad;
  }
}

TEST(Csv, ParseNumberRejectsNonFinite) {
  for (const char* bad : {"nan", "NaN", "-nan", "inf", "-Inf", "INFINITY", "infinity", "1e999",
                          "-1e999", "0x1p3", "1e400000000000000000000"}) {
    const std::string expected =
        std::string("data.csv:7:3 (column 'x2'): expected a finite number, found '") + bad + "'";
    EXPECT_THAT(number_error(bad), HasSubstr(expected)) << bad;
  }
}

TEST(Csv, NumericColumnsShapeAndValues) {
  const CsvTable t = parse("id,x1,label,x2\nA,1,cat,10\nB,2,dog,20\nC,3,cat,30\n");
  const Matrix<double> m = numeric_columns(t, {t.column_index("x2"), t.column_index("x1")});
  ASSERT_EQ(m.rows(), 2);  // one row per selected column, in the order given
  ASSERT_EQ(m.cols(), 3);  // one column per sample
  EXPECT_EQ(m(0, 0), 10.0);
  EXPECT_EQ(m(0, 2), 30.0);
  EXPECT_EQ(m(1, 0), 1.0);
  EXPECT_EQ(m(1, 1), 2.0);
  EXPECT_EQ(m(1, 2), 3.0);
}

TEST(Csv, NumericColumnsErrorNamesFileLineAndColumn) {
  // The bad row starts on physical line 4 (the quoted cell above spans two lines).
  const CsvTable t = parse("id,x1,x2\n\"a\nb\",1,2\nc,3,abc\n", "train.csv");
  try {
    numeric_columns(t, {1, 2});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "train.csv:4:3 (column 'x2'): expected a finite number, found 'abc'");
  }
  try {
    numeric_columns(parse("a,b\n1,inf\n"), {1});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("data.csv:2:2 (column 'b'): expected a finite number, "
                                    "found 'inf'"));
  }
  EXPECT_THROW(numeric_columns(t, {3}), Error);  // index out of range
}

TEST(Csv, ColumnIndexFindsNameOrListsColumns) {
  const CsvTable t = parse("a,b,c\n1,2,3\n");
  EXPECT_EQ(t.column_index("a"), 0u);
  EXPECT_EQ(t.column_index("c"), 2u);
  try {
    t.column_index("x");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::data);
    EXPECT_EQ(std::string(e.what()), "data.csv: no column 'x' (columns: a, b, c)");
  }
}

}  // namespace
}  // namespace backprop
