// Sums over leading or trailing axes (bias gradients) in one pass each, where TF.js's Sum would cost a training
// step several. Accumulation is in double, then rounded to float32.
// Single-threaded on purpose: these passes are memory-bound (about 0.5 ms per million elements), and an OpenMP
// region costs far more than that whenever the two cores are shared with other processes (measured: 28 ms vs
// 0.46 ms for a [64,32,32,16] sum under load).
#include <algorithm>
#include <vector>

#include "common.h"

namespace lgm {

namespace {

// Column sums of x viewed as [total / period, period]: out[j] = sum of term(i) over i = j mod period.
template <typename F>
void periodicSum(int64_t total, int64_t period, float *out, F term) {
  std::vector<double> acc(period, 0.0);
  for (int64_t base = 0; base < total; base += period) {
    for (int64_t j = 0; j < period; j++) acc[j] += term(base + j);
  }
  for (int64_t j = 0; j < period; j++) out[j] = float(acc[j]);
}

}  // namespace

// sumAxes(x, out, dims [outer, inner, keepInner]): x viewed as [outer, inner]; keepInner 1 sums over outer
// (leading axes) giving [inner], 0 sums over inner (trailing axes) giving [outer].
Napi::Value sumAxes(const Napi::CallbackInfo &info) {
  const int32_t *d = intsArg(info, 2, 3, "dims");
  if (d == nullptr) return info.Env().Undefined();
  const int64_t outer = d[0], inner = d[1];
  float *x = floatArg(info, 0, size_t(outer) * inner, "x");
  float *out = x ? floatArg(info, 1, d[2] ? inner : outer, "out") : nullptr;
  if (out == nullptr) return info.Env().Undefined();
  if (d[2]) {
    periodicSum(outer * inner, inner, out, [&](int64_t i) { return double(x[i]); });
    return info.Env().Undefined();
  }
  for (int64_t r = 0; r < outer; r++) {
    double s = 0;
    for (int64_t j = 0; j < inner; j++) s += x[r * inner + j];
    out[r] = float(s);
  }
  return info.Env().Undefined();
}

}  // namespace lgm
