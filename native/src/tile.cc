// Tile (float32, any rank): TF.js's batch-norm gradient tiles per-channel vectors to full activations, which the
// wasm backend does element by element (about 100 ms for [1,1,1,16] -> [64,32,32,16]); here each output block is
// written once and repeated with memcpy.
#include <cstring>
#include <vector>

#include "common.h"

namespace lgm {

namespace {

struct TilePlan {
  const float *x;
  float *out;
  std::vector<int64_t> shape, reps, stride;  // input shape, repetitions, input strides
  int64_t pos = 0;                           // next output element

  // Writes the tile of dimensions d.. of the input block at xoff, then repeats it reps[d] times.
  void fill(int64_t xoff, size_t d) {
    const int64_t start = pos;
    if (d + 1 == shape.size()) {
      std::memcpy(out + pos, x + xoff, sizeof(float) * shape[d]);
      pos += shape[d];
    } else {
      for (int64_t i = 0; i < shape[d]; i++) fill(xoff + i * stride[d], d + 1);
    }
    const int64_t block = pos - start;
    for (int64_t r = 1; r < reps[d]; r++) {
      std::memcpy(out + pos, out + start, sizeof(float) * block);
      pos += block;
    }
  }
};

}  // namespace

// tile(x, out, dims [rank, shape..., reps...]).
Napi::Value tile(const Napi::CallbackInfo &info) {
  Napi::Value dimsValue = info[2];
  if (!dimsValue.IsTypedArray() || dimsValue.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    Napi::TypeError::New(info.Env(), "lgm native: dims must be an Int32Array").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const int32_t rank = dimsValue.As<Napi::Int32Array>()[0];
  const int32_t *d = intsArg(info, 2, 1 + 2 * size_t(rank), "dims");
  if (d == nullptr || rank < 1) return info.Env().Undefined();
  TilePlan plan;
  plan.shape.assign(d + 1, d + 1 + rank);
  plan.reps.assign(d + 1 + rank, d + 1 + 2 * rank);
  plan.stride.assign(rank, 1);
  int64_t inSize = 1, outSize = 1;
  for (int32_t i = rank - 1; i >= 0; i--) {
    plan.stride[i] = inSize;
    inSize *= plan.shape[i];
    outSize *= plan.shape[i] * plan.reps[i];
  }
  plan.x = floatArg(info, 0, inSize, "x");
  plan.out = plan.x ? floatArg(info, 1, outSize, "out") : nullptr;
  if (plan.out == nullptr) return info.Env().Undefined();
  plan.fill(0, 0);
  return info.Env().Undefined();
}

}  // namespace lgm
