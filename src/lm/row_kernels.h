// Loops over one row of float32 logits, for picking the next token on the CPU without tensors
// the size of the vocabulary: the row's maximum and first argmax, the sum of exp(x - max) for
// log-probs, and the exponentials of temperature-scaled logits in float64, summed by blocks, that
// the sampler searches (src/lm/token_picker.h).
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

}  // namespace ilf::lm
