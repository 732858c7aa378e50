// Which variant a convolution geometry uses (conv_tune.h): forced by LGM_CONV_LAYOUT, else Winograd by a fixed
// rule, else oneDNN's NHWC or blocked variant timed on the geometry's first call.
#include "conv_tune.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace lgm {

namespace {

// LGM_CONV_LAYOUT=nhwc, blocked or winograd fixes the variant where the convolution has it, else NHWC
// (comparisons, tests); direct leaves the Winograd variant out (kDirect); otherwise Winograd where
// winogradByDefault says so.
constexpr int kDirect = 3;
int forcedVariant() {
  static const int forced = [] {
    const char *v = std::getenv("LGM_CONV_LAYOUT");
    if (v == nullptr) return -1;
    const std::string s(v);
    return s == "nhwc" ? 0 : s == "blocked" ? 1 : s == "winograd" ? 2 : s == "direct" ? kDirect : -1;
  }();
  return forced;
}

std::atomic<int> mismatches{0};

}  // namespace

int tuneMismatches() { return mismatches.load(); }

// Winograd by a fixed rule (Tuning::winogradDefault), as it rounds differently from oneDNN; else the NHWC variant
// where there is no other; else, on the geometry's first call, NHWC and blocked in turn kTrials times (each call
// computes the whole output, so repeating it is harmless) and the fastest call of each compared, so that a call
// slowed by other processes on the cores does not decide and a change of load affects both alike; then blocked
// only if it beats NHWC by 3%. The timing may change the speed of a run, never its numbers: oneDNN's two variants
// give bit-identical results on most geometries, but not on all (a 1x1 filter gradient, some strided data
// gradients run other algorithms on the blocked layouts), so the first two calls' outputs are compared bit for bit
// and a geometry whose variants differ keeps NHWC without timing.
void tuneCall(Tuning &e, const std::function<void(int)> &run, float *out, size_t count) {
  constexpr int kTrials = 3;
  const int forced = forcedVariant();
  if (forced >= 0 && forced != kDirect) {
    const bool forcedHas[3] = {true, e.blocked, e.winograd};
    return run(forcedHas[forced] ? forced : 0);
  }
  if (e.winograd && e.winogradDefault && forced != kDirect) return run(kWinograd);
  if (!e.blocked) return run(kNhwc);
  if (e.chosen < 0) {
    double best[2] = {1e30, 1e30};
    std::vector<float> nhwc;
    int last = 0;
    for (int trial = 0; trial < kTrials; trial++)
      for (int variant = 0; variant < 2; variant++) {
        const auto start = std::chrono::steady_clock::now();
        run(variant);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best[variant] = std::min(best[variant], seconds);
        last = variant;
        if (trial > 0) continue;
        if (variant == kNhwc) {
          nhwc.assign(out, out + count);
        } else if (std::memcmp(nhwc.data(), out, count * sizeof(float)) != 0) {
          e.chosen = kNhwc;
          mismatches++;
          std::copy(nhwc.begin(), nhwc.end(), out);
          return;
        }
      }
    e.chosen = best[kBlocked] < 0.97 * best[kNhwc] ? kBlocked : kNhwc;
    if (e.chosen == last) return;  // the last call above was this variant's
  }
  run(e.chosen);
}

}  // namespace lgm
