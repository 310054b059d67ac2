// The GPU's FP32 ceiling for bench_ops' roofline (bench/roofline.h): cuBLAS SGEMM, the
// fastest float GEMM on the device, so that our kernels are judged against the chip and
// not against our own GEMM. Built only with the GPU backend (root CMakeLists.txt).
#pragma once

namespace sg::bench {

// FLOP/s of the fastest of `repeats` cuBLAS SGEMMs C = A·B (n×n, FP32 arithmetic, no
// TF32), timed with CUDA events after a warm-up, on random inputs. Throws sg::Error when
// a CUDA or cuBLAS call fails.
double cublas_sgemm_flops(int n, int repeats);

}  // namespace sg::bench
