// What the convolution probes in this folder share (none of it is part of the addon): the clock, best-of-calls
// timing, median and range over rounds, random data, the rounding error against a reference, LeNet++'s
// convolutions, and oneDNN's direct convolution run as native/src/conv.cc runs it: on NHWC activations, or on the
// layouts oneDNN prefers with the activations and the HWIO filter reordered on every call.
// check.sh builds every probe.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace probe {

inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Milliseconds of the fastest of `calls` calls of f, after one call that is not timed (warm-up).
template <class F>
double bestMs(int calls, F f) {
  f();
  double best = 1e9;
  for (int i = 0; i < calls; i++) {
    const double t0 = now();
    f();
    best = std::min(best, now() - t0);
  }
  return best * 1e3;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// " name median (min-max)" for figures over rounds.
inline std::string medianRange(const char *name, const std::vector<double> &v) {
  char buf[128];
  std::snprintf(buf, sizeof buf, " %s %.2f (%.2f-%.2f)", name, median(v), *std::min_element(v.begin(), v.end()),
                *std::max_element(v.begin(), v.end()));
  return buf;
}

// Standard normal samples from a seeded generator, one sequence across calls.
struct Normal {
  std::mt19937 rng;
  std::normal_distribution<float> dist{0.f, 1.f};
  explicit Normal(unsigned seed) : rng(seed) {}
  float operator()() { return dist(rng); }
  void fill(std::vector<float> &v, float scale = 1.f) {
    for (float &x : v) x = dist(rng) * scale;
  }
};

// The largest absolute error of y against ref, and that over ref's largest magnitude (ref may cover only the
// first of y's elements).
struct Error {
  double abs, rel;
};
template <class R>
Error maxError(const std::vector<float> &y, const std::vector<R> &ref) {
  double maxErr = 0, maxRef = 0;
  for (size_t i = 0; i < ref.size(); i++) {
    maxErr = std::max(maxErr, std::fabs(double(y[i]) - double(ref[i])));
    maxRef = std::max(maxRef, std::fabs(double(ref[i])));
  }
  return {maxErr, maxErr / maxRef};
}

// LeNet++'s six convolutions (5x5 filters, pad 2): image side, input and output channels.
struct Layer {
  int h, c, o;
};
constexpr Layer kLeNetPP[6] = {{28, 1, 32}, {28, 32, 32}, {14, 32, 64}, {14, 64, 64}, {7, 64, 128}, {7, 128, 128}};

using dnnl::memory;
using tag = memory::format_tag;

// A convolution with square images and filters, stride 1 and the output as large as the input.
struct ConvShape {
  int n, h, c, k, r;  // batch, image side, input and output channels, filter side (odd: pad r / 2)
  memory::desc src(tag t) const { return {{n, c, h, h}, memory::data_type::f32, t}; }
  memory::desc dst(tag t) const { return {{n, k, h, h}, memory::data_type::f32, t}; }
  memory::desc weights(tag t) const { return {{k, c, r, r}, memory::data_type::f32, t}; }
  memory::dims pad() const { return {r / 2, r / 2}; }
  dnnl::convolution_forward::primitive_desc forward(dnnl::engine &eng, dnnl::prop_kind prop, tag act,
                                                    bool bias) const {
    const memory::desc b = bias ? memory::desc({k}, memory::data_type::f32, tag::x) : memory::desc();
    const dnnl::convolution_forward::desc d(prop, dnnl::algorithm::convolution_direct, src(act), weights(tag::any), b,
                                            dst(act), {1, 1}, pad(), pad());
    return dnnl::convolution_forward::primitive_desc(d, eng);
  }
  // The backward convolutions, on the layouts of the forward `hint`.
  dnnl::convolution_backward_data::primitive_desc backwardData(
      dnnl::engine &eng, tag act, const dnnl::convolution_forward::primitive_desc &hint) const {
    const dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, src(act), weights(tag::any),
                                                  dst(act), {1, 1}, pad(), pad());
    return dnnl::convolution_backward_data::primitive_desc(d, eng, hint);
  }
  dnnl::convolution_backward_weights::primitive_desc backwardWeights(
      dnnl::engine &eng, tag act, const dnnl::convolution_forward::primitive_desc &hint) const {
    const dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src(act),
                                                     weights(tag::any), dst(act), {1, 1}, pad(), pad());
    return dnnl::convolution_backward_weights::primitive_desc(d, eng, hint);
  }
};

// One oneDNN convolution on the caller's NHWC activations and HWIO filters: the reorders into the primitive's
// layouts, the primitive, the reorders back, all run by each call.
struct OneDnnConv {
  struct Reorder {
    dnnl::reorder prim;
    memory from, to;
  };
  dnnl::engine eng;
  dnnl::primitive prim;
  std::unordered_map<int, memory> args;
  std::vector<Reorder> before, after;

  OneDnnConv(const dnnl::engine &e, const dnnl::primitive &p) : eng(e), prim(p) {}
  void run(dnnl::stream &s) {
    for (Reorder &r : before) r.prim.execute(s, r.from, r.to);
    prim.execute(s, args);
    for (Reorder &r : after) r.prim.execute(s, r.from, r.to);
    s.wait();
  }
  // Passes the caller's array `data` (layout `user`) as argument `arg` in layout `want`: an input reordered in
  // before the primitive, or an output reordered back after it, on each call where the two layouts differ.
  OneDnnConv &in(int arg, const memory::desc &want, const memory::desc &user, float *data) {
    return bind(arg, want, user, data, false);
  }
  OneDnnConv &out(int arg, const memory::desc &want, const memory::desc &user, float *data) {
    return bind(arg, want, user, data, true);
  }
  OneDnnConv &bind(int arg, const memory::desc &want, const memory::desc &user, float *data, bool output) {
    const memory userMem(user, eng, data);
    args[arg] = want == user ? userMem : memory(want, eng);
    if (want == user) return *this;
    const memory from = output ? args[arg] : userMem, to = output ? userMem : args[arg];
    (output ? after : before).push_back({dnnl::reorder(from, to), from, to});
    return *this;
  }
};

// y = conv(x, w) + bias (bias may be null): NHWC activations with act = tag::nhwc, else oneDNN's choice.
inline OneDnnConv oneDnnForward(dnnl::engine &eng, const ConvShape &g, dnnl::prop_kind prop, tag act, float *x,
                                float *w, float *bias, float *y) {
  const auto pd = g.forward(eng, prop, act, bias != nullptr);
  OneDnnConv o(eng, dnnl::convolution_forward(pd));
  o.in(DNNL_ARG_WEIGHTS, pd.weights_desc(), g.weights(tag::hwio), w);
  o.in(DNNL_ARG_SRC, pd.src_desc(), g.src(tag::nhwc), x);
  if (bias != nullptr) o.in(DNNL_ARG_BIAS, pd.bias_desc(), pd.bias_desc(), bias);
  return o.out(DNNL_ARG_DST, pd.dst_desc(), g.dst(tag::nhwc), y);
}

// dx = the gradient of that convolution (no bias) with respect to its input, from dy.
inline OneDnnConv oneDnnBackwardData(dnnl::engine &eng, const ConvShape &g, tag act, float *dy, float *w,
                                     float *dx) {
  const auto pd = g.backwardData(eng, act, g.forward(eng, dnnl::prop_kind::forward_training, act, false));
  return OneDnnConv(eng, dnnl::convolution_backward_data(pd))
      .in(DNNL_ARG_WEIGHTS, pd.weights_desc(), g.weights(tag::hwio), w)
      .in(DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), g.dst(tag::nhwc), dy)
      .out(DNNL_ARG_DIFF_SRC, pd.diff_src_desc(), g.src(tag::nhwc), dx);
}

// dw (HWIO) = the gradient of that convolution with respect to its filter, from x and dy.
inline OneDnnConv oneDnnBackwardWeights(dnnl::engine &eng, const ConvShape &g, tag act, float *x, float *dy,
                                        float *dw) {
  const auto pd = g.backwardWeights(eng, act, g.forward(eng, dnnl::prop_kind::forward_training, act, false));
  return OneDnnConv(eng, dnnl::convolution_backward_weights(pd))
      .in(DNNL_ARG_SRC, pd.src_desc(), g.src(tag::nhwc), x)
      .in(DNNL_ARG_DIFF_DST, pd.diff_dst_desc(), g.dst(tag::nhwc), dy)
      .out(DNNL_ARG_DIFF_WEIGHTS, pd.diff_weights_desc(), g.weights(tag::hwio), dw);
}

}  // namespace probe
