#include "src/lm/row_kernels.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace ilf::lm {
namespace {

// exp(d) = 2^n * exp(r), n = round(d / ln 2), |r| <= ln(2) / 2, exp(r) by its Taylor polynomial
// of degree 11 (truncation below 9e-15 relative), ln 2 split in two so n * ln2_hi is exact.
constexpr double kLog2e = 1.4426950408889634;
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kRoundMagic = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
constexpr double kMinExpArg = -708.0;               // below, 2^n is not a normal double
constexpr int kDegree = 11;
constexpr double kTaylor[kDegree + 1] = {1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
                                         1.0 / 5040,     1.0 / 720,     1.0 / 120,    1.0 / 24,
                                         1.0 / 6,        0.5,           1.0,          1.0};

int64_t Bits(double x) {
  int64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

double FromBits(int64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

double ExpDoubleScalar(double d) {
  if (!(d >= kMinExpArg)) return 0.0;
  double k = std::fma(d, kLog2e, kRoundMagic);
  double n = k - kRoundMagic;
  double r = std::fma(-n, kLn2Hi, d);
  r = std::fma(-n, kLn2Lo, r);
  double p = kTaylor[0];
  for (int i = 1; i <= kDegree; ++i) p = std::fma(p, r, kTaylor[i]);
  return p * FromBits((Bits(k) - Bits(kRoundMagic) + 1023) << 52);
}

bool HasAvx2Fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

// ---- scalar forms ----

RowMax MaxOfRowScalar(const float* x, int64_t n) {
  RowMax m{x[0], 0, true};
  for (int64_t j = 0; j < n; ++j) {
    if (!std::isfinite(x[j])) m.finite = false;
    if (x[j] > m.value) m = {x[j], j, m.finite};
  }
  return m;
}

double SumExpShiftedScalar(const float* x, int64_t n, float shift) {
  double sum = 0;
  for (int64_t j = 0; j < n; ++j) sum += std::exp(x[j] - shift);
  return sum;
}

double ScaledExpOne(const float* x, int64_t j, float divisor, float shift) {
  float z = divisor == 1.0f ? x[j] : x[j] / divisor;
  return ExpDoubleScalar(static_cast<double>(z) - static_cast<double>(shift));
}

void ScaledExpScalar(const float* x, int64_t begin, int64_t end, float divisor, float shift,
                     int64_t block, double* sums, double* out) {
  for (int64_t start = begin; start < end; start += block) {
    int64_t stop = std::min(end, start + block);
    double sum = 0;
    for (int64_t j = start; j < stop; ++j) {
      double e = ScaledExpOne(x, j, divisor, shift);
      sum += e;
      if (out) out[j - begin] = e;
    }
    if (sums) sums[(start - begin) / block] = sum;
  }
}

float ExpFloatScalar(float d) {
  return d >= -87.0f ? static_cast<float>(std::exp(static_cast<double>(d))) : 0.0f;
}

void ScaledExpFloatTail(const float* x, int64_t begin, int64_t end, float divisor, float shift,
                        double* sum, double* spread) {
  for (int64_t j = begin; j < end; ++j) {
    float d = (divisor == 1.0f ? x[j] : x[j] / divisor) - shift;
    float e = ExpFloatScalar(d);
    *sum += e;
    *spread -= static_cast<double>(d) * e;
  }
}

void ScaledExpFloatScalar(const float* x, int64_t n, float divisor, float shift, int64_t block,
                          double* sums, double* spreads) {
  for (int64_t start = 0; start < n; start += block) {
    double sum = 0, spread = 0;
    ScaledExpFloatTail(x, start, std::min(n, start + block), divisor, shift, &sum, &spread);
    sums[start / block] = sum;
    spreads[start / block] = spread;
  }
}

// ---- AVX2 + FMA forms ----

__attribute__((target("avx2,fma"), always_inline)) inline __m256d ExpDouble4(__m256d d) {
  __m256d valid = _mm256_cmp_pd(d, _mm256_set1_pd(kMinExpArg), _CMP_GE_OQ);
  __m256d magic = _mm256_set1_pd(kRoundMagic);
  __m256d k = _mm256_fmadd_pd(d, _mm256_set1_pd(kLog2e), magic);
  __m256d n = _mm256_sub_pd(k, magic);
  __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(kLn2Hi), d);
  r = _mm256_fnmadd_pd(n, _mm256_set1_pd(kLn2Lo), r);
  __m256d p = _mm256_set1_pd(kTaylor[0]);
  for (int i = 1; i <= kDegree; ++i) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(kTaylor[i]));
  __m256i e = _mm256_sub_epi64(_mm256_castpd_si256(k), _mm256_castpd_si256(magic));
  e = _mm256_slli_epi64(_mm256_add_epi64(e, _mm256_set1_epi64x(1023)), 52);
  return _mm256_and_pd(_mm256_mul_pd(p, _mm256_castsi256_pd(e)), valid);
}

// Cephes' expf (about 1 ulp on [-87, 0]); 0 below -87.
__attribute__((target("avx2,fma"), always_inline)) inline __m256 ExpFloat8(__m256 x) {
  __m256 valid = _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_GE_OQ);
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(e)), valid);
}

__attribute__((target("avx2,fma"))) double Sum4(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

__attribute__((target("avx2,fma"))) RowMax MaxOfRowAvx2(const float* x, int64_t n) {
  const int64_t vec_end = n / 8 * 8;
  __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 bad = _mm256_setzero_ps();
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  for (int64_t j = 0; j < vec_end; j += 8) {
    __m256 v = _mm256_loadu_ps(x + j);
    vmax = _mm256_max_ps(vmax, v);
    // |v| >= inf or unordered (NaN)
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_and_ps(v, abs_mask), inf, _CMP_NLT_UQ));
  }
  float lanes[8];
  _mm256_storeu_ps(lanes, vmax);
  RowMax m{-std::numeric_limits<float>::infinity(), 0, _mm256_movemask_ps(bad) == 0};
  for (float lane : lanes) m.value = std::max(m.value, lane);
  for (int64_t j = vec_end; j < n; ++j) {
    if (!std::isfinite(x[j])) m.finite = false;
    m.value = std::max(m.value, x[j]);
  }
  if (!m.finite) return MaxOfRowScalar(x, n);  // NaN and infinity follow the scalar rules
  const __m256 target = _mm256_set1_ps(m.value);
  for (int64_t j = 0; j < vec_end; j += 8) {
    int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + j), target, _CMP_EQ_OQ));
    if (mask) {
      m.index = j + __builtin_ctz(static_cast<unsigned>(mask));
      return m;
    }
  }
  for (int64_t j = vec_end; j < n; ++j) {
    if (x[j] == m.value) {
      m.index = j;
      break;
    }
  }
  return m;
}

__attribute__((target("avx2,fma"))) double SumExpShiftedAvx2(const float* x, int64_t n,
                                                             float shift) {
  const int64_t vec_end = n / 8 * 8;
  const __m256 s = _mm256_set1_ps(shift);
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  for (int64_t j = 0; j < vec_end; j += 8) {
    __m256 e = ExpFloat8(_mm256_sub_ps(_mm256_loadu_ps(x + j), s));
    acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
  }
  double sum = Sum4(_mm256_add_pd(acc0, acc1));
  for (int64_t j = vec_end; j < n; ++j) sum += std::exp(x[j] - shift);
  return sum;
}

__attribute__((target("avx2,fma"))) void ScaledExpAvx2(const float* x, int64_t begin, int64_t end,
                                                       float divisor, float shift, int64_t block,
                                                       double* sums, double* out) {
  const __m256 div = _mm256_set1_ps(divisor);
  const __m256d s = _mm256_set1_pd(static_cast<double>(shift));
  const bool scaled = divisor != 1.0f;
  for (int64_t start = begin; start < end; start += block) {
    const int64_t stop = std::min(end, start + block);
    const int64_t vec_end = start + (stop - start) / 8 * 8;
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    for (int64_t j = start; j < vec_end; j += 8) {
      __m256 z = _mm256_loadu_ps(x + j);
      if (scaled) z = _mm256_div_ps(z, div);
      __m256d e0 = ExpDouble4(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(z)), s));
      __m256d e1 = ExpDouble4(_mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(z, 1)), s));
      acc0 = _mm256_add_pd(acc0, e0);
      acc1 = _mm256_add_pd(acc1, e1);
      if (out) {
        _mm256_storeu_pd(out + (j - begin), e0);
        _mm256_storeu_pd(out + (j - begin) + 4, e1);
      }
    }
    double sum = Sum4(_mm256_add_pd(acc0, acc1));
    for (int64_t j = vec_end; j < stop; ++j) {
      double e = ScaledExpOne(x, j, divisor, shift);
      sum += e;
      if (out) out[j - begin] = e;
    }
    if (sums) sums[(start - begin) / block] = sum;
  }
}

__attribute__((target("avx2,fma"))) void ExpFloatsAvx2(const float* d, int64_t n, float* out) {
  const int64_t vec_end = n / 8 * 8;
  for (int64_t j = 0; j < vec_end; j += 8)
    _mm256_storeu_ps(out + j, ExpFloat8(_mm256_loadu_ps(d + j)));
  for (int64_t j = vec_end; j < n; ++j) out[j] = ExpFloatScalar(d[j]);
}

template <bool kScaled>
__attribute__((target("avx2,fma"))) void ScaledExpFloatAvx2(const float* x, int64_t n,
                                                            float divisor, float shift,
                                                            int64_t block, double* sums,
                                                            double* spreads) {
  // Few accumulators: with the exponential's constants they fit the 16 registers, and no
  // accumulator spills to memory to make a loop-carried chain through a store.
  const __m256 div = _mm256_set1_ps(divisor), s = _mm256_set1_ps(shift);
  for (int64_t start = 0; start < n; start += block) {
    const int64_t stop = std::min(n, start + block);
    const int64_t vec_end = start + (stop - start) / 8 * 8;
    __m256d acc = _mm256_setzero_pd();
    __m256 spread = _mm256_setzero_ps();  // a block's worth: float32 is accurate enough for a bound
    for (int64_t j = start; j < vec_end; j += 8) {
      __m256 v = _mm256_loadu_ps(x + j);
      __m256 d = _mm256_sub_ps(kScaled ? _mm256_div_ps(v, div) : v, s);
      __m256 e = ExpFloat8(d);
      acc = _mm256_add_pd(acc, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(e)),
                                             _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1))));
      spread = _mm256_fnmadd_ps(d, e, spread);  // d <= 0
    }
    double sum = Sum4(acc);
    double spread_sum = Sum4(_mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(spread)),
                                           _mm256_cvtps_pd(_mm256_extractf128_ps(spread, 1))));
    ScaledExpFloatTail(x, vec_end, stop, divisor, shift, &sum, &spread_sum);
    sums[start / block] = sum;
    spreads[start / block] = spread_sum;
  }
}

}  // namespace

void ExpFloats(const float* d, int64_t n, float* out) {
  if (HasAvx2Fma()) {
    ExpFloatsAvx2(d, n, out);
  } else {
    for (int64_t j = 0; j < n; ++j) out[j] = ExpFloatScalar(d[j]);
  }
}

void ScaledExpFloat(const float* x, int64_t n, float divisor, float shift, int64_t block,
                    double* sums, double* spreads) {
  if (!HasAvx2Fma()) {
    ScaledExpFloatScalar(x, n, divisor, shift, block, sums, spreads);
  } else if (divisor == 1.0f) {
    ScaledExpFloatAvx2<false>(x, n, divisor, shift, block, sums, spreads);
  } else {
    ScaledExpFloatAvx2<true>(x, n, divisor, shift, block, sums, spreads);
  }
}

RowMax MaxOfRow(const float* x, int64_t n) {
  return HasAvx2Fma() ? MaxOfRowAvx2(x, n) : MaxOfRowScalar(x, n);
}

double SumExpShifted(const float* x, int64_t n, float shift) {
  return HasAvx2Fma() ? SumExpShiftedAvx2(x, n, shift) : SumExpShiftedScalar(x, n, shift);
}

double ExpDouble(double d) { return ExpDoubleScalar(d); }

void ScaledExp(const float* x, int64_t begin, int64_t end, float divisor, float shift,
               int64_t block, double* sums, double* out) {
  if (HasAvx2Fma()) {
    ScaledExpAvx2(x, begin, end, divisor, shift, block, sums, out);
  } else {
    ScaledExpScalar(x, begin, end, divisor, shift, block, sums, out);
  }
}

}  // namespace ilf::lm
