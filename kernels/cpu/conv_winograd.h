// Winograd F(2×2, 3×3) for 3×3 convolutions (Lavin & Gray 2015; docs/ops.md, "Winograd
// F(2×2, 3×3)"): each 2×2 block of outputs from a 4×4 block of inputs with 16 multiplies
// per (input, output) channel pair instead of the direct conv's 36.
//   forward          y_n  = Aᵀ[ Σ_c (G w[k,c] Gᵀ) ⊙ (Bᵀ d[c] B) ]A + b
//   backward data    dx_n += the same with dy_n as input: the full conv (padding R−1−p)
//                    with the filter flipped and its channels swapped, w'[c,k] = rot180 w[k,c]
//   backward filter  dw[k,c] += Gᵀ[ Σ_n Σ_tiles (A dy_n[k] Aᵀ) ⊙ (Bᵀ d[c] B) ]G
// One sample at a time, like conv_sample.h (the weight gradient in the same fixed chunks),
// so results do not depend on the thread count.
// A CPU path beside the direct one (im2col + GEMM): chosen with the CPU backend's option
// `winograd`, whose default comes from the environment variable STEREOGRAD_WINOGRAD (on
// when unset). FP32 rounding differs from the direct path.
#pragma once
#include <cstdint>
#include <string>

#include "engine/geometry.h"
#include "kernels/cpu/plane_layout.h"

namespace sg::cpu {

// off: never; on: the 3×3 passes where it pays (below); all: every 3×3 pass it can take
// (the tests, and measuring where it pays). For the whole process.
enum class WinogradMode { Off, On, All };
WinogradMode winograd_mode();
void set_winograd_mode(WinogradMode m);
WinogradMode parse_winograd_mode(const std::string& value);  // off | on | all, else throws

// Once per call, before the loop over the batch: the transformed filters U [16][K][C] of
// w for this pass, in the calling thread's workspace (the loop's threads only read it), or
// null where the mode does not take the pass. It takes 3×3 kernels: the forward above
// conv_few_taps.h's tap count (its loops are faster there), the backward data with
// padding ≤ 2 (its own padding is 2 − p).
const float* winograd_forward_filters(const ConvGeom& g, const float* w);
const float* winograd_backward_data_filters(const ConvGeom& g, const float* w);

// One sample, with U from the functions above: y_n[K,OH,OW] = conv(x_n) + b (b may be
// null); dx_n[C,H,W] += conv2dᵀ(dy_n), dy_n laid out as dyl.
void winograd_forward(const ConvGeom& g, const float* U, const float* b, const float* xn,
                      float* yn);
void winograd_backward_data(const ConvGeom& g, const float* U, const float* dyn, PlaneLayout dyl,
                            float* dxn);

// The weight gradient (conv_winograd.cpp, "The weight gradient"): for one chunk of samples
// (reduce_filter_chunks), add() once per sample in order, then finish():
//   dw_part[K, C·9] += Σ_n the weight gradient of dy_n with x_n,
// summed through 16 GEMMs per sample on the transformed tiles and transformed back once.
// Takes the 3×3 passes whose forward Winograd takes and whose input channels fill its
// vectors of 16 well enough (winograd_backward_filter_takes). Holds its sums S [16][K][C]
// in the calling thread's workspace.
bool winograd_backward_filter_takes(const ConvGeom& g);
class WinogradFilterSum {
 public:
  WinogradFilterSum(const ConvGeom& g, float* dw_part);
  // dy_n [K, OH, OW] laid out as dyl.
  void add(const float* xn, const float* dyn, PlaneLayout dyl);
  void finish();
  // Where a caller may write the next sample's dy (layout()) before add(x_n, next_dy(),
  // layout()); it stays valid until the next call of next_dy().
  float* next_dy() const;
  PlaneLayout layout() const;

 private:
  const ConvGeom& g_;
  float* dw_;
  int64_t Cp_, Hx_ = 0, Wx_ = 0;  // C rounded up to 16; the transposed input's rows, columns
  float* S_ = nullptr;            // [16][K][Cp], the chunk's sums
};

}  // namespace sg::cpu
