#include "backprop/random.h"

#include <cmath>
#include <sstream>

#include "backprop/error.h"

namespace backprop {

double Random::uniform() {
  const std::uint32_t a = next_u32() >> 5;  // 27 bits
  const std::uint32_t b = next_u32() >> 6;  // 26 bits
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

double Random::normal() {
  if (has_cached_normal_) {
    has_cached_normal_ = false;
    return cached_normal_;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * uniform() - 1.0;
    x2 = 2.0 * uniform() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  const double f = std::sqrt(-2.0 * std::log(r2) / r2);
  cached_normal_ = f * x1;
  has_cached_normal_ = true;
  return f * x2;
}

std::uint64_t Random::interval(std::uint64_t n) {
  if (n == 0) return 0;
  std::uint64_t mask = n;
  for (int shift = 1; shift < 64; shift *= 2) mask |= mask >> shift;
  std::uint64_t value;
  if (n <= 0xffffffffULL) {
    do value = next_u32() & mask;
    while (value > n);
  } else {
    do value = ((static_cast<std::uint64_t>(next_u32()) << 32) | next_u32()) & mask;
    while (value > n);
  }
  return value;
}

std::string Random::state() const {
  std::ostringstream out;
  out.precision(17);
  out << engine_ << ' ' << has_cached_normal_ << ' ' << std::hexfloat << cached_normal_;
  return out.str();
}

void Random::restore(const std::string& state) {
  std::istringstream in(state);
  std::mt19937 engine;
  bool has = false;
  std::string cached;
  in >> engine >> has >> cached;
  if (!in) throw Error("not a random generator state");
  engine_ = engine;
  has_cached_normal_ = has;
  cached_normal_ = std::strtod(cached.c_str(), nullptr);
}

void shuffle(std::vector<std::size_t>& values, Random& random) {
  for (std::size_t i = values.size(); i-- > 1;)
    std::swap(values[i], values[static_cast<std::size_t>(random.interval(i))]);
}

std::vector<std::size_t> shuffled_indices(std::size_t n, Random& random) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  shuffle(order, random);
  return order;
}

}  // namespace backprop
