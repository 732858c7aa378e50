// The Winograd variant of conv.cc's convolutions (conv_winograd.h) on the kernels of winograd.cc and
// winograd_filter.cc: 3x3, stride-1, pad-1 convolutions (all three) and 5x5, stride-1, pad-2 ones (forward and
// backward-data; oneDNN 2.6 has Winograd only on AVX-512).
#include "conv_winograd.h"

#include "common.h"
#include "winograd.h"

namespace lgm {

namespace {

// Whether the Winograd kernels compute this geometry: a 3x3 filter with one pixel of padding on every side, or
// (fiveToo: the forward and backward-data, not the filter gradient) a 5x5 one with two, stride 1, no dilation (the
// output as large as the input), on a CPU with AVX2 + FMA.
bool winogradGeometry(const int32_t *g, bool fiveToo) {
  const int r = g[KH], p = (r - 1) / 2;
  return (r == 3 || (fiveToo && r == 5)) && g[KW] == r && g[SH] == 1 && g[SW] == 1 && g[DH] == 1 && g[DW] == 1 &&
         g[PT] == p && g[PL] == p && g[PB] == p && g[PR] == p && g[OH] == g[H] && g[OW] == g[W] &&
         winogradSupported();
}

}  // namespace

void addWinograd(Tuning &tuning, const int32_t *g, ConvKind kind, int activation) {
  // The kernels fuse the bias and ReLU only; the filter gradient runs for 3x3 filters only.
  const bool activationFits = kind != ConvKind::kForward || activation == kLinear || activation == kRelu;
  tuning.winograd = activationFits && winogradGeometry(g, kind != ConvKind::kBackwardFilter);
  tuning.winogradDefault = winogradByDefault(g[N], g[H], g[W], g[C], g[O]);
}

void winogradForward(const int32_t *g, const float *x, const float *filter, const float *bias, int activation,
                     float *y) {
  winogradConv(x, filter, false, bias, activation == kRelu, y, g[N], g[H], g[W], g[C], g[O], g[KH], kWinogradTile);
}

// dx is the convolution of dy with the filter rotated by 180 degrees, its channels swapped (stride 1, pad r / 2).
void winogradBackwardData(const int32_t *g, const float *dy, const float *filter, float *dx) {
  winogradConv(dy, filter, true, nullptr, false, dx, g[N], g[H], g[W], g[O], g[C], g[KH], kWinogradTile);
}

void winogradBackwardFilter(const int32_t *g, const float *x, const float *dy, float *dw) {
  winogradFilterGrad3x3(x, dy, dw, g[N], g[H], g[W], g[C], g[O], kWinogradFilterTile);
}

// convWinogradCalls(): how many convolutions the Winograd variant has computed in this process (for the tests).
Napi::Value convWinogradCalls(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), double(winogradCalls()));
}

}  // namespace lgm
