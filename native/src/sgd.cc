// One SGD (momentum, Nesterov, L2 weight decay) update of one parameter in one pass (LgmSgdUpdate), for
// src/train/optimizer.ts, which otherwise runs 4-7 element-wise kernels per parameter and step. The arithmetic is
// the op path's, operation for operation and in float32:
//   g' = g + w wd (decay only); v' = v mu + g'; step = v' (plain) or g' + v' mu (Nesterov), or g' without
//   momentum; w' = w - step rate.
// Contraction into fused multiply-adds is off here so that every product and sum rounds as the separate kernels'
// do, and the update equals the op path's bit for bit.
#pragma GCC optimize("fp-contract=off")
#include "common.h"

namespace lgm {

namespace {

enum { kRate, kMomentum, kDecay, kNesterov, kParamCount };

void update(const float *__restrict w, const float *__restrict v, const float *__restrict g, float *__restrict wOut,
            float *__restrict vOut, int64_t n, const float *p) {
  const float rate = p[kRate], mu = p[kMomentum], wd = p[kDecay];
  const bool decay = wd != 0.f, nesterov = p[kNesterov] != 0.f;
  for (int64_t i = 0; i < n; i++) {
    float grad = g[i];
    if (decay) grad = grad + w[i] * wd;
    float step = grad;
    if (v != nullptr) {
      const float velocity = v[i] * mu + grad;
      vOut[i] = velocity;
      step = nesterov ? grad + velocity * mu : velocity;
    }
    wOut[i] = w[i] - step * rate;
  }
}

}  // namespace

// sgdUpdate(w, v|null, g, wOut, vOut|null, params Float32Array [rate, momentum, weightDecay, nesterov 0/1]).
Napi::Value sgdUpdate(const Napi::CallbackInfo &info) {
  bool ok = true;
  float *params = floatArg(info, 5, kParamCount, "params");
  float *w = params ? floatArg(info, 0, 1, "w") : nullptr;
  if (w == nullptr) return info.Env().Undefined();
  const size_t n = info[0].As<Napi::Float32Array>().ElementLength();
  float *v = optionalFloatArg(info, 1, n, "v", &ok);
  float *g = ok ? floatArg(info, 2, n, "g") : nullptr;
  float *wOut = g ? floatArg(info, 3, n, "wOut") : nullptr;
  float *vOut = wOut ? optionalFloatArg(info, 4, n, "vOut", &ok) : nullptr;
  if (wOut == nullptr || !ok) return info.Env().Undefined();
  if ((v == nullptr) != (vOut == nullptr)) {
    Napi::TypeError::New(info.Env(), "lgm native sgdUpdate: v and vOut must both be given or both be null")
        .ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  update(w, v, g, wOut, vOut, int64_t(n), params);
  return info.Env().Undefined();
}

}  // namespace lgm
