// 2-D max pooling forward and gradient (NHWC), matching TF.js: padding counts as -infinity and the gradient goes
// to the first maximum of each window in row-major window order. Loops run over channels innermost, so each
// window position is one contiguous (vectorisable) pass over C. Single-threaded, like reduce.cc, for the same
// reason: memory-bound passes lose more to OpenMP scheduling on shared cores than they gain.
#include <limits>
#include <vector>

#include "common.h"

namespace lgm {

namespace {

// Geometry as passed from JS (Int32Array of kPoolSize, see src/native/pool.ts).
enum { N, H, W, C, KH, KW, OH, OW, SH, SW, PT, PL, kPoolSize };

// Calls visit(offset, first) for each in-bounds position of output (n, oh, ow)'s window in row-major window order
// (offset: the position's first element in x; first: whether it is the first in-bounds one). Returns false when
// the whole window lies in the padding. Shared by the forward (max only) and the gradient's argmax, so both start
// at the same position and visit in the same order: the values the forward returns are the ones argmax points at.
template <typename Visit>
bool forEachInWindow(const int32_t *g, int64_t n, int64_t oh, int64_t ow, Visit visit) {
  bool first = true;
  for (int64_t kh = 0; kh < g[KH]; kh++) {
    const int64_t h = oh * g[SH] - g[PT] + kh;
    if (h < 0 || h >= g[H]) continue;
    for (int64_t kw = 0; kw < g[KW]; kw++) {
      const int64_t w = ow * g[SW] - g[PL] + kw;
      if (w < 0 || w >= g[W]) continue;
      visit(((n * g[H] + h) * g[W] + w) * g[C], first);
      first = false;
    }
  }
  return !first;
}

// For output position (n, oh, ow): best[c] = window maximum, arg[c] = its index in x (-1 for a window entirely in
// the padding, possible with explicit pads: no gradient). Strict '>' keeps the first maximum, as TF.js does; the
// comparison is a select over contiguous channels with 32-bit lanes for both values and indices, so GCC
// vectorises it (src/native/pool.ts keeps x under 2^31 elements).
void windowMax(const float *__restrict x, const int32_t *g, int64_t n, int64_t oh, int64_t ow,
               float *__restrict best, int32_t *__restrict arg) {
  const int32_t channels = g[C];
  const bool any = forEachInWindow(g, n, oh, ow, [&](int64_t offset, bool first) {
    const int32_t base = int32_t(offset);  // x has < 2^31 elements
    const float *__restrict row = x + base;
    if (first) {
      for (int32_t c = 0; c < channels; c++) {
        best[c] = row[c];
        arg[c] = base + c;
      }
      return;
    }
    for (int32_t c = 0; c < channels; c++) {
      const float v = row[c], b = best[c];
      const int32_t a = arg[c], here = base + c;
      const int32_t take = -int32_t(v > b);  // all ones or zero: a bitwise select vectorises without SSE4.1
      best[c] = v > b ? v : b;
      arg[c] = (here & take) | (a & ~take);
    }
  });
  if (!any) {
    for (int32_t c = 0; c < channels; c++) {
      best[c] = -std::numeric_limits<float>::infinity();
      arg[c] = -1;
    }
  }
}

}  // namespace

// maxPool(x, y, geometry): y = max over each window.
Napi::Value maxPool(const Napi::CallbackInfo &info) {
  const int32_t *g = intsArg(info, 2, kPoolSize, "geometry");
  if (g == nullptr) return info.Env().Undefined();
  float *x = floatArg(info, 0, size_t(g[N]) * g[H] * g[W] * g[C], "x");
  float *y = x ? floatArg(info, 1, size_t(g[N]) * g[OH] * g[OW] * g[C], "y") : nullptr;
  if (y == nullptr) return info.Env().Undefined();
  // The forward needs no argmax: one max select per element, over the same window walk as windowMax.
  const int64_t channels = g[C];
  for (int64_t n = 0; n < g[N]; n++) {
    for (int64_t oh = 0; oh < g[OH]; oh++) {
      for (int64_t ow = 0; ow < g[OW]; ow++) {
        float *__restrict best = y + ((n * g[OH] + oh) * g[OW] + ow) * channels;
        const bool any = forEachInWindow(g, n, oh, ow, [&](int64_t offset, bool first) {
          const float *__restrict row = x + offset;
          if (first) {
            for (int64_t c = 0; c < channels; c++) best[c] = row[c];
            return;
          }
          for (int64_t c = 0; c < channels; c++) {
            const float v = row[c], b = best[c];
            best[c] = v > b ? v : b;
          }
        });
        if (!any) {
          for (int64_t c = 0; c < channels; c++) best[c] = -std::numeric_limits<float>::infinity();
        }
      }
    }
  }
  return info.Env().Undefined();
}

// maxPoolGrad(dy, x, dx, geometry): dx = dy routed to the first maximum of each window (summed over windows).
Napi::Value maxPoolGrad(const Napi::CallbackInfo &info) {
  const int32_t *g = intsArg(info, 3, kPoolSize, "geometry");
  if (g == nullptr) return info.Env().Undefined();
  const int64_t image = int64_t(g[H]) * g[W] * g[C];
  float *dy = floatArg(info, 0, size_t(g[N]) * g[OH] * g[OW] * g[C], "dy");
  float *x = dy ? floatArg(info, 1, size_t(g[N]) * image, "x") : nullptr;
  float *dx = x ? floatArg(info, 2, size_t(g[N]) * image, "dx") : nullptr;
  if (dx == nullptr) return info.Env().Undefined();
  {
    std::vector<float> best(g[C]);
    std::vector<int32_t> arg(g[C]);
    for (int64_t n = 0; n < g[N]; n++) {
      for (int64_t i = 0; i < image; i++) dx[n * image + i] = 0.f;
      for (int64_t oh = 0; oh < g[OH]; oh++) {
        for (int64_t ow = 0; ow < g[OW]; ow++) {
          windowMax(x, g, n, oh, ow, best.data(), arg.data());
          const float *grad = dy + ((n * g[OH] + oh) * g[OW] + ow) * g[C];
          for (int64_t c = 0; c < g[C]; c++) {
            if (arg[c] >= 0) dx[arg[c]] += grad[c];
          }
        }
      }
    }
  }
  return info.Env().Undefined();
}

// avgPool(x, y, geometry): y = mean of each window. Windows without padding only (src/native/pool.ts checks):
// with padding TF.js divides the forward by the in-bounds count and the gradient by the full window.
Napi::Value avgPool(const Napi::CallbackInfo &info) {
  const int32_t *g = intsArg(info, 2, kPoolSize, "geometry");
  if (g == nullptr) return info.Env().Undefined();
  float *x = floatArg(info, 0, size_t(g[N]) * g[H] * g[W] * g[C], "x");
  float *y = x ? floatArg(info, 1, size_t(g[N]) * g[OH] * g[OW] * g[C], "y") : nullptr;
  if (y == nullptr) return info.Env().Undefined();
  const int64_t channels = g[C];
  const float count = float(g[KH] * g[KW]);
  for (int64_t n = 0; n < g[N]; n++) {
    for (int64_t oh = 0; oh < g[OH]; oh++) {
      for (int64_t ow = 0; ow < g[OW]; ow++) {
        float *__restrict out = y + ((n * g[OH] + oh) * g[OW] + ow) * channels;
        for (int64_t c = 0; c < channels; c++) out[c] = 0.f;
        for (int64_t kh = 0; kh < g[KH]; kh++) {
          for (int64_t kw = 0; kw < g[KW]; kw++) {
            const float *__restrict in =
                x + ((n * g[H] + oh * g[SH] + kh) * g[W] + ow * g[SW] + kw) * channels;
            for (int64_t c = 0; c < channels; c++) out[c] += in[c];
          }
        }
        for (int64_t c = 0; c < channels; c++) out[c] /= count;
      }
    }
  }
  return info.Env().Undefined();
}

// avgPoolGrad(dy, dx, geometry): each window's dy / window size added to its inputs (windows without padding).
Napi::Value avgPoolGrad(const Napi::CallbackInfo &info) {
  const int32_t *g = intsArg(info, 2, kPoolSize, "geometry");
  if (g == nullptr) return info.Env().Undefined();
  const size_t total = size_t(g[N]) * g[H] * g[W] * g[C];
  float *dy = floatArg(info, 0, size_t(g[N]) * g[OH] * g[OW] * g[C], "dy");
  float *dx = dy ? floatArg(info, 1, total, "dx") : nullptr;
  if (dx == nullptr) return info.Env().Undefined();
  const int64_t channels = g[C];
  const float scale = 1.f / float(g[KH] * g[KW]);
  for (size_t i = 0; i < total; i++) dx[i] = 0.f;
  for (int64_t n = 0; n < g[N]; n++) {
    for (int64_t oh = 0; oh < g[OH]; oh++) {
      for (int64_t ow = 0; ow < g[OW]; ow++) {
        const float *__restrict grad = dy + ((n * g[OH] + oh) * g[OW] + ow) * channels;
        for (int64_t kh = 0; kh < g[KH]; kh++) {
          for (int64_t kw = 0; kw < g[KW]; kw++) {
            float *__restrict out = dx + ((n * g[H] + oh * g[SH] + kh) * g[W] + ow * g[SW] + kw) * channels;
            for (int64_t c = 0; c < channels; c++) out[c] += grad[c] * scale;
          }
        }
      }
    }
  }
  return info.Env().Undefined();
}

}  // namespace lgm
