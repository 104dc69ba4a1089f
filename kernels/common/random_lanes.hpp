// Philox words for a block of CPU lanes: the words random_words gives one instance, for kLanes instances at once,
// computed with the vector unit's 32 x 32 -> 64-bit multiply (vpmuludq). Host only.
//
// Why not random_words under `omp simd` as before: gcc vectorises Philox's widening multiply by zero-extending to
// 64-bit lanes and multiplying with vpmullq, a 3-uop 64 x 64 multiply, and spends most of the noise's time there
// (perf, 2026-12-07: a third of the noisy LIF loop on the vpmullq lines). vpmuludq multiplies the low 32 bits of
// each 64-bit lane in one uop; two of them (even and odd lanes) and a blend give both halves of 16 products.
//
// The words are bit for bit those of random_words(seed, instance[l], neuron, stream, block) for every lane: the
// arithmetic is Philox's, only its mapping onto the vector unit differs (tests/test_random.cpp checks every lane
// against the scalar function, on each code path this machine can run). Targets without AVX-512 or AVX2 take the
// scalar function per lane.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "random.hpp"

#if defined(__CUDACC__)
#error "random_lanes.hpp is the CPU's lane-wise Philox; the GPU calls random_words per thread"
#endif

namespace nb {

namespace detail {

// One vector type's Philox of Ops::kWidth lanes: V is __m512i (16 lanes) or __m256i (8 lanes); Ops supplies its few
// instructions. The lanes differ only in the instance, so the counter's words 0 and 1 and the key are lane 0's.
template <class Ops>
void philox_lanes(std::uint64_t seed, const std::uint64_t* instance, StreamBlock source, std::uint32_t* out0,
                  std::uint32_t* out1, std::uint32_t* out2, std::uint32_t* out3) {
  using V = typename Ops::V;
  std::uint32_t c2[Ops::kWidth], c3[Ops::kWidth];
  for (int l = 0; l < Ops::kWidth; ++l) {
    const PhiloxInput in = philox_input(seed, instance[l], source);
    c2[l] = in.counter[2];
    c3[l] = in.counter[3];
  }
  const PhiloxInput shared = philox_input(seed, instance[0], source);
  V c[4] = {Ops::set1(shared.counter[0]), Ops::set1(shared.counter[1]), Ops::load(c2), Ops::load(c3)};
  std::uint32_t k0 = shared.key[0], k1 = shared.key[1];
  const V m0 = Ops::set1(kPhiloxM0), m1 = Ops::set1(kPhiloxM1);
  for (int round = 0; round < 10; ++round) {
    V hi0, lo0, hi1, lo1;
    Ops::mulhilo(m0, c[0], hi0, lo0);
    Ops::mulhilo(m1, c[2], hi1, lo1);
    const V n0 = Ops::xor3(hi1, c[1], Ops::set1(k0));
    const V n2 = Ops::xor3(hi0, c[3], Ops::set1(k1));
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  Ops::store(out0, c[0]);
  Ops::store(out1, c[1]);
  Ops::store(out2, c[2]);
  Ops::store(out3, c[3]);
}

#if defined(__AVX512F__)
struct Avx512Ops {
  using V = __m512i;
  static constexpr int kWidth = 16;
  static V set1(std::uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
  static V load(const std::uint32_t* p) { return _mm512_loadu_si512(p); }
  static void store(std::uint32_t* p, V x) { _mm512_storeu_si512(p, x); }
  static V xor3(V a, V b, V c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
  // m is a 32-bit broadcast, so its odd 32-bit halves equal its even ones: only a needs shifting.
  static void mulhilo(V m, V a, V& hi, V& lo) {
    const V even = _mm512_mul_epu32(a, m);                         // products of lanes 0, 2, 4, ...
    const V odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);  // products of lanes 1, 3, 5, ...
    hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
    lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  }
};
#endif

#if defined(__AVX2__)
struct Avx2Ops {
  using V = __m256i;
  static constexpr int kWidth = 8;
  static V set1(std::uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  static V load(const std::uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const V*>(p)); }
  static void store(std::uint32_t* p, V x) { _mm256_storeu_si256(reinterpret_cast<V*>(p), x); }
  static V xor3(V a, V b, V c) { return _mm256_xor_si256(_mm256_xor_si256(a, b), c); }
  static void mulhilo(V m, V a, V& hi, V& lo) {
    const V even = _mm256_mul_epu32(a, m);
    const V odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  }
};
#endif

// The vector path this build compiles in (tests name it in their output).
#if defined(__AVX512F__)
using LaneOps = Avx512Ops;
constexpr const char* kLanePhiloxPath = "avx512";
#elif defined(__AVX2__)
using LaneOps = Avx2Ops;
constexpr const char* kLanePhiloxPath = "avx2";
#else
constexpr const char* kLanePhiloxPath = "scalar";
#endif

}  // namespace detail

// words[k][l] = random_words(seed, instance[l], source).w[k] for every lane l. Word-major, so that each word of the
// block is one unit-stride array for the lane loops (a per-lane struct of words would not vectorise).
template <std::size_t kLanes>
void random_words_lanes(std::uint64_t seed, const std::uint64_t (&instance)[kLanes], StreamBlock source,
                        std::uint32_t (&words)[4][kLanes]) {
  std::size_t l = 0;
#if defined(__AVX512F__) || defined(__AVX2__)
  constexpr std::size_t kWidth = detail::LaneOps::kWidth;
  for (; l + kWidth <= kLanes; l += kWidth) {
    detail::philox_lanes<detail::LaneOps>(seed, instance + l, source, words[0] + l, words[1] + l, words[2] + l,
                                          words[3] + l);
  }
#endif
  for (; l < kLanes; ++l) {
    const Philox4x32Words r = random_words(seed, instance[l], source);
    for (int k = 0; k < 4; ++k) words[k][l] = r.w[k];
  }
}

// z[k][l] = normals4<Math>(seed, instance[l], source).z[k] for every lane l: one Philox block's four normals.
template <class Math, std::size_t kLanes>
void normals4_lanes(std::uint64_t seed, const std::uint64_t (&instance)[kLanes], StreamBlock source,
                    float (&z)[4][kLanes]) {
  std::uint32_t words[4][kLanes];
  random_words_lanes(seed, instance, source, words);
#pragma omp simd
  for (std::size_t l = 0; l < kLanes; ++l) {
    const Normals4 n = normals4_from_words<Math>(words[0][l], words[1][l], words[2][l], words[3][l]);
    z[0][l] = n.z[0];  // written out: an inner loop here keeps gcc from vectorising the lane loop
    z[1][l] = n.z[1];
    z[2][l] = n.z[2];
    z[3][l] = n.z[3];
  }
}

}  // namespace nb
