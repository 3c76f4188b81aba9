// Tests for the IDX reader and the Fashion-MNIST loader: small raw and gzip files written to a
// temporary directory, every header and size check with its message, forged headers that must
// fail before allocating, and (when Debian's dataset-fashion-mnist is installed) the real test set.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backprop/data/idx.h"
#include "backprop/error.h"

namespace backprop {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// A fresh directory under the system temp directory, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    // Time plus a random draw keeps names apart across test processes run in parallel.
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count() ^
                       static_cast<long long>(std::random_device{}());
    path_ = fs::temp_directory_path() /
            ("backprop_test_idx_" + std::to_string(stamp) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// An IDX header (magic, type, dims big-endian) followed by `data`.
Bytes idx_bytes(const std::vector<std::uint32_t>& dims, const Bytes& data,
                std::uint8_t type = 0x08) {
  Bytes out = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<std::uint8_t>(d >> shift));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes iota_bytes(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return out;
}

void write_raw(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Gzip through zlib's own writer; mode "ab" appends a second member to an existing file.
void write_gz(const std::string& path, const Bytes& bytes, const char* mode = "wb") {
  gzFile gz = gzopen(path.c_str(), mode);
  ASSERT_NE(gz, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
  }
  ASSERT_EQ(gzclose(gz), Z_OK);
}

Bytes slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The message of the backprop::Error that `f` throws ("" and a test failure if it throws none).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::data);
    return e.what();
  }
  ADD_FAILURE() << "expected a backprop::Error";
  return "";
}

::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// --- read_idx: accepted files ---------------------------------------------------------------

TEST(ReadIdx, RoundTripsDimsAndBytes) {
  TempDir dir;
  const std::vector<std::vector<std::uint32_t>> shapes = {{5}, {2, 3}, {2, 3, 4}, {2, 1, 3, 2}};
  for (const auto& shape : shapes) {
    std::size_t n = 1;
    for (auto d : shape) n *= d;
    const Bytes data = iota_bytes(n);
    const std::string path = dir.file("a.idx");
    write_raw(path, idx_bytes(shape, data));
    const IdxArray a = read_idx(path);
    EXPECT_EQ(a.dims, std::vector<std::size_t>(shape.begin(), shape.end()));
    EXPECT_EQ(a.data, data);
  }
}

TEST(ReadIdx, GzipEqualsRaw) {
  TempDir dir;
  std::mt19937 rng(7);
  Bytes data(3 * 5 * 7);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  const Bytes file = idx_bytes({3, 5, 7}, data);
  write_raw(dir.file("a.idx"), file);
  write_gz(dir.file("a.idx.gz"), file);
  const IdxArray raw = read_idx(dir.file("a.idx"));
  const IdxArray gz = read_idx(dir.file("a.idx.gz"));
  EXPECT_EQ(gz.dims, raw.dims);
  EXPECT_EQ(gz.data, raw.data);
  EXPECT_EQ(gz.data, data);
}

TEST(ReadIdx, GzipDetectedByMagicNotByName) {
  TempDir dir;
  const Bytes file = idx_bytes({4}, {1, 2, 3, 4});
  write_gz(dir.file("no_suffix"), file);
  write_raw(dir.file("raw.gz"), file);
  EXPECT_EQ(read_idx(dir.file("no_suffix")).data, Bytes({1, 2, 3, 4}));
  EXPECT_EQ(read_idx(dir.file("raw.gz")).data, Bytes({1, 2, 3, 4}));
}

TEST(ReadIdx, LargerGzipSpanningManyChunks) {
  // 3 MB: more than the staging buffer and the growth chunk, with incompressible data.
  TempDir dir;
  std::mt19937 rng(11);
  Bytes data(3u << 20);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng() >> 24);
  write_gz(dir.file("big.gz"), idx_bytes({3, 1024, 1024}, data));
  const IdxArray a = read_idx(dir.file("big.gz"));
  EXPECT_EQ(a.dims, std::vector<std::size_t>({3, 1024, 1024}));
  EXPECT_TRUE(a.data == data);
}

TEST(ReadIdx, ConcatenatedGzipMembersAreOneStream) {
  // `cat a.gz b.gz` is valid gzip; zlib's "ab" mode writes such a second member.
  TempDir dir;
  const Bytes file = idx_bytes({2, 3}, iota_bytes(6));
  const std::string path = dir.file("two.gz");
  write_gz(path, Bytes(file.begin(), file.begin() + 7));
  write_gz(path, Bytes(file.begin() + 7, file.end()), "ab");
  EXPECT_EQ(read_idx(path).data, iota_bytes(6));
}

TEST(ReadIdx, ZeroDimensionGivesEmptyData) {
  TempDir dir;
  write_raw(dir.file("a.idx"), idx_bytes({0, 28, 28}, {}));
  write_gz(dir.file("a.gz"), idx_bytes({4000000000u, 0}, {}));
  const IdxArray raw = read_idx(dir.file("a.idx"));
  EXPECT_EQ(raw.dims, std::vector<std::size_t>({0, 28, 28}));
  EXPECT_TRUE(raw.data.empty());
  const IdxArray gz = read_idx(dir.file("a.gz"));
  EXPECT_EQ(gz.dims, std::vector<std::size_t>({4000000000u, 0}));
  EXPECT_TRUE(gz.data.empty());
}

// --- read_idx: header errors ----------------------------------------------------------------

TEST(ReadIdx, WrongMagic) {
  TempDir dir;
  const std::string path = dir.file("a.idx");
  Bytes file = idx_bytes({4}, {1, 2, 3, 4});
  file[1] = 0x01;
  write_raw(path, file);
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": not an IDX file: it starts with 0x00 0x01, expected 0x00 0x00");

  write_raw(path, Bytes{'h', 'e', 'l', 'l', 'o', '\n'});
  EXPECT_TRUE(contains(error_of([&] { read_idx(path); }), "not an IDX file"));

  const std::string gz = dir.file("a.gz");
  write_gz(gz, Bytes{'h', 'e', 'l', 'l', 'o', '\n'});
  EXPECT_EQ(error_of([&] { read_idx(gz); }),
            gz + ": not an IDX file: it starts with 0x68 0x65 (after gzip decompression), "
                 "expected 0x00 0x00");
}

TEST(ReadIdx, UnsupportedType) {
  TempDir dir;
  const std::string path = dir.file("f.idx");
  write_raw(path, idx_bytes({1}, {0, 0, 0, 0}, 0x0D));
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": IDX type 0x0d (float) is not supported; expected 0x08 (unsigned byte)");
  write_raw(path, idx_bytes({1}, {0}, 0x42));
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": IDX type 0x42 (unknown) is not supported; expected 0x08 (unsigned byte)");
}

TEST(ReadIdx, DimensionCountOutOfRange) {
  TempDir dir;
  const std::string path = dir.file("a.idx");
  write_raw(path, Bytes{0, 0, 8, 0});
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": IDX header declares 0 dimensions; expected 1 to 4");
  write_raw(path, idx_bytes({1, 1, 1, 1, 1}, {7}));
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": IDX header declares 5 dimensions; expected 1 to 4");
}

TEST(ReadIdx, TruncatedHeader) {
  TempDir dir;
  const std::string path = dir.file("a.idx");
  write_raw(path, Bytes{});
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": truncated header: expected at least 4 bytes, found 0");
  write_raw(path, Bytes{0, 0, 8});
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": truncated header: expected at least 4 bytes, found 3");
  const Bytes full = idx_bytes({60000, 28, 28}, {});
  write_raw(path, Bytes(full.begin(), full.begin() + 10));
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": truncated header: expected 16 bytes for 3 dimensions, found 10");
  const std::string gz = dir.file("a.gz");
  write_gz(gz, Bytes(full.begin(), full.begin() + 10));
  EXPECT_EQ(error_of([&] { read_idx(gz); }),
            gz + ": truncated header: expected 16 bytes (after gzip decompression) for 3 "
                 "dimensions, found 10");
}

// --- read_idx: data size errors -------------------------------------------------------------

TEST(ReadIdx, TruncatedDataRaw) {
  TempDir dir;
  const std::string path = dir.file("a.idx");
  write_raw(path, idx_bytes({2, 3, 4}, iota_bytes(10)));
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": truncated: expected 24 data bytes (2x3x4), found 10");
}

TEST(ReadIdx, TruncatedDataGzip) {
  TempDir dir;
  const std::string path = dir.file("a.gz");
  write_gz(path, idx_bytes({2, 3, 4}, iota_bytes(10)));
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": truncated: expected 24 data bytes (2x3x4), found 10");
}

TEST(ReadIdx, GzipStreamCutShort) {
  TempDir dir;
  std::mt19937 rng(3);
  Bytes data(4000);
  for (auto& b : data) b = static_cast<std::uint8_t>(rng());
  const std::string path = dir.file("a.gz");
  write_gz(path, idx_bytes({4000}, data));
  const Bytes whole = slurp(path);

  // Cut in the middle of the compressed data: fewer bytes come out.
  write_raw(path, Bytes(whole.begin(), whole.begin() + static_cast<long>(whole.size() / 2)));
  const std::string half = error_of([&] { read_idx(path); });
  EXPECT_TRUE(contains(half, path + ": truncated: expected 4000 data bytes (4000), found "));
  EXPECT_TRUE(contains(half, "(gzip stream cut short: unexpected end of file)"));

  // Only the CRC-32 and length trailer missing: the data is all there but unverified.
  write_raw(path, Bytes(whole.begin(), whole.end() - 8));
  EXPECT_TRUE(contains(error_of([&] { read_idx(path); }),
                       path + ": truncated gzip stream (zlib: unexpected end of file)"));
}

TEST(ReadIdx, TrailingData) {
  TempDir dir;
  const std::string path = dir.file("a.idx");
  write_raw(path, idx_bytes({2, 3}, iota_bytes(9)));
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": trailing data: expected 6 data bytes (2x3), found 9");
  const std::string gz = dir.file("a.gz");
  write_gz(gz, idx_bytes({2, 3}, iota_bytes(9)));
  EXPECT_EQ(error_of([&] { read_idx(gz); }),
            gz + ": trailing data: expected 6 data bytes (2x3), found 9");
}

TEST(ReadIdx, GarbageAfterGzipStream) {
  TempDir dir;
  const std::string path = dir.file("a.gz");
  write_gz(path, idx_bytes({2}, {1, 2}));
  Bytes file = slurp(path);
  file.push_back('x');
  write_raw(path, file);
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": unexpected bytes after the end of the gzip stream");
}

TEST(ReadIdx, CorruptGzip) {
  TempDir dir;
  const std::string path = dir.file("a.gz");
  write_gz(path, idx_bytes({2, 3}, iota_bytes(6)));
  const Bytes good = slurp(path);

  // Byte 10 starts the deflate data (no name in zlib's header); 0xff sets block type 3.
  Bytes bad = good;
  bad[10] = 0xFF;
  write_raw(path, bad);
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": corrupt gzip stream (zlib: invalid block type)");

  // A flipped bit in the CRC-32: the data inflates but fails its check.
  bad = good;
  bad[bad.size() - 8] ^= 0x01;
  write_raw(path, bad);
  EXPECT_EQ(error_of([&] { read_idx(path); }),
            path + ": corrupt gzip stream (zlib: incorrect data check)");
}

// A claimed size far beyond the file must fail in the header check: allocating it would throw
// std::bad_alloc (not backprop::Error) or take visible time to zero-fill.
TEST(ReadIdx, AbsurdDimensionsFailFast) {
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  const std::string raw = dir.file("a.idx");
  const std::string gz = dir.file("a.gz");

  // The product overflows 64 bits.
  write_raw(raw, idx_bytes({4000000000u, 4000000000u, 4000000000u}, {1, 2, 3}));
  EXPECT_EQ(error_of([&] { read_idx(raw); }),
            raw +
                ": IDX dimensions 4000000000x4000000000x4000000000 are absurd: their product "
                "overflows 64 bits");
  write_gz(gz, idx_bytes({4000000000u, 4000000000u, 4000000000u}, {1, 2, 3}));
  EXPECT_TRUE(contains(error_of([&] { read_idx(gz); }), "overflows 64 bits"));

  // 4 billion x 4 billion fits in 64 bits (1.6e19) but not in the file.
  write_raw(raw, idx_bytes({4000000000u, 4000000000u}, {1, 2, 3}));
  EXPECT_EQ(error_of([&] { read_idx(raw); }),
            raw +
                ": truncated: expected 16000000000000000000 data bytes "
                "(4000000000x4000000000), found 3");
  write_gz(gz, idx_bytes({4000000000u, 4000000000u}, {1, 2, 3}));
  EXPECT_TRUE(contains(error_of([&] { read_idx(gz); }), "above the limit of 2147483648"));

  // 2 GiB: within the gzip cap but impossible from a file of a few dozen bytes.
  write_raw(raw, idx_bytes({1u << 31}, {1, 2, 3}));
  EXPECT_EQ(error_of([&] { read_idx(raw); }),
            raw + ": truncated: expected 2147483648 data bytes (2147483648), found 3");
  write_gz(gz, idx_bytes({1u << 31}, {1, 2, 3}));
  const std::string gz_size = std::to_string(fs::file_size(gz));
  EXPECT_EQ(error_of([&] { read_idx(gz); }),
            gz + ": truncated: expected 2147483648 data bytes (2147483648), but a gzip file of " +
                gz_size + " bytes inflates to at most " +
                std::to_string(std::stoull(gz_size) * 1032));

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 0.5);
}

// --- read_idx: file system errors -----------------------------------------------------------

TEST(ReadIdx, MissingOrUnreadableFile) {
  TempDir dir;
  const std::string missing = dir.file("nope.idx");
  EXPECT_EQ(error_of([&] { read_idx(missing); }),
            missing + ": cannot open (No such file or directory)");
  EXPECT_EQ(error_of([&] { read_idx(dir.path()); }), dir.path() + ": cannot read (Is a directory)");
}

// Every failure path closes the file: the count of open descriptors does not grow.
TEST(ReadIdx, NoDescriptorLeakOnErrors) {
  if (!fs::exists("/proc/self/fd")) GTEST_SKIP() << "no /proc/self/fd to count descriptors";
  TempDir dir;
  write_raw(dir.file("bad.idx"), Bytes{0, 1, 8, 1});
  Bytes corrupt = idx_bytes({2}, {1, 2});
  write_gz(dir.file("bad.gz"), corrupt);
  corrupt = slurp(dir.file("bad.gz"));
  corrupt[10] = 0xFF;
  write_raw(dir.file("bad.gz"), corrupt);
  const auto count = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
  };
  const auto before = count();
  for (int i = 0; i < 20; ++i) {
    error_of([&] { read_idx(dir.path()); });
    error_of([&] { read_idx(dir.file("bad.idx")); });
    error_of([&] { read_idx(dir.file("bad.gz")); });
  }
  EXPECT_EQ(count(), before);
}

// A pipe has no size to check up front: the streaming path reads it and still checks sizes.
TEST(ReadIdx, ReadsFromAPipe) {
  TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto through_pipe = [&](const Bytes& bytes) {
    std::thread writer([&] { write_raw(fifo, bytes); });
    std::string error;
    IdxArray a;
    try {
      a = read_idx(fifo);
    } catch (const Error& e) {
      error = e.what();
    }
    writer.join();
    return std::make_pair(a, error);
  };
  const auto good = through_pipe(idx_bytes({2, 3}, iota_bytes(6)));
  EXPECT_EQ(good.second, "");
  EXPECT_EQ(good.first.data, iota_bytes(6));
  EXPECT_EQ(through_pipe(idx_bytes({2, 3}, iota_bytes(4))).second,
            fifo + ": truncated: expected 6 data bytes (2x3), found 4");
  EXPECT_EQ(through_pipe(idx_bytes({2, 3}, iota_bytes(8))).second,
            fifo + ": trailing data: expected 6 data bytes (2x3), found 8");
}

// --- load_fashion_mnist ---------------------------------------------------------------------

// Three 2x2 images with labels {0, 9, 4}: images gzip-compressed, labels raw, to exercise both
// names (NAME.gz first, then NAME).
void write_fake_set(const TempDir& dir, const std::string& prefix, const Bytes& labels = {0, 9, 4},
                    std::uint32_t n_images = 3) {
  Bytes pixels(n_images * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 20);
  pixels[0] = 255;
  write_gz(dir.file(prefix + "-images-idx3-ubyte.gz"), idx_bytes({n_images, 2, 2}, pixels));
  write_raw(dir.file(prefix + "-labels-idx1-ubyte"),
            idx_bytes({static_cast<std::uint32_t>(labels.size())}, labels));
}

TEST(FashionMnist, LoadsTinyFakeSet) {
  TempDir dir;
  write_fake_set(dir, "t10k");
  const LabelledImages set = load_fashion_mnist(dir.path(), false);
  EXPECT_EQ(set.rows, 2u);
  EXPECT_EQ(set.cols, 2u);
  ASSERT_EQ(set.x.rows(), 4);
  ASSERT_EQ(set.x.cols(), 3);
  // Column k is image k; within it pixels run row by row: (r, c) is entry r*cols + c.
  for (int k = 0; k < 3; ++k)
    for (int p = 0; p < 4; ++p) {
      const int byte = (k == 0 && p == 0) ? 255 : (k * 4 + p) * 20;
      EXPECT_EQ(set.x(p, k), static_cast<float>(byte) / 255.0f) << "image " << k << " pixel " << p;
    }
  EXPECT_EQ(set.x(0, 0), 1.0f);
  EXPECT_EQ(set.labels, std::vector<int>({0, 9, 4}));
  EXPECT_EQ(set.class_names, fashion_mnist_classes());
  ASSERT_EQ(set.class_names.size(), 10u);
  EXPECT_EQ(set.class_names[0], "T-shirt/top");
  EXPECT_EQ(set.class_names[9], "Ankle boot");
  EXPECT_EQ(set.source, dir.file("t10k-images-idx3-ubyte.gz"));
}

TEST(FashionMnist, TrainFlagPicksTrainFiles) {
  TempDir dir;
  write_fake_set(dir, "train", {1, 2});
  // Only train-* exists, with two labels but three images.
  EXPECT_TRUE(
      contains(error_of([&] { load_fashion_mnist(dir.path(), true); }), "holds 2 labels but"));
  EXPECT_TRUE(contains(error_of([&] { load_fashion_mnist(dir.path(), false); }),
                       dir.file("t10k-images-idx3-ubyte.gz") + ": cannot open"));
  write_fake_set(dir, "train");
  EXPECT_EQ(load_fashion_mnist(dir.path(), true).labels, std::vector<int>({0, 9, 4}));
}

TEST(FashionMnist, LabelOutOfRange) {
  TempDir dir;
  write_fake_set(dir, "t10k", {3, 10, 12});
  EXPECT_EQ(error_of([&] { load_fashion_mnist(dir.path(), false); }),
            dir.file("t10k-labels-idx1-ubyte") +
                ": label 10 at index 1 is out of range; expected 0 to 9");
}

TEST(FashionMnist, CountMismatch) {
  TempDir dir;
  write_fake_set(dir, "t10k", {0, 1, 2, 3});
  const std::string labels = dir.file("t10k-labels-idx1-ubyte");
  const std::string images = dir.file("t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(error_of([&] { load_fashion_mnist(dir.path(), false); }),
            labels + ": holds 4 labels but " + images + " holds 3 images; expected one label each");
}

TEST(FashionMnist, WrongDimensionality) {
  TempDir dir;
  write_fake_set(dir, "t10k");
  const std::string images = dir.file("t10k-images-idx3-ubyte.gz");
  write_gz(images, idx_bytes({3, 4}, iota_bytes(12)));
  EXPECT_EQ(error_of([&] { load_fashion_mnist(dir.path(), false); }),
            images + ": expected 3-D images (N x rows x cols), found dimensions 3x4");
  write_fake_set(dir, "t10k");
  const std::string labels = dir.file("t10k-labels-idx1-ubyte");
  write_raw(labels, idx_bytes({3, 1}, {0, 1, 2}));
  EXPECT_EQ(error_of([&] { load_fashion_mnist(dir.path(), false); }),
            labels + ": expected a 1-D label file (N), found dimensions 3x1");
}

TEST(FashionMnist, MissingDirectory) {
  TempDir dir;
  const std::string missing = dir.file("no-such-dir");
  EXPECT_EQ(error_of([&] { load_fashion_mnist(missing, true); }),
            missing +
                "/train-images-idx3-ubyte.gz: cannot open (No such file or directory); install "
                "Debian's dataset-fashion-mnist or give the directory that holds its files");
}

// --- the real data set ------------------------------------------------------------------------

// The first `n` inflated bytes of a gzip file, read with zlib directly (not through read_idx).
Bytes gz_prefix(const std::string& path, unsigned n) {
  Bytes out(n);
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) return {};
  const int got = gzread(gz, out.data(), n);
  gzclose(gz);
  out.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
  return out;
}

TEST(FashionMnist, RealTestSetIfInstalled) {
  const std::string dir = kFashionMnistDir;
  if (!fs::exists(dir + "/t10k-images-idx3-ubyte.gz") ||
      !fs::exists(dir + "/t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed in " << dir;

  const LabelledImages set = load_fashion_mnist(dir, false);
  EXPECT_EQ(set.rows, 28u);
  EXPECT_EQ(set.cols, 28u);
  ASSERT_EQ(set.x.rows(), 784);
  ASSERT_EQ(set.x.cols(), 10000);
  ASSERT_EQ(set.labels.size(), 10000u);
  EXPECT_EQ(set.source, dir + "/t10k-images-idx3-ubyte.gz");
  std::vector<int> per_class(10, 0);
  for (int label : set.labels) {
    ASSERT_GE(label, 0);
    ASSERT_LT(label, 10);
    ++per_class[label];
  }
  EXPECT_EQ(per_class, std::vector<int>(10, 1000));  // the test set is balanced
  EXPECT_GE(set.x.minCoeff(), 0.0f);
  EXPECT_LE(set.x.maxCoeff(), 1.0f);

  // Independent decode: header, first label (offset 8) and first image (offset 16).
  const Bytes labels = gz_prefix(dir + "/t10k-labels-idx1-ubyte.gz", 9);
  ASSERT_EQ(labels.size(), 9u);
  EXPECT_EQ(labels[2], 0x08);
  EXPECT_EQ(labels[3], 1);
  EXPECT_EQ(set.labels[0], labels[8]);
  EXPECT_EQ(set.labels[0], 9);  // the first test image is an ankle boot
  const Bytes images = gz_prefix(dir + "/t10k-images-idx3-ubyte.gz", 16 + 784);
  ASSERT_EQ(images.size(), 16u + 784u);
  for (int p = 0; p < 784; ++p)
    ASSERT_EQ(set.x(p, 0), static_cast<float>(images[16 + p]) / 255.0f) << "pixel " << p;
}

}  // namespace
}  // namespace backprop
