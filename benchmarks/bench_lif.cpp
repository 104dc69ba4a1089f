// LIF throughput benchmark. Prints one JSON object per line:
//   {"benchmark": "lif", "backend": "cpu", "threads": 2, "math": "exact", "noise": true, "instances": 1000000,
//    "steps": 10000, "seconds": 7.1, "neuron_steps_per_s": 1.4e9, ...}
// Timing covers advancing the state (kernels), not spec parsing, chunk assembly or transfers: load and finish are
// outside the timed region, and the first call is a short warm-up. Sizes grow by 10x from --min-instances until
// one run exceeds --max-seconds or --max-instances is reached.
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <numeric>
#include <string>

#include "host/engines.hpp"
#include "host/errors.hpp"
#include "host/summary.hpp"

namespace {

struct Config {
  std::uint32_t steps = 10000;
  std::uint64_t min_instances = 1000;
  std::uint64_t max_instances_cpu = 10000000, max_instances_cuda = 10000000;
  double max_seconds = 8.0;  // stop growing a series once one run takes longer
  bool cpu = true, cuda = true;
};

// A realistic ensemble: an f-I sweep 0.2..0.6 nA (mixed sub- and supra-threshold), dt = 0.05 ms, t_ref 2 ms.
nb::LifChunk make_chunk(std::uint64_t n, bool noisy) {
  nb::LifChunk c;
  c.seed = 1;
  c.noisy = noisy;
  c.instance_id.resize(n);
  std::iota(c.instance_id.begin(), c.instance_id.end(), std::uint64_t(0));
  const float decay = static_cast<float>(std::exp(-0.05 / 10.0));
  const float noise = noisy ? static_cast<float>(0.3 * std::sqrt(0.05)) : 0.0f;
  c.V_inf_mV.resize(n);
  for (std::uint64_t i = 0; i < n; ++i) c.V_inf_mV[i] = static_cast<float>(-70.0 + (0.2 + 0.4 * double(i % 1000) / 999.0) / 0.02);
  c.decay.assign(n, decay);
  c.noise_mV.assign(n, noise);
  c.V_reset_mV.assign(n, -60.0f);
  c.V_th_mV.assign(n, -52.0f);
  c.V_spike_mV.assign(n, -20.0f);
  c.V_init_mV.assign(n, -70.0f);
  c.refractory_steps.assign(n, 40u);
  return c;
}

double time_run(nb::LifEngine& engine, const nb::LifChunk& chunk, std::uint32_t steps) {
  engine.load(chunk);
  engine.advance(0, std::min<std::uint32_t>(steps, 64));  // warm-up (first launch, page faults)
  engine.load(chunk);
  const auto t0 = std::chrono::steady_clock::now();
  engine.advance(0, steps);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  engine.finish(0.05, steps);
  return s;
}

void series(const Config& cfg, const std::string& backend, int threads, nb::MathMode math, bool noisy,
            std::uint64_t max_instances, const std::string& device) {
  for (std::uint64_t n = cfg.min_instances; n <= max_instances; n *= 10) {
    const nb::LifChunk chunk = make_chunk(n, noisy);
    auto engine = backend == "cuda" ? nb::make_cuda_lif_engine(math) : nb::make_cpu_lif_engine(threads);
    const double s = time_run(*engine, chunk, cfg.steps);
    nlohmann::ordered_json j;
    j["benchmark"] = "lif";
    j["backend"] = backend;
    j["device"] = device;
    j["threads"] = threads;
    j["math"] = math == nb::MathMode::exact ? "exact" : "fast";
    j["noise"] = noisy;
    j["instances"] = n;
    j["steps"] = cfg.steps;
    j["seconds"] = s;
    j["neuron_steps_per_s"] = double(n) * cfg.steps / s;
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
    else if (a == "--cpu-only") c.cuda = false;
    else if (a == "--cuda-only") c.cpu = false;
    else {
      throw nb::UserError("unknown option " + a +
                          " (options: --steps N --min-instances N --max-instances-cpu N --max-instances-cuda N "
                          "--max-seconds S --cpu-only --cuda-only)");
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Config cfg = parse(argc, argv);
    nlohmann::ordered_json header;
    header["benchmark"] = "lif";
    header["build"] = nb::build_info();
    header["cuda"] = nb::cuda_unavailable_reason().empty() ? "available" : nb::cuda_unavailable_reason();
    std::cout << header.dump() << std::endl;
    if (cfg.cpu) {
      const int all = omp_get_max_threads();
      for (int threads : {1, all}) {
        for (bool noisy : {false, true}) {
          // The CPU's fast mode runs the exact code (see kernels/common/math_mode.hpp), so one series per noise.
          series(cfg, "cpu", threads, nb::MathMode::exact, noisy, cfg.max_instances_cpu, "cpu");
        }
        if (all == 1) break;
      }
    }
    if (cfg.cuda && nb::cuda_unavailable_reason().empty()) {
      const std::string device = nb::cuda_devices().front().name;
      for (nb::MathMode math : {nb::MathMode::exact, nb::MathMode::fast}) {
        for (bool noisy : {false, true}) series(cfg, "cuda", 0, math, noisy, cfg.max_instances_cuda, device);
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
