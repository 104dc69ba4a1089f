// Throughput benchmark for every model, driven by specs like a user's run. Prints one JSON object per line:
//   {"benchmark": "lif_noisy", "model": "lif", "unit": "neuron-steps/s", "backend": "cpu", "threads": 2,
//    "math": "exact", "instances": 1000000, "steps": 10000, "seconds": 7.1, "throughput": 1.4e9, ...}
// Spiking networks add "neuron_steps_per_s" and "synaptic_events_per_s" (spikes x mean out-degree).
// Timing covers advancing the state (the kernels), not spec parsing, chunk assembly, transfers or output: the
// engine is loaded outside the timed region and the first call is a short warm-up. Sizes grow 10x from
// --min-instances until one run exceeds --max-seconds or the backend's --max-instances is reached.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include "host/api/neurobatch.hpp"
#include "host/engine/chunk_engine.hpp"
#include "host/engine/cuda_device.hpp"
#include "host/common/errors.hpp"
#include "host/spec/spec.hpp"
#include "host/io/summary.hpp"

namespace {

struct Config {
  std::uint32_t steps = 10000;
  std::uint64_t min_instances = 1000;
  std::uint64_t max_instances_cpu = 10000000, max_instances_cuda = 10000000;
  double max_seconds = 8.0;
  bool cpu = true, cuda = true;
  // The CPU's math modes (--cpu-math exact, fast or both): fast differs from exact only for the models with a CPU
  // fast launcher (decision), so it is left out by default.
  std::vector<nb::MathMode> cpu_math{nb::MathMode::exact};
  std::string only;  // run only the benchmark of this name
  // The network model's CUDA layout (the CLI's --network-layout, --network-cells-per-thread).
  nb::NetworkLayout network_layout = nb::NetworkLayout::automatic;
  std::uint32_t network_cells_per_thread = 0;
};

struct Case {
  std::string name, unit;
  double work_per_instance_step;  // e.g. synapses per neuron for synapse-steps
  std::string spec;               // JSON; "trials" and "duration_ms" are set per run
  std::uint32_t steps = 0;        // steps per run; 0: --steps
  std::uint64_t points = 1000;    // sweep points of the spec: trials = instances / points
  std::uint64_t min_instances = 0, max_instances = 0;  // 0: the command line's
};

std::string ring_spec(int N, const std::string& dt_ms = "0.1") {
  return R"({"model": "ring", "dt_ms": )" + dt_ms + R"(, "params": {"N": )" + std::to_string(N) +
         R"(, "J0": -7.3, "J2": 11, "eps": 0.1}, "sweep": {"contrast": {"linspace": [0.1, 0.8, 1000]}}})";
}

// Realistic ensembles at dt = 0.05 ms (LIF) or 0.1 ms (synapses): currents and rates spread over a sweep.
std::vector<Case> cases() {
  return {
      {"lif_noiseless", "neuron-steps/s", 1,
       R"({"model": "lif", "dt_ms": 0.05, "integrator": "exact", "params": {"sigma_mV_sqrt_ms": 0},
           "sweep": {"I_nA": {"linspace": [0.2, 0.6, 1000]}}})"},
      {"lif_noisy", "neuron-steps/s", 1,
       R"({"model": "lif", "dt_ms": 0.05, "integrator": "exact", "params": {"sigma_mV_sqrt_ms": 0.3},
           "sweep": {"I_nA": {"linspace": [0.2, 0.6, 1000]}}})"},
      // AdEx (exponential Rosenbrock-Euler, the default) over currents from below rheobase to 4x it, Naud's tonic cell.
      {"adex_noiseless", "neuron-steps/s", 1,
       R"({"model": "adex", "dt_ms": 0.1, "integrator": "exponential", "params": {"sigma_mV_sqrt_ms": 0},
           "sweep": {"I_pA": {"linspace": [100, 900, 1000]}}})"},
      {"adex_noisy", "neuron-steps/s", 1,
       R"({"model": "adex", "dt_ms": 0.1, "integrator": "exponential", "params": {"sigma_mV_sqrt_ms": 2},
           "sweep": {"I_pA": {"linspace": [100, 900, 1000]}}})"},
      {"synapse_poisson", "synapse-steps/s", 1,
       R"({"model": "synapse", "dt_ms": 0.1, "params": {"train": "poisson", "receptor": "AMPA"},
           "sweep": {"rate_Hz": {"linspace": [1, 100, 1000]}}})"},
      {"synapse_periodic", "synapse-steps/s", 1,
       R"({"model": "synapse", "dt_ms": 0.1, "params": {"train": "periodic", "receptor": "NMDA"},
           "sweep": {"rate_Hz": {"linspace": [1, 100, 1000]}}})"},
      {"self_sustained", "instance-steps/s", 1,
       R"({"model": "self_sustained", "dt_ms": 0.5, "sweep": {"s_init": {"linspace": [0, 1, 1000]}}})"},
      {"lif_cond_100_inputs", "neuron-steps/s", 1,
       R"({"model": "lif_cond", "dt_ms": 0.1, "params": {"K_E": 80, "K_I": 20, "g_NMDA_nS": 0.1},
           "sweep": {"r_E_Hz": {"linspace": [1, 20, 1000]}}})"},
      // Wong & Wang trials of 3 s (6000 steps of 0.5 ms) with noise, a 2 s stimulus over a coherence sweep.
      {"decision", "trial-steps/s", 1,
       R"({"model": "decision", "dt_ms": 0.5, "params": {"stim_onset_ms": 500, "stim_duration_ms": 2000},
           "sweep": {"coherence": {"linspace": [0, 0.5, 1000]}}})",
       6000},
      // Ring networks (neuron-steps: N per ring-step), strong recurrence at dt 0.1 ms, contrasts spread.
      {"ring_N64", "neuron-steps/s", 64, ring_spec(64), 1000},
      {"ring_N256", "neuron-steps/s", 256, ring_spec(256), 1000},
      {"ring_N1024", "neuron-steps/s", 1024, ring_spec(1024), 1000},
      {"ring_N4096", "neuron-steps/s", 4096, ring_spec(4096), 1000},
      // The seed's size (N = 100, 5000 steps of 1 ms): the rates below threshold decay by 0.9 per step and pass
      // 1e-38 within the run, where float32 subnormals used to slow the CPU down (kernels/common/subnormal.hpp).
      {"ring_N100_dt1ms_decaying", "neuron-steps/s", 100, ring_spec(100, "1"), 5000},
      // COBA networks (docs/models/network.md), N = 4000, 1 s at dt 0.1 ms with the 50 ms kick: network-seconds per
      // wall second (x 4e7 for neuron-steps/s); B = 1 .. 1000 networks, each with its own connectivity.
      {"coba_N4000", "network-seconds/s", 1e-4, R"({"model": "network", "dt_ms": 0.1, "params": {"N": 4000}})", 10000,
       1, 1, 1000},
      // One large network, 1 s of N = 1e5 (neuron-steps/s) with COBA's in-degree (p = 0.02 x 4000 / N: 80 inputs)
      // and weights, Brette et al.'s factor (4000/N)(0.02/p) = 1: it sustains COBA's state. (At p = 0.02 with
      // w x 4000/N it dies within 0.2 s, and the CPU stops advancing a network that cannot spike again.)
      {"coba_N100000", "neuron-steps/s", 1e5,
       R"({"model": "network", "dt_ms": 0.1, "params": {"N": 100000, "p": 0.0008}})", 10000, 1, 1, 1},
  };
}

struct Timed {
  double seconds = 0;
  nb::ChunkResult result;
};

Timed time_run(nb::ChunkEngine& engine, const nb::Spec& spec, std::uint32_t steps) {
  std::vector<std::uint64_t> ids(spec.n_instances());
  std::iota(ids.begin(), ids.end(), std::uint64_t(0));
  engine.load(spec, ids);
  engine.advance(0, std::min<std::uint32_t>(steps, 64));  // warm-up: first launch, page faults
  engine.load(spec, ids);
  const auto t0 = std::chrono::steady_clock::now();
  engine.advance(0, steps);
  Timed t;
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t.result = engine.finish();
  return t;
}

// Spiking networks: synaptic events (a spike reaching one target) of the timed run, counted as each network's
// spikes times its mean out-degree (synapses / N); 0 for models without both observables.
double synaptic_events(const nb::Spec& spec, const nb::ChunkResult& r) {
  const auto& names = spec.model->observables;
  const auto spikes = std::find(names.begin(), names.end(), "spikes_total");
  const auto synapses = std::find(names.begin(), names.end(), "synapses_out");
  if (spikes == names.end() || synapses == names.end() || !spec.model->neurons_per_instance) return 0;
  const auto& k = r.observables[spikes - names.begin()];
  const auto& s = r.observables[synapses - names.begin()];
  const double N = spec.model->neurons_per_instance(spec);
  double events = 0;
  for (std::size_t i = 0; i < k.size(); ++i) events += k[i] * s[i] / N;
  return events;
}

void series(const Config& cfg, const Case& c, const std::string& backend, int threads, nb::MathMode math,
            std::uint64_t max_instances, const std::string& device) {
  const std::uint64_t first = c.min_instances > 0 ? c.min_instances : cfg.min_instances;
  const std::uint64_t last = c.max_instances > 0 ? std::min(c.max_instances, max_instances) : max_instances;
  for (std::uint64_t n = first; n <= last; n *= 10) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::parse(c.spec);
    doc["trials"] = (n + c.points - 1) / c.points;
    const double dt_ms = doc["dt_ms"].get<double>();
    doc["duration_ms"] = dt_ms * (c.steps > 0 ? c.steps : cfg.steps);
    const nb::Spec spec = nb::parse_spec(doc, c.name);
    nb::EngineConfig config{backend, math, threads};
    config.network_layout = cfg.network_layout;
    config.network_cells_per_thread = cfg.network_cells_per_thread;
    auto engine = spec.model->make_engine(config);
    const Timed t = time_run(*engine, spec, static_cast<std::uint32_t>(spec.n_steps));
    const double s = t.seconds;
    nlohmann::ordered_json j;
    j["benchmark"] = c.name;
    j["model"] = spec.model->name;
    j["unit"] = c.unit;
    j["backend"] = backend;
    j["device"] = device;
    j["threads"] = threads;
    j["math"] = nb::math_mode_name(math);
    j["instances"] = spec.n_instances();
    j["steps"] = spec.n_steps;
    j["seconds"] = s;
    j["throughput"] = double(spec.n_instances()) * double(spec.n_steps) * c.work_per_instance_step / s;
    if (const double events = synaptic_events(spec, t.result); events > 0) {
      const double N = spec.model->neurons_per_instance(spec);
      j["neuron_steps_per_s"] = double(spec.n_instances()) * double(spec.n_steps) * N / s;
      j["synaptic_events_per_s"] = events / s;
    }
    std::cout << j.dump() << std::endl;
    if (s > cfg.max_seconds) break;
  }
}

Config parse(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw nb::UserError(a + ": missing value");
      return argv[++i];
    };
    if (a == "--steps") c.steps = static_cast<std::uint32_t>(std::stoul(next()));
    else if (a == "--min-instances") c.min_instances = std::stoull(next());
    else if (a == "--max-instances-cpu") c.max_instances_cpu = std::stoull(next());
    else if (a == "--max-instances-cuda") c.max_instances_cuda = std::stoull(next());
    else if (a == "--max-seconds") c.max_seconds = std::stod(next());
    else if (a == "--only") c.only = next();
    else if (a == "--cpu-math") {
      const std::string m = next();
      if (m == "exact") c.cpu_math = {nb::MathMode::exact};
      else if (m == "fast") c.cpu_math = {nb::MathMode::fast};
      else if (m == "both") c.cpu_math = {nb::MathMode::exact, nb::MathMode::fast};
      else throw nb::UserError("--cpu-math: expected exact, fast or both, not " + m);
    }
    else if (a == "--cpu-only") c.cuda = false;
    else if (a == "--cuda-only") c.cpu = false;
    else if (a == "--network-layout") c.network_layout = nb::api::parse_network_layout(next());
    else if (a == "--network-cells-per-thread") c.network_cells_per_thread = nb::api::parse_network_cells_per_thread(next());
    else {
      throw nb::UserError("unknown option " + a +
                          " (options: --steps N --min-instances N --max-instances-cpu N --max-instances-cuda N "
                          "--max-seconds S --only NAME --cpu-math exact|fast|both --cpu-only --cuda-only --network-layout L --network-cells-per-thread K)");
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Config cfg = parse(argc, argv);
    nlohmann::ordered_json header;
    header["benchmark"] = "header";
    header["build"] = nb::build_info();
    header["cuda"] = nb::cuda_unavailable_reason().empty() ? "available" : nb::cuda_unavailable_reason();
    std::cout << header.dump() << std::endl;
    const bool cuda = cfg.cuda && nb::cuda_unavailable_reason().empty();
    const std::string gpu = cuda ? nb::cuda_devices().front().name : "";
    for (const Case& c : cases()) {
      if (!cfg.only.empty() && c.name != cfg.only) continue;
      if (cfg.cpu) {
        // One series per math mode of --cpu-math and thread count (the CPU's fast mode runs the exact kernels except
        // for the models with a CPU fast launcher).
        const int all = omp_get_max_threads();
        for (nb::MathMode math : cfg.cpu_math) {
          series(cfg, c, "cpu", 1, math, cfg.max_instances_cpu, "cpu");
          if (all > 1) series(cfg, c, "cpu", all, math, cfg.max_instances_cpu, "cpu");
        }
      }
      if (cuda) {
        for (nb::MathMode math : {nb::MathMode::exact, nb::MathMode::fast}) {
          series(cfg, c, "cuda", 0, math, cfg.max_instances_cuda, gpu);
        }
      }
    }
    return 0;
  } catch (const nb::UserError& e) {
    std::cerr << "neurobatch-bench: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "neurobatch-bench: " << e.what() << "\n";
    return 1;
  }
}
