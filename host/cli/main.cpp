// neurobatch: the command-line interface. Exit status: 0 success, 2 user error (bad spec, flag, path, or
// unavailable backend; nothing is written), 3 compare found differences in exact mode, 4 the results are written
// but under another name (something took --out during the run), 75 stopped by a signal with the finished work kept
// for --resume, 1 anything else.

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "host/api/neurobatch.hpp"
#include "host/cli/progress_bar.hpp"
#include "host/io/output.hpp"

namespace {

using nb::UserError;

const char* kUsage = R"(neurobatch: many instances of neuroscience models at once, on the GPU or the CPU.

usage:
  neurobatch run SPEC.json [options]       simulate every instance of SPEC, write results to a directory
  neurobatch compare SPEC.json [options]   run SPEC on two backends and compare every observable
  neurobatch fixed-points SPEC.json        fixed points and saddle-nodes of a self_sustained spec (JSON)
  neurobatch info                          build, backends, devices, and every model's parameters (JSON)
  neurobatch COMMAND --help                help on one command

exit status: 0 ok, 2 bad input (nothing written), 3 compare found differences in exact mode, 4 results written
under another name (--out was taken during the run; the message names it), 75 stopped by SIGTERM, SIGINT or
SIGHUP with the finished work kept (resume with --resume), 1 other failure
)";

const char* kRunHelp = R"(usage: neurobatch run SPEC.json [options]

  --backend auto|cpu|cuda   where to run (default auto: CUDA when a usable GPU exists, else CPU)
  --out DIR                 results directory; must not exist (default results/<spec name>-<timestamp>). Checked
                            before the run; should DIR appear during it, the results go to DIR-2 (exit status 4)
  --threads N               CPU threads (default: all cores)
  --math exact|fast         exact (default): CPU and CUDA bit-identical; fast: GPU hardware intrinsics
  --chunk-instances N       run at most N instances at a time (default: as many as the memory budget allows)
  --memory-budget-MB M      memory a chunk may use on the backend (default CPU: half the RAM, at most 7/8 of it less
                            the results; CUDA: 80% of free)
  --set KEY=VALUE           override a spec field before validation, e.g. --set trials=1000 --set params.I_nA=0.4
                            (repeatable; VALUE is JSON; the override is recorded in summary.json's resolved spec)
  --network-layout auto|per_cell|per_network
                            the network model's CUDA kernel layout (default auto: per network where a network
                            fits in one block, else per cell); the results are the same bits either way
  --network-cells-per-thread 1|2|4|8|16|auto
                            cells per thread of the per-network layout (default auto: the fewest that fit 512
                            threads)
  --resume                  go on with a run of the same spec into the same --out that was stopped or killed: the
                            chunks it finished (and its last checkpoint) are taken from its journal, and the
                            results are the same bytes as an uninterrupted run's. --threads, --memory-budget-MB and,
                            in exact math mode, --backend may differ from the first attempt
  --checkpoint-every MIN    also keep the state of the chunk in progress every MIN minutes (at the end of a time
                            segment), so that a kill loses at most MIN minutes of a long chunk
  --quiet                   no memory-plan line, no progress bar and no final line

While it runs, every finished chunk is kept in a journal beside DIR ("<parent>/.<DIR name>.journal"), removed once
DIR is written. SIGTERM, SIGINT or SIGHUP stop the run at the end of the current time segment, keep what is
finished and exit with status 75; a kill loses at most the chunk in progress (or the time since its checkpoint).

Writes DIR/summary.json and one .npy per observable, trace and spike record (see docs/outputs.md).
)";

const char* kCompareHelp = R"(usage: neurobatch compare SPEC.json [options]

  --a BACKEND[:MATH]        reference run (default cpu:exact)
  --b BACKEND[:MATH]        run under test (default cuda:exact)
  --instances LIST          compare only these instances, e.g. 0,5,10-20 (default: all)
  --threads N, --chunk-instances N, --memory-budget-MB M, --set KEY=VALUE   as for run
  --network-layout L, --network-cells-per-thread C                          as for run (CUDA sides)
  --json                    print the report as JSON

Reports, per observable, the values compared, how many differ, the largest absolute and relative difference,
whether the results are bitwise identical, and the first mismatching instance. Exit status 3 when both runs
use exact math and any value differs.
)";

const char* kFixedPointsHelp = R"(usage: neurobatch fixed-points SPEC.json [--set KEY=VALUE ...]

For a "self_sustained" spec: every fixed point s* in [0, 1] of each sweep point (s*, its rate, stable or not),
computed in double precision on the host; when the sweep has one axis over g_E_nA or I_0_nA, also the
saddle-node bifurcations (where the number of fixed points changes) within the swept range. Prints JSON.
)";

const char* kInfoHelp = "usage: neurobatch info\n\nPrints the build, the backends, the CUDA devices and every model (its parameters with units, defaults and ranges;\nobservables; traceable variables; integrators) as JSON.\n";

// Command-line options: "--flag value" pairs and bare switches, after one positional argument.
struct Args {
  std::string positional;
  std::map<std::string, std::string> values;
  std::vector<std::string> overrides;  // every --set KEY=VALUE, in order
  bool has(const std::string& k) const { return values.count(k) > 0; }
  std::string get(const std::string& k, const std::string& def) const { return has(k) ? values.at(k) : def; }
};

Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& value_flags,
                const std::vector<std::string>& switches) {
  Args a;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto is = [&](const std::vector<std::string>& list) {
      return std::find(list.begin(), list.end(), arg) != list.end();
    };
    if (arg == "--set") {
      if (i + 1 >= argc) throw UserError("--set: missing KEY=VALUE");
      a.overrides.push_back(argv[++i]);
    } else if (is(value_flags)) {
      if (i + 1 >= argc) throw UserError(arg + ": missing value");
      a.values[arg] = argv[++i];
    } else if (is(switches)) {
      a.values[arg] = "1";
    } else if (arg.rfind("--", 0) == 0) {
      throw UserError("unknown option '" + arg + "' (see --help)");
    } else if (a.positional.empty()) {
      a.positional = arg;
    } else {
      throw UserError("unexpected argument '" + arg + "' (see --help)");
    }
  }
  return a;
}

std::uint64_t parse_count(const Args& a, const std::string& flag, std::uint64_t def, std::uint64_t min,
                          std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  if (!a.has(flag)) return def;
  const std::string& text = a.values.at(flag);
  try {
    std::size_t used = 0;
    const bool digits = !text.empty() && text[0] >= '0' && text[0] <= '9';  // stoull takes " -1" as 2^64 - 1
    const unsigned long long v = std::stoull(text, &used);
    if (digits && used == text.size() && v >= min && v <= max) return v;
  } catch (const std::logic_error&) {
  }
  throw UserError(flag + ": expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "], got '" +
                  text + "'");
}

nb::RunOptions common_options(const Args& a) {
  nb::RunOptions o;
  o.threads = static_cast<int>(parse_count(a, "--threads", 0, 1, 65536));
  o.chunk_instances = parse_count(a, "--chunk-instances", 0, 1);
  o.memory_budget_bytes = parse_count(a, "--memory-budget-MB", 0, 1, std::numeric_limits<std::size_t>::max() >> 20) << 20;
  o.network_layout = nb::api::parse_network_layout(a.get("--network-layout", "auto"));
  o.network_cells_per_thread = nb::api::parse_network_cells_per_thread(a.get("--network-cells-per-thread", "auto"));
  return o;
}

nb::Spec load(const Args& a) {
  if (a.positional.empty()) throw UserError("missing SPEC.json (see --help)");
  return nb::api::load_spec(a.positional, {a.overrides.begin(), a.overrides.end()});
}

std::string default_out_dir(const nb::Spec& spec) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return nb::next_free_output_dir("results/" + spec.name + "-" + stamp);
}

// SIGTERM (a scheduler's time limit), SIGINT and SIGHUP stop a run at the end of its time segment: the handler only
// records the signal, and restores the default action so that a second one ends the process at once.
volatile std::sig_atomic_t g_stop_signal = 0;
constexpr int kExitStopped = 75;  // EX_TEMPFAIL: try again (with --resume)
const int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

extern "C" void record_stop_signal(int signal_number) { g_stop_signal = signal_number; }

void stop_runs_on_signals() {
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int signal_number : kStopSignals) ::sigaction(signal_number, &action, nullptr);
}

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "a signal";
  }
}

double parse_minutes(const Args& a, const std::string& flag) {
  if (!a.has(flag)) return 0;
  const std::string& text = a.values.at(flag);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0) || v > 1e6) {
    throw UserError(flag + ": expected minutes, a number in (0, 1e6], got '" + text + "'");
  }
  return v;
}

// The command that resumes this run: the same arguments with --resume.
std::string resume_command(int argc, char** argv) {
  std::string text = "neurobatch";
  bool has_resume = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    has_resume |= arg == "--resume";
    text += " " + (arg.find_first_of(" '\"$") == std::string::npos ? arg : "'" + arg + "'");
  }
  return has_resume ? text : text + " --resume";
}

int cmd_run(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2,
                            {"--backend", "--out", "--threads", "--math", "--chunk-instances", "--memory-budget-MB",
                             "--network-layout", "--network-cells-per-thread", "--checkpoint-every"},
                            {"--quiet", "--help", "--resume"});
  if (a.has("--help")) return std::cout << kRunHelp, 0;
  stop_runs_on_signals();  // from the start: a signal before the first segment stops the run there, status 75
  nb::RunOptions o = common_options(a);
  o.backend = a.get("--backend", "auto");
  o.math = nb::api::parse_math(a.get("--math", "exact"));
  nb::api::DirRunOptions d;
  d.resume = a.has("--resume");
  d.checkpoint_every_s = 60.0 * parse_minutes(a, "--checkpoint-every");
  const bool quiet = a.has("--quiet");
  const nb::Spec spec = load(a);
  if (d.resume && !a.has("--out")) throw UserError("--resume: give the --out of the run to resume");
  const std::string out = a.has("--out") ? a.get("--out", "") : default_out_dir(spec);
  nb::ProgressBar bar(!quiet);
  o.on_progress = [&bar](const nb::Progress& p) { return g_stop_signal == 0 && (!bar.enabled() || bar(p)); };
  nb::api::DirRun run(spec, o, out, d);
  if (run.complete()) {
    std::cerr << "neurobatch: the run of '" << out << "' was complete already (its journal is removed now)\n";
    return 0;
  }
  const nb::ChunkPlan& plan = run.plan();
  if (!quiet) {  // before the run allocates anything
    std::fprintf(stderr, "neurobatch: %s memory: %.3g MiB per instance, %.3g MiB per chunk of %llu (budget %.3g MiB)\n",
                 plan.backend.c_str(), double(plan.per_instance_bytes) / 1048576.0, double(plan.chunk_bytes()) / 1048576.0,
                 static_cast<unsigned long long>(plan.instances), double(plan.budget_bytes) / 1048576.0);
    if (d.resume) {
      std::fprintf(stderr, "neurobatch: resuming: %llu of %llu chunks are done (journal '%s')\n",
                   static_cast<unsigned long long>(run.chunks_done()), static_cast<unsigned long long>(plan.chunks),
                   run.journal_dir().c_str());
    }
  }
  nb::RunResult r;
  try {
    r = run.run();
  } catch (const nb::Cancelled&) {
    bar.finish();
    std::cerr << "neurobatch: stopped by " << signal_name(g_stop_signal) << ": " << run.chunks_done() << " of "
              << plan.chunks << " chunks are done and kept in '" << run.journal_dir() << "'"
              << (d.checkpoint_every_s > 0 ? " (with a checkpoint of the chunk in progress)" : "")
              << "; resume with:\n  " << resume_command(argc, argv) << "\n";
    return kExitStopped;
  } catch (const std::exception& e) {
    bar.finish();
    std::cerr << "neurobatch: " << (dynamic_cast<const UserError*>(&e) ? "error: " : "internal failure: ") << e.what()
              << "\nneurobatch: " << run.chunks_done() << " of " << plan.chunks << " chunks are done and kept in '"
              << run.journal_dir() << "'; once the cause is fixed, resume with:\n  " << resume_command(argc, argv)
              << "\n";
    return dynamic_cast<const UserError*>(&e) ? 2 : 1;
  }
  bar.finish();
  const std::string written = run.write(r);
  if (!quiet) {
    std::cerr << "neurobatch: " << r.instances.size() << " instances x " << spec.n_steps << " steps on " << r.backend
              << " (" << r.device << ") in " << r.wall_s << " s: " << r.neuron_steps / r.wall_s
              << " neuron-steps/s, peak host memory " << (r.host_peak_bytes >> 20) << " MiB -> " << written << "\n";
  }
  if (written != run.target()) {
    // Said even with --quiet: a script that reads --out must learn where the results are.
    std::cerr << "neurobatch: '" << out << "' was created by someone else during this run; the results are in '"
              << written << "'\n";
    return a.has("--out") ? 4 : 0;  // a default name is ours to choose
  }
  return 0;
}

int cmd_compare(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {"--a", "--b", "--instances", "--threads", "--chunk-instances", "--memory-budget-MB",
                                            "--network-layout", "--network-cells-per-thread"},
                            {"--json", "--help"});
  if (a.has("--help")) return std::cout << kCompareHelp, 0;
  nb::RunOptions oa = common_options(a);
  const nb::Spec spec = load(a);
  if (a.has("--instances")) oa.instances = nb::parse_instance_list(a.values.at("--instances"), spec.n_instances());
  nb::RunOptions ob = oa;
  std::tie(oa.backend, oa.math) = nb::api::parse_side(a.get("--a", "cpu:exact"), "--a");
  std::tie(ob.backend, ob.math) = nb::api::parse_side(a.get("--b", "cuda:exact"), "--b");
  const nb::api::Comparison c = nb::api::compare(spec, oa, ob);
  if (a.has("--json")) {
    std::cout << c.to_json().dump(2) << "\n";
  } else {
    std::cout << "a: " << c.a.backend << " (" << c.a.device << "), b: " << c.b.backend << " (" << c.b.device << "), "
              << c.a.instances.size() << " instances\n"
              << c.report.to_text();
  }
  return c.exact() && !c.report.identical() ? 3 : 0;
}

int cmd_fixed_points(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {}, {"--help"});
  if (a.has("--help")) return std::cout << kFixedPointsHelp, 0;
  std::cout << nb::api::fixed_points(load(a)).dump(2) << "\n";
  return 0;
}

int cmd_info(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {}, {"--help"});
  if (a.has("--help")) return std::cout << kInfoHelp, 0;
  std::cout << nb::api::info().dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "run") return cmd_run(argc, argv);
    if (cmd == "compare") return cmd_compare(argc, argv);
    if (cmd == "info") return cmd_info(argc, argv);
    if (cmd == "fixed-points") return cmd_fixed_points(argc, argv);
    if (cmd == "--help" || cmd == "-h" || cmd == "help") return std::cout << kUsage, 0;
    std::cerr << "neurobatch: " << (cmd.empty() ? "missing command" : "unknown command '" + cmd + "'") << "\n\n" << kUsage;
    return 2;
  } catch (const nb::UserError& e) {
    std::cerr << "neurobatch: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "neurobatch: internal failure: " << e.what() << "\n";
    return 1;
  }
}
