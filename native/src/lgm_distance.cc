// The L-GM distance matrix d_ik = 1/2 (x_i - mu_k)^T Sigma_k^-1 (x_i - mu_k) and its gradient, fused.
//
// The same algorithm as src/gm/distance.ts (read that file's comment first): products on coordinates centred at the
// centroid of the means, exact residual-based values for each sample's anchor classes (its label and its nearest
// class), and a hand-written gradient with the same split. Here it is two kernel calls instead of ~60 TF.js ops:
// the matrix products go to oneDNN's sgemm and every element-wise step is one pass over memory, which makes the
// L-GM head's cost close to that of its products (2 forward + 4 backward for a diagonal covariance).
#include <algorithm>
#include <vector>

#include "lgm_distance.h"
#include "vector_math.h"

// The matrix products run on oneDNN's OpenMP threads; the loops here are single-threaded and vectorised, like the
// other memory-bound kernels (docs/native.md, "Threads": an OpenMP region costs far more than these loops
// whenever the cores are busy with other processes).

namespace lgm {

namespace {

// dims layout shared with src/native/distance.ts.
enum { N_, D_, K_, COV, kDims };

}  // namespace

// Working memory reused across calls: fresh multi-megabyte vectors would be mapped and page-faulted on every
// call (glibc serves them with mmap), which cost as much as the matrix products. Kernels run on the JS thread,
// one at a time, so one set of buffers suffices; a slot is only ever used by one array of a call.
float *scratch(int slot, size_t size) {
  static std::vector<float> slots[kScratchSlots];
  if (slots[slot].size() < size) slots[slot].resize(size);
  return slots[slot].data();
}

namespace {

bool gemm(char ta, char tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
          const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  if (m == 0 || n == 0) return true;
  return dnnl::sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == dnnl::status::success;
}

// Centred coordinates and the per-row terms every pass needs (views of scratch slots 0-4).
struct Centred {
  float *xc, *mc;  // x - c [N,D], mu - c [K,D]
  float *xhalf;    // diagonal: xc^2 / 2 [N,D]; otherwise |xc|^2 / 2 [N]
  float *mciv;     // diagonal: mc * iv [K,D]
  float *mhalf;    // 1/2 sum_j mc^2 iv (iv = 1 for identity/isotropic) [K]

  Centred(const float *x, const float *mu, const float *iv, int64_t n, int64_t d, int64_t k, int cov)
      : xc(scratch(0, n * d)),
        mc(scratch(1, k * d)),
        xhalf(scratch(2, cov == DIAGONAL ? n * d : n)),
        mciv(cov == DIAGONAL ? scratch(3, k * d) : nullptr),
        mhalf(scratch(4, k)) {
    // The centroid: any fixed shift near the data works, so float sums (vectorised across columns) suffice.
    std::vector<float> cf(d, 0.f);
    for (int64_t r = 0; r < k; r++)
      for (int64_t j = 0; j < d; j++) cf[j] += mu[r * d + j];
    for (int64_t j = 0; j < d; j++) cf[j] /= float(k);
    // One pass over the rows of x and one over the rows of the means (each row's terms while it is in cache).
    for (int64_t i = 0; i < n; i++) {
      float *row = xc + i * d;
      for (int64_t j = 0; j < d; j++) row[j] = x[i * d + j] - cf[j];
      if (cov == DIAGONAL) {
        for (int64_t j = 0; j < d; j++) xhalf[i * d + j] = 0.5f * row[j] * row[j];
      } else {
        xhalf[i] = 0.5f * dotOf(row, row, d);
      }
    }
    for (int64_t r = 0; r < k; r++) {
      float *row = mc + r * d;
      for (int64_t j = 0; j < d; j++) row[j] = mu[r * d + j] - cf[j];
      if (cov == DIAGONAL) {
        for (int64_t j = 0; j < d; j++) mciv[r * d + j] = row[j] * iv[r * d + j];
        mhalf[r] = 0.5f * dotOf(row, mciv + r * d, d);
      } else {
        mhalf[r] = 0.5f * dotOf(row, row, d);
      }
    }
  }
};

// 1/2 sum_j (x_j - mu_j)^2 iv_j for one sample and one class, from the residual (ivRow null: iv_j = ivScalar).
LGM_CLONES float anchorDistance(const float *x, const float *mu, const float *ivRow, float ivScalar, int64_t d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= d; j += 8) {
    for (int l = 0; l < 8; l++) {
      const float r = x[j + l] - mu[j + l];
      acc[l] += r * r * (ivRow ? ivRow[j + l] : ivScalar);
    }
  }
  float s = 0.f;
  for (; j < d; j++) s += (x[j] - mu[j]) * (x[j] - mu[j]) * (ivRow ? ivRow[j] : ivScalar);
  for (int l = 0; l < 8; l++) s += acc[l];
  return 0.5f * s;
}

// One anchor's exact gradient contribution: w = ga iv r with r = x - mu; dx += w, dmu -= w, and div += ga r^2 / 2
// per coordinate (divRow, diagonal) or summed (returned, isotropic).
LGM_CLONES float anchorGradient(const float *x, const float *mu, const float *ivRow, float ivScalar, float ga,
                                int64_t d, float *dx, float *dmu, float *divRow) {
  float halfSq = 0.f;
  for (int64_t j = 0; j < d; j++) {
    const float r = x[j] - mu[j];
    const float w = ga * r * (ivRow ? ivRow[j] : ivScalar);
    dx[j] += w;
    dmu[j] -= w;
    if (divRow) divRow[j] += 0.5f * ga * r * r;
  }
  if (divRow == nullptr) {
    for (int64_t j = 0; j < d; j++) halfSq += 0.5f * ga * (x[j] - mu[j]) * (x[j] - mu[j]);
  }
  return halfSq;
}

// One class's product-part gradients, diagonal covariance: dmu = iv (mc count - p), div -= mc (p - mc count / 2).
LGM_CLONES void classGradientDiagonal(const float *mc, const float *p, const float *iv, float count, int64_t d,
                                      float *dmu, float *div) {
  for (int64_t j = 0; j < d; j++) {
    const float t = mc[j] * count;
    dmu[j] = iv[j] * (t - p[j]);
    div[j] -= mc[j] * (p[j] - 0.5f * t);
  }
}

// The exact distance d_{i,a} of sample i to anchor class a.
inline float exactDistance(const float *x, const float *mu, const float *iv, int cov, int64_t i, int64_t a,
                           int64_t d) {
  const float *ivRow = cov == DIAGONAL ? iv + a * d : nullptr;
  return anchorDistance(x + i * d, mu + a * d, ivRow, cov == ISOTROPIC ? iv[a] : 1.f, d);
}

// The anchors of sample i: its label (when given) and its nearest class; -1 when the second repeats the first.
inline void anchorsOf(const float *labels, const float *nearest, int64_t i, int64_t *a1, int64_t *a2) {
  const int64_t near = int64_t(nearest[i]);
  *a1 = labels ? int64_t(labels[i]) : near;
  *a2 = (labels && near != *a1) ? near : -1;
}

}  // namespace

bool distanceForward(const DistanceInputs &in, float *out, float *nearest) {
  const auto [x, mu, iv, labels, n, d, k, cov] = in;
  Centred s(x, mu, iv, n, d, k, cov);
  if (cov == DIAGONAL) {
    if (!gemm('N', 'T', n, k, d, 1.f, s.xhalf, d, iv, d, 0.f, out, k)) return false;
    if (!gemm('N', 'T', n, k, d, -1.f, s.xc, d, s.mciv, d, 1.f, out, k))
      return false;
    for (int64_t i = 0; i < n; i++)
      for (int64_t r = 0; r < k; r++) out[i * k + r] = std::max(out[i * k + r] + s.mhalf[r], 0.f);
  } else {
    if (!gemm('N', 'T', n, k, d, -1.f, s.xc, d, s.mc, d, 0.f, out, k))
      return false;
    for (int64_t i = 0; i < n; i++) {
      for (int64_t r = 0; r < k; r++) {
        const float v = std::max(out[i * k + r] + s.xhalf[i] + s.mhalf[r], 0.f);
        out[i * k + r] = cov == ISOTROPIC ? v * iv[r] : v;
      }
    }
  }
  for (int64_t i = 0; i < n; i++) {
    const float *row = out + i * k;
    nearest[i] = float(argMinOf(row, k));
    int64_t a1, a2;
    anchorsOf(labels, nearest, i, &a1, &a2);
    out[i * k + a1] = exactDistance(x, mu, iv, cov, i, a1, d);
    if (a2 >= 0) out[i * k + a2] = exactDistance(x, mu, iv, cov, i, a2, d);
  }
  return true;
}

bool distanceBackward(const DistanceInputs &in, const float *dy, const float *nearest, float *dx, float *dmu,
                      float *div) {
  const auto [x, mu, iv, labels, n, d, k, cov] = in;
  Centred s(x, mu, iv, n, d, k, cov);
  // The product part runs on dy with the anchor entries zeroed.
  float *g = scratch(5, n * k), *ga1 = scratch(6, n), *ga2 = scratch(7, n);
  std::copy(dy, dy + n * k, g);
  std::fill(ga2, ga2 + n, 0.f);
  for (int64_t i = 0; i < n; i++) {
    int64_t a1, a2;
    anchorsOf(labels, nearest, i, &a1, &a2);
    ga1[i] = g[i * k + a1];
    g[i * k + a1] = 0.f;
    if (a2 >= 0) {
      ga2[i] = g[i * k + a2];
      g[i * k + a2] = 0.f;
    }
  }
  float *count = scratch(8, k);  // sum_i g_ik
  std::fill(count, count + k, 0.f);
  for (int64_t i = 0; i < n; i++)
    for (int64_t r = 0; r < k; r++) count[r] += g[i * k + r];
  float *p = scratch(9, k * d);  // sum_i g_ik xc_i
  if (!gemm('T', 'N', k, d, n, 1.f, g, k, s.xc, d, 0.f, p, d))
    return false;
  if (cov == DIAGONAL) {
    // div = sum_i g xc^2/2 - mc p + mc^2 count / 2 (written into div by the product first).
    if (!gemm('T', 'N', k, d, n, 1.f, g, k, s.xhalf, d, 0.f, div, d))
      return false;
    // dx = xc * (g iv) - g (mc iv).
    if (!gemm('N', 'N', n, d, k, 1.f, g, k, iv, d, 0.f, dx, d)) return false;
    for (int64_t e = 0; e < n * d; e++) dx[e] *= s.xc[e];
    if (!gemm('N', 'N', n, d, k, -1.f, g, k, s.mciv, d, 1.f, dx, d))
      return false;
    for (int64_t r = 0; r < k; r++) {
      classGradientDiagonal(s.mc + r * d, p + r * d, iv + r * d, count[r], d, dmu + r * d, div + r * d);
    }
  } else {
    // Isotropic: the same with iv_k a per-class scalar; identity: iv = 1 and no div.
    float *rowSum = scratch(10, n);
    std::fill(rowSum, rowSum + n, 0.f);
    if (cov == ISOTROPIC) {
      for (int64_t r = 0; r < k; r++) div[r] = 0.f;
      for (int64_t i = 0; i < n; i++) {
        for (int64_t r = 0; r < k; r++) {
          div[r] += g[i * k + r] * s.xhalf[i];
          g[i * k + r] *= iv[r];  // from here on g holds g iv
        }
      }
      for (int64_t r = 0; r < k; r++) {
        float dot = 0.f;
        for (int64_t j = 0; j < d; j++) dot += s.mc[r * d + j] * (p[r * d + j] - 0.5f * s.mc[r * d + j] * count[r]);
        div[r] -= dot;
      }
    }
    for (int64_t i = 0; i < n; i++)
      for (int64_t r = 0; r < k; r++) rowSum[i] += g[i * k + r];
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < d; j++) dx[i * d + j] = s.xc[i * d + j] * rowSum[i];
    if (!gemm('N', 'N', n, d, k, -1.f, g, k, s.mc, d, 1.f, dx, d))
      return false;
    for (int64_t r = 0; r < k; r++) {
      const float scale = cov == ISOTROPIC ? iv[r] : 1.f;
      for (int64_t j = 0; j < d; j++) dmu[r * d + j] = scale * (s.mc[r * d + j] * count[r] - p[r * d + j]);
    }
  }
  // Anchor part, exactly from residuals: w = ga iv_a r; dx += w, dmu_a -= w, div_a += ga r^2 / 2.
  for (int64_t i = 0; i < n; i++) {
    int64_t a1, a2;
    anchorsOf(labels, nearest, i, &a1, &a2);
    for (int pass = 0; pass < 2; pass++) {
      const int64_t a = pass == 0 ? a1 : a2;
      const float ga = pass == 0 ? ga1[i] : ga2[i];
      if (a < 0 || ga == 0.f) continue;
      const float halfSq =
          anchorGradient(x + i * d, mu + a * d, cov == DIAGONAL ? iv + a * d : nullptr,
                         cov == ISOTROPIC ? iv[a] : 1.f, ga, d, dx + i * d, dmu + a * d,
                         cov == DIAGONAL ? div + a * d : nullptr);
      if (cov == ISOTROPIC) div[a] += halfSq;
    }
  }
  return true;
}

void throwGemmError(const Napi::CallbackInfo &info) {
  Napi::Error::New(info.Env(), "lgm native: oneDNN sgemm failed").ThrowAsJavaScriptException();
}

// lgmDistance(x, mu, iv|null, labels|null, out [N,K], nearest [N], dims): labels and nearest are float32
// class indices (exact below 2^24).
Napi::Value lgmDistance(const Napi::CallbackInfo &info) {
  const int32_t *dm = intsArg(info, 6, kDims, "dims");
  if (dm == nullptr) return info.Env().Undefined();
  const int64_t n = dm[N_], d = dm[D_], k = dm[K_];
  const int cov = dm[COV];
  bool ok = true;
  const float *x = floatArg(info, 0, n * d, "x");
  const float *mu = x ? floatArg(info, 1, k * d, "means") : nullptr;
  const float *iv = mu ? optionalFloatArg(info, 2, cov == DIAGONAL ? k * d : k, "invVar", &ok) : nullptr;
  const float *labels = mu && ok ? optionalFloatArg(info, 3, n, "labels", &ok) : nullptr;
  float *out = mu && ok ? floatArg(info, 4, n * k, "out") : nullptr;
  float *nearest = out ? floatArg(info, 5, n, "nearest") : nullptr;
  if (nearest == nullptr || (cov != IDENTITY && iv == nullptr)) return info.Env().Undefined();
  if (!distanceForward({x, mu, iv, labels, n, d, k, cov}, out, nearest)) throwGemmError(info);
  return info.Env().Undefined();
}

// lgmDistanceGrad(dy, x, mu, iv|null, labels|null, nearest, dx, dmu, div|null, dims): the gradients of
// sum_ik dy_ik d_ik (see distanceGradients in src/gm/distance.ts for the formulas).
Napi::Value lgmDistanceGrad(const Napi::CallbackInfo &info) {
  const int32_t *dm = intsArg(info, 9, kDims, "dims");
  if (dm == nullptr) return info.Env().Undefined();
  const int64_t n = dm[N_], d = dm[D_], k = dm[K_];
  const int cov = dm[COV];
  const int64_t ivSize = cov == DIAGONAL ? k * d : k;
  bool ok = true;
  const float *dy = floatArg(info, 0, n * k, "dy");
  const float *x = dy ? floatArg(info, 1, n * d, "x") : nullptr;
  const float *mu = x ? floatArg(info, 2, k * d, "means") : nullptr;
  const float *iv = mu ? optionalFloatArg(info, 3, ivSize, "invVar", &ok) : nullptr;
  const float *labels = mu && ok ? optionalFloatArg(info, 4, n, "labels", &ok) : nullptr;
  const float *nearest = mu && ok ? floatArg(info, 5, n, "nearest") : nullptr;
  float *dx = nearest ? floatArg(info, 6, n * d, "dx") : nullptr;
  float *dmu = dx ? floatArg(info, 7, k * d, "dmu") : nullptr;
  float *div = dmu ? optionalFloatArg(info, 8, ivSize, "div", &ok) : nullptr;
  if (dmu == nullptr || !ok || (cov != IDENTITY && (iv == nullptr || div == nullptr))) {
    return info.Env().Undefined();
  }
  if (!distanceBackward({x, mu, iv, labels, n, d, k, cov}, dy, nearest, dx, dmu, div)) throwGemmError(info);
  return info.Env().Undefined();
}

}  // namespace lgm
