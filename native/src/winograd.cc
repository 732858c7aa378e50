// Winograd F(m x m, 3 x 3) convolution (Lavin & Gray, CVPR 2016, section 4) for 3x3, stride-1, pad-1 filters on
// NHWC float32, m = 2 or 4. Each output tile of m x m pixels needs an (m + 2) x (m + 2) input tile d; with the
// filter g transformed once per call to U = G g G^T, the tile's output is A^T [U (.) B^T d B] A, where (.) is an
// element-wise product over the (m + 2)^2 positions and a sum over input channels: per position p one matrix
// product [tiles x C] x [C x K]. These products take (m + 2)^2 / m^2 multiplies per output pixel and channel pair
// instead of 9 (2.25x fewer for m = 2, 4x for m = 4); the transforms are additions and a few constant multiplies.
//
// The tiles are processed in blocks sized for the L2 cache, each block by one thread: the input transform writes
// the block's V = B^T d B (positions x tiles x channels), the products give M = U V per position, the output
// transform reads M and writes y. So the transformed data (4x or 2.25x the size of the input) never leaves the
// cache, and the products' operands are small enough for a register-blocked kernel of our own: oneDNN's sgemm
// pays its dispatch per call, and a call per position and block would be hundreds per convolution.
//
// The vector code is compiled for AVX2 + FMA (pragma below), and winogradSupported() checks that the CPU has them
// before conv.cc calls it. Headers come before the pragma, so that no inline function of theirs is compiled for
// AVX2 here and then picked by the linker for the other files.
#include "winograd.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <new>

#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace lgm {

namespace {

using V8 = __m256;  // eight channels; GCC's vector extensions give it + - * with vectors and scalars

// The 1-D transforms, applied to columns and then to rows of a tile. `in` is B^T (alpha inputs to alpha
// outputs), `out` is A^T (alpha to m), `filter` is G (3 to alpha), from Lavin & Gray's F(2, 3) and F(4, 3).
template <int M>
struct Transform;

template <>
struct Transform<2> {
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
};

template <>
struct Transform<4> {
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
};

// Lane mask for the first `count` (1..8) of eight channels, for the channel tails of C and K.
inline __m256i laneMask(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// c[R x 8*NV] = a[R x depth] b[depth x 8*NV]: R rows of `a` broadcast against one or two vectors of a row of
// `b`, the R x NV sums kept in registers (at most 12 of the 16 ymm registers).
template <int R, int NV>
inline void microKernel(const float *a, int lda, const float *b, int ldb, float *c, int ldc, int depth) {
  V8 acc[R][NV];  // the loops over R and NV are unrolled, so that these stay in registers (else GCC spills them)
#pragma GCC unroll 6
  for (int r = 0; r < R; r++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) acc[r][v] = _mm256_setzero_ps();
  for (int q = 0; q < depth; q++) {
    V8 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) bv[v] = _mm256_load_ps(b + size_t(q) * ldb + 8 * v);
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
      const V8 av = _mm256_broadcast_ss(a + size_t(r) * lda + q);
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
inline void microRows(int rows, const float *a, int lda, const float *b, int ldb, float *c, int ldc, int depth) {
  switch (rows) {
    case 6: return microKernel<6, NV>(a, lda, b, ldb, c, ldc, depth);
    case 5: return microKernel<5, NV>(a, lda, b, ldb, c, ldc, depth);
    case 4: return microKernel<4, NV>(a, lda, b, ldb, c, ldc, depth);
    case 3: return microKernel<3, NV>(a, lda, b, ldb, c, ldc, depth);
    case 2: return microKernel<2, NV>(a, lda, b, ldb, c, ldc, depth);
    default: return microKernel<1, NV>(a, lda, b, ldb, c, ldc, depth);
  }
}

// c[rows x cols] = a[rows x depth] b[depth x cols], all row-major and 32-byte aligned, cols a multiple of 8.
// Column panels outside, so a panel of b (depth x 16) stays in L1 while the rows of a stream past it.
void blockProduct(const float *a, const float *b, float *c, int rows, int depth, int cols) {
  int col = 0;
  for (; col + 16 <= cols; col += 16)
    for (int r = 0; r < rows; r += 6)
      microRows<2>(std::min(6, rows - r), a + size_t(r) * depth, depth, b + col, cols, c + size_t(r) * cols + col,
                   cols, depth);
  if (col < cols)
    for (int r = 0; r < rows; r += 6)
      microRows<1>(std::min(6, rows - r), a + size_t(r) * depth, depth, b + col, cols, c + size_t(r) * cols + col,
                   cols, depth);
}

// Buffers kept between calls (one call at a time): the transformed filter and each thread's block buffers.
struct Buffer {
  float *data = nullptr;
  size_t floats = 0;
  float *get(size_t want) {
    if (want > floats) {
      std::free(data);
      data = static_cast<float *>(std::aligned_alloc(64, (want * sizeof(float) + 63) / 64 * 64));
      floats = data ? want : 0;
      if (data == nullptr) throw std::bad_alloc();
    }
    return data;
  }
};

inline int roundUp8(int v) { return (v + 7) / 8 * 8; }

template <int M>
void run(const float *x, const float *filter, bool transposed, const float *bias, bool relu, float *y, int n,
         int h, int w, int c, int k) {
  using T = Transform<M>;
  constexpr int A = T::kAlpha, P = A * A;
  const int cp = roundUp8(c), kp = roundUp8(k);  // channels padded to whole vectors (the padding is zeros)

  // U[p][ci][co] = (G g G^T)[p] for the filter g[i][j] of input channel ci and output channel co.
  static Buffer filterBuffer;
  float *u = filterBuffer.get(size_t(P) * cp * kp);
  std::fill(u, u + size_t(P) * cp * kp, 0.f);
  for (int ci = 0; ci < c; ci++)
    for (int co = 0; co < k; co++) {
      float g[9], t[A * 3], uu[P];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
          g[i * 3 + j] = transposed ? filter[((size_t(2 - i) * 3 + (2 - j)) * k + co) * c + ci]
                                    : filter[((size_t(i) * 3 + j) * c + ci) * k + co];
      for (int j = 0; j < 3; j++) T::filter(g + j, 3, t + j, 3);   // G g: columns
      for (int i = 0; i < A; i++) T::filter(t + i * 3, 1, uu + i * A, 1);  // (G g) G^T: rows
      for (int p = 0; p < P; p++) u[(size_t(p) * cp + ci) * kp + co] = uu[p];
    }

  const int tilesH = (h + M - 1) / M, tilesW = (w + M - 1) / M;
  const long tiles = long(n) * tilesH * tilesW;
  // Tiles per block: the block's transformed input (P x tiles x cp floats) about 128 KiB, a multiple of the
  // kernel's 6 rows; its products take as much again, and U is shared by the block's products. The positions'
  // slices are 16 floats apart beyond their size, as slices a multiple of 4 KiB apart would share L1 sets.
  const int perBlock = std::max(6, (32768 / (P * std::max(cp, kp))) / 6 * 6);
  const long blocks = (tiles + perBlock - 1) / perBlock;
  const size_t vStride = size_t(perBlock) * cp + 16, mStride = size_t(perBlock) * kp + 16;
  const size_t vFloats = P * vStride, mFloats = P * mStride;
  // Each thread's buffer also holds cp zeros, read for input pixels outside the image, and kp floats of scratch,
  // written for output pixels outside it: then the transforms' loads and stores need no branches.
  static Buffer threadBuffers[64];
  const int threads = std::min(omp_get_max_threads(), 64);
  for (int t = 0; t < threads; t++) {
    float *buffer = threadBuffers[t].get(vFloats + mFloats + cp + kp);
    std::fill(buffer + vFloats + mFloats, buffer + vFloats + mFloats + cp, 0.f);
  }
  const int cFull = c / 8 * 8, kFull = k / 8 * 8;  // channels in whole vectors; the rest are masked
  const __m256i cMask = laneMask(std::max(1, c - cFull)), kMask = laneMask(std::max(1, k - kFull));

#pragma omp parallel for schedule(static) num_threads(threads)
  for (long b = 0; b < blocks; b++) {
    float *vb = threadBuffers[omp_get_thread_num()].data, *mb = vb + vFloats;
    float *zeros = mb + mFloats, *discard = zeros + cp;
    const long first = b * perBlock;
    const int count = int(std::min<long>(perBlock, tiles - first));
    // Input transform: V[p][tile][channel] = (B^T d B)[p].
    for (int ti = 0; ti < count; ti++) {
      const long tile = first + ti;
      const int img = int(tile / (long(tilesH) * tilesW)), rest = int(tile % (long(tilesH) * tilesW));
      const int y0 = (rest / tilesW) * M - 1, x0 = (rest % tilesW) * M - 1;
      const float *src[P];
      for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++) {
          const int yy = y0 + i, xx = x0 + j;
          src[i * A + j] = yy < 0 || yy >= h || xx < 0 || xx >= w ? zeros : x + ((size_t(img) * h + yy) * w + xx) * c;
        }
      float *dst = vb + size_t(ti) * cp;
      const auto transform = [&](int cg, bool tail) {
        V8 d[P], t[P];
#pragma GCC unroll 36
        for (int p = 0; p < P; p++) d[p] = tail ? _mm256_maskload_ps(src[p] + cg, cMask) : _mm256_loadu_ps(src[p] + cg);
#pragma GCC unroll 6
        for (int j = 0; j < A; j++) T::in(d + j, A, t + j, A);  // B^T d: columns
#pragma GCC unroll 6
        for (int i = 0; i < A; i++) T::in(t + i * A, 1, d + i * A, 1);  // (B^T d) B: rows
#pragma GCC unroll 36
        for (int p = 0; p < P; p++) _mm256_store_ps(dst + p * vStride + cg, d[p]);
      };
      for (int cg = 0; cg < cFull; cg += 8) transform(cg, false);
      if (cFull < c) transform(cFull, true);
    }
    // The products, one per position: M[p] = V[p] U[p].
    for (int p = 0; p < P; p++)
      blockProduct(vb + p * vStride, u + size_t(p) * cp * kp, mb + p * mStride, count, cp, kp);
    // Output transform: y tile = A^T M A, + bias, ReLU; pixels past the image's edge (partial tiles) discarded.
    for (int ti = 0; ti < count; ti++) {
      const long tile = first + ti;
      const int img = int(tile / (long(tilesH) * tilesW)), rest = int(tile % (long(tilesH) * tilesW));
      const int y0 = (rest / tilesW) * M, x0 = (rest % tilesW) * M;
      float *out[M * M];
      for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
          out[i * M + j] = y0 + i >= h || x0 + j >= w ? discard : y + ((size_t(img) * h + y0 + i) * w + x0 + j) * k;
      const float *from = mb + size_t(ti) * kp;
      const auto transform = [&](int kg, bool tail) {
        V8 m[P], s[M * A], o[M * M];
#pragma GCC unroll 36
        for (int p = 0; p < P; p++) m[p] = _mm256_load_ps(from + p * mStride + kg);
#pragma GCC unroll 6
        for (int j = 0; j < A; j++) T::out(m + j, A, s + j, A);  // A^T m: columns
#pragma GCC unroll 4
        for (int i = 0; i < M; i++) T::out(s + i * A, 1, o + i * M, 1);  // (A^T m) A: rows
        V8 add = _mm256_setzero_ps();
        if (bias != nullptr) add = tail ? _mm256_maskload_ps(bias + kg, kMask) : _mm256_loadu_ps(bias + kg);
#pragma GCC unroll 16
        for (int q = 0; q < M * M; q++) {
          V8 v = o[q] + add;
          if (relu) v = _mm256_max_ps(v, _mm256_setzero_ps());
          if (tail)
            _mm256_maskstore_ps(out[q] + kg, kMask, v);
          else
            _mm256_storeu_ps(out[q] + kg, v);
        }
      };
      for (int kg = 0; kg < kFull; kg += 8) transform(kg, false);
      if (kFull < k) transform(kFull, true);
    }
  }
}

unsigned long calls = 0;

}  // namespace

unsigned long winogradCalls() { return calls; }

void winogradConv3x3(const float *x, const float *filter, bool transposed, const float *bias, bool relu, float *y,
                     int n, int h, int w, int c, int k, int tileSize) {
  calls++;
  if (tileSize == 4)
    run<4>(x, filter, transposed, bias, relu, y, n, h, w, c, k);
  else
    run<2>(x, filter, transposed, bias, relu, y, n, h, w, c, k);
}

}  // namespace lgm

#pragma GCC pop_options

namespace lgm {

bool winogradSupported() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

}  // namespace lgm

#else  // not x86-64 GCC: no kernels, conv.cc keeps oneDNN's direct convolution

namespace lgm {

bool winogradSupported() { return false; }
void winogradConv3x3(const float *, const float *, bool, const float *, bool, float *, int, int, int, int, int, int) {}
unsigned long winogradCalls() { return 0; }

}  // namespace lgm

#endif
