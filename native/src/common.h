// Shared helpers of the lgm native kernels: argument unpacking and the oneDNN engine/stream.
#pragma once
#include <napi.h>

#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>

namespace lgm {

// One CPU engine and one in-order stream for the whole process: kernels run synchronously on the JS thread
// (TF.js kernels are synchronous) and oneDNN parallelises inside each primitive with OpenMP.
dnnl::engine &cpuEngine();
dnnl::stream &cpuStream();

// Float32Array argument `index` as a raw pointer into its backing store (a Float32Array over the wasm heap or a
// cpu-backend array: no copy). Sets a JS TypeError and returns nullptr when the argument is not a Float32Array
// of at least `minLength` elements.
float *floatArg(const Napi::CallbackInfo &info, size_t index, size_t minLength, const char *name);

// Optional Float32Array (null/undefined gives nullptr without error).
float *optionalFloatArg(const Napi::CallbackInfo &info, size_t index, size_t minLength, const char *name,
                        bool *ok);

// Int32Array argument of exactly `length` integers.
const int32_t *intsArg(const Napi::CallbackInfo &info, size_t index, size_t length, const char *name);

Napi::Value convForward(const Napi::CallbackInfo &info);
Napi::Value convBackwardData(const Napi::CallbackInfo &info);
Napi::Value convBackwardFilter(const Napi::CallbackInfo &info);
Napi::Value convWinogradCalls(const Napi::CallbackInfo &info);
Napi::Value convTuneMismatches(const Napi::CallbackInfo &info);
Napi::Value batchMatMul(const Napi::CallbackInfo &info);
Napi::Value maxPool(const Napi::CallbackInfo &info);
Napi::Value maxPoolGrad(const Napi::CallbackInfo &info);
Napi::Value avgPool(const Napi::CallbackInfo &info);
Napi::Value avgPoolGrad(const Napi::CallbackInfo &info);
Napi::Value preluGradInput(const Napi::CallbackInfo &info);
Napi::Value sumAxes(const Napi::CallbackInfo &info);
Napi::Value tile(const Napi::CallbackInfo &info);
Napi::Value slice(const Napi::CallbackInfo &info);
Napi::Value pad(const Napi::CallbackInfo &info);
Napi::Value binary(const Napi::CallbackInfo &info);
Napi::Value unary(const Napi::CallbackInfo &info);
Napi::Value softmax(const Napi::CallbackInfo &info);
Napi::Value lgmDistance(const Napi::CallbackInfo &info);
Napi::Value lgmDistanceGrad(const Napi::CallbackInfo &info);
Napi::Value lgmLoss(const Napi::CallbackInfo &info);
Napi::Value lgmLossGrad(const Napi::CallbackInfo &info);
Napi::Value batchNorm(const Napi::CallbackInfo &info);
Napi::Value batchNormGrad(const Napi::CallbackInfo &info);
Napi::Value batchNormTrain(const Napi::CallbackInfo &info);
Napi::Value batchNormTrainGrad(const Napi::CallbackInfo &info);
Napi::Value preluGrad(const Napi::CallbackInfo &info);
Napi::Value sgdUpdate(const Napi::CallbackInfo &info);

}  // namespace lgm
