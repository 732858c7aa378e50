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
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../src/winograd.h"
#include "probe_common.h"

using namespace dnnl;
using namespace probe;

// What oneDNN does with algorithm `alg` for this forward convolution: its implementation's name, or the error.
static std::string askOneDnn(engine &eng, const ConvShape &g, algorithm alg) {
  try {
    const convolution_forward::desc d(prop_kind::forward_training, alg, g.src(tag::any), g.weights(tag::any),
                                      g.dst(tag::any), {1, 1}, g.pad(), g.pad());
    return convolution_forward::primitive_desc(d, eng).impl_info_str();
  } catch (const dnnl::error &e) {
    return std::string("error: ") + e.what();
  }
}

int main(int argc, char **argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<ConvShape> geos{{128, 32, 16, 16, 3}, {128, 16, 32, 32, 3}, {128, 8, 64, 64, 3}};
  for (int a = 3; a + 3 < argc; a += 4)
    geos.push_back({std::atoi(argv[a]), std::atoi(argv[a + 1]), std::atoi(argv[a + 2]), std::atoi(argv[a + 3]), 3});
  if (!lgm::winogradSupported()) {
    std::fprintf(stderr, "no AVX2 + FMA on this CPU\n");
    return 2;
  }
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  Normal normal(1);
  const char *names[4] = {"onednn-nhwc", "onednn-blocked", "winograd-f2", "winograd-f4"};
  const char *dirs[3] = {"forward", "backward-data", "backward-weights"};
  for (const ConvShape &g : geos) {
    std::printf("n%d h%d c%d k%d: convolution_winograd -> %s\n", g.n, g.h, g.c, g.k,
                askOneDnn(eng, g, algorithm::convolution_winograd).c_str());
    std::printf("n%d h%d c%d k%d: convolution_auto -> %s\n", g.n, g.h, g.c, g.k,
                askOneDnn(eng, g, algorithm::convolution_auto).c_str());
  }
  // all[geometry][direction][variant] over rounds
  std::vector<std::vector<double>> all(geos.size() * 3 * 4);
  for (int r = 0; r < rounds; r++)
    for (size_t gi = 0; gi < geos.size(); gi++) {
      const ConvShape &g = geos[gi];
      for (int dir = 0; dir < 3; dir++) {
        const bool data = dir == 1, weights = dir == 2;
        // forward: x [n,h,h,c] -> y [n,h,h,k]; backward-data: dy [n,h,h,k] -> dx [n,h,h,c]; filter HWIO [3,3,c,k]
        // backward-weights: x [n,h,h,c] and dy [n,h,h,k] -> dw [3,3,c,k]
        const int inC = data ? g.k : g.c, outC = data ? g.c : g.k;
        std::vector<float> in(size_t(g.n) * g.h * g.h * inC), w(9 * size_t(g.c) * g.k),
            ref(weights ? w.size() : size_t(g.n) * g.h * g.h * outC), out(ref.size()),
            dy(weights ? size_t(g.n) * g.h * g.h * g.k : 0);
        normal.fill(in);
        normal.fill(dy);
        normal.fill(w, std::sqrt(2.f / (9 * g.c)));
        const auto make = [&](tag act, float *result) {
          if (weights) return oneDnnBackwardWeights(eng, g, act, in.data(), dy.data(), result);
          if (data) return oneDnnBackwardData(eng, g, act, in.data(), w.data(), result);
          return oneDnnForward(eng, g, prop_kind::forward_training, act, in.data(), w.data(), nullptr, result);
        };
        OneDnnConv nhwc = make(tag::nhwc, ref.data()), blocked = make(tag::any, out.data());
        double t[4];
        t[0] = bestMs(calls, [&] { nhwc.run(s); });
        t[1] = bestMs(calls, [&] { blocked.run(s); });
        for (int v = 2; v < 4; v++) {
          const int m = v == 2 ? 2 : 4;
          t[v] = bestMs(calls, [&] {
            if (weights)
              lgm::winogradFilterGrad3x3(in.data(), dy.data(), out.data(), g.n, g.h, g.h, g.c, g.k, m);
            else
              lgm::winogradConv(in.data(), w.data(), data, nullptr, false, out.data(), g.n, g.h, g.h, inC, outC, 3,
                                m);
          });
          if (r == 0) {
            const Error e = maxError(out, ref);
            std::printf("n%d h%d c%d k%d %s %s: max abs error %.3g, over max |ref| %.3g\n", g.n, g.h, g.c, g.k,
                        dirs[dir], names[v], e.abs, e.rel);
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
        line += medianRange(names[v], x);
      }
      const double best = std::min(med[0], med[1]);
      std::printf("n%d h%d c%d k%d %-13s:%s; ratio f2 %.2fx f4 %.2fx\n", geos[gi].n, geos[gi].h, geos[gi].c,
                  geos[gi].k, dirs[dir], line.c_str(), best / med[2], best / med[3]);
    }
}
