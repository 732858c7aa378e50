// Library choice probe (not part of the addon): LeNet++ forward convolutions at batch 64, im2col + OpenBLAS sgemm
// vs oneDNN direct convolution (NHWC). Build and run (Debian: libopenblas-dev, libdnnl-dev):
//   blas=/usr/include/x86_64-linux-gnu/openblas-pthread
//   g++ -O3 -march=native -I$blas -o /tmp/conv-libraries conv-libraries.cc -lopenblas -ldnnl
//   OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /tmp/conv-libraries
#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "probe_common.h"

using namespace dnnl;
using namespace probe;

int main() {
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  const int N = 64, K = 5, P = 2;
  double tb = 0, td = 0, flops = 0;
  for (const Layer &l : kLeNetPP) {
    std::vector<float> x(size_t(N) * l.h * l.h * l.c, 0.5f), w(K * K * l.c * l.o, 0.1f), y(size_t(N) * l.h * l.h * l.o),
        col(size_t(N) * l.h * l.h * K * K * l.c);
    const double f = 2.0 * N * l.h * l.h * l.o * K * K * l.c;
    flops += f;
    // col[pixel][tap][channel]: the K x K patch around each output pixel (zeros outside the image).
    auto im2colGemm = [&] {
      for (int n = 0; n < N; n++)
        for (int i = 0; i < l.h; i++)
          for (int j = 0; j < l.h; j++) {
            float *dst = &col[((size_t(n) * l.h + i) * l.h + j) * K * K * l.c];
            for (int a = 0; a < K; a++)
              for (int b = 0; b < K; b++) {
                const int ii = i + a - P, jj = j + b - P;
                float *d = dst + (a * K + b) * l.c;
                if (ii < 0 || jj < 0 || ii >= l.h || jj >= l.h)
                  std::fill(d, d + l.c, 0.f);
                else
                  std::copy_n(&x[((size_t(n) * l.h + ii) * l.h + jj) * l.c], l.c, d);
              }
          }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N * l.h * l.h, l.o, K * K * l.c, 1.f, col.data(),
                  K * K * l.c, w.data(), l.o, 0.f, y.data(), l.o);
    };
    const ConvShape g{N, l.h, l.c, l.o, K};
    const auto pd = g.forward(eng, prop_kind::forward_training, tag::nhwc, false);
    convolution_forward conv(pd);
    memory ms(g.src(tag::nhwc), eng, x.data()), mw(pd.weights_desc(), eng), md(g.dst(tag::nhwc), eng, y.data());
    auto dnn = [&] {
      conv.execute(s, {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, md}});
      s.wait();
    };
    im2colGemm();
    dnn();
    double bestB = 1e9, bestD = 1e9;
    for (int r = 0; r < 5; r++) {  // interleaved, so that both see the same load
      double t = now();
      im2colGemm();
      bestB = std::min(bestB, now() - t);
      t = now();
      dnn();
      bestD = std::min(bestD, now() - t);
    }
    tb += bestB;
    td += bestD;
    std::printf("h%d c%d o%d: openblas im2col+sgemm %.2f ms (%.0f GFLOP/s)  onednn %.2f ms (%.0f GFLOP/s)\n", l.h,
                l.c, l.o, bestB * 1e3, f / bestB / 1e9, bestD * 1e3, f / bestD / 1e9);
  }
  std::printf("total forward: openblas %.1f ms (%.0f GFLOP/s), onednn %.1f ms (%.0f GFLOP/s)\n", tb * 1e3,
              flops / tb / 1e9, td * 1e3, flops / td / 1e9);
}
