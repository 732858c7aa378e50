// Entry point of the lgm native addon: argument helpers and the exported kernel functions.
#include "common.h"

namespace lgm {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream &cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

static void typeError(Napi::Env env, const std::string &message) {
  Napi::TypeError::New(env, "lgm native: " + message).ThrowAsJavaScriptException();
}

float *floatArg(const Napi::CallbackInfo &info, size_t index, size_t minLength, const char *name) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    typeError(info.Env(), std::string(name) + " must be a Float32Array");
    return nullptr;
  }
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  if (array.ElementLength() < minLength) {
    typeError(info.Env(), std::string(name) + " must have at least " + std::to_string(minLength) +
                              " elements, got " + std::to_string(array.ElementLength()));
    return nullptr;
  }
  return array.Data();
}

float *optionalFloatArg(const Napi::CallbackInfo &info, size_t index, size_t minLength, const char *name,
                        bool *ok) {
  *ok = true;
  if (info[index].IsNull() || info[index].IsUndefined()) return nullptr;
  float *data = floatArg(info, index, minLength, name);
  *ok = data != nullptr;
  return data;
}

const int32_t *intsArg(const Napi::CallbackInfo &info, size_t index, size_t length, const char *name) {
  Napi::Value value = info[index];
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      value.As<Napi::Int32Array>().ElementLength() != length) {
    typeError(info.Env(), std::string(name) + " must be an Int32Array of " + std::to_string(length));
    return nullptr;
  }
  return value.As<Napi::Int32Array>().Data();
}

// The instruction set oneDNN dispatches to (the CPU's best, or less under ONEDNN_MAX_CPU_ISA): it decides which
// algorithms run, so two machines can round differently with the same build (docs/native.md).
static const char *isaName(dnnl_cpu_isa_t isa) {
  switch (isa) {
  case dnnl_cpu_isa_sse41: return "sse41";
  case dnnl_cpu_isa_avx: return "avx";
  case dnnl_cpu_isa_avx2: return "avx2";
  case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
  case dnnl_cpu_isa_avx512_core: return "avx512_core";
  case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
  case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
  case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
  default: return "other";
  }
}

// "oneDNN <major>.<minor>.<patch> (<isa>)".
static Napi::Value version(const Napi::CallbackInfo &info) {
  const dnnl_version_t *v = dnnl_version();
  return Napi::String::New(info.Env(), "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) +
                                           "." + std::to_string(v->patch) + " (" +
                                           isaName(dnnl_get_effective_cpu_isa()) + ")");
}

static Napi::Object exportKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("version", Napi::Function::New(env, version));
  exports.Set("convForward", Napi::Function::New(env, convForward));
  exports.Set("convBackwardData", Napi::Function::New(env, convBackwardData));
  exports.Set("convBackwardFilter", Napi::Function::New(env, convBackwardFilter));
  exports.Set("convWinogradCalls", Napi::Function::New(env, convWinogradCalls));
  exports.Set("convTuneMismatches", Napi::Function::New(env, convTuneMismatches));
  exports.Set("batchMatMul", Napi::Function::New(env, batchMatMul));
  exports.Set("maxPool", Napi::Function::New(env, maxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, maxPoolGrad));
  exports.Set("avgPool", Napi::Function::New(env, avgPool));
  exports.Set("avgPoolGrad", Napi::Function::New(env, avgPoolGrad));
  exports.Set("preluGradInput", Napi::Function::New(env, preluGradInput));
  exports.Set("sumAxes", Napi::Function::New(env, sumAxes));
  exports.Set("tile", Napi::Function::New(env, tile));
  exports.Set("slice", Napi::Function::New(env, slice));
  exports.Set("pad", Napi::Function::New(env, pad));
  exports.Set("binary", Napi::Function::New(env, binary));
  exports.Set("unary", Napi::Function::New(env, unary));
  exports.Set("softmax", Napi::Function::New(env, softmax));
  exports.Set("lgmDistance", Napi::Function::New(env, lgmDistance));
  exports.Set("lgmDistanceGrad", Napi::Function::New(env, lgmDistanceGrad));
  exports.Set("lgmLoss", Napi::Function::New(env, lgmLoss));
  exports.Set("lgmLossGrad", Napi::Function::New(env, lgmLossGrad));
  exports.Set("batchNorm", Napi::Function::New(env, batchNorm));
  exports.Set("batchNormGrad", Napi::Function::New(env, batchNormGrad));
  exports.Set("batchNormTrain", Napi::Function::New(env, batchNormTrain));
  exports.Set("batchNormTrainGrad", Napi::Function::New(env, batchNormTrainGrad));
  exports.Set("preluGrad", Napi::Function::New(env, preluGrad));
  exports.Set("sgdUpdate", Napi::Function::New(env, sgdUpdate));
  return exports;
}

}  // namespace lgm

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return lgm::exportKernels(env, exports); }

NODE_API_MODULE(lgm_native, Init)
