// random.h — the project's own seeded generator, identical to NumPy's legacy generator.
//
// Random(seed) produces the same stream as `np.random.seed(seed)` in NumPy: the Mersenne Twister
// MT19937 (std::mt19937 is specified bit for bit by the C++ standard) seeded by init_genrand,
// doubles built from two 32-bit draws as NumPy's random_sample does, and normal deviates from
// the Marsaglia polar method with the second value cached, as np.random.randn does. So
// `Random(42)` followed by normal() draws reproduces `np.random.seed(42); np.random.randn(...)`,
// and the lesson's initialisation comes out exactly. The standard library's distributions are
// not used: they differ between implementations.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace backprop {

class Random {
 public:
  explicit Random(std::uint32_t seed = 42) : engine_(seed) {}

  std::uint32_t next_u32() { return static_cast<std::uint32_t>(engine_()); }
  // Uniform in [0, 1) with 53 random bits (NumPy's random_sample).
  double uniform();
  // Uniform in [low, high) as NumPy's uniform: low + (high − low) · uniform().
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Standard normal (NumPy's legacy gauss: polar method, second value cached).
  double normal();
  // Uniform integer in [0, n], by NumPy's masked rejection (legacy random_interval).
  std::uint64_t interval(std::uint64_t n);

  // The whole state as text, and back: a restored generator continues the same stream.
  std::string state() const;
  void restore(const std::string& state);  // throws an Error for text that is not a state

 private:
  std::mt19937 engine_;
  bool has_cached_normal_ = false;
  double cached_normal_ = 0.0;
};

// NumPy's legacy shuffle (np.random.shuffle of a 1-d array) in place: Fisher–Yates from the end,
// random.interval(i) choosing the partner of position i.
void shuffle(std::vector<std::size_t>& values, Random& random);
// np.random.permutation(n): 0..n-1, shuffled.
std::vector<std::size_t> shuffled_indices(std::size_t n, Random& random);

}  // namespace backprop
