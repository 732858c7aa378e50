// Layout probe (not part of the addon): oneDNN forward / backward-data / backward-weights time of the LeNet++
// convolutions at batch 64 with NHWC activations vs oneDNN's preferred layout (reorders not counted), min of 7.
//   g++ -O3 -o /tmp/conv-layouts conv-layouts.cc -ldnnl && OMP_NUM_THREADS=1 /tmp/conv-layouts
#include <oneapi/dnnl/dnnl.hpp>
#include <chrono>
#include <cstdio>
#include <vector>
using namespace dnnl;
using tag = memory::format_tag;
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
template <class F> double best(F f) { f(); double b = 1e9; for (int r = 0; r < 7; r++) { double t = now(); f(); b = std::min(b, now() - t); } return b * 1e3; }
int main() {
  struct L { int h, c, o; } layers[] = {{28,1,32},{28,32,32},{14,32,64},{14,64,64},{7,64,128},{7,128,128}};
  engine eng(engine::kind::cpu, 0); stream s(eng);
  const int N = 64, K = 5, P = 2;
  for (tag act : {tag::nhwc, tag::any}) {
    double tf = 0, td = 0, tw = 0;
    for (auto l : layers) {
      memory::desc src({N,l.c,l.h,l.h}, memory::data_type::f32, act), dst({N,l.o,l.h,l.h}, memory::data_type::f32, act);
      memory::desc w({l.o,l.c,K,K}, memory::data_type::f32, tag::any);
      convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_direct, src, w, dst, {1,1},{P,P},{P,P});
      convolution_forward::primitive_desc fpd(fd, eng);
      convolution_backward_data::desc dd(algorithm::convolution_direct, src, w, dst, {1,1},{P,P},{P,P});
      convolution_backward_data::primitive_desc dpd(dd, eng, fpd);
      convolution_backward_weights::desc wd(algorithm::convolution_direct, src, w, dst, {1,1},{P,P},{P,P});
      convolution_backward_weights::primitive_desc wpd(wd, eng, fpd);
      memory ms(fpd.src_desc(), eng), mw(fpd.weights_desc(), eng), md(fpd.dst_desc(), eng);
      memory dsrc(dpd.diff_src_desc(), eng), dw2(dpd.weights_desc(), eng), ddst(dpd.diff_dst_desc(), eng);
      memory wsrc(wpd.src_desc(), eng), wdw(wpd.diff_weights_desc(), eng), wddst(wpd.diff_dst_desc(), eng);
      convolution_forward f(fpd); convolution_backward_data d(dpd); convolution_backward_weights ww(wpd);
      double a = best([&]{ f.execute(s, {{DNNL_ARG_SRC, ms},{DNNL_ARG_WEIGHTS, mw},{DNNL_ARG_DST, md}}); s.wait(); });
      double b = l.c == 1 ? 0 : best([&]{ d.execute(s, {{DNNL_ARG_DIFF_SRC, dsrc},{DNNL_ARG_WEIGHTS, dw2},{DNNL_ARG_DIFF_DST, ddst}}); s.wait(); });
      double c = best([&]{ ww.execute(s, {{DNNL_ARG_SRC, wsrc},{DNNL_ARG_DIFF_WEIGHTS, wdw},{DNNL_ARG_DIFF_DST, wddst}}); s.wait(); });
      tf += a; td += b; tw += c;
      printf("%s h%d c%d o%d: fwd %.2f (%s) bwd_data %.2f (%s) bwd_w %.2f (%s)\n", act == tag::nhwc ? "nhwc" : "any ", l.h, l.c, l.o, a, fpd.impl_info_str(), b, dpd.impl_info_str(), c, wpd.impl_info_str());
    }
    printf("%s total fwd %.1f bwd_data %.1f bwd_w %.1f = %.1f ms\n", act == tag::nhwc ? "nhwc" : "any", tf, td, tw, tf + td + tw);
  }
}
