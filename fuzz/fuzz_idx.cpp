// fuzz_idx — the IDX reader on arbitrary bytes, raw and gzip-compressed.
//
// Checks, beyond "parses or throws backprop::Error":
//   - a parsed array holds exactly the product of its dimensions in bytes;
//   - the gzip path agrees with the raw path: the input compressed with zlib parses exactly
//     when the input itself does, to the same array. This drives the inflate loop with every
//     header and data shape the fuzzer finds for the raw format (mutating compressed bytes
//     directly mostly just breaks the stream). Inputs that already start with the gzip magic
//     are gzip themselves and skip the comparison.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "backprop/data/idx.h"
#include "backprop/error.h"
#include "fuzz_check.h"

namespace {

struct Outcome {
  bool ok = false;
  backprop::IdxArray array;
};

Outcome parse(const std::string& bytes) {
  Outcome out;
  try {
    out.array = backprop::parse_idx(bytes, "fuzz.idx");
    out.ok = true;
  } catch (const backprop::Error&) {
  }
  return out;
}

// `bytes` as one gzip member (windowBits 16 + 15 asks deflate for the gzip wrapper).
std::string gzip(const std::string& bytes) {
  z_stream zs{};
  FUZZ_CHECK(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                          Z_DEFAULT_STRATEGY) == Z_OK,
             "zlib initialises");
  std::string out(deflateBound(&zs, bytes.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  FUZZ_CHECK(ret == Z_STREAM_END, "deflateBound leaves room for everything");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const Outcome raw = parse(bytes);
  if (raw.ok) {
    FUZZ_CHECK(!raw.array.dims.empty() && raw.array.dims.size() <= 4, "1 to 4 dimensions");
    std::size_t product = 1;
    for (const std::size_t d : raw.array.dims) product *= d;
    FUZZ_CHECK(raw.array.data.size() == product, "data holds the product of the dimensions");
  }

  const bool already_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (!already_gzip) {
    const Outcome gz = parse(gzip(bytes));
    FUZZ_CHECK(gz.ok == raw.ok, "gzip and raw agree on whether the input is valid");
    if (raw.ok) {
      FUZZ_CHECK(gz.array.dims == raw.array.dims, "gzip and raw give the same dimensions");
      FUZZ_CHECK(gz.array.data == raw.array.data, "gzip and raw give the same data");
    }
  }
  return 0;
}
