// Batch normalisation, forward and gradient, one kernel each (TF.js: FusedBatchNorm, and a gradient of ~12
// full-size kernels per layer: sub, several muls, a full-size tile of 1/sqrt(var), four sums).
// x is viewed as [rows, channels]: NHWC with one mean/variance/scale/offset per channel.
// Single-threaded, as the other memory-bound kernels (reduce.cc explains why): one pass forward, two backward.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common.h"
#include "vector_math.h"

// No FMA contraction in the AVX2 clones (LGM_CLONES): the same roundings as the baseline build, so a machine's
// results do not depend on its vector extensions, and the moving averages stay tfjs-layers' float arithmetic.
#pragma GCC optimize("fp-contract=off")

namespace lgm {

namespace {

// Per-channel factor scale / sqrt(variance + eps), in double then rounded once.
std::vector<float> inverseStd(const float *variance, const float *scale, int64_t channels, float eps) {
  std::vector<float> k(channels);
  for (int64_t c = 0; c < channels; c++) {
    k[c] = float(double(scale ? scale[c] : 1.f) / std::sqrt(double(variance[c]) + double(eps)));
  }
  return k;
}

// relu(v) as TF.js's Relu and the addon's unary RELU: negatives to 0, NaN and -0 through.
inline float relu(float v) { return v < 0.f ? 0.f : v; }

// ReLU's gradient from its output y, as the addon's RELU_GRAD (TF.js's dy * step(y), where step(NaN) is NaN), so
// that the fused kernels compute exactly the values of LgmReluGrad followed by the batch-norm gradient.
inline float reluMasked(float dy, float y) { return dy * (y > 0.f ? 1.f : (y == y ? 0.f : y)); }

// With Relu, y = relu(batch norm): a ResNet's batch norm and the ReLU after it in the one pass that writes y; with
// a shortcut too, y = relu(batch norm + shortcut): the block's second batch norm, its residual add and the ReLU.
template <bool Relu, bool Add>
LGM_CLONES void normaliseRows(const float *__restrict x, const float *__restrict mean, const float *__restrict k,
                              const float *__restrict offset, const float *__restrict shortcut, float *__restrict y,
                              int64_t rows, int64_t channels) {
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * channels;
    const float *sr = Add ? shortcut + r * channels : nullptr;
    float *yr = y + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      const float v = (xr[c] - mean[c]) * k[c] + offset[c];
      const float w = Add ? v + sr[c] : v;
      yr[c] = Relu ? relu(w) : w;
    }
  }
}

void normalise(const float *x, const float *mean, const float *k, const float *offset, float *y, int64_t rows,
               int64_t channels, bool withRelu = false, const float *shortcut = nullptr) {
  if (shortcut != nullptr) normaliseRows<true, true>(x, mean, k, offset, shortcut, y, rows, channels);
  else if (withRelu) normaliseRows<true, false>(x, mean, k, offset, nullptr, y, rows, channels);
  else normaliseRows<false, false>(x, mean, k, offset, nullptr, y, rows, channels);
}

// sumDy[c] = sum of dy, sumDyXm[c] = sum of dy (x - mean) over the rows: float partial sums over blocks of rows
// (vectorised across channels), accumulated in double across blocks.
// With Masked, dy is first masked by ReLU's gradient from its output y (reluMasked), in registers.
template <bool Masked, bool Keep>
LGM_CLONES void channelSumsOf(const float *__restrict dy, const float *__restrict y, const float *__restrict x,
                              const float *__restrict mean, float *__restrict masked, int64_t rows,
                              int64_t channels, std::vector<double> &sumDy, std::vector<double> &sumDyXm) {
  std::vector<float> a(channels), b(channels);
  const int64_t rowsPerBlock = 64;
  for (int64_t start = 0; start < rows; start += rowsPerBlock) {
    const int64_t end = std::min(rows, start + rowsPerBlock);
    float *__restrict pa = a.data();
    float *__restrict pb = b.data();
    for (int64_t c = 0; c < channels; c++) pa[c] = pb[c] = 0.f;
    for (int64_t r = start; r < end; r++) {
      const float *g = dy + r * channels;
      const float *v = x + r * channels;
      const float *yr = Masked ? y + r * channels : nullptr;
      for (int64_t c = 0; c < channels; c++) {
        const float gc = Masked ? reluMasked(g[c], yr[c]) : g[c];
        if (Keep) masked[r * channels + c] = gc;
        pa[c] += gc;
        pb[c] += gc * (v[c] - mean[c]);
      }
    }
    for (int64_t c = 0; c < channels; c++) {
      sumDy[c] += pa[c];
      sumDyXm[c] += pb[c];
    }
  }
}

// y null: plain dy. With y and `masked`, the masked dy is also written there (the shortcut's gradient, which the
// second pass then reads instead of dy and y).
void channelSums(const float *dy, const float *y, const float *x, const float *mean, float *masked, int64_t rows,
                 int64_t channels, std::vector<double> &sumDy, std::vector<double> &sumDyXm) {
  if (y != nullptr && masked != nullptr)
    channelSumsOf<true, true>(dy, y, x, mean, masked, rows, channels, sumDy, sumDyXm);
  else if (y != nullptr) channelSumsOf<true, false>(dy, y, x, mean, nullptr, rows, channels, sumDy, sumDyXm);
  else channelSumsOf<false, false>(dy, nullptr, x, mean, nullptr, rows, channels, sumDy, sumDyXm);
}

void scaleRows(const float *__restrict dy, const float *__restrict k, float *__restrict dx, int64_t rows,
               int64_t channels) {
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t c = 0; c < channels; c++) dx[r * channels + c] = dy[r * channels + c] * k[c];
  }
}

}  // namespace

// batchNorm(x, mean, variance, offset|null, scale|null, y, dims [rows, channels], eps):
// y = (x - mean) scale / sqrt(variance + eps) + offset, per channel.
Napi::Value batchNorm(const Napi::CallbackInfo &info) {
  const int32_t *d = intsArg(info, 6, 2, "dims");
  if (d == nullptr) return info.Env().Undefined();
  const int64_t rows = d[0], channels = d[1];
  bool ok = true;
  float *x = floatArg(info, 0, size_t(rows) * channels, "x");
  float *mean = x ? floatArg(info, 1, channels, "mean") : nullptr;
  float *variance = mean ? floatArg(info, 2, channels, "variance") : nullptr;
  float *offset = variance ? optionalFloatArg(info, 3, channels, "offset", &ok) : nullptr;
  float *scale = variance && ok ? optionalFloatArg(info, 4, channels, "scale", &ok) : nullptr;
  float *y = variance && ok ? floatArg(info, 5, size_t(rows) * channels, "y") : nullptr;
  if (y == nullptr) return info.Env().Undefined();
  const float eps = info[7].As<Napi::Number>().FloatValue();
  const std::vector<float> k = inverseStd(variance, scale, channels, eps);
  const std::vector<float> zeros(offset ? 0 : channels, 0.f);
  normalise(x, mean, k.data(), offset ? offset : zeros.data(), y, rows, channels);
  return info.Env().Undefined();
}

// batchNormGrad(dy, x, mean, variance, scale|null, dx, dmean, dvariance, dscale, doffset, dims [rows, channels],
// eps): the gradients of y = (x - mean) s inv + offset, inv = 1/sqrt(variance + eps), with mean and variance as
// independent inputs (as TF.js's FusedBatchNorm gradient; the path through the batch statistics is the graph's):
//   dx = dy s inv, dmean = -s inv sum(dy), dvariance = -s inv^3 / 2 sum(dy (x - mean)),
//   dscale = inv sum(dy (x - mean)), doffset = sum(dy).
Napi::Value batchNormGrad(const Napi::CallbackInfo &info) {
  const int32_t *d = intsArg(info, 10, 2, "dims");
  if (d == nullptr) return info.Env().Undefined();
  const int64_t rows = d[0], channels = d[1];
  const size_t total = size_t(rows) * channels;
  bool ok = true;
  float *dy = floatArg(info, 0, total, "dy");
  float *x = dy ? floatArg(info, 1, total, "x") : nullptr;
  float *mean = x ? floatArg(info, 2, channels, "mean") : nullptr;
  float *variance = mean ? floatArg(info, 3, channels, "variance") : nullptr;
  float *scale = variance ? optionalFloatArg(info, 4, channels, "scale", &ok) : nullptr;
  float *dx = variance && ok ? floatArg(info, 5, total, "dx") : nullptr;
  float *dmean = dx ? floatArg(info, 6, channels, "dmean") : nullptr;
  float *dvariance = dmean ? floatArg(info, 7, channels, "dvariance") : nullptr;
  float *dscale = dvariance ? floatArg(info, 8, channels, "dscale") : nullptr;
  float *doffset = dscale ? floatArg(info, 9, channels, "doffset") : nullptr;
  if (doffset == nullptr) return info.Env().Undefined();
  const float eps = info[11].As<Napi::Number>().FloatValue();
  std::vector<double> sumDy(channels, 0.0), sumDyXm(channels, 0.0);
  channelSums(dy, nullptr, x, mean, nullptr, rows, channels, sumDy, sumDyXm);
  const std::vector<float> k = inverseStd(variance, scale, channels, eps);
  for (int64_t c = 0; c < channels; c++) {
    const double inv = 1.0 / std::sqrt(double(variance[c]) + double(eps));
    const double s = scale ? scale[c] : 1.0;
    dmean[c] = float(-s * inv * sumDy[c]);
    dvariance[c] = float(-0.5 * s * inv * inv * inv * sumDyXm[c]);
    dscale[c] = float(inv * sumDyXm[c]);
    doffset[c] = float(sumDy[c]);
  }
  scaleRows(dy, k.data(), dx, rows, channels);
  return info.Env().Undefined();
}

// Batch normalisation in training, the whole layer: statistics of x, normalisation, and the gradient through the
// statistics too (TF.js differentiates tf.moments as a graph of ~10 more full-size kernels).

namespace {

// mean[c] and the biased variance[c] of x [rows, channels], as tf.moments: the mean first, rounded to float, then
// the mean of (x - mean)^2. Float partial sums over blocks of rows, double across blocks (as channelSums).
LGM_CLONES void moments(const float *__restrict x, int64_t rows, int64_t channels, float *mean, float *variance) {
  std::vector<double> sum(channels, 0.0), squares(channels, 0.0);
  std::vector<float> part(channels);
  const int64_t rowsPerBlock = 64;
  for (int pass = 0; pass < 2; pass++) {
    std::vector<double> &total = pass == 0 ? sum : squares;
    for (int64_t start = 0; start < rows; start += rowsPerBlock) {
      const int64_t end = std::min(rows, start + rowsPerBlock);
      float *__restrict p = part.data();
      for (int64_t c = 0; c < channels; c++) p[c] = 0.f;
      if (pass == 0) {
        for (int64_t r = start; r < end; r++)
          for (int64_t c = 0; c < channels; c++) p[c] += x[r * channels + c];
      } else {
        for (int64_t r = start; r < end; r++)
          for (int64_t c = 0; c < channels; c++) {
            const float d = x[r * channels + c] - mean[c];
            p[c] += d * d;
          }
      }
      for (int64_t c = 0; c < channels; c++) total[c] += p[c];
    }
    for (int64_t c = 0; c < channels; c++) {
      if (pass == 0) mean[c] = float(sum[c] / double(rows));
      else variance[c] = float(squares[c] / double(rows));
    }
  }
}

// dx = a dy + b (x - mean) + k per channel; with Masked, dy masked by ReLU's gradient from y (reluMasked).
template <bool Masked>
LGM_CLONES void affineGradRows(const float *__restrict dy, const float *__restrict y, const float *__restrict x,
                    const float *__restrict mean, const float *__restrict a, const float *__restrict b,
                    const float *__restrict k, float *__restrict dx, int64_t rows, int64_t channels) {
  for (int64_t r = 0; r < rows; r++) {
    const size_t o = size_t(r) * channels;
    for (int64_t c = 0; c < channels; c++) {
      const float g = Masked ? reluMasked(dy[o + c], y[o + c]) : dy[o + c];
      dx[o + c] = a[c] * g + b[c] * (x[o + c] - mean[c]) + k[c];
    }
  }
}

void affineGrad(const float *dy, const float *y, const float *x, const float *mean, const float *a,
                const float *b, const float *k, float *dx, int64_t rows, int64_t channels) {
  if (y != nullptr) affineGradRows<true>(dy, y, x, mean, a, b, k, dx, rows, channels);
  else affineGradRows<false>(dy, nullptr, x, mean, a, b, k, dx, rows, channels);
}

}  // namespace

// tfjs-layers' moving-average update, op for op in float: moving - (moving - value) decay, decay = 1 - momentum
// rounded to float by the caller (tfjs-layers multiplies by it as a float32 scalar). No variance correction:
// tfjs-layers averages the biased batch variance. Separate statements, so nothing is contracted into an FMA.
static void movingAverage(const float *moving, const float *value, float decay, float *out, int64_t channels) {
  for (int64_t c = 0; c < channels; c++) {
    const float delta = moving[c] - value[c];
    const float update = delta * decay;
    out[c] = moving[c] - update;
  }
}

// batchNormTrain(x, scale|null, offset|null, y, mean, variance, dims [rows, channels], eps
//                [, movingMean, movingVariance, decay, newMovingMean, newMovingVariance [, relu [, shortcut]]]):
// mean and biased variance of x per channel, then y = (x - mean) scale / sqrt(variance + eps) + offset. Three
// passes over x. With the optional arguments, also the updated moving averages of both statistics (movingAverage
// above); with relu true, y = relu(batch norm) in the same pass (a ResNet's batch norm and the ReLU after it), and
// with a shortcut y = relu(batch norm + shortcut) (the block's second batch norm, residual add and ReLU).
Napi::Value batchNormTrain(const Napi::CallbackInfo &info) {
  const int32_t *d = intsArg(info, 6, 2, "dims");
  if (d == nullptr) return info.Env().Undefined();
  const int64_t rows = d[0], channels = d[1];
  const size_t total = size_t(rows) * channels;
  bool ok = true;
  float *x = floatArg(info, 0, total, "x");
  float *scale = x ? optionalFloatArg(info, 1, channels, "scale", &ok) : nullptr;
  float *offset = x && ok ? optionalFloatArg(info, 2, channels, "offset", &ok) : nullptr;
  float *y = x && ok ? floatArg(info, 3, total, "y") : nullptr;
  float *mean = y ? floatArg(info, 4, channels, "mean") : nullptr;
  float *variance = mean ? floatArg(info, 5, channels, "variance") : nullptr;
  if (variance == nullptr) return info.Env().Undefined();
  const float eps = info[7].As<Napi::Number>().FloatValue();
  float *moving[4] = {nullptr, nullptr, nullptr, nullptr};
  if (info.Length() > 8) {
    const char *names[4] = {"movingMean", "movingVariance", "newMovingMean", "newMovingVariance"};
    for (int i = 0; i < 4; i++) {
      moving[i] = floatArg(info, i < 2 ? 8 + i : 9 + i, channels, names[i]);
      if (moving[i] == nullptr) return info.Env().Undefined();
    }
  }
  const bool withRelu = info.Length() > 13 && info[13].ToBoolean().Value();
  float *shortcut = withRelu && info.Length() > 14 ? optionalFloatArg(info, 14, total, "shortcut", &ok) : nullptr;
  if (!ok) return info.Env().Undefined();
  moments(x, rows, channels, mean, variance);
  const std::vector<float> k = inverseStd(variance, scale, channels, eps);
  const std::vector<float> zeros(offset ? 0 : channels, 0.f);
  normalise(x, mean, k.data(), offset ? offset : zeros.data(), y, rows, channels, withRelu, shortcut);
  if (moving[0] != nullptr) {
    const float decay = info[10].As<Napi::Number>().FloatValue();
    movingAverage(moving[0], mean, decay, moving[2], channels);
    movingAverage(moving[1], variance, decay, moving[3], channels);
  }
  return info.Env().Undefined();
}

// batchNormTrainGrad(dy, x, scale|null, mean, variance, dmean|null, dvariance|null, dx, dscale, doffset, dims, eps
//                    [, y|null [, dshortcut]]): the gradient of batchNormTrain with mean and variance as functions
// of x. Given y, the output of batchNormTrain with relu, dy is first masked by ReLU's gradient from y, inside both
// passes (no separate ReLU-gradient pass, no intermediate). Given dshortcut too (y from the shortcut variant), the
// first pass writes the masked dy there (the shortcut's gradient), and the second reads it. With
// inv = 1/sqrt(variance + eps),
// s the scale, N the rows, Sdy = sum(dy), Sxm = sum(dy (x - mean)) per channel and dmean, dvariance the upstream
// gradients of the statistics (zero when only y is used):
//   dx = s inv dy - s inv^3 Sxm / N (x - mean) - s inv Sdy / N + dmean / N + 2 dvariance (x - mean) / N,
//   dscale = inv Sxm, doffset = Sdy. Two passes.
Napi::Value batchNormTrainGrad(const Napi::CallbackInfo &info) {
  const int32_t *d = intsArg(info, 10, 2, "dims");
  if (d == nullptr) return info.Env().Undefined();
  const int64_t rows = d[0], channels = d[1];
  const size_t total = size_t(rows) * channels;
  bool ok = true;
  float *dy = floatArg(info, 0, total, "dy");
  float *x = dy ? floatArg(info, 1, total, "x") : nullptr;
  float *scale = x ? optionalFloatArg(info, 2, channels, "scale", &ok) : nullptr;
  float *mean = x && ok ? floatArg(info, 3, channels, "mean") : nullptr;
  float *variance = mean ? floatArg(info, 4, channels, "variance") : nullptr;
  float *dmean = variance ? optionalFloatArg(info, 5, channels, "dmean", &ok) : nullptr;
  float *dvariance = variance && ok ? optionalFloatArg(info, 6, channels, "dvariance", &ok) : nullptr;
  float *dx = variance && ok ? floatArg(info, 7, total, "dx") : nullptr;
  float *dscale = dx ? floatArg(info, 8, channels, "dscale") : nullptr;
  float *doffset = dscale ? floatArg(info, 9, channels, "doffset") : nullptr;
  float *y = doffset && info.Length() > 12 ? optionalFloatArg(info, 12, total, "y", &ok) : nullptr;
  float *dshortcut = y && ok && info.Length() > 13 ? optionalFloatArg(info, 13, total, "dshortcut", &ok) : nullptr;
  if (doffset == nullptr || !ok) return info.Env().Undefined();
  const double eps = info[11].As<Napi::Number>().FloatValue();
  std::vector<double> sumDy(channels, 0.0), sumDyXm(channels, 0.0);
  channelSums(dy, y, x, mean, dshortcut, rows, channels, sumDy, sumDyXm);
  std::vector<float> a(channels), b(channels), k(channels);
  const double n = double(rows);
  for (int64_t c = 0; c < channels; c++) {
    const double inv = 1.0 / std::sqrt(double(variance[c]) + eps);
    const double s = scale ? scale[c] : 1.0;
    const double dm = dmean ? dmean[c] : 0.0, dv = dvariance ? dvariance[c] : 0.0;
    a[c] = float(s * inv);
    b[c] = float(-s * inv * inv * inv * sumDyXm[c] / n + 2.0 * dv / n);
    k[c] = float(-s * inv * sumDy[c] / n + dm / n);
    dscale[c] = float(inv * sumDyXm[c]);
    doffset[c] = float(sumDy[c]);
  }
  if (dshortcut != nullptr) affineGrad(dshortcut, nullptr, x, mean, a.data(), b.data(), k.data(), dx, rows, channels);
  else affineGrad(dy, y, x, mean, a.data(), b.data(), k.data(), dx, rows, channels);
  return info.Env().Undefined();
}

}  // namespace lgm
