// neurobatch: the command-line interface. Exit status: 0 success, 2 user error (bad spec, flag, path, or
// unavailable backend; nothing is written), 3 compare found differences in exact mode, 4 the results are written
// but under another name (something took --out during the run), 75 stopped by a signal with the finished work kept
// for --resume, 1 anything else.

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "host/api/neurobatch.hpp"
#include "host/cli/progress_bar.hpp"
#include "host/dist/launcher.hpp"
#include "host/io/output.hpp"
#if defined(NB_HAVE_MPI)
#include "host/dist/mpi_team.hpp"
#endif

namespace {

using nb::UserError;

const char* kUsage = R"(neurobatch: many instances of neuroscience models at once, on the GPU or the CPU.

usage:
  neurobatch run SPEC.json [options]       simulate every instance of SPEC, write results to a directory
                                           (under mpirun -np K: spread over K ranks, the same bytes)
  neurobatch merge DIR                     write DIR from the journal of a run whose shards have all finished
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
  --shard I/N               run only shard I (0 .. N-1) of N fixed shards, into the run's journal (job arrays: one
                            shard per job, SLURM_ARRAY_TASK_ID); the shard that completes the run writes DIR, or
                            `neurobatch merge DIR` does. The bytes are those of a run in one process
  --quiet                   no memory-plan line, no progress bar and no final line

Under mpirun (a build with MPI) the run's chunks are handed out to the ranks as they finish the last; rank 0
writes DIR. Each rank takes its own GPU (local rank modulo the visible devices) or, on the CPU, its cores (the ones
it is bound to, else the node's cores over its ranks). The bytes are those of a run in one process.

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

const char* kMergeHelp = R"(usage: neurobatch merge DIR

Writes DIR from the journal of a run spread over shards (--shard I/N) once every chunk is done, as the last shard
to finish would; the spec, the build and the chunk plan come from the journal (.DIR.journal). Where chunks are
missing it names them (chunk k belongs to shard k mod N) and exits with status 2.
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

// "I/N" of --shard: 0 <= I < N.
std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    std::size_t used_i = 0, used_n = 0;
    const bool digits = !text.empty() && std::isdigit(static_cast<unsigned char>(text[0])) && slash != std::string::npos &&
                        slash + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[slash + 1]));
    if (digits) {
      const unsigned long long i = std::stoull(text.substr(0, slash), &used_i);
      const unsigned long long n = std::stoull(text.substr(slash + 1), &used_n);
      if (used_i == slash && used_n == text.size() - slash - 1 && n >= 1 && n <= 1000000 && i < n) return {i, n};
    }
  } catch (const std::logic_error&) {
  }
  throw UserError("--shard: expected I/N with N in [1, 1000000] and I in [0, N-1], got '" + text + "'");
}

// A rank, a shard or the one process of a run: what it prints of its part.
struct RunVoice {
  bool quiet;
  std::string who;  // "" for the one process, "rank 3: ", "shard 2/7: "
  void say(const std::string& text) const {
    if (!quiet) std::cerr << "neurobatch: " << who << text << "\n";
  }
};

int cmd_run(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2,
                            {"--backend", "--out", "--threads", "--math", "--chunk-instances", "--memory-budget-MB",
                             "--network-layout", "--network-cells-per-thread", "--checkpoint-every", "--shard"},
                            {"--quiet", "--help", "--resume"});
  if (a.has("--help")) return std::cout << kRunHelp, 0;
  stop_runs_on_signals();  // from the start: a signal before the first segment stops the run there, status 75
  nb::RunOptions o = common_options(a);
  o.backend = a.get("--backend", "auto");
  o.math = nb::api::parse_math(a.get("--math", "exact"));
  nb::api::DirRunOptions d;
  d.resume = a.has("--resume");
  d.checkpoint_every_s = 60.0 * parse_minutes(a, "--checkpoint-every");
  if (a.has("--shard")) std::tie(d.shard_index, d.shard_count) = parse_shard(a.values.at("--shard"));
  RunVoice voice{a.has("--quiet"), d.shard_count > 0 ? "shard " + a.values.at("--shard") + ": " : ""};
#if defined(NB_HAVE_MPI)
  if (nb::dist::launched_by_mpi()) {
    nb::api::Team& team = nb::dist::world_team();
    if (team.size() > 1) {
      d.team = &team;
      if (!a.has("--threads")) o.threads = nb::dist::default_rank_threads(team);
      voice.quiet |= team.rank() != 0;  // rank 0 speaks for the run; every rank still reports its errors
      voice.who = "rank " + std::to_string(team.rank()) + ": ";
    }
  }
#else
  if (nb::dist::launched_by_mpi()) {
    throw UserError("this neurobatch was built without MPI, but an MPI launcher started it: each process would run "
                    "the whole spec; rebuild with Open MPI installed (scripts/setup-deps), or use --shard I/N");
  }
#endif
  const nb::Spec spec = load(a);
  if ((d.resume || d.shard_count > 0 || d.team) && !a.has("--out")) {
    throw UserError(std::string(d.resume ? "--resume" : d.team ? "a run under mpirun" : "--shard") +
                    ": give --out, the directory every part of the run writes to");
  }
  const std::string out = a.has("--out") ? a.get("--out", "") : default_out_dir(spec);
  nb::ProgressBar bar(!voice.quiet);
  o.on_progress = [&bar](const nb::Progress& p) { return g_stop_signal == 0 && (!bar.enabled() || bar(p)); };
  nb::api::DirRun run(spec, o, out, d);
  if (run.complete()) {  // said even with --quiet: nothing ran, and a script should learn why
    std::cerr << "neurobatch: " << voice.who << "the run of '" << out
              << "' was complete already (its journal is removed now)\n";
    return 0;
  }
  const nb::ChunkPlan& plan = run.plan();
  char line[256];
  std::snprintf(line, sizeof line, "%s memory: %.3g MiB per instance, %.3g MiB per chunk of %llu (budget %.3g MiB)",
                plan.backend.c_str(), double(plan.per_instance_bytes) / 1048576.0, double(plan.chunk_bytes()) / 1048576.0,
                static_cast<unsigned long long>(plan.instances), double(plan.budget_bytes) / 1048576.0);
  voice.say(line);  // before the run allocates anything
  if (run.started_fresh()) {  // said even with --quiet: a resume that resumes nothing should not pass unnoticed
    std::cerr << "neurobatch: " << voice.who << "--resume: no journal of '" << out
              << "' was found: starting from the beginning\n";
  }
  if (d.resume || d.shard_count > 0 || d.team) {
    voice.say(std::to_string(run.chunks_done()) + " of " + std::to_string(plan.chunks) +
              " chunks are done (journal '" + run.journal_dir() + "')");
  }
  std::optional<nb::RunResult> r;
  try {
    r = run.run_part();
  } catch (const nb::Cancelled&) {
    bar.finish();
    std::cerr << "neurobatch: " << voice.who << "stopped by " << signal_name(g_stop_signal) << ": "
              << run.chunks_done() << " of " << plan.chunks << " chunks are done and kept in '" << run.journal_dir()
              << "'" << (d.checkpoint_every_s > 0 ? " (with a checkpoint of the chunk in progress)" : "")
              << "; resume with:\n  " << resume_command(argc, argv) << "\n";
    return kExitStopped;
  } catch (const std::exception& e) {
    bar.finish();
    const bool user = dynamic_cast<const UserError*>(&e) != nullptr;
    std::cerr << "neurobatch: " << voice.who << (user ? "error: " : "internal failure: ") << e.what()
              << "\nneurobatch: " << voice.who << run.chunks_done() << " of " << plan.chunks
              << " chunks are done and kept in '" << run.journal_dir() << "'; once the cause is fixed, resume with:\n  "
              << resume_command(argc, argv) << "\n";
    return user ? 2 : 1;
  }
  bar.finish();
  if (!r) {  // a shard or a rank whose part is done; another process writes the directory
    if (d.shard_count > 0) {
      const auto missing = run.missing_chunks();
      voice.say("this shard's chunks are done; " + std::to_string(plan.chunks - missing.size()) + " of " +
                std::to_string(plan.chunks) + " chunks of the run are" +
                (missing.empty() ? " done and another shard writes '" + out + "' (if it does not appear, run "
                                   "`neurobatch merge " + out + "`)"
                                 : " done; the last shard to finish writes '" + out + "', or `neurobatch merge " + out +
                                       "` once every shard has"));
    }
    return 0;
  }
  const std::string written = run.write(*r);
  std::ostringstream done;
  done << r->instances.size() << " instances x " << spec.n_steps << " steps on " << r->backend << " (" << r->device
       << ") in " << r->wall_s << " s: " << r->neuron_steps / r->wall_s << " neuron-steps/s, peak host memory "
       << (r->host_peak_bytes >> 20) << " MiB -> " << written;
  voice.say(done.str());
  if (written != run.target()) {
    // Said even with --quiet: a script that reads --out must learn where the results are.
    std::cerr << "neurobatch: '" << out << "' was created by someone else during this run; the results are in '"
              << written << "'\n";
    return a.has("--out") ? 4 : 0;  // a default name is ours to choose
  }
  return 0;
}

int cmd_merge(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {}, {"--help", "--quiet"});
  if (a.has("--help")) return std::cout << kMergeHelp, 0;
  if (a.positional.empty()) throw UserError("merge: missing DIR (see --help)");
  const std::string written = nb::api::merge(a.positional);
  if (!a.has("--quiet")) std::cerr << "neurobatch: merged the run's chunks -> " << written << "\n";
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
  nlohmann::ordered_json j = nb::api::info();
#if defined(NB_HAVE_MPI)
  j["backends"]["mpi"] = {{"available", true}};
#else
  j["backends"]["mpi"] = {{"available", false}, {"reason", "this neurobatch was built without MPI"}};
#endif
  std::cout << j.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "run") return cmd_run(argc, argv);
    if (cmd == "compare") return cmd_compare(argc, argv);
    if (cmd == "merge") return cmd_merge(argc, argv);
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
