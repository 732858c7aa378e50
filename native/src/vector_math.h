// Vectorisable float32 helpers shared by the element-wise and L-GM kernels: exp, and reductions written with
// eight independent accumulators (a single float accumulator keeps a loop scalar without -ffast-math, since
// reordering a float sum changes its rounding; eight lanes are an order the compiler may keep in vector registers).
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

// Hot loops are compiled twice on x86-64, for AVX2/FMA and for the baseline, and the better one is picked at load
// time (GCC function multi-versioning): the addon is built on the user's machine but may run on another.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LGM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LGM_CLONES
#endif

namespace lgm {

// exp(x) in float32, vectorisable (no calls, no branches): exp(x) = 2^n exp(r), n = round(x / ln 2),
// r = x - n ln 2 split in two constants (Cody-Waite), exp(r) by Cephes' degree-6 polynomial (about 1 ulp).
// 2^n is applied as 2^(n/2) 2^(n - n/2), so that both factors stay normal floats over the whole clamped range,
// including results that are subnormal. NaN gives NaN, x > 88.72 gives +inf, x < -103.97 gives 0, as libm.
inline float expApprox(float x) {
  const float hi = 88.7228394f, lo = -103.972084f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  const float round = 12582912.f;  // 1.5 * 2^23: (v + round) - round rounds v to an integer
  const float n = (xc * 1.44269504088896341f + round) - round;
  const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * (r * r) + r + 1.f;
  const int32_t ni = int32_t(n), n1 = ni >> 1, n2 = ni - n1;
  const int32_t b1 = (n1 + 127) << 23, b2 = (n2 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, sizeof s1);
  std::memcpy(&s2, &b2, sizeof s2);
  const float y = e * s1 * s2;
  const float big = x > hi ? std::numeric_limits<float>::infinity() : y;
  return x != x ? x : (x < lo ? 0.f : big);
}

// sum_i a[i].
inline float sumOf(const float *a, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) acc[l] += a[i + l];
  float s = 0.f;
  for (; i < n; i++) s += a[i];
  for (int l = 0; l < 8; l++) s += acc[l];
  return s;
}

// sum_i a[i] b[i].
inline float dotOf(const float *a, const float *b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) acc[l] += a[i + l] * b[i + l];
  float s = 0.f;
  for (; i < n; i++) s += a[i] * b[i];
  for (int l = 0; l < 8; l++) s += acc[l];
  return s;
}

// The entry of a that wins `better` against all others (n >= 1; NaN entries never win unless a[0] is NaN).
template <typename Better>
inline float extremeOf(const float *a, int64_t n, Better better) {
  float acc[8];
  for (int l = 0; l < 8; l++) acc[l] = a[0];
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) acc[l] = better(a[i + l], acc[l]) ? a[i + l] : acc[l];
  float m = acc[0];
  for (; i < n; i++) m = better(a[i], m) ? a[i] : m;
  for (int l = 1; l < 8; l++) m = better(acc[l], m) ? acc[l] : m;
  return m;
}

// max_i a[i].
inline float maxOf(const float *a, int64_t n) {
  return extremeOf(a, n, [](float x, float m) { return x > m; });
}

// The first index of the smallest entry: the minimum by eight lanes, then a scan for its first occurrence.
inline int64_t argMinOf(const float *a, int64_t n) {
  const float m = extremeOf(a, n, [](float x, float best) { return x < best; });
  for (int64_t j = 0; j < n; j++)
    if (a[j] == m) return j;
  return 0;
}

}  // namespace lgm
