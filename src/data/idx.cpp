// idx.cpp — IDX reader (raw or gzip) and the Fashion-MNIST loader; see backprop/data/idx.h.
//
// The file is read through one small Input class that sniffs the first two bytes: 0x1f 0x8b
// means gzip and the rest goes through zlib's inflate(), anything else is passed through as is.
// inflate() is driven directly (not gzread) so that the count of bytes produced is exact even
// when the compressed stream is cut short, and so that garbage after the gzip stream is an error
// instead of being silently skipped.
//
// Nothing is allocated from the header's word alone: for a raw regular file the declared size
// is checked against the file size before the data buffer exists; for gzip (or a pipe) the size
// is capped, the buffer starts at most 64 MiB and only grows as inflated bytes actually arrive.

#include "backprop/data/idx.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

#include "backprop/error.h"

namespace backprop {
namespace {

// Largest data size accepted when the real size is unknown up front (gzip, pipes): 2 GiB is far
// above any IDX data set in use (Fashion-MNIST's training images are 47 MB).
constexpr std::uint64_t kMaxStreamBytes = std::uint64_t{1} << 31;

// Initial reservation for streams; the buffer grows past it only as data really arrives.
constexpr std::uint64_t kInitialReserve = std::uint64_t{64} << 20;

// Bytes requested per read or inflate step while the buffer grows.
constexpr std::size_t kChunk = std::size_t{1} << 20;

// Deflate can expand by at most 1032:1 (a 258-byte match coded in 2 bits), so a gzip file of S
// bytes can never inflate to more than this many bytes per compressed byte.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

std::string hex_byte(unsigned byte) {
  static const char digits[] = "0123456789abcdef";
  std::string out = "0x";
  out.push_back(digits[(byte >> 4) & 0xF]);
  out.push_back(digits[byte & 0xF]);
  return out;
}

std::string errno_text(int err) { return std::generic_category().message(err); }

const char* idx_type_name(unsigned type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
    default:
      return "unknown";
  }
}

template <typename T>
std::string dims_text(const std::vector<T>& dims) {
  std::string out;
  for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? "x" : "") + std::to_string(dims[i]);
  return out;
}

// A file (or bytes in memory) opened for sequential reading, transparently inflating gzip.
class Input {
 public:
  explicit Input(const std::string& path) : path_(path) {
    do {
      fd_.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd_.fd < 0 && errno == EINTR);
    if (fd_.fd < 0) throw Error(path + ": cannot open (" + errno_text(errno) + ")");
    struct stat st {};
    if (::fstat(fd_.fd, &st) != 0) throw Error(path + ": cannot read (" + errno_text(errno) + ")");
    // Reading a directory fails with EISDIR anyway; saying so before anything else is clearer.
    if (S_ISDIR(st.st_mode)) throw Error(path + ": cannot read (" + errno_text(EISDIR) + ")");
    if (S_ISREG(st.st_mode)) {
      regular_ = true;
      file_size_ = static_cast<std::uint64_t>(st.st_size);
    }
    start(std::size_t{256} << 10);
  }

  // Bytes already in memory read exactly like a regular file of that size, so that parse_idx
  // (and the fuzzer through it) exercises the same checks as read_idx. `bytes` must outlive this.
  Input(std::string_view bytes, const std::string& source)
      : path_(source), memory_(bytes), in_memory_(true) {
    regular_ = true;
    file_size_ = bytes.size();
    // No point staging more than there is; 2 bytes are needed to sniff the gzip magic.
    start(std::clamp<std::size_t>(bytes.size(), 2, std::size_t{256} << 10));
  }

  ~Input() {
    if (zs_ready_) inflateEnd(&zs_);
  }

  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  bool gzip() const { return gzip_; }
  bool regular() const { return regular_; }
  std::uint64_t file_size() const { return file_size_; }
  // The gzip stream ended before its last member did (no end-of-stream marker or checksum).
  bool cut() const { return cut_; }
  std::string zlib_message() const { return zlib_msg_; }

  // Reads up to n bytes into dst; fewer only at the end of the (inflated) data. Throws on I/O
  // errors and corrupt gzip streams; a gzip stream cut short sets cut() and ends the data.
  std::size_t read(unsigned char* dst, std::size_t n) {
    if (n == 0) return 0;  // an empty vector's data() may be null, which memcpy must not see
    return gzip_ ? read_gzip(dst, n) : read_raw(dst, n);
  }

 private:
  // Allocates the staging buffer and sniffs the gzip magic.
  void start(std::size_t buffer_size) {
    buf_.resize(buffer_size);
    fill(2);
    gzip_ = avail_ >= 2 && buf_[pos_] == 0x1f && buf_[pos_ + 1] == 0x8b;
    if (gzip_) {
      // 16 + MAX_WBITS: expect a gzip wrapper (header and CRC-32/length trailer), nothing else.
      if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK)
        throw Error(path_ + ": cannot start gzip decompression (" +
                    (zs_.msg ? std::string(zs_.msg) : std::string("zlib initialisation failed")) +
                    ")");
      zs_ready_ = true;
    }
  }

  // Ensures at least `want` unread bytes in buf_ if the file has them (compacting first).
  void fill(std::size_t want) {
    if (avail_ >= want || eof_) return;
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, avail_);
      pos_ = 0;
    }
    while (avail_ < want && !eof_) {
      const std::size_t got = sys_read(buf_.data() + avail_, buf_.size() - avail_);
      if (got == 0) eof_ = true;
      avail_ += got;
    }
  }

  std::size_t sys_read(unsigned char* dst, std::size_t n) {
    if (in_memory_) {
      const std::size_t got = std::min(n, memory_.size() - memory_pos_);
      if (got > 0) std::memcpy(dst, memory_.data() + memory_pos_, got);
      memory_pos_ += got;
      return got;
    }
    for (;;) {
      const ssize_t got = ::read(fd_.fd, dst, n);
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) throw Error(path_ + ": cannot read (" + errno_text(errno) + ")");
    }
  }

  std::size_t read_raw(unsigned char* dst, std::size_t n) {
    std::size_t done = std::min(n, avail_);
    std::memcpy(dst, buf_.data() + pos_, done);
    pos_ += done;
    avail_ -= done;
    // Large remainders go straight from the file into dst, skipping the staging buffer.
    while (done < n && !eof_) {
      const std::size_t got = sys_read(dst + done, n - done);
      if (got == 0) eof_ = true;
      done += got;
    }
    return done;
  }

  std::size_t read_gzip(unsigned char* dst, std::size_t n) {
    std::size_t done = 0;
    while (done < n && !finished_) {
      if (member_ended_) {
        // gzip allows several members back to back (`cat a.gz b.gz`); anything else after the
        // end of a member is not gzip data and would otherwise go unnoticed.
        fill(2);
        if (avail_ == 0) {
          finished_ = true;
          break;
        }
        if (avail_ < 2 || buf_[pos_] != 0x1f || buf_[pos_ + 1] != 0x8b)
          throw Error(path_ + ": unexpected bytes after the end of the gzip stream");
        inflateReset(&zs_);
        member_ended_ = false;
      }
      if (avail_ == 0) fill(1);
      zs_.next_in = buf_.data() + pos_;
      zs_.avail_in = static_cast<uInt>(avail_);
      // uInt is 32 bits: ask for at most 1 GiB per call.
      const std::size_t ask = std::min<std::size_t>(n - done, std::size_t{1} << 30);
      zs_.next_out = dst + done;
      zs_.avail_out = static_cast<uInt>(ask);
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      const std::size_t used = avail_ - zs_.avail_in;
      pos_ += used;
      avail_ -= used;
      const std::size_t produced = ask - zs_.avail_out;
      done += produced;
      if (ret == Z_STREAM_END) {
        member_ended_ = true;
      } else if (ret == Z_BUF_ERROR || (ret == Z_OK && used == 0 && produced == 0)) {
        // No progress possible: only legitimate if more input is coming.
        if (avail_ == 0 && eof_) {
          cut_ = true;
          zlib_msg_ = "unexpected end of file";
          finished_ = true;
        } else if (avail_ > 0 && used == 0 && produced == 0) {
          // zlib documents no such case; without this guard it would be an endless loop.
          throw Error(path_ + ": corrupt gzip stream (zlib: no progress)");
        }
      } else if (ret != Z_OK) {
        throw Error(path_ + ": corrupt gzip stream (zlib: " + inflate_failure(ret) + ")");
      }
    }
    return done;
  }

  // zlib's own message when it gives one (e.g. "incorrect data check"), else the code's meaning.
  std::string inflate_failure(int ret) const {
    if (zs_.msg) return zs_.msg;
    if (ret == Z_MEM_ERROR) return "out of memory";
    if (ret == Z_NEED_DICT) return "preset dictionary required";
    return "error " + std::to_string(ret);
  }

  // Closes the file even when the constructor throws after opening it (the destructor of a
  // partly constructed Input does not run, but those of its finished members do).
  struct Descriptor {
    int fd = -1;
    Descriptor() = default;
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
      if (fd >= 0) ::close(fd);
    }
  };

  std::string path_;
  Descriptor fd_;
  std::string_view memory_;  // the bytes when reading from memory (fd_ unused then)
  std::size_t memory_pos_ = 0;
  bool in_memory_ = false;
  bool regular_ = false;
  std::uint64_t file_size_ = 0;

  std::vector<unsigned char> buf_;  // staging buffer: unread bytes are buf_[pos_, pos_ + avail_)
  std::size_t pos_ = 0;
  std::size_t avail_ = 0;
  bool eof_ = false;

  bool gzip_ = false;
  z_stream zs_{};
  bool zs_ready_ = false;
  bool member_ended_ = false;
  bool finished_ = false;
  bool cut_ = false;
  std::string zlib_msg_;
};

// Reads until `data` holds `want` bytes or the input ends, growing the buffer only as bytes
// arrive so that a forged size never turns into an allocation.
void read_growing(Input& in, std::vector<std::uint8_t>& data, std::size_t want) {
  data.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(want, kInitialReserve)));
  while (data.size() < want) {
    const std::size_t old = data.size();
    std::size_t step = std::min(want - old, kChunk);
    // Once past the reservation, grow geometrically so copying stays linear overall.
    if (old + step > data.capacity())
      data.reserve(std::min(want, std::max(old + step, data.capacity() * 2)));
    data.resize(old + step);
    const std::size_t got = in.read(data.data() + old, step);
    data.resize(old + got);
    if (got < step) break;
  }
}

// The IDX format proper, from either kind of Input; `path` names the source in messages.
IdxArray decode_idx(Input& in, const std::string& path) {
  const std::string where = in.gzip() ? " (after gzip decompression)" : "";

  std::array<unsigned char, 4> magic{};
  const std::size_t got_magic = in.read(magic.data(), magic.size());
  if (got_magic < magic.size())
    throw Error(path + ": truncated header: expected at least 4 bytes" + where + ", found " +
                std::to_string(got_magic));
  if (magic[0] != 0 || magic[1] != 0)
    throw Error(path + ": not an IDX file: it starts with " + hex_byte(magic[0]) + " " +
                hex_byte(magic[1]) + where + ", expected 0x00 0x00");
  if (magic[2] != 0x08)
    throw Error(path + ": IDX type " + hex_byte(magic[2]) + " (" + idx_type_name(magic[2]) +
                ") is not supported; expected 0x08 (unsigned byte)");
  const unsigned ndims = magic[3];
  if (ndims < 1 || ndims > 4)
    throw Error(path + ": IDX header declares " + std::to_string(ndims) +
                " dimensions; expected 1 to 4");

  const std::size_t header_size = 4 + 4 * std::size_t{ndims};
  std::array<unsigned char, 16> raw_dims{};
  const std::size_t got_dims = in.read(raw_dims.data(), 4 * std::size_t{ndims});
  if (got_dims < 4 * std::size_t{ndims})
    throw Error(path + ": truncated header: expected " + std::to_string(header_size) + " bytes" +
                where + " for " + std::to_string(ndims) + " dimensions, found " +
                std::to_string(4 + got_dims));

  std::vector<std::uint64_t> dims(ndims);
  bool any_zero = false;
  for (unsigned i = 0; i < ndims; ++i) {
    const unsigned char* b = raw_dims.data() + 4 * i;  // big-endian
    dims[i] = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) |
              (std::uint64_t{b[2]} << 8) | std::uint64_t{b[3]};
    any_zero = any_zero || dims[i] == 0;
  }
  // A zero dimension makes the product zero however large the others are.
  std::uint64_t product = any_zero ? 0 : 1;
  if (!any_zero)
    for (std::uint64_t d : dims) {
      if (product > std::numeric_limits<std::uint64_t>::max() / d)
        throw Error(path + ": IDX dimensions " + dims_text(dims) +
                    " are absurd: their product overflows 64 bits");
      product *= d;
    }
  const std::string expected =
      "expected " + std::to_string(product) + " data bytes (" + dims_text(dims) + ")";

  IdxArray out;
  out.dims.assign(dims.begin(), dims.end());

  if (!in.gzip() && in.regular()) {
    // The file size is known: settle both truncation and trailing data before allocating.
    const std::uint64_t holds = in.file_size() >= header_size ? in.file_size() - header_size : 0;
    if (product > holds)
      throw Error(path + ": truncated: " + expected + ", found " + std::to_string(holds));
    if (product < holds)
      throw Error(path + ": trailing data: " + expected + ", found " + std::to_string(holds));
    out.data.resize(static_cast<std::size_t>(product));
    const std::size_t got = in.read(out.data.data(), out.data.size());
    // Only possible if the file shrank while being read.
    if (got < out.data.size())
      throw Error(path + ": truncated: " + expected + ", found " + std::to_string(got));
    unsigned char extra = 0;
    if (in.read(&extra, 1) != 0)
      throw Error(path + ": trailing data: " + expected + ", found more (the file grew)");
    return out;
  }

  if (product > kMaxStreamBytes)
    throw Error(path + ": IDX dimensions " + dims_text(dims) + " declare " +
                std::to_string(product) + " data bytes, above the limit of " +
                std::to_string(kMaxStreamBytes) + " for a gzip or streamed file");
  if (in.gzip() && in.regular()) {
    const std::uint64_t most = in.file_size() * kMaxDeflateRatio;
    if (product > most)
      throw Error(path + ": truncated: " + expected + ", but a gzip file of " +
                  std::to_string(in.file_size()) + " bytes inflates to at most " +
                  std::to_string(most));
  }

  read_growing(in, out.data, static_cast<std::size_t>(product));
  if (out.data.size() < product)
    throw Error(path + ": truncated: " + expected + ", found " + std::to_string(out.data.size()) +
                (in.cut() ? " (gzip stream cut short: " + in.zlib_message() + ")" : ""));

  // Read on to the end: this finds trailing data and makes zlib verify the gzip checksum.
  std::array<unsigned char, 4096> scratch{};
  std::size_t extra = 0;
  for (std::size_t got; (got = in.read(scratch.data(), scratch.size())) > 0;) {
    extra += got;
    if (extra >= (std::size_t{64} << 10)) break;  // enough to say there is too much
  }
  if (extra > 0)
    throw Error(path + ": trailing data: " + expected + ", found " +
                (extra >= (std::size_t{64} << 10) ? "more than " : "") +
                std::to_string(product + extra));
  if (in.cut())
    throw Error(path + ": truncated gzip stream (zlib: " + in.zlib_message() +
                "): the data is complete but the stream's end and checksum are missing");
  return out;
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  Input in(path);
  return decode_idx(in, path);
}

IdxArray parse_idx(const std::string& bytes, const std::string& source) {
  Input in(std::string_view(bytes), source);
  return decode_idx(in, source);
}

std::vector<std::string> fashion_mnist_classes() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

namespace {

// NAME.gz if it exists, else NAME if it exists; else an Error about NAME.gz with the hint.
std::string find_dataset_file(const std::string& dir, const std::string& name) {
  const std::string plain = (std::filesystem::path(dir) / name).string();
  const std::string gz = plain + ".gz";
  struct stat st {};
  if (::stat(gz.c_str(), &st) == 0) return gz;
  const int gz_errno = errno;
  if (::stat(plain.c_str(), &st) == 0) return plain;
  throw Error(
      gz + ": cannot open (" + errno_text(gz_errno) +
      "); install Debian's dataset-fashion-mnist or give the directory that holds its files");
}

}  // namespace

LabelledImages load_fashion_mnist(const std::string& dir, bool train) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_dataset_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_dataset_file(dir, prefix + "-labels-idx1-ubyte");

  // Labels first: they are small, and a bad label file then fails before 47 MB are inflated.
  const IdxArray labels = read_idx(labels_path);
  if (labels.dims.size() != 1)
    throw Error(labels_path + ": expected a 1-D label file (N), found dimensions " +
                dims_text(labels.dims));
  for (std::size_t i = 0; i < labels.data.size(); ++i)
    if (labels.data[i] >= 10)
      throw Error(labels_path + ": label " + std::to_string(labels.data[i]) + " at index " +
                  std::to_string(i) + " is out of range; expected 0 to 9");

  IdxArray images = read_idx(images_path);
  if (images.dims.size() != 3)
    throw Error(images_path + ": expected 3-D images (N x rows x cols), found dimensions " +
                dims_text(images.dims));
  const std::size_t n = images.dims[0];
  if (n != labels.dims[0])
    throw Error(labels_path + ": holds " + std::to_string(labels.dims[0]) + " labels but " +
                images_path + " holds " + std::to_string(n) + " images; expected one label each");

  LabelledImages out;
  out.rows = images.dims[1];
  out.cols = images.dims[2];
  out.source = images_path;
  out.class_names = fashion_mnist_classes();
  out.labels.assign(labels.data.begin(), labels.data.end());

  // Column-major with one image per column puts image k's pixels, row-major, at offset
  // k·rows·cols — exactly where the IDX file has them, so the conversion is one linear pass
  // (memory-bound: first-touch page faults of the 188 MB matrix cost more than the arithmetic).
  out.x.resize(static_cast<Eigen::Index>(out.rows * out.cols), static_cast<Eigen::Index>(n));
  float* dst = out.x.data();
  const std::uint8_t* src = images.data.data();
  const std::size_t total = images.data.size();
  for (std::size_t i = 0; i < total; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
  return out;
}

}  // namespace backprop
