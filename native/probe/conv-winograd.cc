// Winograd probe (not part of the addon): the 3x3, stride-1, pad-1 convolutions of the ResNets (batch 128; C = K =
// 16 at 32x32, 32 at 16x16, 64 at 8x8), forward, backward-data and backward-weights, on the addon's Winograd
// kernels (native/src/winograd.cc, winograd_filter.cc) with F(2x2, 3x3) and F(4x4, 3x3) tiles, against oneDNN's
// direct convolution as native/src/conv.cc runs it: on NHWC, and blocked with the activations and the filter
// reordered per call (the filter reorder is counted in every oneDNN figure). Also asks oneDNN for
// algorithm::convolution_winograd and convolution_auto (it implements Winograd only on AVX-512) and prints what it
// got. Checks each Winograd result against oneDNN's NHWC one (max abs error over max |y|). Each figure is the
// fastest of `calls` calls; variants are interleaved per geometry and direction, `rounds` times; the last lines
// give each figure's median and range over the rounds and the ratio of the better oneDNN variant to each
// Winograd one. Results: docs/performance.md, "Winograd".
//   g++ -O3 -fopenmp -o /tmp/conv-winograd conv-winograd.cc ../src/winograd.cc ../src/winograd_filter.cc -ldnnl
//   OMP_NUM_THREADS=2 nice -n 10 /tmp/conv-winograd 5 5   (rounds calls; more geometries: N H C K after them)
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "../src/winograd.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Geo {
  int n, h, c, k;
};

// oneDNN's convolution (forward or backward-data) on NHWC or on its preferred layouts with per-call reorders.
struct OneDnn {
  primitive prim;
  reorder wReorder, inReorder, outReorder, in2Reorder;
  memory userIn, userOut, userW, in, out, w, userIn2, in2;
  bool reorderIn = false, reorderOut = false, reorderW = false, reorderIn2 = false, data = false, weights = false;
  void run(stream &s) {
    if (weights) {  // in: x, in2: dy, w: dw (reordered back to HWIO)
      if (reorderIn) inReorder.execute(s, userIn, in);
      if (reorderIn2) in2Reorder.execute(s, userIn2, in2);
      prim.execute(s, {{DNNL_ARG_SRC, in}, {DNNL_ARG_DIFF_DST, in2}, {DNNL_ARG_DIFF_WEIGHTS, w}});
      if (reorderW) wReorder.execute(s, w, userW);
      s.wait();
      return;
    }
    if (reorderW) wReorder.execute(s, userW, w);
    if (reorderIn) inReorder.execute(s, userIn, in);
    if (data)
      prim.execute(s, {{DNNL_ARG_DIFF_DST, in}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, out}});
    else
      prim.execute(s, {{DNNL_ARG_SRC, in}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, out}});
    if (reorderOut) outReorder.execute(s, out, userOut);
    s.wait();
  }
};

// Backward-weights: x and dy in, dw (HWIO) out.
static OneDnn makeWeights(engine &eng, const Geo &g, tag act, float *x, float *dy, float *dw) {
  const memory::dims st{1, 1}, pad{1, 1};
  const memory::desc src({g.n, g.c, g.h, g.h}, dt::f32, act), dst({g.n, g.k, g.h, g.h}, dt::f32, act),
      wt({g.k, g.c, 3, 3}, dt::f32, tag::any);
  convolution_forward::primitive_desc fpd(
      convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, wt, dst, st, pad, pad),
      eng);
  convolution_backward_weights::primitive_desc wpd(
      convolution_backward_weights::desc(algorithm::convolution_direct, src, wt, dst, st, pad, pad), eng, fpd);
  OneDnn o;
  o.weights = true;
  o.prim = convolution_backward_weights(wpd);
  o.userIn = memory({{g.n, g.c, g.h, g.h}, dt::f32, tag::nhwc}, eng, x);
  o.userIn2 = memory({{g.n, g.k, g.h, g.h}, dt::f32, tag::nhwc}, eng, dy);
  o.userW = memory({{g.k, g.c, 3, 3}, dt::f32, tag::hwio}, eng, dw);
  o.reorderIn = wpd.src_desc() != o.userIn.get_desc();
  o.reorderIn2 = wpd.diff_dst_desc() != o.userIn2.get_desc();
  o.reorderW = wpd.diff_weights_desc() != o.userW.get_desc();
  o.in = o.reorderIn ? memory(wpd.src_desc(), eng) : o.userIn;
  o.in2 = o.reorderIn2 ? memory(wpd.diff_dst_desc(), eng) : o.userIn2;
  o.w = o.reorderW ? memory(wpd.diff_weights_desc(), eng) : o.userW;
  if (o.reorderIn) o.inReorder = reorder(o.userIn, o.in);
  if (o.reorderIn2) o.in2Reorder = reorder(o.userIn2, o.in2);
  if (o.reorderW) o.wReorder = reorder(o.w, o.userW);
  return o;
}

static OneDnn makeOneDnn(engine &eng, const Geo &g, bool data, tag act, float *in, float *w, float *out) {
  const memory::dims st{1, 1}, pad{1, 1};
  const memory::desc src({g.n, g.c, g.h, g.h}, dt::f32, act), dst({g.n, g.k, g.h, g.h}, dt::f32, act),
      wt({g.k, g.c, 3, 3}, dt::f32, tag::any);
  const memory::desc nhwcSrc({g.n, g.c, g.h, g.h}, dt::f32, tag::nhwc),
      nhwcDst({g.n, g.k, g.h, g.h}, dt::f32, tag::nhwc), hwio({g.k, g.c, 3, 3}, dt::f32, tag::hwio);
  convolution_forward::primitive_desc fpd(
      convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src, wt, dst, st, pad, pad),
      eng);
  OneDnn o;
  o.data = data;
  memory::desc inMd = fpd.src_desc(), outMd = fpd.dst_desc(), wMd = fpd.weights_desc();
  o.userIn = memory(data ? nhwcDst : nhwcSrc, eng, in);
  o.userOut = memory(data ? nhwcSrc : nhwcDst, eng, out);
  if (data) {
    convolution_backward_data::primitive_desc dpd(
        convolution_backward_data::desc(algorithm::convolution_direct, src, wt, dst, st, pad, pad), eng, fpd);
    o.prim = convolution_backward_data(dpd);
    inMd = dpd.diff_dst_desc();
    outMd = dpd.diff_src_desc();
    wMd = dpd.weights_desc();
  } else {
    o.prim = convolution_forward(fpd);
  }
  o.userW = memory(hwio, eng, w);
  o.reorderIn = inMd != o.userIn.get_desc();
  o.reorderOut = outMd != o.userOut.get_desc();
  o.reorderW = wMd != hwio;
  o.in = o.reorderIn ? memory(inMd, eng) : o.userIn;
  o.out = o.reorderOut ? memory(outMd, eng) : o.userOut;
  o.w = o.reorderW ? memory(wMd, eng) : o.userW;
  if (o.reorderIn) o.inReorder = reorder(o.userIn, o.in);
  if (o.reorderOut) o.outReorder = reorder(o.out, o.userOut);
  if (o.reorderW) o.wReorder = reorder(o.userW, o.w);
  return o;
}

// What oneDNN does with algorithm `alg` for this forward convolution: its implementation's name, or the error.
static std::string askOneDnn(engine &eng, const Geo &g, algorithm alg) {
  const memory::desc src({g.n, g.c, g.h, g.h}, dt::f32, tag::any), dst({g.n, g.k, g.h, g.h}, dt::f32, tag::any),
      wt({g.k, g.c, 3, 3}, dt::f32, tag::any);
  try {
    convolution_forward::primitive_desc pd(
        convolution_forward::desc(prop_kind::forward_training, alg, src, wt, dst, {1, 1}, {1, 1}, {1, 1}), eng);
    return pd.impl_info_str();
  } catch (const dnnl::error &e) {
    return std::string("error: ") + e.what();
  }
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int main(int argc, char **argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<Geo> geos{{128, 32, 16, 16}, {128, 16, 32, 32}, {128, 8, 64, 64}};
  for (int a = 3; a + 3 < argc; a += 4)
    geos.push_back({std::atoi(argv[a]), std::atoi(argv[a + 1]), std::atoi(argv[a + 2]), std::atoi(argv[a + 3])});
  if (!lgm::winogradSupported()) {
    std::fprintf(stderr, "no AVX2 + FMA on this CPU\n");
    return 2;
  }
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.f, 1.f);
  const char *names[4] = {"onednn-nhwc", "onednn-blocked", "winograd-f2", "winograd-f4"};
  const char *dirs[3] = {"forward", "backward-data", "backward-weights"};
  for (const Geo &g : geos) {
    std::printf("n%d h%d c%d k%d: convolution_winograd -> %s\n", g.n, g.h, g.c, g.k,
                askOneDnn(eng, g, algorithm::convolution_winograd).c_str());
    std::printf("n%d h%d c%d k%d: convolution_auto -> %s\n", g.n, g.h, g.c, g.k,
                askOneDnn(eng, g, algorithm::convolution_auto).c_str());
  }
  // all[geometry][direction][variant] over rounds
  std::vector<std::vector<double>> all(geos.size() * 3 * 4);
  for (int r = 0; r < rounds; r++)
    for (size_t gi = 0; gi < geos.size(); gi++) {
      const Geo &g = geos[gi];
      for (int dir = 0; dir < 3; dir++) {
        const bool data = dir == 1, weights = dir == 2;
        // forward: x [n,h,h,c] -> y [n,h,h,k]; backward-data: dy [n,h,h,k] -> dx [n,h,h,c]; filter HWIO [3,3,c,k]
        // backward-weights: x [n,h,h,c] and dy [n,h,h,k] -> dw [3,3,c,k]
        const int inC = data ? g.k : g.c, outC = data ? g.c : g.k;
        std::vector<float> in(size_t(g.n) * g.h * g.h * inC), w(9 * size_t(g.c) * g.k),
            ref(weights ? w.size() : size_t(g.n) * g.h * g.h * outC), out(ref.size()),
            dy(weights ? size_t(g.n) * g.h * g.h * g.k : 0);
        for (float &v : in) v = normal(rng);
        for (float &v : dy) v = normal(rng);
        for (float &v : w) v = normal(rng) * std::sqrt(2.f / (9 * g.c));
        OneDnn nhwc = weights ? makeWeights(eng, g, tag::nhwc, in.data(), dy.data(), ref.data())
                              : makeOneDnn(eng, g, data, tag::nhwc, in.data(), w.data(), ref.data());
        OneDnn blocked = weights ? makeWeights(eng, g, tag::any, in.data(), dy.data(), out.data())
                                 : makeOneDnn(eng, g, data, tag::any, in.data(), w.data(), out.data());
        auto time = [&](auto f) {
          f();
          double b = 1e9;
          for (int i = 0; i < calls; i++) {
            const double t0 = now();
            f();
            b = std::min(b, now() - t0);
          }
          return b * 1e3;
        };
        double t[4];
        t[0] = time([&] { nhwc.run(s); });
        t[1] = time([&] { blocked.run(s); });
        for (int v = 2; v < 4; v++) {
          const int m = v == 2 ? 2 : 4;
          t[v] = time([&] {
            if (weights)
              lgm::winogradFilterGrad3x3(in.data(), dy.data(), out.data(), g.n, g.h, g.h, g.c, g.k, m);
            else
              lgm::winogradConv(in.data(), w.data(), data, nullptr, false, out.data(), g.n, g.h, g.h, inC, outC, 3,
                                m);
          });
          if (r == 0) {
            double maxErr = 0, maxRef = 0;
            for (size_t i = 0; i < ref.size(); i++) {
              maxErr = std::max(maxErr, double(std::fabs(out[i] - ref[i])));
              maxRef = std::max(maxRef, double(std::fabs(ref[i])));
            }
            std::printf("n%d h%d c%d k%d %s %s: max abs error %.3g, over max |ref| %.3g\n", g.n, g.h, g.c, g.k,
                        dirs[dir], names[v], maxErr, maxErr / maxRef);
          }
        }
        std::printf("round %d n%d h%d c%d k%d %-13s: %s %.2f | %s %.2f | %s %.2f | %s %.2f ms\n", r, g.n, g.h, g.c,
                    g.k, dirs[dir], names[0], t[0], names[1], t[1], names[2], t[2], names[3], t[3]);
        std::fflush(stdout);
        for (int v = 0; v < 4; v++) all[(gi * 3 + dir) * 4 + v].push_back(t[v]);
      }
    }
  std::printf("medians (range) over %d rounds, ms per call; ratio = better oneDNN median / Winograd median\n",
              rounds);
  for (size_t gi = 0; gi < geos.size(); gi++)
    for (int dir = 0; dir < 3; dir++) {
      double med[4];
      std::string line;
      for (int v = 0; v < 4; v++) {
        const auto &x = all[(gi * 3 + dir) * 4 + v];
        med[v] = median(x);
        char buf[96];
        std::snprintf(buf, sizeof buf, " %s %.2f (%.2f-%.2f)", names[v], med[v], *std::min_element(x.begin(), x.end()),
                      *std::max_element(x.begin(), x.end()));
        line += buf;
      }
      const double best = std::min(med[0], med[1]);
      std::printf("n%d h%d c%d k%d %-13s:%s; ratio f2 %.2fx f4 %.2fx\n", geos[gi].n, geos[gi].h, geos[gi].c,
                  geos[gi].k, dirs[dir], line.c_str(), best / med[2], best / med[3]);
    }
}
