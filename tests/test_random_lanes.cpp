// The CPU's lane-wise Philox (kernels/common/random_lanes.hpp) gives every lane the words of the scalar
// random_words, on each vector path this build compiles (AVX-512 and AVX2 under -march=native on this machine's
// CPUs, which CMake gives this file as it gives the CPU kernels) and on the scalar tail of a lane count that is not a
// multiple of the vector width. Instances use all 48 counter bits, so the stream's bits and the instance's high
// bits are exercised; seeds use both key words.
#include "kernels/common/random_lanes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace {

// Instances spread over all 48 bits, plus the edge values.
template <std::size_t kLanes>
void fill_instances(std::mt19937_64& rng, std::uint64_t (&instance)[kLanes]) {
  for (std::size_t l = 0; l < kLanes; ++l) instance[l] = rng() & (nb::kMaxInstances - 1);
  instance[0] = 0;
  instance[kLanes - 1] = nb::kMaxInstances - 1;
}

template <std::size_t kLanes>
void expect_lanes_match_scalar(std::uint64_t seed, const std::uint64_t (&instance)[kLanes], nb::StreamBlock source,
                               const std::uint32_t (&words)[4][kLanes]) {
  for (std::size_t l = 0; l < kLanes; ++l) {
    const nb::Philox4x32Words r = nb::random_words(seed, instance[l], source);
    for (int k = 0; k < 4; ++k) {
      ASSERT_EQ(words[k][l], r.w[k]) << "lane " << l << " word " << k << " seed " << seed << " instance "
                                     << instance[l] << " neuron " << source.neuron << " block " << source.block;
    }
  }
}

template <std::size_t kLanes>
void check_public_function(int trials) {
  std::mt19937_64 rng(20261207);
  for (int trial = 0; trial < trials; ++trial) {
    std::uint64_t instance[kLanes];
    fill_instances(rng, instance);
    const std::uint64_t seed = rng();
    const nb::StreamBlock source{static_cast<std::uint32_t>(rng()), static_cast<nb::RandomStream>(trial % 15),
                                 static_cast<std::uint32_t>(rng())};
    std::uint32_t words[4][kLanes];
    nb::random_words_lanes(seed, instance, source, words);
    expect_lanes_match_scalar(seed, instance, source, words);
  }
}

}  // namespace

TEST(RandomLanes, EveryLaneGetsTheScalarWords) {
  std::printf("[          ] vector path of this build: %s\n", nb::detail::kLanePhiloxPath);
  check_public_function<32>(2000);  // the lane loops' block size: whole vectors only
  check_public_function<37>(2000);  // vectors and a scalar tail
  check_public_function<3>(200);    // narrower than a vector: the scalar path alone
}

// Each vector path this compiler can build for this machine, called directly: a machine with AVX-512 also checks the
// AVX2 path that machines without it take.
template <class Ops>
void check_vector_path() {
  constexpr int kWidth = Ops::kWidth;
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 5000; ++trial) {
    std::uint64_t instance[kWidth];
    fill_instances(rng, instance);
    const std::uint64_t seed = rng();
    const nb::StreamBlock source{static_cast<std::uint32_t>(rng()), nb::RandomStream::decision_noise,
                                 static_cast<std::uint32_t>(rng())};
    std::uint32_t words[4][kWidth];
    nb::detail::philox_lanes<Ops>(seed, instance, source, words[0], words[1], words[2], words[3]);
    expect_lanes_match_scalar(seed, instance, source, words);
  }
}

TEST(RandomLanes, Avx512Path) {
#if defined(__AVX512F__)
  check_vector_path<nb::detail::Avx512Ops>();
#else
  GTEST_SKIP() << "this build's target has no AVX-512 (NB_NATIVE off, or the CPU lacks it)";
#endif
}

TEST(RandomLanes, Avx2Path) {
#if defined(__AVX2__)
  check_vector_path<nb::detail::Avx2Ops>();
#else
  GTEST_SKIP() << "this build's target has no AVX2 (NB_NATIVE off, or the CPU lacks it)";
#endif
}

// The normals of the lanes are normals4's, bit for bit, in exact mode.
TEST(RandomLanes, NormalsMatchNormals4) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 500; ++trial) {
    std::uint64_t instance[32];
    fill_instances(rng, instance);
    const nb::StreamBlock source{3u, nb::RandomStream::lif_membrane_noise, static_cast<std::uint32_t>(rng())};
    float z[4][32];
    nb::normals4_lanes<nb::ExactMath>(trial, instance, source, z);
    for (std::size_t l = 0; l < 32; ++l) {
      const nb::Normals4 n = nb::normals4<nb::ExactMath>(trial, instance[l], source);
      for (int k = 0; k < 4; ++k) ASSERT_EQ(nb::float_bits(z[k][l]), nb::float_bits(n.z[k])) << l << " " << k;
    }
  }
}
