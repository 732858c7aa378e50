// Pieces shared by winograd.cc (forward, backward-data) and winograd_filter.cc (filter gradient): the transforms
// of Lavin & Gray's F(2x2, 3x3) and F(4x4, 3x3) (CVPR 2016, section 4), a register-blocked product kernel, the
// input tile transform; and both files' preamble. Vector code for AVX2 + FMA, on x86-64 GCC only: there this
// header defines LGM_WINOGRAD_AVX2 and turns on `#pragma GCC target("avx2,fma")` for the rest of the including
// file, which ends that region with `#pragma GCC pop_options` (before winogradSupported(), which must run on any
// x86-64 CPU). Elsewhere it defines nothing, and the files compile their stubs. The standard headers come before
// the pragma, so that no inline function of theirs is compiled for AVX2 here and then picked by the linker for the
// other files. Include it once, from those two files only.
#pragma once
#include "winograd.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LGM_WINOGRAD_AVX2 1

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "scratch.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace lgm {
namespace winograd {

extern unsigned long callCount;  // calls of either kernel (winogradCalls())

using V8 = __m256;  // eight channels; GCC's vector extensions give it + - * with vectors and scalars

// The 1-D transforms, applied to columns and then to rows of a tile. `in` is B^T (alpha inputs to alpha
// outputs), `out` is A^T (alpha to m), `filter` is G (r to alpha), from Lavin & Gray's F(2, 3), F(4, 3) and
// F(2, 5); M is the output tile, R the filter size.
template <int M, int R = 3>
struct Transform;

template <>
struct Transform<2, 3> {
  static constexpr int kAlpha = 4;
  static inline void in(const V8 *s, int ss, V8 *d, int ds) {
    const V8 a0 = s[0], a1 = s[ss], a2 = s[2 * ss], a3 = s[3 * ss];
    d[0] = a0 - a2;
    d[ds] = a1 + a2;
    d[2 * ds] = a2 - a1;
    d[3 * ds] = a1 - a3;
  }
  static inline void out(const V8 *s, int ss, V8 *d, int ds) {
    const V8 a0 = s[0], a1 = s[ss], a2 = s[2 * ss], a3 = s[3 * ss];
    d[0] = a0 + a1 + a2;
    d[ds] = a1 - a2 - a3;
  }
  static inline void filter(const float *g, int gs, float *u, int us) {
    const float g0 = g[0], g1 = g[gs], g2 = g[2 * gs];
    u[0] = g0;
    u[us] = 0.5f * (g0 + g1 + g2);
    u[2 * us] = 0.5f * (g0 - g1 + g2);
    u[3 * us] = g2;
  }
  // The transposes, for the filter gradient: A (m to alpha) spreads a tile of dy, G^T (alpha to 3) folds the
  // products' sums back onto the filter taps.
  static inline void outT(const V8 *s, int ss, V8 *d, int ds) {
    const V8 a0 = s[0], a1 = s[ss];
    d[0] = a0;
    d[ds] = a0 + a1;
    d[2 * ds] = a0 - a1;
    d[3 * ds] = -a1;
  }
  static inline void filterT(const float *u, int us, float *g, int gs) {
    const float u0 = u[0], u1 = u[us], u2 = u[2 * us], u3 = u[3 * us];
    g[0] = u0 + 0.5f * (u1 + u2);
    g[gs] = 0.5f * (u1 - u2);
    g[2 * gs] = 0.5f * (u1 + u2) + u3;
  }
};

template <>
struct Transform<4, 3> {
  static constexpr int kAlpha = 6;
  static inline void in(const V8 *s, int ss, V8 *d, int ds) {
    const V8 a0 = s[0], a1 = s[ss], a2 = s[2 * ss], a3 = s[3 * ss], a4 = s[4 * ss], a5 = s[5 * ss];
    d[0] = 4.f * a0 - 5.f * a2 + a4;
    d[ds] = (a3 + a4) - 4.f * (a1 + a2);
    d[2 * ds] = (a4 - a3) + 4.f * (a1 - a2);
    d[3 * ds] = (a4 - a2) + 2.f * (a3 - a1);
    d[4 * ds] = (a4 - a2) - 2.f * (a3 - a1);
    d[5 * ds] = 4.f * a1 - 5.f * a3 + a5;
  }
  static inline void out(const V8 *s, int ss, V8 *d, int ds) {
    const V8 a0 = s[0], a1 = s[ss], a2 = s[2 * ss], a3 = s[3 * ss], a4 = s[4 * ss], a5 = s[5 * ss];
    const V8 p12 = a1 + a2, m12 = a1 - a2, p34 = a3 + a4, m34 = a3 - a4;
    d[0] = a0 + p12 + p34;
    d[ds] = m12 + 2.f * m34;
    d[2 * ds] = p12 + 4.f * p34;
    d[3 * ds] = m12 + 8.f * m34 + a5;
  }
  static inline void filter(const float *g, int gs, float *u, int us) {
    const float g0 = g[0], g1 = g[gs], g2 = g[2 * gs];
    u[0] = g0 / 4.f;
    u[us] = -(g0 + g1 + g2) / 6.f;
    u[2 * us] = -(g0 - g1 + g2) / 6.f;
    u[3 * us] = g0 / 24.f + g1 / 12.f + g2 / 6.f;
    u[4 * us] = g0 / 24.f - g1 / 12.f + g2 / 6.f;
    u[5 * us] = g2;
  }
  static inline void outT(const V8 *s, int ss, V8 *d, int ds) {
    const V8 a0 = s[0], a1 = s[ss], a2 = s[2 * ss], a3 = s[3 * ss];
    d[0] = a0;
    d[ds] = a0 + a1 + a2 + a3;
    d[2 * ds] = a0 - a1 + a2 - a3;
    d[3 * ds] = a0 + 2.f * a1 + 4.f * a2 + 8.f * a3;
    d[4 * ds] = a0 - 2.f * a1 + 4.f * a2 - 8.f * a3;
    d[5 * ds] = a3;
  }
  static inline void filterT(const float *u, int us, float *g, int gs) {
    const float u0 = u[0], u1 = u[us], u2 = u[2 * us], u3 = u[3 * us], u4 = u[4 * us], u5 = u[5 * us];
    g[0] = u0 / 4.f - (u1 + u2) / 6.f + (u3 + u4) / 24.f;
    g[gs] = (u2 - u1) / 6.f + (u3 - u4) / 12.f;
    g[2 * gs] = (u3 + u4 - u1 - u2) / 6.f + u5;
  }
};

// F(2, 5) interpolates at the same points as F(4, 3) (0, 1, -1, 2, -2 and infinity), so its B^T is the same; A^T
// evaluates a degree-1 polynomial there and G a degree-4 one, with F(4, 3)'s scale factors. No transposes: the
// filter gradient keeps oneDNN for 5x5 filters.
template <>
struct Transform<2, 5> {
  static constexpr int kAlpha = 6;
  static inline void in(const V8 *s, int ss, V8 *d, int ds) { Transform<4, 3>::in(s, ss, d, ds); }
  static inline void out(const V8 *s, int ss, V8 *d, int ds) {
    const V8 a0 = s[0], a1 = s[ss], a2 = s[2 * ss], a3 = s[3 * ss], a4 = s[4 * ss], a5 = s[5 * ss];
    d[0] = a0 + (a1 + a2) + (a3 + a4);
    d[ds] = (a1 - a2) + 2.f * (a3 - a4) + a5;
  }
  static inline void filter(const float *g, int gs, float *u, int us) {
    const float g0 = g[0], g1 = g[gs], g2 = g[2 * gs], g3 = g[3 * gs], g4 = g[4 * gs];
    const float even = g0 + g2 + g4, odd = g1 + g3, even2 = g0 + 4.f * g2 + 16.f * g4, odd2 = 2.f * g1 + 8.f * g3;
    u[0] = g0 / 4.f;
    u[us] = -(even + odd) / 6.f;
    u[2 * us] = -(even - odd) / 6.f;
    u[3 * us] = (even2 + odd2) / 24.f;
    u[4 * us] = (even2 - odd2) / 24.f;
    u[5 * us] = g4;
  }
};

// Lane mask for the first `count` (1..8) of eight channels, for the channel tails of C and K.
inline __m256i laneMask(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// c[R x 8*NV] (+)= a[R x depth] b[depth x 8*NV]: R rows of `a` broadcast against one or two vectors of a row of
// `b`, the R x NV sums kept in registers (at most 12 of the 16 ymm registers). Element (r, q) of `a` is at
// a[r * ar + q * aq], so that `a` may be read transposed (the filter gradient's V^T).
template <int R, int NV>
inline void microKernel(const float *a, size_t ar, size_t aq, const float *b, int ldb, float *c, int ldc, int depth,
                        bool accumulate) {
  V8 acc[R][NV];  // the loops over R and NV are unrolled, so that these stay in registers (else GCC spills them)
#pragma GCC unroll 6
  for (int r = 0; r < R; r++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++)
      acc[r][v] = accumulate ? _mm256_load_ps(c + size_t(r) * ldc + 8 * v) : _mm256_setzero_ps();
  for (int q = 0; q < depth; q++) {
    V8 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) bv[v] = _mm256_load_ps(b + size_t(q) * ldb + 8 * v);
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
      const V8 av = _mm256_broadcast_ss(a + r * ar + q * aq);
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; r++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) _mm256_store_ps(c + size_t(r) * ldc + 8 * v, acc[r][v]);
}

template <int NV>
inline void microRows(int rows, const float *a, size_t ar, size_t aq, const float *b, int ldb, float *c, int ldc,
                      int depth, bool accumulate) {
  switch (rows) {
    case 6: return microKernel<6, NV>(a, ar, aq, b, ldb, c, ldc, depth, accumulate);
    case 5: return microKernel<5, NV>(a, ar, aq, b, ldb, c, ldc, depth, accumulate);
    case 4: return microKernel<4, NV>(a, ar, aq, b, ldb, c, ldc, depth, accumulate);
    case 3: return microKernel<3, NV>(a, ar, aq, b, ldb, c, ldc, depth, accumulate);
    case 2: return microKernel<2, NV>(a, ar, aq, b, ldb, c, ldc, depth, accumulate);
    default: return microKernel<1, NV>(a, ar, aq, b, ldb, c, ldc, depth, accumulate);
  }
}

// c[rows x cols] (+)= a[rows x depth] b[depth x cols], with `a` as in microKernel, b and c row-major, 32-byte
// aligned, cols a multiple of 8. Column panels outside, so a panel of b (depth x 16) stays in L1 while the rows
// of a stream past it.
inline void blockProduct(const float *a, size_t ar, size_t aq, const float *b, float *c, int rows, int depth,
                         int cols, bool accumulate) {
  int col = 0;
  for (; col + 16 <= cols; col += 16)
    for (int r = 0; r < rows; r += 6)
      microRows<2>(std::min(6, rows - r), a + r * ar, ar, aq, b + col, cols, c + size_t(r) * cols + col, cols, depth,
                   accumulate);
  if (col < cols)
    for (int r = 0; r < rows; r += 6)
      microRows<1>(std::min(6, rows - r), a + r * ar, ar, aq, b + col, cols, c + size_t(r) * cols + col, cols, depth,
                   accumulate);
}

inline int roundUp8(int v) { return (v + 7) / 8 * 8; }


// Input transform of one tile for channels [cg, cg + 8): d[p] from the A x A pixels at src[p] + cg (a row of zeros
// for pixels outside the image), then V[p] = (B^T d B)[p] stored at dst + p * stride + cg.
template <int M, int R = 3>
inline void inputTile(const float *const *src, int cg, bool tail, __m256i mask, float *dst, size_t stride) {
  using T = Transform<M, R>;
  constexpr int A = T::kAlpha, P = A * A;
  V8 d[P], t[P];
#pragma GCC unroll 36
  for (int p = 0; p < P; p++) d[p] = tail ? _mm256_maskload_ps(src[p] + cg, mask) : _mm256_loadu_ps(src[p] + cg);
#pragma GCC unroll 6
  for (int j = 0; j < A; j++) T::in(d + j, A, t + j, A);  // B^T d: columns
#pragma GCC unroll 6
  for (int i = 0; i < A; i++) T::in(t + i * A, 1, d + i * A, 1);  // (B^T d) B: rows
#pragma GCC unroll 36
  for (int p = 0; p < P; p++) _mm256_store_ps(dst + p * stride + cg, d[p]);
}

// The pixels of tile `tile` (image-major, then rows, then columns of tiles) of an n x h x w x c NHWC image: an
// A x A window at the tile's origin less `offset`, pixels outside the image pointing at `zeros`.
template <int A>
inline void tilePixels(const float *x, long tile, int tilesH, int tilesW, int m, int offset, int h, int w, int c,
                       const float *zeros, const float **src) {
  const int img = int(tile / (long(tilesH) * tilesW)), rest = int(tile % (long(tilesH) * tilesW));
  const int y0 = (rest / tilesW) * m - offset, x0 = (rest % tilesW) * m - offset;
  for (int i = 0; i < A; i++)
    for (int j = 0; j < A; j++) {
      const int yy = y0 + i, xx = x0 + j;
      src[i * A + j] = yy < 0 || yy >= h || xx < 0 || xx >= w ? zeros : x + ((size_t(img) * h + yy) * w + xx) * c;
    }
}

}  // namespace winograd
}  // namespace lgm

#endif  // LGM_WINOGRAD_AVX2; its AVX2 region stays open, for the including file to pop
