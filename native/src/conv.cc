// 2-D convolution kernels (forward with fused bias/activation, backward data, backward filter) on oneDNN.
// TF.js's tensors stay in its layouts: activations NHWC and filters HWIO [KH, KW, C, O]; oneDNN may choose a
// blocked filter layout, in which case the (small) filter is reordered on each call. Each convolution also has a
// variant on oneDNN's preferred (blocked, nChw8c) activation layouts, which reorders its activations in and out of
// scratch buffers per call. 3x3, stride-1, pad-1 convolutions (all three kernels) and 5x5, stride-1, pad-2 ones
// (forward and backward-data) also have a Winograd variant (conv_winograd.cc). Which variant a geometry uses is
// decided on its first call (conv_tune.cc).
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>
#include <algorithm>

#include "common.h"
#include "conv.h"
#include "conv_tune.h"
#include "conv_winograd.h"
#include "scratch.h"

namespace lgm {

using dnnl::memory;
using tag = memory::format_tag;

namespace {

struct Geometry {
  const int32_t *g;
  memory::desc src(tag t = tag::nhwc) const { return {{g[N], g[C], g[H], g[W]}, memory::data_type::f32, t}; }
  memory::desc dst(tag t = tag::nhwc) const { return {{g[N], g[O], g[OH], g[OW]}, memory::data_type::f32, t}; }
  memory::desc weights(tag t) const { return {{g[O], g[C], g[KH], g[KW]}, memory::data_type::f32, t}; }
  memory::desc bias() const { return {{g[O]}, memory::data_type::f32, tag::x}; }
  memory::dims strides() const { return {g[SH], g[SW]}; }
  memory::dims dilates() const { return {g[DH] - 1, g[DW] - 1}; }  // oneDNN counts dilation from 0
  memory::dims padL() const { return {g[PT], g[PL]}; }
  memory::dims padR() const { return {g[PB], g[PR]}; }
  size_t srcSize() const { return size_t(g[N]) * g[H] * g[W] * g[C]; }
  size_t dstSize() const { return size_t(g[N]) * g[OH] * g[OW] * g[O]; }
  size_t weightsSize() const { return size_t(g[KH]) * g[KW] * g[C] * g[O]; }
  std::string key(const char *kind, int activation, float alpha, bool bias) const {
    std::string k(kind);
    for (int i = 0; i < kGeometrySize; i++) k += ',' + std::to_string(g[i]);
    return k + ',' + std::to_string(activation) + ',' + std::to_string(alpha) + (bias ? ",b" : "");
  }

  dnnl::convolution_forward::primitive_desc forward(bool bias, const dnnl::primitive_attr &attr,
                                                   tag act = tag::nhwc) const {
    dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                      src(act), weights(tag::any), bias ? this->bias() : memory::desc(), dst(act),
                                      strides(), dilates(), padL(), padR());
    return {d, attr, cpuEngine()};
  }
};

dnnl::primitive_attr activationAttr(int activation, float alpha) {
  dnnl::post_ops ops;
  switch (activation) {
    case kRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); break;
    case kRelu6: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f); break;
    case kLeakyRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, alpha, 0.f); break;
    case kElu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 1.f, 0.f); break;
    case kSigmoid: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f); break;
    default: break;
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

// A primitive with the reorder between TF's HWIO filter and the layout the primitive prefers (if they differ).
struct Entry {
  dnnl::primitive primitive;
  memory::desc srcMd, dstMd;  // the primitive's activation layouts (x / dx, and y / dy): NHWC or blocked
  std::unique_ptr<Entry> blocked;  // the variant on oneDNN's preferred activation layouts (null: they are NHWC)
  Tuning tuning;                   // the variants this convolution has, and the one it uses
  memory::desc weightsMd;  // the primitive's filter layout
  bool reorder = false;
  dnnl::primitive weightsReorder;  // HWIO -> weightsMd (forward, backward data) or back (backward filter)
  std::unique_ptr<memory> weights;  // buffer in weightsMd when reorder is true
};

std::unordered_map<std::string, std::unique_ptr<Entry>> &cache() {
  static std::unordered_map<std::string, std::unique_ptr<Entry>> entries;
  return entries;
}

void attachWeights(Entry &e, const Geometry &geo, const memory::desc &preferred, bool toUser) {
  e.weightsMd = preferred;
  const memory::desc user = geo.weights(tag::hwio);
  e.reorder = preferred != user;
  if (!e.reorder) return;
  e.weights = std::make_unique<memory>(preferred, cpuEngine());
  memory userMem(user, cpuEngine(), DNNL_MEMORY_NONE);
  e.weightsReorder = toUser ? dnnl::reorder(*e.weights, userMem) : dnnl::reorder(userMem, *e.weights);
}

// Runs `body` under one lock, turning oneDNN errors into JS errors (the addon is built without C++ exceptions in
// N-API, but oneDNN's C++ API throws dnnl::error). The lock matters only when several worker_threads load the
// addon: they share this process's primitive cache, the filter reorder buffers and the stream.
std::mutex &convLock() {
  static std::mutex lock;  // one for every instantiation of guarded
  return lock;
}

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo &info, F body) {
  std::lock_guard<std::mutex> hold(convLock());
  try {
    body();
  } catch (const dnnl::error &err) {
    Napi::Error::New(info.Env(), std::string("lgm native: oneDNN: ") + err.what()).ThrowAsJavaScriptException();
  } catch (const std::exception &err) {
    Napi::Error::New(info.Env(), std::string("lgm native: ") + err.what()).ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// Reorders the user's HWIO filter into the entry's buffer when needed; returns the memory to pass as weights.
memory userWeightsIn(Entry &e, const Geometry &geo, float *filter) {
  memory user(geo.weights(tag::hwio), cpuEngine(), filter);
  if (!e.reorder) return user;
  e.weightsReorder.execute(cpuStream(), {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, *e.weights}});
  return *e.weights;
}

// Scratch buffers for the blocked variants' activations, shared by every geometry (calls hold convLock).
Scratch<std::byte> &scratch(int slot) {
  static Scratch<std::byte> slots[3];
  return slots[slot];
}

// The user's NHWC array as the primitive's layout `want`: itself, or reordered into scratch `slot`.
memory activationIn(const memory::desc &want, const memory::desc &user, float *data, int slot) {
  memory userMem(user, cpuEngine(), data);
  if (want == user) return userMem;
  memory m(want, cpuEngine(), scratch(slot).get(want.get_size()));
  dnnl::reorder(userMem, m).execute(cpuStream(), userMem, m);
  return m;
}

// Where the primitive writes an NHWC output: the user's array, or scratch `slot` (then activationOut copies back).
memory activationOutBuffer(const memory::desc &want, const memory::desc &user, float *data, int slot) {
  if (want == user) return memory(user, cpuEngine(), data);
  return memory(want, cpuEngine(), scratch(slot).get(want.get_size()));
}
void activationOut(memory written, const memory::desc &user, float *data) {
  if (written.get_desc() == user) return;
  memory userMem(user, cpuEngine(), data);
  dnnl::reorder(written, userMem).execute(cpuStream(), written, userMem);
}

// Fills an empty cache slot with the NHWC variant of convolution `kind` (`make(tag::nhwc)`) and, where oneDNN
// picks other layouts for it (`make(tag::any)`), the blocked variant that tuneCall may choose instead; notes
// whether the Winograd variant serves it too.
template <typename Make>
void buildVariants(std::unique_ptr<Entry> &slot, const Geometry &geo, ConvKind kind, int activation, Make make) {
  if (slot) return;
  slot = make(tag::nhwc);
  auto blocked = make(tag::any);
  if (blocked->srcMd != geo.src() || blocked->dstMd != geo.dst()) slot->blocked = std::move(blocked);
  slot->tuning.blocked = slot->blocked != nullptr;
  addWinograd(slot->tuning, geo.g, kind, activation);
}

}  // namespace

// convForward(x, filter, bias|null, y, geometry Int32Array, activation, alpha): y = act(conv(x, filter) + bias).
Napi::Value convForward(const Napi::CallbackInfo &info) {
  const int32_t *g = intsArg(info, 4, kGeometrySize, "geometry");
  if (g == nullptr) return info.Env().Undefined();
  Geometry geo{g};
  bool ok = true;
  float *x = floatArg(info, 0, geo.srcSize(), "x");
  float *filter = x ? floatArg(info, 1, geo.weightsSize(), "filter") : nullptr;
  float *bias = filter ? optionalFloatArg(info, 2, size_t(g[O]), "bias", &ok) : nullptr;
  float *y = (filter && ok) ? floatArg(info, 3, geo.dstSize(), "y") : nullptr;
  if (y == nullptr) return info.Env().Undefined();
  const int activation = info[5].As<Napi::Number>().Int32Value();
  const float alpha = info[6].As<Napi::Number>().FloatValue();
  return guarded(info, [&] {
    auto &slot = cache()[geo.key("fwd", activation, alpha, bias != nullptr)];
    const auto make = [&](tag act) {
      auto pd = geo.forward(bias != nullptr, activationAttr(activation, alpha), act);
      auto e = std::make_unique<Entry>();
      e->primitive = dnnl::convolution_forward(pd);
      e->srcMd = pd.src_desc();
      e->dstMd = pd.dst_desc();
      attachWeights(*e, geo, pd.weights_desc(), false);
      return e;
    };
    buildVariants(slot, geo, ConvKind::kForward, activation, make);
    tuneCall(slot->tuning, [&](int variant) {
      if (variant == kWinograd) return winogradForward(g, x, filter, bias, activation, y);
      Entry &e = variant == kBlocked ? *slot->blocked : *slot;
      memory w = userWeightsIn(e, geo, filter);
      memory src = activationIn(e.srcMd, geo.src(), x, 0);
      memory dst = activationOutBuffer(e.dstMd, geo.dst(), y, 1);
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}};
      if (bias != nullptr) args.insert({DNNL_ARG_BIAS, memory(geo.bias(), cpuEngine(), bias)});
      e.primitive.execute(cpuStream(), args);
      activationOut(dst, geo.dst(), y);
      cpuStream().wait();
    }, y, geo.dstSize());
  });
}

// convBackwardData(dy, filter, dx, geometry): dx = gradient of conv w.r.t. its input.
Napi::Value convBackwardData(const Napi::CallbackInfo &info) {
  const int32_t *g = intsArg(info, 3, kGeometrySize, "geometry");
  if (g == nullptr) return info.Env().Undefined();
  Geometry geo{g};
  float *dy = floatArg(info, 0, geo.dstSize(), "dy");
  float *filter = dy ? floatArg(info, 1, geo.weightsSize(), "filter") : nullptr;
  float *dx = filter ? floatArg(info, 2, geo.srcSize(), "dx") : nullptr;
  if (dx == nullptr) return info.Env().Undefined();
  return guarded(info, [&] {
    auto &slot = cache()[geo.key("bwd_data", 0, 0.f, false)];
    const auto make = [&](tag act) {
      auto hint = geo.forward(false, dnnl::primitive_attr(), act);
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, geo.src(act),
                                              geo.weights(tag::any), geo.dst(act), geo.strides(), geo.dilates(),
                                              geo.padL(), geo.padR());
      dnnl::convolution_backward_data::primitive_desc pd(d, cpuEngine(), hint);
      auto e = std::make_unique<Entry>();
      e->primitive = dnnl::convolution_backward_data(pd);
      e->srcMd = pd.diff_src_desc();
      e->dstMd = pd.diff_dst_desc();
      attachWeights(*e, geo, pd.weights_desc(), false);
      return e;
    };
    buildVariants(slot, geo, ConvKind::kBackwardData, kLinear, make);
    tuneCall(slot->tuning, [&](int variant) {
      if (variant == kWinograd) return winogradBackwardData(g, dy, filter, dx);
      Entry &e = variant == kBlocked ? *slot->blocked : *slot;
      memory w = userWeightsIn(e, geo, filter);
      memory diffDst = activationIn(e.dstMd, geo.dst(), dy, 0);
      memory diffSrc = activationOutBuffer(e.srcMd, geo.src(), dx, 1);
      e.primitive.execute(cpuStream(),
                          {{DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, diffSrc}});
      activationOut(diffSrc, geo.src(), dx);
      cpuStream().wait();
    }, dx, geo.srcSize());
  });
}

namespace {

// True for an unpadded 1x1 convolution with a stride above 1. oneDNN 2.6's backward-weights primitive for this case
// (its "reduce to unit stride" path) writes outside its buffers and corrupts the heap; the result is also wrong
// when it runs on more than one thread. Such a convolution only ever reads every stride-th pixel, so it equals a
// unit-stride 1x1 convolution of those pixels, which convBackwardFilter computes instead.
bool stridedPointwise(const int32_t *g) {
  return g[KH] == 1 && g[KW] == 1 && (g[SH] > 1 || g[SW] > 1) && g[PT] == 0 && g[PL] == 0 && g[PB] == 0 &&
         g[PR] == 0;
}

// Copies the pixels a strided 1x1 convolution reads, x[n, oh*SH, ow*SW, :], into `out` as [N, OH, OW, C].
void gatherStrided(const int32_t *g, const float *x, float *out) {
  const size_t c = size_t(g[C]);
  for (int n = 0; n < g[N]; n++)
    for (int oh = 0; oh < g[OH]; oh++)
      for (int ow = 0; ow < g[OW]; ow++) {
        const float *from = x + ((size_t(n) * g[H] + size_t(oh) * g[SH]) * g[W] + size_t(ow) * g[SW]) * c;
        std::copy(from, from + c, out + ((size_t(n) * g[OH] + oh) * g[OW] + ow) * c);
      }
}

}  // namespace

// convBackwardFilter(x, dy, dw, geometry): dw (HWIO) = gradient of conv w.r.t. its filter.
Napi::Value convBackwardFilter(const Napi::CallbackInfo &info) {
  const int32_t *given = intsArg(info, 3, kGeometrySize, "geometry");
  if (given == nullptr) return info.Env().Undefined();
  float *x = floatArg(info, 0, Geometry{given}.srcSize(), "x");
  float *dy = x ? floatArg(info, 1, Geometry{given}.dstSize(), "dy") : nullptr;
  float *dw = dy ? floatArg(info, 2, Geometry{given}.weightsSize(), "dw") : nullptr;
  if (dw == nullptr) return info.Env().Undefined();
  int32_t unit[kGeometrySize];
  std::vector<float> gathered;
  const int32_t *g = given;
  if (stridedPointwise(given)) {
    std::copy(given, given + kGeometrySize, unit);
    unit[H] = given[OH];
    unit[W] = given[OW];
    unit[SH] = unit[SW] = 1;
    gathered.resize(Geometry{unit}.srcSize());
    gatherStrided(given, x, gathered.data());
    x = gathered.data();
    g = unit;
  }
  Geometry geo{g};
  return guarded(info, [&] {
    auto &slot = cache()[geo.key("bwd_filter", 0, 0.f, false)];
    const auto make = [&](tag act) {
      auto hint = geo.forward(false, dnnl::primitive_attr(), act);
      dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, geo.src(act),
                                                 geo.weights(tag::any), geo.dst(act), geo.strides(),
                                                 geo.dilates(), geo.padL(), geo.padR());
      dnnl::convolution_backward_weights::primitive_desc pd(d, cpuEngine(), hint);
      auto e = std::make_unique<Entry>();
      e->primitive = dnnl::convolution_backward_weights(pd);
      e->srcMd = pd.src_desc();
      e->dstMd = pd.diff_dst_desc();
      attachWeights(*e, geo, pd.diff_weights_desc(), true);
      return e;
    };
    buildVariants(slot, geo, ConvKind::kBackwardFilter, kLinear, make);
    tuneCall(slot->tuning, [&](int variant) {
      if (variant == kWinograd) return winogradBackwardFilter(g, x, dy, dw);
      Entry &e = variant == kBlocked ? *slot->blocked : *slot;
      memory src = activationIn(e.srcMd, geo.src(), x, 0);
      memory diffDst = activationIn(e.dstMd, geo.dst(), dy, 1);
      memory user(geo.weights(tag::hwio), cpuEngine(), dw);
      memory target = e.reorder ? *e.weights : user;
      e.primitive.execute(cpuStream(),
                          {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_WEIGHTS, target}});
      if (e.reorder) e.weightsReorder.execute(cpuStream(), {{DNNL_ARG_FROM, target}, {DNNL_ARG_TO, user}});
      cpuStream().wait();
    }, dw, geo.weightsSize());
  });
}

// convTuneMismatches(): how many convolutions keep oneDNN's NHWC variant because its blocked one computed other
// numbers (conv_tune.cc; for the tests).
Napi::Value convTuneMismatches(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), double(tuneMismatches()));
}

}  // namespace lgm
