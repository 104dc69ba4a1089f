// Subnormal floats in decaying state, flushed explicitly.
//
// State that decays geometrically towards zero (a ring's rates below threshold, a synapse's gate between spikes,
// a network's conductances in silence) sinks into float32 subnormals after a few hundred time constants and stays
// there: at r = 1e-45, r - 0.1 r rounds back to r. Each operation on a subnormal costs x86 cores tens to a hundred
// cycles, so a ring whose flanks have decayed ran 1.65x slower on the CPU. The models flush such state to zero after
// their update, with this one compare and select in the shared math: the CPU and the GPU flush the same values,
// and neither relies on its own flush-to-zero mode (MXCSR FTZ/DAZ on x86, -ftz on nvcc), whose rules for a result
// that rounds up to the smallest normal could differ. The values flushed, below 1.2e-38 in the state's unit, are
// far below anything that can be observed. docs/numerics.md, "Subnormals".
#pragma once

#include "hd.hpp"

namespace nb {

constexpr float kSmallestNormalFloat = 1.17549435e-38f;  // FLT_MIN, as a literal that nvcc and gcc both fold

// x, or a zero of x's sign where x is subnormal (NaN and infinities pass). Branch-free, so that the CPU lane loops
// still vectorise.
NB_HD float flush_subnormal(float x) {
  return (x < kSmallestNormalFloat && x > -kSmallestNormalFloat) ? 0.0f * x : x;
}

}  // namespace nb
