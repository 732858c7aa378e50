// A scratch buffer kept between calls: 64-byte aligned, grown when a call wants more and never shrunk. One user at
// a time: conv.cc's blocked variants (behind its lock) and the Winograd kernels (one per thread) each keep theirs.
// No N-API or oneDNN here, so that native/probe can build the Winograd files without them.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace lgm {

template <typename T>
struct Scratch {
  T *data = nullptr;
  std::size_t size = 0;  // in elements of T

  // At least `want` elements; the old contents are lost when the buffer grows.
  T *get(std::size_t want) {
    if (want > size) {
      std::free(data);
      data = static_cast<T *>(std::aligned_alloc(64, (want * sizeof(T) + 63) / 64 * 64));
      size = data ? want : 0;
      if (data == nullptr) throw std::bad_alloc();
    }
    return data;
  }
};

}  // namespace lgm
