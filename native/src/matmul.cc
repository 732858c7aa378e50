// Batched matrix product with optional transposes, fused bias and activation, on oneDNN's sgemm.
#include <algorithm>
#include <cmath>

#include "common.h"

namespace lgm {

namespace {

// Dimensions as passed from JS (Int32Array of kDimsSize, see src/native/matmul.ts).
enum { BATCH_A, BATCH_B, M, N, K, TRANS_A, TRANS_B, kDimsSize };

// Activation codes shared with src/native/conv.ts; applied in place on one output row block.
void activate(float *out, size_t n, int activation, float alpha) {
  switch (activation) {
    case 1: for (size_t i = 0; i < n; i++) out[i] = std::max(out[i], 0.f); break;
    case 2: for (size_t i = 0; i < n; i++) out[i] = std::min(std::max(out[i], 0.f), 6.f); break;
    case 3: for (size_t i = 0; i < n; i++) out[i] = out[i] < 0.f ? alpha * out[i] : out[i]; break;
    case 4: for (size_t i = 0; i < n; i++) out[i] = out[i] < 0.f ? std::expm1(out[i]) : out[i]; break;
    case 5: for (size_t i = 0; i < n; i++) out[i] = 1.f / (1.f + std::exp(-out[i])); break;
    default: break;
  }
}

}  // namespace

// batchMatMul(a, b, c, dims, bias|null, activation, alpha): c[i] = act(op(a[i]) op(b[i]) + bias) for each batch i,
// where a batch of 1 broadcasts; op transposes when TRANS_* is 1; bias has length 1 or N.
Napi::Value batchMatMul(const Napi::CallbackInfo &info) {
  const int32_t *d = intsArg(info, 3, kDimsSize, "dims");
  if (d == nullptr) return info.Env().Undefined();
  const int64_t m = d[M], n = d[N], k = d[K];
  const int64_t batch = std::max(d[BATCH_A], d[BATCH_B]);
  float *a = floatArg(info, 0, size_t(d[BATCH_A]) * m * k, "a");
  float *b = a ? floatArg(info, 1, size_t(d[BATCH_B]) * k * n, "b") : nullptr;
  float *c = b ? floatArg(info, 2, size_t(batch) * m * n, "c") : nullptr;
  bool ok = true;
  float *bias = c ? optionalFloatArg(info, 4, 1, "bias", &ok) : nullptr;
  if (c == nullptr || !ok) return info.Env().Undefined();
  const size_t biasLength = bias ? info[4].As<Napi::Float32Array>().ElementLength() : 0;
  const int activation = info[5].As<Napi::Number>().Int32Value();
  const float alpha = info[6].As<Napi::Number>().FloatValue();
  const bool ta = d[TRANS_A] != 0, tb = d[TRANS_B] != 0;
  for (int64_t i = 0; i < batch; i++) {
    const float *ai = a + (d[BATCH_A] == 1 ? 0 : i * m * k);
    const float *bi = b + (d[BATCH_B] == 1 ? 0 : i * k * n);
    float *ci = c + i * m * n;
    const float beta = bias ? 1.f : 0.f;
    if (bias) {
      for (int64_t r = 0; r < m; r++) {
        for (int64_t j = 0; j < n; j++) ci[r * n + j] = bias[biasLength == 1 ? 0 : j];
      }
    }
    dnnl::status s = dnnl::sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, ai, ta ? m : k, bi, tb ? k : n,
                                 beta, ci, n);
    if (s != dnnl::status::success) {
      Napi::Error::New(info.Env(), "lgm native: oneDNN sgemm failed with status " + std::to_string(int(s)))
          .ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    activate(ci, size_t(m * n), activation, alpha);
  }
  return info.Env().Undefined();
}

}  // namespace lgm
