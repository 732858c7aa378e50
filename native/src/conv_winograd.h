// The Winograd variant of conv.cc's convolutions (variant 2 of conv_tune.h): which geometries it serves and how
// each convolution runs on the kernels of winograd.h. No N-API here but convWinogradCalls (common.h).
#pragma once
#include <cstdint>

#include "conv.h"
#include "conv_tune.h"

namespace lgm {

// Records in `tuning` whether the Winograd kernels compute convolution `kind` of geometry `g` (with `activation`,
// for the forward) and whether tuneCall uses them there by default (winogradByDefault).
void addWinograd(Tuning &tuning, const int32_t *g, ConvKind kind, int activation);

// The convolutions on the Winograd kernels, for a geometry addWinograd accepted; arguments as conv.cc's
// convForward (y = act(conv(x, filter) + bias), bias may be null), convBackwardData, convBackwardFilter.
void winogradForward(const int32_t *g, const float *x, const float *filter, const float *bias, int activation,
                     float *y);
void winogradBackwardData(const int32_t *g, const float *dy, const float *filter, float *dx);
void winogradBackwardFilter(const int32_t *g, const float *x, const float *dy, float *dw);

}  // namespace lgm
