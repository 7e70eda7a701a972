// CPU threading and BLAS for LibTorch. Torch's intra-op pool and OpenBLAS (Debian's
// libopenblas0-pthread, chosen through the libblas.so.3 alternative) are both set to the same
// number of threads, by default the machine's core count, so they neither idle nor oversubscribe.
#pragma once

#include <string>

namespace ilf::lm {

// Sets torch's and OpenBLAS's thread counts; threads <= 0 means the number of online cores.
// Returns the count set. Idempotent; call before the first model computation.
int ConfigureCpuThreads(int threads = 0);

// "OpenBLAS 0.3.21 ..." (openblas_get_config) when OpenBLAS is the BLAS in this process, else
// "unknown (not OpenBLAS)".
std::string BlasInfo();

}  // namespace ilf::lm
