// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based
// generator. Output is a pure function of (counter, key), which is what makes NeuroBatch's noise independent
// of backend, batch size, chunking, instance order and thread count (docs: kernels/RANDOM.md).
//
// This is the same function cuRAND exposes as curand_Philox4x32_10 (curand_philox4x32_x.h). We keep our own
// NB_HD copy because cuRAND's header needs the CUDA headers, and the CPU-only build must work without them;
// tests/test_random.cpp checks it against the Random123 known-answer vectors and, when the CUDA toolkit is
// present, word for word against cuRAND's own implementation.
#pragma once

#include "hd.hpp"

namespace nb {

struct Philox4x32Words {
  std::uint32_t w[4];
};

namespace detail {

constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;  // golden ratio
constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;  // sqrt(3) - 1

NB_HD void mulhilo32(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
#if defined(__CUDA_ARCH__)
  hi = __umulhi(a, b);
  lo = a * b;
#else
  const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
#endif
}

NB_HD void philox_round(std::uint32_t c[4], std::uint32_t k0, std::uint32_t k1) {
  std::uint32_t hi0, lo0, hi1, lo1;
  mulhilo32(kPhiloxM0, c[0], hi0, lo0);
  mulhilo32(kPhiloxM1, c[2], hi1, lo1);
  const std::uint32_t n0 = hi1 ^ c[1] ^ k0;
  const std::uint32_t n2 = hi0 ^ c[3] ^ k1;
  c[0] = n0;
  c[1] = lo1;
  c[2] = n2;
  c[3] = lo0;
}

}  // namespace detail

// Ten rounds of Philox4x32 on counter (c0..c3) with key (k0, k1).
NB_HD Philox4x32Words philox4x32_10(std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3,
                                    std::uint32_t k0, std::uint32_t k1) {
  std::uint32_t c[4] = {c0, c1, c2, c3};
  // Fully unrolled on both sides: the CPU lane loop only vectorises straight-line code.
#if defined(__CUDACC__)
#pragma unroll
#elif defined(__GNUC__)
#pragma GCC unroll 10
#endif
  for (int round = 0; round < 10; ++round) {
    detail::philox_round(c, k0, k1);
    k0 += detail::kPhiloxW0;
    k1 += detail::kPhiloxW1;
  }
  return Philox4x32Words{{c[0], c[1], c[2], c[3]}};
}

}  // namespace nb
