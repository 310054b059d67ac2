// The one header every kernel file (kernels/cuda/*.cu) includes first.
//
// Under nvcc it is the CUDA runtime. Under g++ it is the CPU executor's rendering of the
// CUDA execution model (host_exec.h), so the same kernel source also compiles as plain
// C++ and runs in the tests on machines without a GPU. Kernels use only what both
// provide: the qualifiers, dim3, the built-in variables, __syncthreads, the *_sync warp
// intrinsics, atomics, the math functions, and SG_DYNAMIC_SHARED for dynamic shared
// memory:
//
//   SG_DYNAMIC_SHARED(float, tile);   // the launch's shared_bytes, viewed as float
//   tile[threadIdx.x] = x[i];
//
// Under nvcc `tile` is a float* to the block's dynamic shared memory; under the executor
// it is a bounds-checked span (an out-of-range index is an sg::Error, see shared_span.h).
// Several declarations in one kernel alias the same memory, as on a device.
#pragma once

#if defined(__CUDACC__)

#include <cuda_runtime.h>

// Declared through one byte array so that kernels templated on the element type can use
// it (extern __shared__ arrays of different types under one name do not compile).
#define SG_DYNAMIC_SHARED(type, name)                                    \
  extern __shared__ __align__(16) unsigned char sg_dynamic_shared_raw_[]; \
  type* name = reinterpret_cast<type*>(sg_dynamic_shared_raw_)

#else

#include "kernels/cuda/exec/host_exec.h"

#endif
