// The L-GM distance matrix and its gradient as plain functions (lgm_distance.cc), shared by the distance kernels
// and the fused loss kernel (lgm_loss.cc).
#pragma once
#include <cstddef>
#include <cstdint>

#include "common.h"

namespace lgm {

enum Covariance { IDENTITY, ISOTROPIC, DIAGONAL };

// Inputs of d_ik = 1/2 (x_i - mu_k)^T diag(iv_k) (x_i - mu_k): x [N,D], mu [K,D], iv [K,D] (diagonal), [K]
// (isotropic) or null (identity); labels [N] float32 class indices, or null.
struct DistanceInputs {
  const float *x, *mu, *iv, *labels;
  int64_t n, d, k;
  int cov;
};

// d [N,K] with exact anchor entries, and each sample's nearest class (as float). False when sgemm fails.
bool distanceForward(const DistanceInputs &in, float *out, float *nearest);

// Gradients of sum_ik dy_ik d_ik: dx [N,D], dmu [K,D], div (shaped as iv; unused for identity).
bool distanceBackward(const DistanceInputs &in, const float *dy, const float *nearest, float *dx, float *dmu,
                      float *div);

// Sets the JS error for a failed distanceForward / distanceBackward (oneDNN's sgemm returned an error).
void throwGemmError(const Napi::CallbackInfo &info);

// Working memory reused across calls, by slot (a slot serves one array of one call; kernels run one at a time).
constexpr int kScratchSlots = 16;
float *scratch(int slot, size_t size);

}  // namespace lgm
