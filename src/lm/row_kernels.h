// Loops over one row of float32 logits, for picking the next token on the CPU without tensors
// the size of the vocabulary: the row's maximum and first argmax, the sum of exp(x - max) for
// log-probs, and the exponentials of temperature-scaled logits in float32 or float64, summed by
// blocks, that the sampler searches (src/lm/token_picker.h).
//
// Each loop runs with AVX2+FMA when the CPU has them (chosen at run time; the build targets plain
// x86-64), else as scalar code. ExpDouble's scalar and vector forms do the same operations with
// the same roundings (fused multiply-adds included), so a value does not depend on which ran.
// Torch-free; thread-safe (no state).
#pragma once

#include <cstdint>

namespace ilf::lm {

struct RowMax {
  float value = 0;      // the largest element
  int64_t index = 0;    // its first position (torch.argmax's tie rule)
  bool finite = false;  // every element was finite (no NaN, no infinity)
};

// The maximum of x[0, n), n >= 1.
RowMax MaxOfRow(const float* x, int64_t n);

// sum_j exp(x[j] - shift), float32 exponentials accumulated in float64 (relative error of each
// exponential about 2e-7; for log-probs).
double SumExpShifted(const float* x, int64_t n, float shift);

// Relative error bound of ExpFloats's (and ScaledExpFloat's) float32 exponentials on [-87, 0]
// (measured: 1.18e-7, 2^-23.02, by token_picker_test). Below -87 they are 0.
inline constexpr double kExpFloatError = 0x1.8p-23;

// out[j] = exp(d[j]) for d[j] <= 0 by the float32 exponential of ScaledExpFloat. For that test.
void ExpFloats(const float* d, int64_t n, float* out);

// exp(d) for d <= 0 in float64: relative error below 1e-13 for d >= -708 (checked by
// token_picker_test), 0 below. Exposed for that test.
double ExpDouble(double d);

// For j in [begin, end): e_j = exp(double(x[j] / divisor) - double(shift)), x[j] / divisor rounded
// to float32 first (as float32 logits divided by a temperature are). With `sums` set, writes
// sum of e_j over each block of `block` elements from `begin` (the last block may be short) into
// sums[0, ...); with `out` set, writes each e_j into out[j - begin]. divisor > 0; the results are
// meaningful for x[j] / divisor <= shift.
void ScaledExp(const float* x, int64_t begin, int64_t end, float divisor, float shift,
               int64_t block, double* sums, double* out);

// ScaledExp's block sums over a whole row [0, n) with float32 exponentials: e_j = exp(d_j),
// d_j = x[j] / divisor - shift rounded to float32 (the division as ScaledExp's), into sums[], and
// each block's spread, the sum of |d_j| e_j, into spreads[]. Each e_j is within
// (kExpFloatError + 2^-24 |d_j|) e_j of the exact exp(float(x[j] / divisor) - shift), so the sum of
// any set of blocks is within FloatSumError(their sum, their spread) of the exact sum. About twice
// as fast as ScaledExp; shift >= x[j] / divisor.
void ScaledExpFloat(const float* x, int64_t n, float divisor, float shift, int64_t block,
                    double* sums, double* spreads);

// The error bound of ScaledExpFloat's sums: 1.01 (kExpFloatError sum + 2^-24 spread); the 1.01
// covers second-order terms and the float32 accumulation of the spread.
inline double FloatSumError(double sum, double spread) {
  return 1.01 * (kExpFloatError * sum + 0x1p-24 * spread);
}

}  // namespace ilf::lm
