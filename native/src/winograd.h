// Winograd convolution of 3x3 and 5x5, stride-1, pad-1 or pad-2 filters on NHWC float32 (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", CVPR 2016). No N-API here: native/probe/conv-winograd.cc builds the same files.
#pragma once

namespace lgm {

// True when this CPU runs the kernels (they are compiled for AVX2 + FMA; oneDNN 2.6 has Winograd only on AVX-512).
bool winogradSupported();

// y[n, h, w, k] = sum over r x r taps and c of x[n, h + i - p, w + j - p, c] * g[i][j][c][k] (zero outside the
// image, p = (r - 1) / 2, r = filterSize, 3 or 5), then + bias[k] (bias may be null) and max(0, .) when relu. With
// transposed false the filter is HWIO [r, r, c, k]; with transposed true `filter` is a forward convolution's HWIO
// filter [r, r, k, c] and is used rotated by 180 degrees with its channels swapped, which makes this that
// convolution's backward-data (for stride 1 and that padding, dx is the convolution of dy with that filter).
// tileSize is the output tile for r = 3: 2 for F(2x2, 3x3), 4 for F(4x4, 3x3); r = 5 always runs F(2x2, 5x5).
// Runs on OpenMP's threads (the same pool as oneDNN's). Not reentrant: one call at a time (conv.cc's lock), as it
// keeps its buffers between calls.
void winogradConv(const float *x, const float *filter, bool transposed, const float *bias, bool relu, float *y,
                  int n, int h, int w, int c, int k, int filterSize, int tileSize);

// dw (HWIO [3, 3, c, k]) = the gradient of that convolution (no bias) with respect to its filter, from its input
// x [n, h, w, c] and the gradient dy [n, h, w, k] of its output (winograd_filter.cc). Same threads and rules.
void winogradFilterGrad3x3(const float *x, const float *dy, float *dw, int n, int h, int w, int c, int k,
                           int tileSize);

// The Winograd variants' output tiles (native/probe/conv-winograd.cc, docs/performance.md "Winograd"): F(4x4, 3x3)
// for the forward and backward-data, faster than F(2x2, 3x3) at every ResNet geometry; F(2x2, 3x3) for the filter
// gradient, whose sums over the whole batch F(4x4, 3x3) rounds several times worse than oneDNN (F(2x2, 3x3) not).
constexpr int kWinogradTile = 4;
constexpr int kWinogradFilterTile = 2;

// Whether a convolution the Winograd kernels can compute runs on them by default (conv_tune.cc; LGM_CONV_LAYOUT=
// winograd forces them at any size, direct never uses them). A fixed rule, not a timing, so that the same run on
// the same machine takes the same kernels and rounds the same way every time (tuneCall times oneDNN's NHWC and
// blocked variants only where they compute bit-identical results; Winograd's differ by rounding). With fewer
// than 256 tiles of 4x4 pixels the kernels' blocks do not keep both threads busy and the per-call filter transform weighs,
// so small convolutions (tiny nets, the tests' 8x8 ResNets) stay on oneDNN; the same count of pixels serves 5x5
// filters (four times as many 2x2 tiles, each a quarter of the work). With fewer than 16 input or output channels
// (a first layer on 1 or 3 image channels) the transforms outweigh the products saved (docs/performance.md).
inline bool winogradByDefault(int n, int h, int w, int channelsIn, int channelsOut) {
  return long(n) * ((h + 3) / 4) * ((w + 3) / 4) >= 256 && channelsIn >= 16 && channelsOut >= 16;
}

// How many times winogradConv or winogradFilterGrad3x3 has run in this process (the tests check that the
// variant they force ran).
unsigned long winogradCalls();

}  // namespace lgm
