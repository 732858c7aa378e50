// The whole L-GM loss per sample, fused: variances with their floor, log-priors, the distance matrix
// (lgm_distance.cc), the margin logits, their softmax cross-entropy and the likelihood term, and the gradient of
// all of it with respect to features, means, log-variances and log-priors.
//
// Why: as TF.js ops the loss around the distance matrix is ~80 kernel calls over [N,K] and [K,D] tensors, whose
// per-call overhead and memory passes cost more than the matrix products themselves. Here it is one call forward
// and one backward; what remains is the products (2 + 4 for a diagonal covariance) and a few passes over memory.
//
// Formulas (paper eq. 17-18; src/losses/lgm.ts is the TF.js-op version of the same):
//   v_k = max(logVar_k, floor), iv_k = exp(-v_k), logdet_k = sum_j v_kj (D v_k for isotropic)
//   log pi_k = logPriors_k - logsumexp(logPriors) (or -log K), off_k = log pi_k - 1/2 logdet_k (logDet on)
//   logits_ik = off_k - (1 + alpha [k = y_i]) d_ik,  cls_i = logsumexp_k logits_ik - logits_iy,
//   aux_i = d_iy + 1/2 logdet_y (logDet on).
// Output: one [N, K+2] array per sample row: logits (K), cls, aux. Its gradient comes in the same layout.
#include <algorithm>
#include <cmath>
#include <vector>

#include "vector_math.h"
#include "lgm_distance.h"


namespace lgm {

namespace {

// dims layout shared with src/native/loss.ts.
enum { N_, D_, K_, COV, LOG_DET, kDims };
// Scratch slots of this file (lgm_distance.cc uses 0-10).
enum { LOGDET = 12, DIST = 13, GRAD = 14, DIV = 15 };

struct LossShape {
  int64_t n, d, k;
  int cov;
  bool logDet;
  float alpha, floor;
};

// One class's inverse variances from its raw log-variances; returns its log-determinant.
LGM_CLONES float varianceRow(const float *logVar, float floor, int64_t d, float *iv) {
  for (int64_t j = 0; j < d; j++) iv[j] = std::max(logVar[j], floor);  // v first, then iv in place
  const float logdet = sumOf(iv, d);
  for (int64_t j = 0; j < d; j++) iv[j] = expApprox(-iv[j]);
  return logdet;
}

// iv and logdet from the raw log-variances (see the header comment).
void variances(const LossShape &s, const float *logVar, float *iv, float *logdet) {
  if (s.cov == IDENTITY) {
    std::fill(logdet, logdet + s.k, 0.f);
    return;
  }
  if (s.cov == ISOTROPIC) {
    for (int64_t r = 0; r < s.k; r++) {
      const float v = std::max(logVar[r], s.floor);
      iv[r] = expApprox(-v);
      logdet[r] = float(s.d) * v;
    }
    return;
  }
  for (int64_t r = 0; r < s.k; r++) logdet[r] = varianceRow(logVar + r * s.d, s.floor, s.d, iv + r * s.d);
}

// One sample's margin logits (written to row) and its cross-entropy; its softmax goes to p (for the gradient).
LGM_CLONES float logitsRow(const float *offset, const float *dist, int64_t k, int64_t y, float alpha, float *row,
                           float *p) {
  for (int64_t r = 0; r < k; r++) row[r] = offset[r] - dist[r];
  row[y] -= alpha * dist[y];  // the margin, on the true class only
  const float m = maxOf(row, k);
  for (int64_t r = 0; r < k; r++) p[r] = expApprox(row[r] - m);
  const float sum = sumOf(p, k), inv = 1.f / sum;
  for (int64_t r = 0; r < k; r++) p[r] *= inv;
  return m + std::log(sum) - row[y];
}

// One sample's gradient through the cross-entropy and the margin: g_r = d loss / d d_ir from the softmax p of
// its logits and the upstream gradients dRow (logits, then cross-entropy, then likelihood term); adds dlogits
// to dOffset.
LGM_CLONES void gradientRow(const float *p, const float *dRow, int64_t k, int64_t y, float alpha, float *g,
                            float *dOffset) {
  const float dCls = dRow[k];
  for (int64_t r = 0; r < k; r++) g[r] = dRow[r] + dCls * p[r];  // dlogits = dlogits_in + dcls (softmax - 1_y)
  g[y] -= dCls;
  for (int64_t r = 0; r < k; r++) dOffset[r] += g[r];
  const float dLogitY = g[y];
  for (int64_t r = 0; r < k; r++) g[r] = -g[r];
  g[y] = -(1.f + alpha) * dLogitY + dRow[k + 1];  // -(1 + alpha) dlogits + daux on the true class
}

// Normalised log-priors (uniform when absent), and softmax(logPriors) for the gradient.
void logPriorProbabilities(const LossShape &s, const float *logPriors, std::vector<float> &logPi,
                           std::vector<float> &pi) {
  logPi.assign(s.k, -std::log(float(s.k)));
  pi.assign(s.k, 1.f / float(s.k));
  if (logPriors == nullptr) return;
  const float m = *std::max_element(logPriors, logPriors + s.k);
  double sum = 0.0;
  for (int64_t r = 0; r < s.k; r++) sum += std::exp(double(logPriors[r] - m));
  const float lse = m + float(std::log(sum));
  for (int64_t r = 0; r < s.k; r++) {
    logPi[r] = logPriors[r] - lse;
    pi[r] = std::exp(logPi[r]);
  }
}

// Reads the shared arguments of both kernels; null when one is missing or malformed (a JS error is then set).
struct LossArgs {
  LossShape shape{};
  const float *x = nullptr, *mu = nullptr, *logVar = nullptr, *logPriors = nullptr, *labels = nullptr;
  bool ok = false;
};

LossArgs readArgs(const Napi::CallbackInfo &info, size_t first, size_t dimsAt) {
  LossArgs a;
  const int32_t *dm = intsArg(info, dimsAt, kDims, "dims");
  if (dm == nullptr) return a;
  a.shape = {dm[N_], dm[D_], dm[K_], dm[COV], dm[LOG_DET] != 0, info[dimsAt + 1].As<Napi::Number>().FloatValue(),
             info[dimsAt + 2].As<Napi::Number>().FloatValue()};
  const LossShape &s = a.shape;
  bool ok = true;
  a.x = floatArg(info, first, s.n * s.d, "x");
  a.mu = a.x ? floatArg(info, first + 1, s.k * s.d, "means") : nullptr;
  a.logVar = a.mu ? optionalFloatArg(info, first + 2, s.cov == DIAGONAL ? s.k * s.d : s.k, "logVar", &ok) : nullptr;
  a.logPriors = a.mu && ok ? optionalFloatArg(info, first + 3, s.k, "logPriors", &ok) : nullptr;
  a.labels = a.mu && ok ? floatArg(info, first + 4, s.n, "labels") : nullptr;
  a.ok = a.labels != nullptr && ok && (s.cov == IDENTITY || a.logVar != nullptr);
  return a;
}


}  // namespace

// lgmLoss(x, mu, logVar|null, logPriors|null, labels, packed [N,K+2], state, dims, alpha, floor). `state` keeps
// what the gradient needs, so that it is not computed twice: each sample's nearest class (N), the inverse
// variances (K*D, K or none) and the softmax of the logits (N*K), in that order (stateSize in src/native/loss.ts).
Napi::Value lgmLoss(const Napi::CallbackInfo &info) {
  LossArgs a = readArgs(info, 0, 7);
  const LossShape &s = a.shape;
  const int64_t n = s.n, k = s.k, ivSize = s.cov == DIAGONAL ? k * s.d : s.cov == ISOTROPIC ? k : 0;
  float *packed = a.ok ? floatArg(info, 5, n * (k + 2), "packed") : nullptr;
  float *state = packed ? floatArg(info, 6, n + ivSize + n * k, "state") : nullptr;
  if (state == nullptr) return info.Env().Undefined();
  float *nearest = state, *iv = s.cov == IDENTITY ? nullptr : state + n, *probs = state + n + ivSize;
  float *logdet = scratch(LOGDET, k), *dist = scratch(DIST, n * k);
  variances(s, a.logVar, iv, logdet);
  std::vector<float> logPi, pi, offset(k);
  logPriorProbabilities(s, a.logPriors, logPi, pi);
  for (int64_t r = 0; r < k; r++) offset[r] = logPi[r] - (s.logDet ? 0.5f * logdet[r] : 0.f);
  if (!distanceForward({a.x, a.mu, iv, a.labels, n, s.d, k, s.cov}, dist, nearest)) {
    throwGemmError(info);
    return info.Env().Undefined();
  }
  for (int64_t i = 0; i < n; i++) {
    const int64_t y = int64_t(a.labels[i]);
    float *row = packed + i * (k + 2);
    row[k] = logitsRow(offset.data(), dist + i * k, k, y, s.alpha, row, probs + i * k);
    row[k + 1] = dist[i * k + y] + (s.logDet ? 0.5f * logdet[y] : 0.f);
  }
  return info.Env().Undefined();
}

// lgmLossGrad(dPacked, x, mu, logVar|null, logPriors|null, labels, state, dx, dmu, dLogVar|null, dLogPriors|null,
// dims, alpha, floor), with the forward call's state.
Napi::Value lgmLossGrad(const Napi::CallbackInfo &info) {
  LossArgs a = readArgs(info, 1, 11);
  if (!a.ok) return info.Env().Undefined();
  const LossShape &s = a.shape;
  const int64_t n = s.n, k = s.k, d = s.d, ivSize = s.cov == DIAGONAL ? k * d : k;
  bool ok = true;
  const float *dPacked = floatArg(info, 0, n * (k + 2), "dPacked");
  const int64_t stateIv = s.cov == IDENTITY ? 0 : ivSize;
  const float *state = dPacked ? floatArg(info, 6, n + stateIv + n * k, "state") : nullptr;
  float *dx = state ? floatArg(info, 7, n * d, "dx") : nullptr;
  float *dmu = dx ? floatArg(info, 8, k * d, "dmu") : nullptr;
  float *dLogVar = dmu ? optionalFloatArg(info, 9, ivSize, "dLogVar", &ok) : nullptr;
  float *dLogPriors = dmu && ok ? optionalFloatArg(info, 10, k, "dLogPriors", &ok) : nullptr;
  if (dmu == nullptr || !ok) return info.Env().Undefined();
  const float *nearest = state, *iv = s.cov == IDENTITY ? nullptr : state + n, *probs = state + n + stateIv;
  float *g = scratch(GRAD, n * k);
  // Through softmax cross-entropy and the margin: dlogits, then g = d loss / d d_ik.
  std::vector<float> dOffset(k, 0.f), dLogdet(k, 0.f);
  float *dOff = dOffset.data();
  for (int64_t i = 0; i < n; i++) {
    const int64_t y = int64_t(a.labels[i]);
    gradientRow(probs + i * k, dPacked + i * (k + 2), k, y, s.alpha, g + i * k, dOff);
  }
  if (s.logDet) {
    for (int64_t r = 0; r < k; r++) dLogdet[r] = -0.5f * dOffset[r];
    for (int64_t i = 0; i < n; i++) dLogdet[int64_t(a.labels[i])] += 0.5f * dPacked[i * (k + 2) + k + 1];
  }
  if (dLogPriors != nullptr && a.logPriors != nullptr) {
    std::vector<float> logPi, pi;
    logPriorProbabilities(s, a.logPriors, logPi, pi);
    float total = 0.f;
    for (int64_t r = 0; r < k; r++) total += dOffset[r];
    for (int64_t r = 0; r < k; r++) dLogPriors[r] = dOffset[r] - pi[r] * total;
  }
  float *div = s.cov == IDENTITY ? nullptr : scratch(DIV, ivSize);
  if (!distanceBackward({a.x, a.mu, iv, a.labels, n, d, k, s.cov}, g, nearest, dx, dmu, div)) {
    throwGemmError(info);
    return info.Env().Undefined();
  }
  if (dLogVar == nullptr || s.cov == IDENTITY) return info.Env().Undefined();
  // v = max(logVar, floor): d/dv of iv = exp(-v) is -iv; below the floor the gradient is 0.
  if (s.cov == ISOTROPIC) {
    for (int64_t r = 0; r < k; r++) {
      const float dv = -div[r] * iv[r] + float(d) * dLogdet[r];
      dLogVar[r] = a.logVar[r] > s.floor ? dv : 0.f;
    }
  } else {
    for (int64_t r = 0; r < k; r++) {
      for (int64_t j = 0; j < d; j++) {
        const int64_t e = r * d + j;
        dLogVar[e] = a.logVar[e] > s.floor ? -div[e] * iv[e] + dLogdet[r] : 0.f;
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace lgm
