// What conv.cc (oneDNN's variants and the N-API functions) and conv_winograd.cc (the Winograd variant) share:
// the geometry array's layout and the codes that src/native/conv.ts passes.
#pragma once

namespace lgm {

// Geometry as passed from JS (Int32Array of kGeometrySize, see src/native/conv.ts).
enum { N, H, W, C, KH, KW, O, OH, OW, SH, SW, DH, DW, PT, PL, PB, PR, kGeometrySize };

// Activation codes shared with src/native/conv.ts.
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5 };

// The three convolutions of a geometry.
enum class ConvKind { kForward, kBackwardData, kBackwardFilter };

}  // namespace lgm
