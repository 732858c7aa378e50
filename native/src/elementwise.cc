// Element-wise float32 kernels: binary ops with NumPy broadcasting, unary ops, and a last-axis softmax.
//
// Why: the wasm backend vectorises same-shape Add/Sub/Mul, but runs broadcasts (x[N,K] * y[N,1], a bias row, a
// centroid subtracted from every row) and most unary ops (Neg, Square, Relu) one element at a time through an
// index computation, and Exp/Softmax through scalar libm calls: 5-30x slower per element than a vector loop. The
// L-GM head is built from such ops over [N,K] and [K,D] tensors (see src/gm/distance.ts).
//
// Every loop below has unit or zero strides, so the compiler vectorises it; on x86-64 GCC also emits an AVX2/FMA
// clone of each hot function and picks it at load time (target_clones).
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common.h"
#include "vector_math.h"


namespace lgm {

namespace {

// Op codes shared with src/native/elementwise.ts.
enum BinaryOp { ADD, SUB, MUL, DIV, MAX, MIN, SQUARED_DIFFERENCE, RELU_GRAD, ADD_RELU };
enum UnaryOp { NEG, SQUARE, RELU, EXP };

template <int Op>
inline float apply(float a, float b) {
  if constexpr (Op == ADD) return a + b;
  if constexpr (Op == SUB) return a - b;
  if constexpr (Op == MUL) return a * b;
  if constexpr (Op == DIV) return a / b;
  // NaN in either input gives NaN, as TF.js's Math.max/Math.min.
  if constexpr (Op == MAX) return (a > b || a != a) ? a : b;
  if constexpr (Op == MIN) return (a < b || a != a) ? a : b;
  if constexpr (Op == SQUARED_DIFFERENCE) return (a - b) * (a - b);
  // ReLU's gradient, dy = a, x = b: TF.js's dy * step(x), where step(NaN) is NaN.
  if constexpr (Op == RELU_GRAD) return a * (b > 0.f ? 1.f : (b == b ? 0.f : b));
  // A ResNet block's residual add and ReLU in one pass (lgm's kernel LgmAddRelu); relu(NaN) = NaN, as TF.js.
  if constexpr (Op == ADD_RELU) return (a + b) < 0.f ? 0.f : (a + b);
  return 0.f;
}

// One innermost run: a and b each either advance (stride 1) or repeat one value (stride 0).
template <int Op>
LGM_CLONES void binaryRun(const float *a, int64_t sa, const float *b, int64_t sb, float *out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const float av = *a;
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = *b;
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i], bv);
  } else {
    const float v = apply<Op>(*a, *b);
    for (int64_t i = 0; i < n; i++) out[i] = v;
  }
}

// Walks the output's outer indices (an odometer over all but the last dimension), one run per position.
// dims: [rank, shape (rank), strides of a (rank), strides of b (rank)], strides 0 on broadcast dimensions.
template <int Op>
void binaryLoop(const float *a, const float *b, float *out, const int32_t *dims) {
  const int32_t rank = dims[0];
  const int32_t *shape = dims + 1, *sa = dims + 1 + rank, *sb = dims + 1 + 2 * rank;
  const int64_t inner = shape[rank - 1];
  int64_t outer = 1;
  for (int32_t k = 0; k + 1 < rank; k++) outer *= shape[k];
  std::vector<int64_t> index(rank, 0);
  int64_t offA = 0, offB = 0;
  for (int64_t o = 0; o < outer; o++) {
    binaryRun<Op>(a + offA, sa[rank - 1], b + offB, sb[rank - 1], out + o * inner, inner);
    for (int32_t k = rank - 2; k >= 0; k--) {
      offA += sa[k];
      offB += sb[k];
      if (++index[k] < shape[k]) break;
      offA -= int64_t(sa[k]) * shape[k];
      offB -= int64_t(sb[k]) * shape[k];
      index[k] = 0;
    }
  }
}

LGM_CLONES void unaryRun(const float *x, float *out, int64_t n, int op) {
  switch (op) {
    case NEG: for (int64_t i = 0; i < n; i++) out[i] = -x[i]; break;
    case SQUARE: for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i]; break;
    case RELU: for (int64_t i = 0; i < n; i++) out[i] = x[i] < 0.f ? 0.f : x[i]; break;
    case EXP: for (int64_t i = 0; i < n; i++) out[i] = expApprox(x[i]); break;
    default: break;
  }
}

// softmax of one row: exp(x - max) / sum.
LGM_CLONES void softmaxRow(const float *x, float *out, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
  float sum = 0.f;
  for (int64_t i = 0; i < n; i++) {
    out[i] = expApprox(x[i] - m);
    sum += out[i];
  }
  const float inv = 1.f / sum;
  for (int64_t i = 0; i < n; i++) out[i] *= inv;
}

}  // namespace

// binary(a, b, out, dims, op): out = a op b with broadcasting (see binaryLoop for dims).
Napi::Value binary(const Napi::CallbackInfo &info) {
  Napi::Value dimsValue = info[3];
  if (!dimsValue.IsTypedArray() || dimsValue.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    Napi::TypeError::New(info.Env(), "lgm native: dims must be an Int32Array").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const int32_t rank = dimsValue.As<Napi::Int32Array>()[0];
  const int32_t *d = rank >= 1 ? intsArg(info, 3, 1 + 3 * size_t(rank), "dims") : nullptr;
  if (d == nullptr) return info.Env().Undefined();
  size_t sizeOut = 1, lastA = 0, lastB = 0;
  for (int32_t k = 0; k < rank; k++) {
    sizeOut *= size_t(d[1 + k]);
    lastA += size_t(d[1 + rank + k]) * size_t(d[1 + k] - 1);
    lastB += size_t(d[1 + 2 * rank + k]) * size_t(d[1 + k] - 1);
  }
  const float *a = floatArg(info, 0, lastA + 1, "a");
  const float *b = a ? floatArg(info, 1, lastB + 1, "b") : nullptr;
  float *out = b ? floatArg(info, 2, sizeOut, "out") : nullptr;
  if (out == nullptr) return info.Env().Undefined();
  switch (info[4].As<Napi::Number>().Int32Value()) {
    case ADD: binaryLoop<ADD>(a, b, out, d); break;
    case SUB: binaryLoop<SUB>(a, b, out, d); break;
    case MUL: binaryLoop<MUL>(a, b, out, d); break;
    case DIV: binaryLoop<DIV>(a, b, out, d); break;
    case MAX: binaryLoop<MAX>(a, b, out, d); break;
    case MIN: binaryLoop<MIN>(a, b, out, d); break;
    case SQUARED_DIFFERENCE: binaryLoop<SQUARED_DIFFERENCE>(a, b, out, d); break;
    case RELU_GRAD: binaryLoop<RELU_GRAD>(a, b, out, d); break;
    case ADD_RELU: binaryLoop<ADD_RELU>(a, b, out, d); break;
    default:
      Napi::RangeError::New(info.Env(), "lgm native: unknown binary op").ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// unary(x, out, op): out = op(x) element-wise, over all of x.
Napi::Value unary(const Napi::CallbackInfo &info) {
  if (!info[0].IsTypedArray()) {
    Napi::TypeError::New(info.Env(), "lgm native: x must be a Float32Array").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const size_t n = info[0].As<Napi::TypedArray>().ElementLength();
  const float *x = floatArg(info, 0, n, "x");
  float *out = x ? floatArg(info, 1, n, "out") : nullptr;
  if (out == nullptr) return info.Env().Undefined();
  const int op = info[2].As<Napi::Number>().Int32Value();
  if (op < NEG || op > EXP) {
    Napi::RangeError::New(info.Env(), "lgm native: unknown unary op").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  unaryRun(x, out, int64_t(n), op);
  return info.Env().Undefined();
}

// softmax(x, out, dims [rows, cols]): softmax over the last axis.
Napi::Value softmax(const Napi::CallbackInfo &info) {
  const int32_t *d = intsArg(info, 2, 2, "dims");
  if (d == nullptr) return info.Env().Undefined();
  const int64_t rows = d[0], cols = d[1];
  const float *x = floatArg(info, 0, size_t(rows * cols), "x");
  float *out = x ? floatArg(info, 1, size_t(rows * cols), "out") : nullptr;
  if (out == nullptr || cols < 1) return info.Env().Undefined();
  for (int64_t r = 0; r < rows; r++) softmaxRow(x + r * cols, out + r * cols, cols);
  return info.Env().Undefined();
}

}  // namespace lgm
