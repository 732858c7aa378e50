// Slice and PadV2 (float32, any rank) as copies of a box between two arrays, one memcpy per innermost run. The
// ResNets' option-A shortcut pads channels forward and slices them back in its gradient, which the wasm backend
// does element by element (about 8 ms for [128,16,16,32] -> [128,16,16,16] on the busy 2-core machine).
#include <algorithm>
#include <cstring>
#include <vector>

#include "common.h"

namespace lgm {

namespace {

struct Box {
  std::vector<int64_t> size, srcStride, dstStride;
  int64_t srcOffset = 0, dstOffset = 0;
};

// The box `size` at `srcBegin` in src [srcShape] goes to `dstBegin` in dst [dstShape]; trailing dimensions that the
// box covers whole in both arrays are merged, so that the innermost run is as long as possible.
Box plan(int32_t rank, const int32_t *size, const int32_t *srcShape, const int32_t *srcBegin,
         const int32_t *dstShape, const int32_t *dstBegin) {
  Box box;
  std::vector<int64_t> sz(size, size + rank), ss(srcShape, srcShape + rank), ds(dstShape, dstShape + rank);
  std::vector<int64_t> sb(srcBegin, srcBegin + rank), db(dstBegin, dstBegin + rank);
  while (sz.size() > 1 && sz.back() == ss.back() && sz.back() == ds.back()) {
    const int64_t n = sz.back();
    for (auto *v : {&sz, &ss, &ds, &sb, &db}) v->pop_back();
    sz.back() *= n;
    ss.back() *= n;
    ds.back() *= n;
    sb.back() *= n;
    db.back() *= n;
  }
  const size_t r = sz.size();
  box.size = sz;
  box.srcStride.assign(r, 1);
  box.dstStride.assign(r, 1);
  for (size_t k = r - 1; k > 0; k--) {
    box.srcStride[k - 1] = box.srcStride[k] * ss[k];
    box.dstStride[k - 1] = box.dstStride[k] * ds[k];
  }
  for (size_t k = 0; k < r; k++) {
    box.srcOffset += sb[k] * box.srcStride[k];
    box.dstOffset += db[k] * box.dstStride[k];
  }
  return box;
}

void copy(const Box &box, const float *src, float *dst, size_t d) {
  if (d + 1 == box.size.size()) {
    std::memcpy(dst, src, sizeof(float) * box.size[d]);
    return;
  }
  for (int64_t i = 0; i < box.size[d]; i++) copy(box, src + i * box.srcStride[d], dst + i * box.dstStride[d], d + 1);
}

// The rank from dims[0] and the dims array of `1 + groups * rank` integers, or nullptr (JS error set).
const int32_t *rankedDims(const Napi::CallbackInfo &info, size_t index, size_t groups, int32_t *rank) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      value.As<Napi::Int32Array>().ElementLength() < 1) {
    Napi::TypeError::New(info.Env(), "lgm native: dims must be an Int32Array").ThrowAsJavaScriptException();
    return nullptr;
  }
  *rank = value.As<Napi::Int32Array>()[0];
  if (*rank < 1) {
    Napi::RangeError::New(info.Env(), "lgm native: rank must be >= 1").ThrowAsJavaScriptException();
    return nullptr;
  }
  return intsArg(info, index, 1 + groups * size_t(*rank), "dims");
}

size_t product(const int32_t *v, int32_t rank) {
  size_t n = 1;
  for (int32_t k = 0; k < rank; k++) n *= size_t(v[k]);
  return n;
}

}  // namespace

// slice(x, out, dims [rank, x shape, begin, size]): out = x[begin : begin + size].
Napi::Value slice(const Napi::CallbackInfo &info) {
  int32_t rank = 0;
  const int32_t *d = rankedDims(info, 2, 3, &rank);
  if (d == nullptr) return info.Env().Undefined();
  const int32_t *shape = d + 1, *begin = d + 1 + rank, *size = d + 1 + 2 * rank;
  const float *x = floatArg(info, 0, product(shape, rank), "x");
  float *out = x ? floatArg(info, 1, product(size, rank), "out") : nullptr;
  if (out == nullptr || product(size, rank) == 0) return info.Env().Undefined();
  const std::vector<int32_t> zeros(rank, 0);
  const Box box = plan(rank, size, shape, begin, size, zeros.data());
  copy(box, x + box.srcOffset, out + box.dstOffset, 0);
  return info.Env().Undefined();
}

// pad(x, out, dims [rank, x shape, before], value): out has shape x shape + before + after, filled with value,
// with x at offset `before`.
Napi::Value pad(const Napi::CallbackInfo &info) {
  int32_t rank = 0;
  const int32_t *d = rankedDims(info, 2, 3, &rank);
  if (d == nullptr) return info.Env().Undefined();
  const int32_t *shape = d + 1, *before = d + 1 + rank, *outShape = d + 1 + 2 * rank;
  const float *x = floatArg(info, 0, product(shape, rank), "x");
  float *out = x ? floatArg(info, 1, product(outShape, rank), "out") : nullptr;
  if (out == nullptr) return info.Env().Undefined();
  const float value = info[3].As<Napi::Number>().FloatValue();
  std::fill(out, out + product(outShape, rank), value);
  if (product(shape, rank) == 0) return info.Env().Undefined();
  const std::vector<int32_t> zeros(rank, 0);
  const Box box = plan(rank, shape, shape, zeros.data(), outShape, before);
  copy(box, x + box.srcOffset, out + box.dstOffset, 0);
  return info.Env().Undefined();
}

}  // namespace lgm
