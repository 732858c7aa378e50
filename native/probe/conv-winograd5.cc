// Winograd 5x5 probe (not part of the addon): the 5x5, stride-1, pad-2 convolutions of LeNet++ (batch 256 by
// default; 28x28 1->32 and 32->32, 14x14 32->64 and 64->64, 7x7 64->128 and 128->128), forward with bias, on the
// addon's F(2x2, 5x5) kernel (native/src/winograd.cc) against oneDNN's direct convolution as native/src/conv.cc runs
// it: on NHWC, and blocked with the activations and the filter reordered per call. Each figure is the fastest of
// `calls` calls; the three variants are interleaved per geometry, `rounds` times; the last lines give each
// figure's median and range over the rounds. Rounding: the max abs error of oneDNN NHWC and of Winograd against a
// float64 reference on the first images, over the reference's max |y|. Results: docs/performance.md, "Winograd".
//   g++ -O3 -fopenmp -o /tmp/conv-winograd5 conv-winograd5.cc ../src/winograd.cc ../src/winograd_filter.cc -ldnnl
//   OMP_NUM_THREADS=2 nice -n 10 /tmp/conv-winograd5 5 5 [N]   (rounds, calls, batch)
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "../src/winograd.h"

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Geo {
  int h, c, k;
};

// oneDNN's forward convolution with bias on NHWC, or on its preferred layouts with per-call reorders.
struct OneDnn {
  primitive prim;
  reorder wReorder, inReorder, outReorder;
  memory userIn, userOut, userW, in, out, w, bias;
  bool reorderIn = false, reorderOut = false, reorderW = false;
  void run(stream &s) {
    if (reorderW) wReorder.execute(s, userW, w);
    if (reorderIn) inReorder.execute(s, userIn, in);
    prim.execute(s, {{DNNL_ARG_SRC, in}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, out}});
    if (reorderOut) outReorder.execute(s, out, userOut);
    s.wait();
  }
};

static OneDnn make(engine &eng, int n, const Geo &g, tag act, float *x, float *w, float *b, float *y) {
  const memory::dims st{1, 1}, pad{2, 2};
  const memory::desc src({n, g.c, g.h, g.h}, dt::f32, act), dst({n, g.k, g.h, g.h}, dt::f32, act),
      wt({g.k, g.c, 5, 5}, dt::f32, tag::any), bd({g.k}, dt::f32, tag::x);
  convolution_forward::primitive_desc pd(convolution_forward::desc(prop_kind::forward_inference,
                                                                   algorithm::convolution_direct, src, wt, bd, dst,
                                                                   st, pad, pad),
                                         eng);
  OneDnn o;
  o.prim = convolution_forward(pd);
  o.userIn = memory({{n, g.c, g.h, g.h}, dt::f32, tag::nhwc}, eng, x);
  o.userOut = memory({{n, g.k, g.h, g.h}, dt::f32, tag::nhwc}, eng, y);
  o.userW = memory({{g.k, g.c, 5, 5}, dt::f32, tag::hwio}, eng, w);
  o.bias = memory(bd, eng, b);
  o.reorderIn = pd.src_desc() != o.userIn.get_desc();
  o.reorderOut = pd.dst_desc() != o.userOut.get_desc();
  o.reorderW = pd.weights_desc() != o.userW.get_desc();
  o.in = o.reorderIn ? memory(pd.src_desc(), eng) : o.userIn;
  o.out = o.reorderOut ? memory(pd.dst_desc(), eng) : o.userOut;
  o.w = o.reorderW ? memory(pd.weights_desc(), eng) : o.userW;
  if (o.reorderIn) o.inReorder = reorder(o.userIn, o.in);
  if (o.reorderOut) o.outReorder = reorder(o.out, o.userOut);
  if (o.reorderW) o.wReorder = reorder(o.userW, o.w);
  return o;
}

// float64 reference for the first `imgs` images: NHWC x, HWIO w.
static std::vector<double> reference(const std::vector<float> &x, const std::vector<float> &w,
                                     const std::vector<float> &b, int imgs, const Geo &g) {
  std::vector<double> y(size_t(imgs) * g.h * g.h * g.k);
  for (int n = 0; n < imgs; n++)
    for (int oy = 0; oy < g.h; oy++)
      for (int ox = 0; ox < g.h; ox++)
        for (int k = 0; k < g.k; k++) {
          double s = b[k];
          for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++) {
              const int yy = oy + i - 2, xx = ox + j - 2;
              if (yy < 0 || yy >= g.h || xx < 0 || xx >= g.h) continue;
              for (int c = 0; c < g.c; c++)
                s += double(x[((size_t(n) * g.h + yy) * g.h + xx) * g.c + c]) * w[((i * 5 + j) * g.c + c) * g.k + k];
            }
          y[((size_t(n) * g.h + oy) * g.h + ox) * g.k + k] = s;
        }
  return y;
}

static double relErr(const std::vector<float> &y, const std::vector<double> &ref) {
  double maxErr = 0, maxRef = 0;
  for (size_t i = 0; i < ref.size(); i++) {
    maxErr = std::max(maxErr, std::fabs(double(y[i]) - ref[i]));
    maxRef = std::max(maxRef, std::fabs(ref[i]));
  }
  return maxErr / maxRef;
}

int main(int argc, char **argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5, calls = argc > 2 ? std::atoi(argv[2]) : 5;
  const int n = argc > 3 ? std::atoi(argv[3]) : 256;
  const std::vector<Geo> geos{{28, 1, 32}, {28, 32, 32}, {14, 32, 64}, {14, 64, 64}, {7, 64, 128}, {7, 128, 128}};
  if (!lgm::winogradSupported()) return std::printf("no AVX2 + FMA: no Winograd kernels\n"), 1;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  const char *names[3] = {"onednn-nhwc", "onednn-blocked", "winograd-f2x5"};
  std::vector<std::vector<std::vector<double>>> ms(geos.size(), std::vector<std::vector<double>>(3));
  for (size_t gi = 0; gi < geos.size(); gi++) {
    const Geo &g = geos[gi];
    std::vector<float> x(size_t(n) * g.h * g.h * g.c), w(size_t(25) * g.c * g.k), b(g.k), y(size_t(n) * g.h * g.h * g.k);
    for (float &v : x) v = normal(rng);
    for (float &v : w) v = normal(rng) / std::sqrt(25.f * g.c);
    for (float &v : b) v = normal(rng) * 0.1f;
    OneDnn nhwc = make(eng, n, g, tag::nhwc, x.data(), w.data(), b.data(), y.data());
    OneDnn blocked = make(eng, n, g, tag::any, x.data(), w.data(), b.data(), y.data());
    const auto wino = [&] {
      lgm::winogradConv(x.data(), w.data(), false, b.data(), false, y.data(), n, g.h, g.h, g.c, g.k, 5, 2);
    };
    const int imgs = std::min(n, 4);
    const std::vector<double> ref = reference(x, w, b, imgs, g);
    nhwc.run(s);
    const double errDnn = relErr(y, ref);
    wino();
    const double errWino = relErr(y, ref);
    std::printf("%2dx%-2d %3d->%-3d rounding (max err / max |y|): onednn %.2e  winograd %.2e (%.1fx)\n", g.h, g.h,
                g.c, g.k, errDnn, errWino, errWino / errDnn);
    for (int r = 0; r < rounds; r++)
      for (int v = 0; v < 3; v++) {
        double best = 1e30;
        for (int i = 0; i < calls; i++) {
          const double t0 = now();
          if (v == 0) nhwc.run(s);
          else if (v == 1) blocked.run(s);
          else wino();
          best = std::min(best, now() - t0);
        }
        ms[gi][v].push_back(best * 1e3);
      }
  }
  std::printf("ms per call (batch %d): median [min, max] over %d rounds, fastest of %d calls each\n", n, rounds,
              calls);
  for (size_t gi = 0; gi < geos.size(); gi++) {
    const Geo &g = geos[gi];
    double med[3];
    std::printf("%2dx%-2d %3d->%-3d", g.h, g.h, g.c, g.k);
    for (int v = 0; v < 3; v++) {
      auto t = ms[gi][v];
      std::sort(t.begin(), t.end());
      med[v] = t[t.size() / 2];
      std::printf("  %s %.2f [%.2f, %.2f]", names[v], med[v], t.front(), t.back());
    }
    std::printf("  best-onednn/winograd %.2fx\n", std::min(med[0], med[1]) / med[2]);
  }
  return 0;
}
