// Library choice probe (not part of the addon): LeNet++ forward convolutions at batch 64, im2col + OpenBLAS sgemm
// vs oneDNN direct convolution (NHWC). Build and run (Debian: libopenblas-dev, libdnnl-dev):
//   g++ -O3 -march=native -o /tmp/conv-libraries conv-libraries.cc -I/usr/include/x86_64-linux-gnu/openblas-pthread \
//     -lopenblas -ldnnl && OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /tmp/conv-libraries
#include <cblas.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <chrono>
#include <cstdio>
#include <vector>
#include <random>
using namespace dnnl;
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
int main() {
  struct L { int h, c, o; } layers[] = {{28,1,32},{28,32,32},{14,32,64},{14,64,64},{7,64,128},{7,128,128}};
  engine eng(engine::kind::cpu, 0); stream s(eng);
  const int N = 64, K = 5, P = 2;
  double tb = 0, td = 0, flops = 0;
  for (auto l : layers) {
    std::vector<float> x(size_t(N)*l.h*l.h*l.c, 0.5f), w(K*K*l.c*l.o, 0.1f), y(size_t(N)*l.h*l.h*l.o), col(size_t(N)*l.h*l.h*K*K*l.c);
    double f = 2.0*N*l.h*l.h*l.o*K*K*l.c; flops += f;
    auto im2col_gemm = [&]{
      for (int n=0;n<N;n++) for (int i=0;i<l.h;i++) for (int j=0;j<l.h;j++) { float* dst=&col[((size_t(n)*l.h+i)*l.h+j)*K*K*l.c];
        for (int a=0;a<K;a++) for (int b=0;b<K;b++) { int ii=i+a-P, jj=j+b-P; float* d=dst+(a*K+b)*l.c;
          if (ii<0||jj<0||ii>=l.h||jj>=l.h) { for(int c=0;c<l.c;c++) d[c]=0; } else { const float* sx=&x[((size_t(n)*l.h+ii)*l.h+jj)*l.c]; for(int c=0;c<l.c;c++) d[c]=sx[c]; } } }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N*l.h*l.h, l.o, K*K*l.c, 1.f, col.data(), K*K*l.c, w.data(), l.o, 0.f, y.data(), l.o);
    };
    memory::desc src({N,l.c,l.h,l.h}, memory::data_type::f32, memory::format_tag::nhwc), dst({N,l.o,l.h,l.h}, memory::data_type::f32, memory::format_tag::nhwc);
    memory::desc wany({l.o,l.c,K,K}, memory::data_type::f32, memory::format_tag::any);
    convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, src, wany, dst, {1,1},{P,P},{P,P});
    convolution_forward::primitive_desc pd(d, eng);
    convolution_forward conv(pd);
    memory ms(src, eng, x.data()), mw(pd.weights_desc(), eng), md(dst, eng, y.data());
    auto dnn = [&]{ conv.execute(s, {{DNNL_ARG_SRC, ms},{DNNL_ARG_WEIGHTS, mw},{DNNL_ARG_DST, md}}); s.wait(); };
    im2col_gemm(); dnn();
    double best_b=1e9,best_d=1e9;
    for (int r=0;r<5;r++){ double t=now(); im2col_gemm(); best_b=std::min(best_b,now()-t); t=now(); dnn(); best_d=std::min(best_d,now()-t);}
    tb+=best_b; td+=best_d;
    printf("h%d c%d o%d: openblas im2col+sgemm %.2f ms (%.0f GFLOP/s)  onednn %.2f ms (%.0f GFLOP/s)\n", l.h,l.c,l.o,best_b*1e3,f/best_b/1e9,best_d*1e3,f/best_d/1e9);
  }
  printf("total forward: openblas %.1f ms (%.0f GFLOP/s), onednn %.1f ms (%.0f GFLOP/s)\n", tb*1e3, flops/tb/1e9, td*1e3, flops/td/1e9);
}
