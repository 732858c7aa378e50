// The whole PReLU gradient in one kernel (LgmPreluGrad): dx = dy where x > 0 else alpha dy, and dalpha = sum of
// dy x where x <= 0, reading dy and x from memory once (block by block) instead of once per half.
// Same selects and summation order as the two kernels it replaced (LgmPreluGradInput, LgmPreluGradAlpha: float
// partial sums per block of 64 rows, double across blocks), so the results are the same bits. Single-threaded for
// the reason given in reduce.cc.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common.h"

namespace lgm {

namespace {

inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float fromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

void preluBoth(const float *__restrict dy, const float *__restrict x, const float *__restrict alpha,
               float *__restrict dx, float *__restrict dalpha, int64_t total, int64_t period) {
  std::vector<double> acc(period, 0.0);
  std::vector<float> block(period);
  const int64_t rowsPerBlock = 64;
  for (int64_t start = 0; start < total; start += rowsPerBlock * period) {
    const int64_t end = std::min(total, start + rowsPerBlock * period);
    float *__restrict b = block.data();
    for (int64_t j = 0; j < period; j++) b[j] = 0.f;
    for (int64_t base = start; base < end; base += period) {
      for (int64_t j = 0; j < period; j++) {
        const float v = x[base + j], g = dy[base + j], scaled = alpha[j] * g, product = v * g;
        // Both selects on one mask of bits: as two float selects GCC compiled them into a branch, many times
        // slower (docs/performance.md, "LeNet++ op by op").
        const uint32_t keep = -uint32_t(v > 0.f);  // all ones where x > 0
        dx[base + j] = fromBits((bits(g) & keep) | (bits(scaled) & ~keep));
        b[j] += fromBits(bits(product) & ~keep);  // product where x <= 0, else +0
      }
    }
    for (int64_t j = 0; j < period; j++) acc[j] += b[j];
  }
  for (int64_t j = 0; j < period; j++) dalpha[j] = float(acc[j]);
}

}  // namespace

// preluGrad(dy, x, alpha, dx, dalpha, dims [total, period]): alpha[i mod period] is the slope of element i.
Napi::Value preluGrad(const Napi::CallbackInfo &info) {
  const int32_t *d = intsArg(info, 5, 2, "dims");
  if (d == nullptr) return info.Env().Undefined();
  const int64_t total = d[0], period = d[1];
  float *dy = floatArg(info, 0, total, "dy");
  float *x = dy ? floatArg(info, 1, total, "x") : nullptr;
  float *alpha = x ? floatArg(info, 2, period, "alpha") : nullptr;
  float *dx = alpha ? floatArg(info, 3, total, "dx") : nullptr;
  float *dalpha = dx ? floatArg(info, 4, period, "dalpha") : nullptr;
  if (dalpha == nullptr) return info.Env().Undefined();
  preluBoth(dy, x, alpha, dx, dalpha, total, period);
  return info.Env().Undefined();
}

}  // namespace lgm
