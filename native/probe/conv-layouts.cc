// Layout probe (not part of the addon): oneDNN forward / backward-data / backward-weights time of the LeNet++
// convolutions at batch 64 with NHWC activations vs oneDNN's preferred layout (reorders not counted), min of 7.
//   g++ -O3 -o /tmp/conv-layouts conv-layouts.cc -ldnnl
//   OMP_NUM_THREADS=1 /tmp/conv-layouts
#include <cstdio>

#include "probe_common.h"

using namespace dnnl;
using namespace probe;

int main() {
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  for (tag act : {tag::nhwc, tag::any}) {
    const char *name = act == tag::nhwc ? "nhwc" : "any ";
    double tf = 0, td = 0, tw = 0;
    for (const Layer &l : kLeNetPP) {
      const ConvShape g{64, l.h, l.c, l.o, 5};
      const auto fpd = g.forward(eng, prop_kind::forward_training, act, false);
      const auto dpd = g.backwardData(eng, act, fpd);
      const auto wpd = g.backwardWeights(eng, act, fpd);
      memory ms(fpd.src_desc(), eng), mw(fpd.weights_desc(), eng), md(fpd.dst_desc(), eng);
      memory dsrc(dpd.diff_src_desc(), eng), dw2(dpd.weights_desc(), eng), ddst(dpd.diff_dst_desc(), eng);
      memory wsrc(wpd.src_desc(), eng), wdw(wpd.diff_weights_desc(), eng), wddst(wpd.diff_dst_desc(), eng);
      convolution_forward f(fpd);
      convolution_backward_data d(dpd);
      convolution_backward_weights ww(wpd);
      const double a = bestMs(7, [&] {
        f.execute(s, {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, md}});
        s.wait();
      });
      // The image layer's input gradient is never needed.
      const double b = l.c == 1 ? 0 : bestMs(7, [&] {
        d.execute(s, {{DNNL_ARG_DIFF_SRC, dsrc}, {DNNL_ARG_WEIGHTS, dw2}, {DNNL_ARG_DIFF_DST, ddst}});
        s.wait();
      });
      const double c = bestMs(7, [&] {
        ww.execute(s, {{DNNL_ARG_SRC, wsrc}, {DNNL_ARG_DIFF_WEIGHTS, wdw}, {DNNL_ARG_DIFF_DST, wddst}});
        s.wait();
      });
      tf += a;
      td += b;
      tw += c;
      std::printf("%s h%d c%d o%d: fwd %.2f (%s) bwd_data %.2f (%s) bwd_w %.2f (%s)\n", name, l.h, l.c, l.o, a,
                  fpd.impl_info_str(), b, dpd.impl_info_str(), c, wpd.impl_info_str());
    }
    std::printf("%s total fwd %.1f bwd_data %.1f bwd_w %.1f = %.1f ms\n", name, tf, td, tw, tf + td + tw);
  }
}
