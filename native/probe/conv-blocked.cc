// Layout probe (not part of the addon): would keeping a net's activations in oneDNN's blocked layout between layers
// pay? Per convolution geometry of ResNet-20 (batch 128) or LeNet++ (batch 64 / 256), forward + backward-data +
// backward-weights on (a) NHWC, (b) blocked with the activations reordered in and out per call (the addon's
// blocked variant, native/src/conv.cc), (c) blocked with no activation reorders (activations that stay blocked);
// the filter's HWIO -> oneDNN reorder is counted in all three, as the addon does it per call. Each figure is the
// fastest of `calls` calls; variants are interleaved per geometry, `rounds` times; per round the step sums
// (each geometry weighted by how often the net uses it) are printed, with (c) against the better of (a) and (b)
// per geometry and direction (what the addon's per-geometry timing picks), and at the end the same from each
// figure's median over the rounds. Results: docs/performance.md, "Activations kept blocked between layers".
//   g++ -O3 -o /tmp/conv-blocked conv-blocked.cc -ldnnl
//   OMP_NUM_THREADS=1 nice -n 10 /tmp/conv-blocked resnet20 8 5   (net rounds calls; VERBOSE=1: every round's rows)
//   nets: resnet20 (batch 128) | lenetpp-train (batch 64) | lenetpp-infer (batch 256, forward only)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "probe_common.h"

using namespace dnnl;
using namespace probe;
using dt = memory::data_type;

struct Geo {
  int n, h, c, o, k, stride, count;  // square images and filters; 'same' padding as TF (extra pad at the end)
  bool bwdData, first;                // first: the image layer (in (c) its NHWC input is still reordered)
};

int main(int argc, char **argv) {
  const std::string net = argc > 1 ? argv[1] : "resnet20";
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  const int calls = argc > 3 ? std::atoi(argv[3]) : 5;
  std::vector<Geo> geos;
  bool training = true;
  if (net == "resnet20") {
    geos = {{128, 32, 3, 16, 3, 1, 1, false, true},  {128, 32, 16, 16, 3, 1, 6, true, false},
            {128, 32, 16, 32, 3, 2, 1, true, false}, {128, 16, 32, 32, 3, 1, 5, true, false},
            {128, 16, 32, 64, 3, 2, 1, true, false}, {128, 8, 64, 64, 3, 1, 5, true, false}};
  } else if (net == "lenetpp-train" || net == "lenetpp-infer") {
    training = net == "lenetpp-train";
    const int n = training ? 64 : 256;
    for (const Layer &l : kLeNetPP) {
      const bool first = &l == kLeNetPP;
      geos.push_back({n, l.h, l.c, l.o, 5, 1, 1, !first, first});
    }
  } else {
    std::fprintf(stderr, "unknown net %s\n", net.c_str());
    return 2;
  }
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const char *names[3] = {"nhwc", "blocked+reorders", "blocked"};
  std::vector<double> sums(rounds * 3 * 3, 0), best(rounds, 0);  // [round][variant][direction]
  std::vector<std::vector<double>> all(geos.size() * 9);          // [geometry][variant][direction] per round
  for (int r = 0; r < rounds; r++) {
    for (size_t gi = 0; gi < geos.size(); gi++) {
      const Geo &g = geos[gi];
      const int oh = (g.h + g.stride - 1) / g.stride;
      const int padTotal = std::max((oh - 1) * g.stride + g.k - g.h, 0);
      const memory::dims st{g.stride, g.stride}, pl{padTotal / 2, padTotal / 2},
          pr{padTotal - padTotal / 2, padTotal - padTotal / 2};
      const memory::desc nhwcSrc({g.n, g.c, g.h, g.h}, dt::f32, tag::nhwc),
          nhwcDst({g.n, g.o, oh, oh}, dt::f32, tag::nhwc), hwio({g.o, g.c, g.k, g.k}, dt::f32, tag::hwio);
      memory userSrc(nhwcSrc, eng), userDst(nhwcDst, eng), userDdst(nhwcDst, eng), userDsrc(nhwcSrc, eng),
          userW(hwio, eng), userDw(hwio, eng);
      for (memory *m : {&userSrc, &userDst, &userDdst, &userDsrc, &userW, &userDw})
        std::memset(m->get_data_handle(), 0, m->get_desc().get_size());
      double t[3][3];
      for (int v = 0; v < 3; v++) {
        const tag act = v == 0 ? tag::nhwc : tag::any;
        const memory::desc src({g.n, g.c, g.h, g.h}, dt::f32, act),
            dst({g.n, g.o, oh, oh}, dt::f32, act), w({g.o, g.c, g.k, g.k}, dt::f32, tag::any);
        convolution_forward::primitive_desc fpd(
            convolution_forward::desc(training ? prop_kind::forward_training : prop_kind::forward_inference,
                                      algorithm::convolution_direct, src, w, dst, st, pl, pr),
            eng);
        memory wf(fpd.weights_desc(), eng), xs(fpd.src_desc(), eng), ys(fpd.dst_desc(), eng);
        const bool reorderActs = v == 1, reorderSrc = v == 1 || (v == 2 && g.first);
        if (r == 0) std::printf("h%d c%d o%d %s: forward %s\n", g.h, g.c, g.o, names[v], fpd.impl_info_str());
        auto fwd = convolution_forward(fpd);
        auto runF = [&] {
          reorder(userW, wf).execute(s, userW, wf);
          if (reorderSrc && fpd.src_desc() != nhwcSrc) reorder(userSrc, xs).execute(s, userSrc, xs);
          fwd.execute(s, {{DNNL_ARG_SRC, v == 0 ? userSrc : xs}, {DNNL_ARG_WEIGHTS, wf},
                          {DNNL_ARG_DST, v == 0 ? userDst : ys}});
          if (reorderActs && fpd.dst_desc() != nhwcDst) reorder(ys, userDst).execute(s, ys, userDst);
          s.wait();
        };
        t[v][0] = bestMs(calls, runF);
        t[v][1] = t[v][2] = 0;
        if (!training) continue;
        if (g.bwdData) {
          convolution_backward_data::primitive_desc dpd(
              convolution_backward_data::desc(algorithm::convolution_direct, src, w, dst, st, pl, pr), eng, fpd);
          memory wd(dpd.weights_desc(), eng), dys(dpd.diff_dst_desc(), eng), dxs(dpd.diff_src_desc(), eng);
          auto bwd = convolution_backward_data(dpd);
          if (r == 0 && v == 2 && (dpd.diff_src_desc() != fpd.src_desc() || dpd.diff_dst_desc() != fpd.dst_desc()))
            std::printf("h%d c%d o%d: (c) backward-data wants other layouts than the forward\n", g.h, g.c, g.o);
          t[v][1] = bestMs(calls, [&] {
            reorder(userW, wd).execute(s, userW, wd);
            if (reorderActs && dpd.diff_dst_desc() != nhwcDst) reorder(userDdst, dys).execute(s, userDdst, dys);
            bwd.execute(s, {{DNNL_ARG_DIFF_DST, v == 0 ? userDdst : dys}, {DNNL_ARG_WEIGHTS, wd},
                            {DNNL_ARG_DIFF_SRC, v == 0 ? userDsrc : dxs}});
            if (reorderActs && dpd.diff_src_desc() != nhwcSrc) reorder(dxs, userDsrc).execute(s, dxs, userDsrc);
            s.wait();
          });
        }
        convolution_backward_weights::primitive_desc wpd(
            convolution_backward_weights::desc(algorithm::convolution_direct, src, w, dst, st, pl, pr), eng, fpd);
        memory dws(wpd.diff_weights_desc(), eng), xw(wpd.src_desc(), eng), dyw(wpd.diff_dst_desc(), eng);
        auto bww = convolution_backward_weights(wpd);
        t[v][2] = bestMs(calls, [&] {
          if (reorderSrc && wpd.src_desc() != nhwcSrc) reorder(userSrc, xw).execute(s, userSrc, xw);
          if (reorderActs && wpd.diff_dst_desc() != nhwcDst) reorder(userDdst, dyw).execute(s, userDdst, dyw);
          bww.execute(s, {{DNNL_ARG_SRC, v == 0 ? userSrc : xw}, {DNNL_ARG_DIFF_DST, v == 0 ? userDdst : dyw},
                          {DNNL_ARG_DIFF_WEIGHTS, dws}});
          reorder(dws, userDw).execute(s, dws, userDw);
          s.wait();
        });
        if (r == 0 && v == 2 && (wpd.src_desc() != fpd.src_desc() || wpd.diff_dst_desc() != fpd.dst_desc()))
          std::printf("h%d c%d o%d: (c) backward-weights wants other layouts than the forward\n", g.h, g.c, g.o);
      }
      for (int v = 0; v < 3; v++)
        for (int d = 0; d < 3; d++) {
          sums[(r * 3 + v) * 3 + d] += g.count * t[v][d];
          all[gi * 9 + v * 3 + d].push_back(t[v][d]);
        }
      for (int d = 0; d < 3; d++) best[r] += g.count * std::min(t[0][d], t[1][d]);
      if (std::getenv("VERBOSE") != nullptr || r == 0 || r == rounds - 1)
        std::printf("round %d h%d c%d o%d s%d x%d: fwd %.2f %.2f %.2f | bwd_data %.2f %.2f %.2f | bwd_w %.2f %.2f "
                    "%.2f ms (nhwc, blocked+reorders, blocked)\n",
                    r, g.h, g.c, g.o, g.stride, g.count, t[0][0], t[1][0], t[2][0], t[0][1], t[1][1], t[2][1],
                    t[0][2], t[1][2], t[2][2]);
    }
    double tot[3];
    for (int v = 0; v < 3; v++) {
      const double *x = &sums[(r * 3 + v) * 3];
      tot[v] = x[0] + x[1] + x[2];
      std::printf("round %d %-16s fwd %6.1f bwd_data %6.1f bwd_w %6.1f = %6.1f ms/step\n", r, names[v], x[0], x[1],
                  x[2], tot[v]);
    }
    std::printf("round %d best of (a)/(b) per geometry %6.1f ms; blocked (c) / that = %.3f\n", r, best[r],
                tot[2] / best[r]);
  }
  // Over all rounds: each geometry and direction's median per variant, summed per step; "tuned" takes the better
  // of (a) and (b) by their medians (less biased than the per-round minimum of two noisy figures above).
  double med[3] = {0, 0, 0}, tuned = 0;
  for (size_t gi = 0; gi < geos.size(); gi++)
    for (int d = 0; d < 3; d++) {
      double m[3];
      for (int v = 0; v < 3; v++) med[v] += geos[gi].count * (m[v] = median(all[gi * 9 + v * 3 + d]));
      tuned += geos[gi].count * std::min(m[0], m[1]);
    }
  std::printf("medians over %d rounds, ms/step: nhwc %.1f, blocked+reorders %.1f, blocked %.1f, better of the first "
              "two per geometry %.1f; blocked / that = %.3f, blocked / nhwc = %.3f\n",
              rounds, med[0], med[1], med[2], tuned, med[2] / tuned, med[2] / med[0]);
}
