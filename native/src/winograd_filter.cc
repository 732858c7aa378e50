// Filter gradient of a 3x3, stride-1, pad-1 convolution by Winograd's F(m x m, 3 x 3) (Lavin & Gray, CVPR 2016):
// the forward tile output A^T [U (.) V] A is linear in U = G g G^T, so the gradient of the loss with respect to U
// at position p is the sum over tiles of V[p] (the input tile's B^T d B) times (A dy A^T)[p] (the tile of dy
// spread by the output transform's transpose), per pair of channels: one product [C x tiles] x [tiles x K] per
// position, summed over all tiles. The filter's gradient is then G^T dU G. As in winograd.cc, tiles go in blocks
// that stay in the cache; each thread sums its blocks' products into its own dU, and the threads' sums are added
// in a fixed order at the end (the result does not depend on the scheduling, only on the thread count).
#include "winograd.h"
#include "winograd_kernels.h"

#ifdef LGM_WINOGRAD_AVX2  // x86-64 GCC: from here to the pop_options below compiled for AVX2 + FMA

namespace lgm {

namespace {

using namespace winograd;

template <int M>
void filterGrad(const float *x, const float *dy, float *dw, int n, int h, int w, int c, int k) {
  using T = Transform<M>;
  constexpr int A = T::kAlpha, P = A * A;
  const int cp = roundUp8(c), kp = roundUp8(k);
  const int tilesH = (h + M - 1) / M, tilesW = (w + M - 1) / M;
  const long tiles = long(n) * tilesH * tilesW;
  // Tiles per block: the two transformed blocks together about 256 KiB; their slices 16 floats apart beyond their
  // size (4 KiB multiples would share L1 sets). The block's tiles are the products' depth.
  const int perBlock = std::max(8, 32768 / (P * std::max(cp, kp)));
  const long blocks = (tiles + perBlock - 1) / perBlock;
  const size_t vStride = size_t(perBlock) * cp + 16, dStride = size_t(perBlock) * kp + 16;
  const size_t vFloats = P * vStride, dFloats = P * dStride, uFloats = size_t(P) * cp * kp;
  // Per thread: V, the spread dy, the thread's dU, and zeros read for pixels outside the image.
  static Scratch<float> threadBuffers[64];
  const int threads = std::min(omp_get_max_threads(), 64);
  for (int t = 0; t < threads; t++) {
    float *buffer = threadBuffers[t].get(vFloats + dFloats + uFloats + std::max(cp, kp));
    std::fill(buffer + vFloats + dFloats, buffer + vFloats + dFloats + uFloats + std::max(cp, kp), 0.f);
  }
  const int cFull = c / 8 * 8, kFull = k / 8 * 8;
  const __m256i cMask = laneMask(std::max(1, c - cFull)), kMask = laneMask(std::max(1, k - kFull));

#pragma omp parallel for schedule(static) num_threads(threads)
  for (long b = 0; b < blocks; b++) {
    float *vb = threadBuffers[omp_get_thread_num()].data, *db = vb + vFloats, *du = db + dFloats;
    const float *zeros = du + uFloats;
    const long first = b * perBlock;
    const int count = int(std::min<long>(perBlock, tiles - first));
    for (int ti = 0; ti < count; ti++) {
      const float *src[P];
      tilePixels<A>(x, first + ti, tilesH, tilesW, M, 1, h, w, c, zeros, src);
      float *dst = vb + size_t(ti) * cp;
      for (int cg = 0; cg < cFull; cg += 8) inputTile<M>(src, cg, false, cMask, dst, vStride);
      if (cFull < c) inputTile<M>(src, cFull, true, cMask, dst, vStride);
      // A dy A^T of the tile's m x m gradients (zero past the image's edge).
      const float *from[M * M];
      tilePixels<M>(dy, first + ti, tilesH, tilesW, M, 0, h, w, k, zeros, from);
      float *to = db + size_t(ti) * kp;
      for (int kg = 0; kg < kp; kg += 8) {
        const bool tail = kg >= kFull;
        V8 s[M * M], t[A * M], d[P];
#pragma GCC unroll 16
        for (int q = 0; q < M * M; q++)
          s[q] = tail ? _mm256_maskload_ps(from[q] + kg, kMask) : _mm256_loadu_ps(from[q] + kg);
#pragma GCC unroll 4
        for (int j = 0; j < M; j++) T::outT(s + j, M, t + j, M);  // A dy: columns
#pragma GCC unroll 6
        for (int i = 0; i < A; i++) T::outT(t + i * M, 1, d + i * A, 1);  // (A dy) A^T: rows
#pragma GCC unroll 36
        for (int p = 0; p < P; p++) _mm256_store_ps(to + p * dStride + kg, d[p]);
      }
    }
    // dU[p] += V[p]^T D[p]: V read transposed (row = channel, depth = tile).
    for (int p = 0; p < P; p++)
      blockProduct(vb + p * vStride, 1, cp, db + p * dStride, du + size_t(p) * cp * kp, cp, count, kp, true);
  }

  // The threads' sums, in thread order, then dw[i][j][ci][co] = (G^T dU G)[i][j].
  float *total = threadBuffers[0].data + vFloats + dFloats;
  for (int t = 1; t < threads; t++) {
    const float *part = threadBuffers[t].data + vFloats + dFloats;
    for (size_t i = 0; i < uFloats; i++) total[i] += part[i];
  }
  for (int ci = 0; ci < c; ci++)
    for (int co = 0; co < k; co++) {
      float u[P], t[3 * A], g[9];
      for (int p = 0; p < P; p++) u[p] = total[(size_t(p) * cp + ci) * kp + co];
      for (int j = 0; j < A; j++) T::filterT(u + j, A, t + j, A);  // G^T dU: columns
      for (int i = 0; i < 3; i++) T::filterT(t + i * A, 1, g + i * 3, 1);  // (G^T dU) G: rows
      for (int i = 0; i < 9; i++) dw[(size_t(i) * c + ci) * k + co] = g[i];
    }
}

}  // namespace

void winogradFilterGrad3x3(const float *x, const float *dy, float *dw, int n, int h, int w, int c, int k,
                           int tileSize) {
  winograd::callCount++;
  if (tileSize == 4)
    filterGrad<4>(x, dy, dw, n, h, w, c, k);
  else
    filterGrad<2>(x, dy, dw, n, h, w, c, k);
}

}  // namespace lgm

#pragma GCC pop_options

#else  // not x86-64 GCC: winogradSupported() is false, and conv_winograd.cc never calls this

namespace lgm {

void winogradFilterGrad3x3(const float *, const float *, float *, int, int, int, int, int, int) {}

}  // namespace lgm

#endif
