// Keyed random streams: every random number is a pure function of (seed, instance, neuron, stream, step, draw).
//
// Philox key   = seed (64 bit).
// Philox count = (block, neuron, instance[0:32], instance[32:48] | stream << 16)
// One Philox call yields 4 words; a stream that needs one normal per step takes block = step / 4 and the word
// step % 4, so a thread regenerates its block once every 4 steps. See kernels/RANDOM.md.
#pragma once

#include "math_mode.hpp"
#include "philox.hpp"

namespace nb {

// Which random quantity a draw feeds. Each model owns a range; values never change once released, or
// existing seeds would reproduce different results.
enum class RandomStream : std::uint32_t {
  lif_membrane_noise = 0,
  synapse_poisson_train = 1,
  synapse_pre_membrane_noise = 2,
  lif_cond_membrane_noise = 3,
  lif_cond_excitatory_inputs = 4,  // neuron = input synapse index
  lif_cond_inhibitory_inputs = 5,  // neuron = input synapse index
  decision_noise = 6,              // neuron = population - 1 (Wong & Wang model)
  ring_input_noise = 7,            // ring model: neuron = quad j / 4, block = step (4 normals per quad)
  ring_initial_profile = 8,        // ring model, "random" initial profile: neuron = quad, block = 0 (4 uniforms)
  network_connectivity = 9,        // E/I network: neuron = presynaptic cell, block = draw / 4 (skip lengths)
  network_initial_V = 10,          // E/I network: neuron = cell / 4, block 0 (4 uniforms)
  network_kick = 11,               // E/I network: neuron = cell, block = step / 4 (Bernoulli words)
  network_external = 12,           // E/I network: neuron = cell, block = step / 4
  network_indegree = 13,           // E/I network, fixed in-degree: neuron = postsynaptic cell, block = draw / 4
  adex_membrane_noise = 14,        // AdEx neuron: neuron 0, block = step / 4
};

// Which Philox block a draw comes from, besides the seed and the instance: each model names its draws' sources with
// functions returning one, so that the per-instance draw and the CPU's lane-wise one (random_lanes.hpp) share them.
struct StreamBlock {
  std::uint32_t neuron;
  RandomStream stream;
  std::uint32_t block;
};

constexpr std::uint64_t kMaxInstances = std::uint64_t(1) << 48;  // instance index must fit 48 counter bits

// A draw's Philox counter and key, laid out as the header comment says: the one place that does it, for
// random_words and the CPU's lane-wise Philox (random_lanes.hpp).
struct PhiloxInput {
  std::uint32_t counter[4];
  std::uint32_t key[2];
};

NB_HD PhiloxInput philox_input(std::uint64_t seed, std::uint64_t instance, StreamBlock source) {
  return PhiloxInput{{source.block, source.neuron, static_cast<std::uint32_t>(instance),
                      static_cast<std::uint32_t>(instance >> 32) | (static_cast<std::uint32_t>(source.stream) << 16)},
                     {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
}

NB_HD Philox4x32Words random_words(std::uint64_t seed, std::uint64_t instance, StreamBlock source) {
  const PhiloxInput in = philox_input(seed, instance, source);
  return philox4x32_10(in.counter[0], in.counter[1], in.counter[2], in.counter[3], in.key[0], in.key[1]);
}

NB_HD Philox4x32Words random_words(std::uint64_t seed, std::uint64_t instance, std::uint32_t neuron,
                                   RandomStream stream, std::uint32_t block) {
  return random_words(seed, instance, StreamBlock{neuron, stream, block});
}

// Uniform in the open interval (0, 1): the top 23 bits, centred in their bin, so every value (k + 1/2) 2^-23 is
// exactly representable (24 significant bits) and never rounds to 0 or 1; log() is always finite.
NB_HD float uniform_open01(std::uint32_t word) {
  return static_cast<float>(word >> 9) * 1.1920928955078125e-07f + 5.9604644775390625e-08f;  // 2^-23, 2^-24
}

// Box-Muller: two words -> two independent standard normals. |z| <= 5.77 (the smallest uniform is 2^-24).
template <class Math>
NB_HD void box_muller(std::uint32_t w0, std::uint32_t w1, float& z0, float& z1) {
  const float radius = Math::sqrt_nonnegative(-2.0f * Math::log(uniform_open01(w0)));
  float s, c;
  Math::sincos_2pi(uniform_open01(w1), s, c);
  z0 = radius * c;
  z1 = radius * s;
}

// Four standard normals for steps 4*block .. 4*block+3 of one (instance, neuron, stream).
struct Normals4 {
  float z[4];
  // z[k] by selects: a dynamic index would force the array out of GPU registers into local memory.
  NB_HD float pick(std::uint32_t k) const {
    return select(k == 0u, z[0], select(k == 1u, z[1], select(k == 2u, z[2], z[3])));
  }
};

// The four normals of one Philox block's words (w0..w3 as scalars: gcc vectorises no per-lane word array).
template <class Math>
NB_HD Normals4 normals4_from_words(std::uint32_t w0, std::uint32_t w1, std::uint32_t w2, std::uint32_t w3) {
  Normals4 n;
  box_muller<Math>(w0, w1, n.z[0], n.z[1]);
  box_muller<Math>(w2, w3, n.z[2], n.z[3]);
  return n;
}

template <class Math>
NB_HD Normals4 normals4(std::uint64_t seed, std::uint64_t instance, StreamBlock source) {
  const Philox4x32Words r = random_words(seed, instance, source);
  return normals4_from_words<Math>(r.w[0], r.w[1], r.w[2], r.w[3]);
}

template <class Math>
NB_HD Normals4 normals4(std::uint64_t seed, std::uint64_t instance, std::uint32_t neuron, RandomStream stream,
                        std::uint32_t block) {
  return normals4<Math>(seed, instance, StreamBlock{neuron, stream, block});
}

}  // namespace nb
