// Winograd F(m x m, r x r) convolution (Lavin & Gray, CVPR 2016, section 4) for r x r, stride-1, pad (r - 1) / 2
// filters on NHWC float32, r = 3 with m = 2 or 4 and r = 5 with m = 2: the forward and, with the filter rotated,
// the backward-data. Written out for r = 3 below; r = 5 runs the same code with 6 x 6 tiles (36 / 4 multiplies per
// output pixel instead of 25, 2.78x fewer). Each output tile of m x m pixels needs an (m + 2) x (m + 2) input tile d; with the filter g transformed once per call to U = G g G^T, the
// tile's output is A^T [U (.) B^T d B] A, where (.) is an element-wise product over the (m + 2)^2 positions and a
// sum over input channels: per position p one matrix product [tiles x C] x [C x K]. These products take
// (m + 2)^2 / m^2 multiplies per output pixel and channel pair instead of 9 (2.25x fewer for m = 2, 4x for
// m = 4); the transforms are additions and a few constant multiplies.
//
// The tiles are processed in blocks sized for the L2 cache, each block by one thread: the input transform writes
// the block's V = B^T d B (positions x tiles x channels), the products give M = U V per position, the output
// transform reads M and writes y. So the transformed data (4x or 2.25x the size of the input) never leaves the
// cache, and the products' operands are small enough for a register-blocked kernel of our own
// (winograd_kernels.h): oneDNN's sgemm pays its dispatch per call, and a call per position and block would be
// hundreds per convolution.
//
// The vector code is compiled for AVX2 + FMA (winograd_kernels.h turns the target on, this file's pop_options
// turns it off), and winogradSupported(), compiled after that for any x86-64 CPU, checks that the CPU has them
// before conv_winograd.cc calls the kernels.
#include "winograd.h"
#include "winograd_kernels.h"

#ifdef LGM_WINOGRAD_AVX2  // x86-64 GCC: from here to the pop_options below compiled for AVX2 + FMA

namespace lgm {

namespace {

using namespace winograd;

template <int M, int R>
void run(const float *x, const float *filter, bool transposed, const float *bias, bool relu, float *y, int n,
         int h, int w, int c, int k) {
  using T = Transform<M, R>;
  constexpr int A = T::kAlpha, P = A * A;
  const int cp = roundUp8(c), kp = roundUp8(k);  // channels padded to whole vectors (the padding is zeros)

  // U[p][ci][co] = (G g G^T)[p] for the filter g[i][j] of input channel ci and output channel co.
  static Scratch<float> filterBuffer;
  float *u = filterBuffer.get(size_t(P) * cp * kp);
  std::fill(u, u + size_t(P) * cp * kp, 0.f);
  for (int ci = 0; ci < c; ci++)
    for (int co = 0; co < k; co++) {
      float g[R * R], t[A * R], uu[P];
      for (int i = 0; i < R; i++)
        for (int j = 0; j < R; j++)
          g[i * R + j] = transposed ? filter[((size_t(R - 1 - i) * R + (R - 1 - j)) * k + co) * c + ci]
                                    : filter[((size_t(i) * R + j) * c + ci) * k + co];
      for (int j = 0; j < R; j++) T::filter(g + j, R, t + j, R);           // G g: columns
      for (int i = 0; i < A; i++) T::filter(t + i * R, 1, uu + i * A, 1);  // (G g) G^T: rows
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
  static Scratch<float> threadBuffers[64];
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
      const float *src[P];
      tilePixels<A>(x, tile, tilesH, tilesW, M, R / 2, h, w, c, zeros, src);
      float *dst = vb + size_t(ti) * cp;
      for (int cg = 0; cg < cFull; cg += 8) inputTile<M, R>(src, cg, false, cMask, dst, vStride);
      if (cFull < c) inputTile<M, R>(src, cFull, true, cMask, dst, vStride);
    }
    // The products, one per position: M[p] = V[p] U[p].
    for (int p = 0; p < P; p++)
      blockProduct(vb + p * vStride, cp, 1, u + size_t(p) * cp * kp, mb + p * mStride, count, cp, kp, false);
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

}  // namespace

unsigned long winograd::callCount = 0;

unsigned long winogradCalls() { return winograd::callCount; }

void winogradConv(const float *x, const float *filter, bool transposed, const float *bias, bool relu, float *y,
                  int n, int h, int w, int c, int k, int filterSize, int tileSize) {
  winograd::callCount++;
  if (filterSize == 5)
    run<2, 5>(x, filter, transposed, bias, relu, y, n, h, w, c, k);
  else if (tileSize == 4)
    run<4, 3>(x, filter, transposed, bias, relu, y, n, h, w, c, k);
  else
    run<2, 3>(x, filter, transposed, bias, relu, y, n, h, w, c, k);
}

}  // namespace lgm

#pragma GCC pop_options

namespace lgm {

bool winogradSupported() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

}  // namespace lgm

#else  // not x86-64 GCC: no kernels, conv.cc keeps oneDNN's direct convolution

namespace lgm {

bool winogradSupported() { return false; }
void winogradConv(const float *, const float *, bool, const float *, bool, float *, int, int, int, int, int, int, int) {}
unsigned long winogradCalls() { return 0; }

}  // namespace lgm

#endif
