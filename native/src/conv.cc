// 2-D convolution kernels (forward with fused bias/activation, backward data, backward filter) on oneDNN.
// TF.js's tensors stay in its layouts: activations NHWC and filters HWIO [KH, KW, C, O]; oneDNN may choose a
// blocked filter layout, in which case the (small) filter is reordered on each call. Each convolution also has a
// variant on oneDNN's preferred (blocked, nChw8c) activation layouts, which reorders its activations in and out of
// scratch buffers per call. 3x3, stride-1, pad-1 convolutions (all three kernels) and 5x5, stride-1, pad-2 ones
// (forward and backward-data) also have a Winograd variant (winograd.cc, winograd_filter.cc: oneDNN 2.6 has
// Winograd only on AVX-512). Which variant a geometry uses is
// measured on its first call (tuneCall below).
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>
#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "common.h"
#include "winograd.h"

namespace lgm {

using dnnl::memory;
using tag = memory::format_tag;

namespace {

// Geometry as passed from JS (Int32Array of kGeometrySize, see src/native/conv.ts).
enum { N, H, W, C, KH, KW, O, OH, OW, SH, SW, DH, DW, PT, PL, PB, PR, kGeometrySize };

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

// Activation codes shared with src/native/conv.ts.
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5 };

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
  bool winograd = false;           // whether the Winograd kernels compute this convolution too (variant 2)
  bool winogradTimed = false;      // whether tuneCall times that variant (else only LGM_CONV_LAYOUT=winograd)
  int chosen = -1;                 // the variant used (0 NHWC, 1 blocked, 2 Winograd), -1 until timed (tuneCall)
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

// Scratch buffers for the blocked variants' activations, shared by every geometry (calls hold convLock), 64-byte
// aligned, grown as needed and kept.
struct Scratch {
  float *data = nullptr;
  size_t bytes = 0;
  void *get(size_t want) {
    if (want > bytes) {
      std::free(data);
      data = static_cast<float *>(std::aligned_alloc(64, (want + 63) / 64 * 64));
      bytes = data ? want : 0;
      if (!data) throw std::bad_alloc();
    }
    return data;
  }
};
Scratch &scratch(int slot) {
  static Scratch slots[3];
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

// LGM_CONV_LAYOUT=nhwc, blocked or winograd fixes the variant where the convolution has it, else NHWC
// (comparisons, tests); direct times NHWC and blocked only (kDirect); otherwise each geometry times all it has.
constexpr int kDirect = 3;
int forcedVariant() {
  static const int forced = [] {
    const char *v = std::getenv("LGM_CONV_LAYOUT");
    if (v == nullptr) return -1;
    const std::string s(v);
    return s == "nhwc" ? 0 : s == "blocked" ? 1 : s == "winograd" ? 2 : s == "direct" ? kDirect : -1;
  }();
  return forced;
}

// Whether the Winograd kernels compute this geometry: a 3x3 filter with one pixel of padding on every side, or
// (fiveToo: the forward and backward-data, not the filter gradient) a 5x5 one with two, stride 1, no dilation (the
// output as large as the input), on a CPU with AVX2 + FMA.
bool winogradGeometry(const int32_t *g, bool fiveToo) {
  const int r = g[KH], p = (r - 1) / 2;
  return (r == 3 || (fiveToo && r == 5)) && g[KW] == r && g[SH] == 1 && g[SW] == 1 && g[DH] == 1 && g[DW] == 1 &&
         g[PT] == p && g[PL] == p && g[PB] == p && g[PR] == p && g[OH] == g[H] && g[OW] == g[W] &&
         winogradSupported();
}

// Fills an empty cache slot with the NHWC variant of a primitive (`make(tag::nhwc)`) and, where oneDNN picks
// other layouts for it (`make(tag::any)`), the blocked variant that tuneCall may choose instead.
template <typename Make>
void buildVariants(std::unique_ptr<Entry> &slot, const Geometry &geo, Make make) {
  if (slot) return;
  slot = make(tag::nhwc);
  auto blocked = make(tag::any);
  if (blocked->srcMd != geo.src() || blocked->dstMd != geo.dst()) slot->blocked = std::move(blocked);
}

// Runs `run(variant)` for entry `e`: the NHWC variant where there is no other; on the geometry's first call, each
// variant it has in turn kTrials times (each call computes the whole output, so repeating it is harmless) and the
// fastest call of each compared, so that a call slowed by other processes on the cores does not decide and a
// change of load affects all alike; then whichever was fastest, another than NHWC only if it beats NHWC by 3%.
// All compute the same convolution up to rounding (oneDNN's summation orders differ; Winograd's transforms round
// differently again).
template <typename F>
void tuneCall(Entry &e, F run) {
  constexpr int kTrials = 3;
  const int forced = forcedVariant();
  if (forced >= 0 && forced != kDirect) {
    const bool forcedHas[3] = {true, e.blocked != nullptr, e.winograd};
    return run(forcedHas[forced] ? forced : 0);
  }
  const bool has[3] = {true, e.blocked != nullptr, e.winograd && e.winogradTimed && forced != kDirect};
  if (!has[1] && !has[2]) return run(0);
  if (e.chosen < 0) {
    double best[3] = {1e30, 1e30, 1e30};
    int last = 0;
    for (int trial = 0; trial < kTrials; trial++)
      for (int variant = 0; variant < 3; variant++) {
        if (!has[variant]) continue;
        const auto start = std::chrono::steady_clock::now();
        run(variant);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best[variant] = std::min(best[variant], seconds);
        last = variant;
      }
    const int fastest = int(std::min_element(best, best + 3) - best);
    e.chosen = best[fastest] < 0.97 * best[0] ? fastest : 0;
    if (e.chosen == last) return;  // the last call above was this variant's
  }
  run(e.chosen);
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
      e->winograd =
          act == tag::nhwc && (activation == kLinear || activation == kRelu) && winogradGeometry(g, true);
      e->winogradTimed = winogradWorthTiming(g[N], g[H], g[W]);
      attachWeights(*e, geo, pd.weights_desc(), false);
      return e;
    };
    buildVariants(slot, geo, make);
    tuneCall(*slot, [&](int variant) {
      if (variant == 2)
        return winogradConv(x, filter, false, bias, activation == kRelu, y, g[N], g[H], g[W], g[C], g[O], g[KH],
                            kWinogradTile);
      Entry &e = variant == 1 ? *slot->blocked : *slot;
      memory w = userWeightsIn(e, geo, filter);
      memory src = activationIn(e.srcMd, geo.src(), x, 0);
      memory dst = activationOutBuffer(e.dstMd, geo.dst(), y, 1);
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}};
      if (bias != nullptr) args.insert({DNNL_ARG_BIAS, memory(geo.bias(), cpuEngine(), bias)});
      e.primitive.execute(cpuStream(), args);
      activationOut(dst, geo.dst(), y);
      cpuStream().wait();
    });
  });
}

// convWinogradCalls(): how many convolutions the Winograd variant has computed in this process (for the tests).
Napi::Value convWinogradCalls(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), double(winogradCalls()));
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
      e->winograd = act == tag::nhwc && winogradGeometry(g, true);
      e->winogradTimed = winogradWorthTiming(g[N], g[H], g[W]);
      attachWeights(*e, geo, pd.weights_desc(), false);
      return e;
    };
    buildVariants(slot, geo, make);
    tuneCall(*slot, [&](int variant) {
      // dx is the convolution of dy with the filter rotated by 180 degrees, its channels swapped (stride 1, pad r / 2)
      if (variant == 2)
        return winogradConv(dy, filter, true, nullptr, false, dx, g[N], g[H], g[W], g[O], g[C], g[KH], kWinogradTile);
      Entry &e = variant == 1 ? *slot->blocked : *slot;
      memory w = userWeightsIn(e, geo, filter);
      memory diffDst = activationIn(e.dstMd, geo.dst(), dy, 0);
      memory diffSrc = activationOutBuffer(e.srcMd, geo.src(), dx, 1);
      e.primitive.execute(cpuStream(),
                          {{DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, diffSrc}});
      activationOut(diffSrc, geo.src(), dx);
      cpuStream().wait();
    });
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
      e->winograd = act == tag::nhwc && winogradGeometry(g, false);
      e->winogradTimed = winogradWorthTiming(g[N], g[H], g[W]);
      attachWeights(*e, geo, pd.diff_weights_desc(), true);
      return e;
    };
    buildVariants(slot, geo, make);
    tuneCall(*slot, [&](int variant) {
      if (variant == 2)
        return winogradFilterGrad3x3(x, dy, dw, g[N], g[H], g[W], g[C], g[O], kWinogradFilterTile);
      Entry &e = variant == 1 ? *slot->blocked : *slot;
      memory src = activationIn(e.srcMd, geo.src(), x, 0);
      memory diffDst = activationIn(e.dstMd, geo.dst(), dy, 1);
      memory user(geo.weights(tag::hwio), cpuEngine(), dw);
      memory target = e.reorder ? *e.weights : user;
      e.primitive.execute(cpuStream(),
                          {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_WEIGHTS, target}});
      if (e.reorder) e.weightsReorder.execute(cpuStream(), {{DNNL_ARG_FROM, target}, {DNNL_ARG_TO, user}});
      cpuStream().wait();
    });
  });
}

}  // namespace lgm
