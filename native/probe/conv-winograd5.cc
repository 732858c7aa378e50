// Winograd 5x5 probe (not part of the addon): the 5x5, stride-1, pad-2 convolutions of LeNet++ (batch 256 by
// default; 28x28 1->32 and 32->32, 14x14 32->64 and 64->64, 7x7 64->128 and 128->128), forward with bias, on the
// addon's F(2x2, 5x5) kernel (native/src/winograd.cc) against oneDNN's direct convolution as native/src/conv.cc runs
// it: on NHWC, and blocked with the activations and the filter reordered per call. Each figure is the fastest of
// `calls` calls; the three variants are interleaved per geometry, `rounds` times; the last lines give each
// figure's median and range over the rounds. Rounding: the max abs error of oneDNN NHWC and of Winograd against a
// float64 reference on the first images, over the reference's max |y|. Results: docs/performance.md, "Winograd".
//   g++ -O3 -fopenmp -o /tmp/conv-winograd5 conv-winograd5.cc ../src/winograd.cc ../src/winograd_filter.cc -ldnnl
//   OMP_NUM_THREADS=2 nice -n 10 /tmp/conv-winograd5 5 5 [N]   (rounds, calls, batch)
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

// float64 reference for the first `imgs` images: NHWC x, HWIO w.
static std::vector<double> reference(const std::vector<float> &x, const std::vector<float> &w,
                                     const std::vector<float> &b, int imgs, const ConvShape &g) {
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

int main(int argc, char **argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5, calls = argc > 2 ? std::atoi(argv[2]) : 5;
  const int n = argc > 3 ? std::atoi(argv[3]) : 256;
  std::vector<ConvShape> geos;
  for (const Layer &l : kLeNetPP) geos.push_back({n, l.h, l.c, l.o, 5});
  if (!lgm::winogradSupported()) return std::printf("no AVX2 + FMA: no Winograd kernels\n"), 1;
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  Normal normal(1);
  const char *names[3] = {"onednn-nhwc", "onednn-blocked", "winograd-f2x5"};
  std::vector<std::vector<std::vector<double>>> ms(geos.size(), std::vector<std::vector<double>>(3));
  for (size_t gi = 0; gi < geos.size(); gi++) {
    const ConvShape &g = geos[gi];
    std::vector<float> x(size_t(n) * g.h * g.h * g.c), w(size_t(25) * g.c * g.k), b(g.k),
        y(size_t(n) * g.h * g.h * g.k);
    normal.fill(x);
    for (float &v : w) v = normal() / std::sqrt(25.f * g.c);
    normal.fill(b, 0.1f);
    const auto make = [&](tag act) {
      return oneDnnForward(eng, g, prop_kind::forward_inference, act, x.data(), w.data(), b.data(), y.data());
    };
    OneDnnConv nhwc = make(tag::nhwc), blocked = make(tag::any);
    const auto wino = [&] {
      lgm::winogradConv(x.data(), w.data(), false, b.data(), false, y.data(), n, g.h, g.h, g.c, g.k, 5, 2);
    };
    const int imgs = std::min(n, 4);
    const std::vector<double> ref = reference(x, w, b, imgs, g);
    nhwc.run(s);
    const double errDnn = maxError(y, ref).rel;
    wino();
    const double errWino = maxError(y, ref).rel;
    std::printf("%2dx%-2d %3d->%-3d rounding (max err / max |y|): onednn %.2e  winograd %.2e (%.1fx)\n", g.h, g.h,
                g.c, g.k, errDnn, errWino, errWino / errDnn);
    for (int r = 0; r < rounds; r++) {
      ms[gi][0].push_back(bestMs(calls, [&] { nhwc.run(s); }));
      ms[gi][1].push_back(bestMs(calls, [&] { blocked.run(s); }));
      ms[gi][2].push_back(bestMs(calls, wino));
    }
  }
  std::printf("ms per call (batch %d): median (min-max) over %d rounds, fastest of %d calls each\n", n, rounds, calls);
  for (size_t gi = 0; gi < geos.size(); gi++) {
    const ConvShape &g = geos[gi];
    std::string line;
    for (int v = 0; v < 3; v++) line += medianRange(names[v], ms[gi][v]);
    std::printf("%2dx%-2d %3d->%-3d%s  best-onednn/winograd %.2fx\n", g.h, g.h, g.c, g.k, line.c_str(),
                std::min(median(ms[gi][0]), median(ms[gi][1])) / median(ms[gi][2]));
  }
  return 0;
}
