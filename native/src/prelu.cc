// PReLU's select (preluGradInput: dx = dy where x > 0 else alpha dy; with dy = x, the PReLU forward) and its
// whole gradient in one kernel (preluGrad, LgmPreluGrad: that dx, and dalpha = sum of dy x where x <= 0), reading
// dy and x from memory once (block by block) instead of once per half. Same selects and summation order as the
// two kernels it replaced (LgmPreluGradInput, LgmPreluGradAlpha: float partial sums per block of 64 rows, double
// across blocks), so the results are the same bits. Single-threaded for the reason given in reduce.cc.
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

// Written so that GCC vectorises it (restrict pointers, every load unconditional, a select instead of a branch):
// as a branch, the sign of x is a coin flip and mispredictions cost ~4 ns per element (7 ms for [64,28,28,32]).
void preluInput(const float *__restrict dy, const float *__restrict x, const float *__restrict alpha,
                float *__restrict dx, int64_t total, int64_t period) {
  for (int64_t base = 0; base < total; base += period) {
    for (int64_t j = 0; j < period; j++) {
      const float v = x[base + j], g = dy[base + j], scaled = alpha[j] * g;  // all loads unconditional
      dx[base + j] = v > 0.f ? g : scaled;
    }
  }
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

// The operands both entry points share: dy, x, dx (total elements) and alpha (period) at arguments 0-3, dims
// [total, period] at argument dimsAt. False (a JS exception pending) when one is missing or of the wrong size.
struct PreluOperands {
  float *dy, *x, *alpha, *dx;
  int64_t total, period;
};
bool preluOperands(const Napi::CallbackInfo &info, int dimsAt, PreluOperands &p) {
  const int32_t *d = intsArg(info, dimsAt, 2, "dims");
  if (d == nullptr) return false;
  p.total = d[0];
  p.period = d[1];
  p.dy = floatArg(info, 0, p.total, "dy");
  p.x = p.dy ? floatArg(info, 1, p.total, "x") : nullptr;
  p.alpha = p.x ? floatArg(info, 2, p.period, "alpha") : nullptr;
  p.dx = p.alpha ? floatArg(info, 3, p.total, "dx") : nullptr;
  return p.dx != nullptr;
}

}  // namespace

// preluGradInput(dy, x, alpha, dx, dims [total, period]): alpha[i mod period] is the slope of element i.
Napi::Value preluGradInput(const Napi::CallbackInfo &info) {
  PreluOperands p;
  if (preluOperands(info, 4, p)) preluInput(p.dy, p.x, p.alpha, p.dx, p.total, p.period);
  return info.Env().Undefined();
}

// preluGrad(dy, x, alpha, dx, dalpha, dims [total, period]): alpha[i mod period] is the slope of element i.
Napi::Value preluGrad(const Napi::CallbackInfo &info) {
  PreluOperands p;
  if (!preluOperands(info, 5, p)) return info.Env().Undefined();
  float *dalpha = floatArg(info, 4, p.period, "dalpha");
  if (dalpha != nullptr) preluBoth(p.dy, p.x, p.alpha, p.dx, dalpha, p.total, p.period);
  return info.Env().Undefined();
}

}  // namespace lgm
