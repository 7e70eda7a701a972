// Small non-cryptographic hashes for seeded, reproducible decisions (sample draws, seeded choices,
// config hashes). Pure functions; the same input gives the same value on every machine and build.
#pragma once

#include <cstdint>
#include <string_view>

namespace ilf {

inline constexpr uint64_t kFnv1aOffsetBasis = 14695981039346656037ull;

// FNV-1a 64 of `text`, continuing from `hash` (chain calls to hash several strings).
inline uint64_t Fnv1a(std::string_view text, uint64_t hash = kFnv1aOffsetBasis) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// SplitMix64's output function (Steele et al. 2014): a bijective mix of all 64 bits.
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace ilf
