// Which variant a convolution geometry uses: 0 oneDNN on NHWC, 1 oneDNN on its preferred (blocked) layouts,
// 2 the Winograd kernels (conv_winograd.h). The first two give bit-identical results on most geometries (not
// on all: a 1x1 filter gradient, some strided data gradients), Winograd the same up to rounding.
#pragma once
#include <cstddef>
#include <functional>

namespace lgm {

enum Variant { kNhwc = 0, kBlocked = 1, kWinograd = 2 };

// The variants one geometry has and the one it uses (conv.cc's cache entry holds one per convolution).
struct Tuning {
  bool blocked = false;          // oneDNN prefers other activation layouts than NHWC (variant 1 exists)
  bool winograd = false;         // the Winograd kernels compute this convolution (variant 2 exists)
  bool winogradDefault = false;  // variant 2 is used without timing (else only LGM_CONV_LAYOUT=winograd runs it)
  int chosen = -1;               // the oneDNN variant used, -1 until timed
};

// Runs `run(variant)` once for the convolution that `tuning` describes, choosing the variant on the first call
// (conv_tune.cc); `run` writes the convolution's whole output, `out[0..count)`. Callers hold conv.cc's lock.
void tuneCall(Tuning &tuning, const std::function<void(int)> &run, float *out, size_t count);

// How many convolutions were fixed to the NHWC variant because the blocked one computed other numbers (for the
// tests).
int tuneMismatches();

}  // namespace lgm
