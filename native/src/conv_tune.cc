// Which variant a convolution geometry uses (conv_tune.h): forced by LGM_CONV_LAYOUT, else timed on the
// geometry's first call.
#include "conv_tune.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

namespace lgm {

namespace {

// LGM_CONV_LAYOUT=nhwc, blocked or winograd fixes the variant where the convolution has it, else NHWC
// (comparisons, tests); direct times NHWC and blocked only (kDirect); otherwise each geometry times all it has.
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

}  // namespace

// The NHWC variant where there is no other; on the geometry's first call, each variant it has in turn kTrials
// times (each call computes the whole output, so repeating it is harmless) and the fastest call of each compared,
// so that a call slowed by other processes on the cores does not decide and a change of load affects all alike;
// then whichever was fastest, another than NHWC only if it beats NHWC by 3%. The variants round differently
// (oneDNN's summation orders differ; Winograd's transforms round differently again).
void tuneCall(Tuning &e, const std::function<void(int)> &run) {
  constexpr int kTrials = 3;
  const int forced = forcedVariant();
  if (forced >= 0 && forced != kDirect) {
    const bool forcedHas[3] = {true, e.blocked, e.winograd};
    return run(forcedHas[forced] ? forced : 0);
  }
  const bool has[3] = {true, e.blocked, e.winograd && e.winogradTimed && forced != kDirect};
  if (!has[1] && !has[2]) return run(0);
  if (e.chosen < 0) {
    double best[3] = {1e30, 1e30, 1e30};
    int last = 0;
    for (int trial = 0; trial < kTrials; trial++)
      for (int variant = 0; variant < 3; variant++) {
        if (!has[variant]) continue;
        const auto start = std::chrono::steady_clock::now();
        run(variant);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best[variant] = std::min(best[variant], seconds);
        last = variant;
      }
    const int fastest = int(std::min_element(best, best + 3) - best);
    e.chosen = best[fastest] < 0.97 * best[0] ? fastest : 0;
    if (e.chosen == last) return;  // the last call above was this variant's
  }
  run(e.chosen);
}

}  // namespace lgm
