// CPU threading and BLAS for LibTorch.
//
// Debian's LibTorch does its matrix products in OpenBLAS (libopenblas0-pthread, chosen through the
// libblas.so.3 alternative), which keeps its own pthread pool, and its elementwise ops in an OpenMP
// pool. Both pools busy-wait after work; with both sized to the core count they take turns stealing
// the cores from each other (measured on 2 cores: a Qwen2.5-0.5B decoding step at batch 32 took
// ~3.8x its bare matmul time). So when OpenBLAS is the BLAS, OpenBLAS gets all the threads and
// torch's intra-op pool gets one: the GEMMs, nearly all of the work, stay parallel and nothing
// spins against them. With another BLAS (MKL in PyTorch wheels) torch gets all the threads.
//
// OpenBLAS's idle workers spin (sched_yield) for 2^28 TSC cycles, about 0.1 s, after each product
// before they sleep. Between the products of a decoding step ilf works on one thread for
// milliseconds (the token picker reads each 151,936-wide row of logits), so a worker spun the whole
// run: ilf generate on the tiny random Qwen2 spent 1.9 s of system time in sched_yield of a 7 s CPU
// total. `ilf` starts ilf-torch with OPENBLAS_THREAD_TIMEOUT=22 (runner/hand_over.cc) (2^22 cycles,
// about 1.6 ms), which OpenBLAS reads only when it loads: products that follow each other closely
// still find their workers awake.
#pragma once

#include <string>

namespace ilf::lm {

// Sets the thread counts as above; threads <= 0 means the number of online cores. Returns the
// number of threads the matrix products use. Idempotent; call before the first model computation.
int ConfigureCpuThreads(int threads = 0);

// The number of threads the matrix products use now: OpenBLAS's (openblas_get_num_threads) when
// OpenBLAS is the BLAS, else torch's intra-op threads.
int MatmulThreads();

// "OpenBLAS 0.3.21 ..." (openblas_get_config) when OpenBLAS is the BLAS in this process, else
// "unknown (not OpenBLAS)".
std::string BlasInfo();

}  // namespace ilf::lm
