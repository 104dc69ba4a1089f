// The public C++ API (host/api/neurobatch.hpp): parse from a file or a JSON value with overrides, typed errors,
// plan and run in memory, write as a separate step, progress and cancellation; and the CLI flags that became run
// options (--network-layout, --network-cells-per-thread).
#include "host/api/neurobatch.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <iterator>
#include <map>

#include "host/engine/cuda_device.hpp"
#include "host/io/output.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using Json = nlohmann::ordered_json;

const char* kLifSpec = R"({"model": "lif", "duration_ms": 100, "dt_ms": 0.1, "seed": 11, "trials": 2,
  "params": {"sigma_mV_sqrt_ms": 0.5},
  "sweep": {"I_nA": {"linspace": [0.3, 0.5, 3]}},
  "record": {"traces": {"vars": ["V_mV"], "instances": [0, 3], "every": 10},
             "spikes": {"instances": [1, 4], "max_per_instance": 50}}})";

// Three time segments per chunk (segments are at least 4096 steps), three chunks of two instances.
const char* kLongSpec = R"({"model": "lif", "duration_ms": 1000, "dt_ms": 0.1, "seed": 3, "trials": 2,
  "sweep": {"I_nA": [0.3, 0.4, 0.5]}})";

struct CliResult {
  int status;
  std::string output;  // stdout and stderr together
};

CliResult cli(const std::string& args) {
  const std::string cmd = std::string(NB_CLI_PATH) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

RunOptions cpu_options() {
  RunOptions o;
  o.backend = "cpu";
  return o;
}

TEST(Api, ParsesAFileWithOverrides) {
  test::TempDir tmp;
  write_file(tmp / "my_lif.json", kLifSpec);
  const Spec spec = api::load_spec(tmp / "my_lif.json", {"trials=5", "params.V_th_mV=-51", "sweep.I_nA=[0.2,0.6]"});
  EXPECT_EQ(spec.name, "my_lif");
  EXPECT_EQ(spec.trials, 5u);
  EXPECT_EQ(spec.n_points(), 2u);
  EXPECT_EQ(spec.n_instances(), 10u);
  EXPECT_EQ(spec.param(0, "V_th_mV"), -51.0);
  EXPECT_EQ(spec.param(1, "I_nA"), 0.6);
  EXPECT_EQ(spec.resolved["trials"], 5);  // recorded in the resolved spec
  // A bare word that is not JSON is a string: here an unknown integrator, refused as a spec error.
  EXPECT_THROW(api::load_spec(tmp / "my_lif.json", {"integrator=leapfrog"}), SpecError);
  EXPECT_THROW(api::load_spec(tmp / "absent.json"), PathError);
}

TEST(Api, ParsesAJsonValueWithKeyValueOverrides) {
  const Json doc = Json::parse(kLifSpec);
  const Spec spec = api::parse_spec(doc, {{"trials", 3}, {"params.C_nF", 0.25}}, "mem");
  EXPECT_EQ(spec.name, "mem");
  EXPECT_EQ(spec.trials, 3u);
  EXPECT_EQ(spec.param(2, "C_nF"), 0.25);
  EXPECT_EQ(spec.n_instances(), 9u);
  // The document itself is not changed; string overrides do the same as pairs.
  EXPECT_EQ(doc["trials"], 2);
  const Spec same = api::parse_spec(doc, {"trials=3", "params.C_nF=0.25"}, "mem");
  EXPECT_EQ(same.resolved, spec.resolved);
  // A missing object on the way is created; a path through a non-object is refused, naming --set.
  Json bare = Json::parse(kLifSpec);
  bare.erase("params");
  EXPECT_EQ(api::parse_spec(bare, {"params.C_nF=0.3"}).param(0, "C_nF"), 0.3);
  EXPECT_THROW(api::parse_spec(doc, {"trials.x=1"}), UserError);
  try {
    api::parse_spec(doc, {"no_equals_sign"});
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("--set: expected KEY=VALUE"), std::string::npos) << e.what();
  }
}

TEST(Api, SpecErrorCarriesTheFieldAndTheCliMessage) {
  std::string message;
  try {
    api::parse_spec(Json::parse(kLifSpec), {"params.C_nF=-1"});
    ADD_FAILURE() << "no SpecError";
  } catch (const SpecError& e) {
    EXPECT_EQ(e.field(), "params.C_nF");
    message = e.what();
  }
  ASSERT_FALSE(message.empty());
  test::TempDir tmp;
  write_file(tmp / "spec.json", kLifSpec);
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --set params.C_nF=-1 --out " + tmp / "out");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_EQ(r.output, "neurobatch: error: " + message + "\n");
}

// The in-memory run, written by the API, is the CLI's run byte for byte: every .npy, and summary.json but for the
// facts of the run itself (time, throughput, memory).
TEST(Api, RunInMemoryAndWriteMatchTheCliByteForByte) {
  test::TempDir tmp;
  write_file(tmp / "lif.json", kLifSpec);
  const CliResult r = cli("run " + tmp / "lif.json" + " --backend cpu --threads 2 --quiet --out " + tmp / "cli");
  ASSERT_EQ(r.status, 0) << r.output;

  const Spec spec = api::load_spec(tmp / "lif.json");
  RunOptions o = cpu_options();
  o.threads = 2;
  const ChunkPlan plan = api::plan(spec, o);
  EXPECT_EQ(plan.backend, "cpu");
  EXPECT_EQ(plan.run_instances, spec.n_instances());
  EXPECT_EQ(plan.chunks, 1u);
  EXPECT_GT(plan.per_instance_bytes, 0u);
  const RunResult result = api::run(spec, o, plan);
  ASSERT_EQ(result.instances.size(), 6u);
  EXPECT_EQ(result.chunks, plan.chunks);
  // In memory: the CLI's spike counts, value for value.
  const std::vector<std::uint32_t> counts = read_npy(tmp / "cli/spike_count.npy").as<std::uint32_t>();
  ASSERT_EQ(counts.size(), 6u);
  for (std::size_t i = 0; i < counts.size(); ++i) EXPECT_EQ(result.column("spike_count").values[i], counts[i]) << i;

  EXPECT_THROW(api::check_output_dir(tmp / "cli"), PathError);  // never overwritten
  EXPECT_EQ(api::check_output_dir(tmp / "api/"), tmp / "api");
  EXPECT_EQ(api::write(spec, result, tmp / "api"), tmp / "api");
  std::size_t npy_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path() / "cli")) {
    const auto name = entry.path().filename();
    ASSERT_TRUE(std::filesystem::exists(tmp.path() / "api" / name)) << name;
    if (name.extension() == ".npy") {
      ++npy_files;
      EXPECT_EQ(read_bytes(entry.path()), read_bytes(tmp.path() / "api" / name)) << name;
    }
  }
  EXPECT_GE(npy_files, 4u);  // observables, a trace, spikes
  Json cli_summary = Json::parse(read_bytes(tmp.path() / "cli/summary.json"));
  Json api_summary = Json::parse(read_bytes(tmp.path() / "api/summary.json"));
  EXPECT_EQ(api::summary(spec, result)["spec"], spec.resolved);
  for (Json* s : {&cli_summary, &api_summary}) {
    ASSERT_TRUE(s->contains("run")) << s->dump(2);
    for (const char* fact : {"wall_s", "neuron_steps_per_s", "host_peak_MiB"}) {
      ASSERT_TRUE((*s)["run"].contains(fact)) << fact;
      (*s)["run"].erase(fact);
    }
  }
  EXPECT_EQ(cli_summary, api_summary);
}

TEST(Api, ProgressIsMonotonicAndReachesTheTotal) {
  const Spec spec = api::parse_spec(Json::parse(kLongSpec));
  RunOptions o = cpu_options();
  o.chunk_instances = 2;
  std::vector<Progress> seen;
  o.on_progress = [&seen](const Progress& p) {
    seen.push_back(p);
    return true;
  };
  const RunResult r = api::run(spec, o);
  EXPECT_EQ(r.chunks, 3u);
  ASSERT_EQ(seen.size(), 9u);  // 3 chunks x 3 segments of 10000 steps
  for (std::size_t k = 0; k < seen.size(); ++k) {
    const Progress& p = seen[k];
    EXPECT_EQ(p.work_total, 6.0 * 10000);
    EXPECT_EQ(p.instances_total, 6u);
    EXPECT_EQ(p.chunks, 3u);
    EXPECT_EQ(p.chunk, k / 3);
    EXPECT_EQ(p.chunk_instances, 2u);
    EXPECT_EQ(p.steps_total, 10000u);
    EXPECT_GT(p.steps_done, 0u);
    if (k == 0) continue;
    const Progress& q = seen[k - 1];
    EXPECT_GT(p.work_done, q.work_done) << k;
    EXPECT_GE(p.instances_done, q.instances_done) << k;
    EXPECT_GE(p.elapsed_s, q.elapsed_s) << k;
    EXPECT_GE(p.fraction(), q.fraction()) << k;
  }
  EXPECT_EQ(seen[2].instances_done, 2u);
  EXPECT_EQ(seen[2].steps_done, 10000u);
  EXPECT_EQ(seen.back().work_done, seen.back().work_total);
  EXPECT_EQ(seen.back().instances_done, 6u);
  EXPECT_EQ(seen.back().fraction(), 1.0);
  // The callback does not change the results.
  RunOptions plain = cpu_options();
  plain.chunk_instances = 2;
  EXPECT_TRUE(compare_results(r, api::run(spec, plain)).identical());
}

TEST(Api, CancellingStopsTheRunWithCancelledAndWritesNothing) {
  test::TempDir tmp;
  const Spec spec = api::parse_spec(Json::parse(kLongSpec));
  RunOptions o = cpu_options();
  o.chunk_instances = 2;
  int calls = 0;
  o.on_progress = [&calls](const Progress& p) {
    ++calls;
    return p.chunk < 1;  // stop in the second chunk, after its first segment
  };
  bool cancelled = false;
  try {
    const RunResult r = api::run(spec, o);
    api::write(spec, r, tmp / "out");
  } catch (const Cancelled& e) {
    cancelled = true;
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(calls, 4);  // three segments of chunk 0, one of chunk 1: nothing after the callback said stop
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST(Api, CudaWhereItCannotRunIsBackendUnavailable) {
  if (cuda_unavailable_reason().empty()) GTEST_SKIP() << "CUDA is usable here";
  const Spec spec = api::parse_spec(Json::parse(kLifSpec));
  RunOptions o;
  o.backend = "cuda";
  EXPECT_THROW(api::resolve_backend("cuda"), BackendUnavailable);
  EXPECT_THROW(api::plan(spec, o), BackendUnavailable);
  try {
    api::run(spec, o);
    ADD_FAILURE() << "no error";
  } catch (const BackendUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("cuda"), std::string::npos) << e.what();
  }
  // auto falls back to the CPU
  o.backend = "auto";
  EXPECT_EQ(api::plan(spec, o).backend, "cpu");
}

TEST(Api, NetworkOptionsAreValidated) {
  EXPECT_EQ(api::parse_network_layout("auto"), NetworkLayout::automatic);
  EXPECT_EQ(api::parse_network_layout("per_cell"), NetworkLayout::per_cell);
  EXPECT_EQ(api::parse_network_layout("per_network"), NetworkLayout::per_network);
  EXPECT_EQ(api::parse_network_cells_per_thread("auto"), 0u);
  EXPECT_EQ(api::parse_network_cells_per_thread("16"), 16u);
  try {
    api::parse_network_layout("diagonal");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "--network-layout: unknown layout 'diagonal' (allowed: auto, per_cell, per_network)");
  }
  for (const char* bad : {"3", "0", "32", "08", "", "four"}) {
    try {
      api::parse_network_cells_per_thread(bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("--network-cells-per-thread"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("allowed: 1, 2, 4, 8, 16, auto"), std::string::npos) << e.what();
    }
  }
  // Set directly in RunOptions, a value out of the list is refused before anything runs.
  RunOptions o = cpu_options();
  o.network_cells_per_thread = 3;
  EXPECT_THROW(api::plan(api::parse_spec(Json::parse(kLifSpec)), o), UserError);
}

TEST(Api, CliNetworkFlagsExitTwoWithTheAllowedValuesAndWriteNothing) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", kLifSpec);
  const std::string run = "run " + tmp / "spec.json" + " --backend cpu --quiet --out " + tmp / "out";
  const CliResult layout = cli(run + " --network-layout diagonal");
  EXPECT_EQ(layout.status, 2) << layout.output;
  EXPECT_NE(layout.output.find("--network-layout: unknown layout 'diagonal' (allowed: auto, per_cell, per_network)"),
            std::string::npos)
      << layout.output;
  const CliResult cells = cli(run + " --network-cells-per-thread 3");
  EXPECT_EQ(cells.status, 2) << cells.output;
  EXPECT_NE(cells.output.find("--network-cells-per-thread: '3' is not allowed (allowed: 1, 2, 4, 8, 16, auto)"),
            std::string::npos)
      << cells.output;
  const CliResult missing = cli(run + " --network-layout");
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_FALSE(std::filesystem::exists(tmp / "out"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), {}), 1);  // spec.json: no leftovers
  // Valid values are accepted (the CPU ignores them), by run and by compare.
  const CliResult ok = cli(run + " --network-layout per_cell --network-cells-per-thread 16");
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_TRUE(std::filesystem::exists(tmp / "out/summary.json"));
  const CliResult cmp = cli("compare " + tmp / "spec.json" + " --a cpu --b cpu:fast --network-layout per_network");
  EXPECT_EQ(cmp.status, 0) << cmp.output;
}

TEST(Api, RunHelpNamesTheNetworkFlagsAndTheOutputsPage) {
  const CliResult r = cli("run --help");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("--network-layout auto|per_cell|per_network"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--network-cells-per-thread 1|2|4|8|16|auto"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("docs/outputs.md"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("NB_NETWORK_"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("README"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace nb

namespace nb {
namespace {

// Sweeps of more than kMaxPointsInSummary points keep their per-point statistics in point_*.npy, not in
// summary.json; up to the limit, summary.json has them and no such files exist.
TEST(Api, LargeSweepsPutPointStatisticsInArraysNotInTheSummary) {
  const auto run = [](std::uint64_t points) {
    Json doc = Json::parse(R"({"model": "lif", "duration_ms": 20, "dt_ms": 0.1, "seed": 5, "trials": 3,
                               "params": {"sigma_mV_sqrt_ms": 1.0}, "record": {"observables": ["rate_Hz", "isi_cv"]}})");
    doc["sweep"]["I_nA"]["linspace"] = {0.3, 0.9, points};
    const Spec spec = api::parse_spec(doc);
    return std::make_pair(spec, std::make_shared<const RunResult>(api::run(spec, RunOptions{})));
  };
  const auto [small_spec, small] = run(kMaxPointsInSummary);
  EXPECT_EQ(api::summary(small_spec, *small)["points"].size(), kMaxPointsInSummary);
  for (const ResultArray& a : api::arrays(small_spec, small)) EXPECT_NE(a.name.rfind("point_", 0), 0u) << a.name;

  const auto [spec, result] = run(kMaxPointsInSummary + 1);
  const Json summary = api::summary(spec, *result);
  EXPECT_FALSE(summary.contains("points"));
  EXPECT_EQ(summary["points_in_files"]["points"], kMaxPointsInSummary + 1);
  std::map<std::string, ResultArray> arrays;
  for (ResultArray& a : api::arrays(spec, result)) arrays.emplace(a.name, std::move(a));
  ASSERT_TRUE(arrays.count("point_mean") && arrays.count("point_sd") && arrays.count("point_count"));
  const ResultArray& mean = arrays.at("point_mean");
  EXPECT_EQ(mean.shape, (std::vector<std::size_t>{kMaxPointsInSummary + 1, 2}));
  EXPECT_EQ(mean.dims, (std::vector<std::string>{"I_nA", "observable"}));
  EXPECT_EQ(mean.entry["labels"]["observable"], Json({"rate_Hz", "isi_cv"}));
  const auto* means = static_cast<const double*>(mean.data);
  const auto* sds = static_cast<const double*>(arrays.at("point_sd").data);
  const auto* counts = static_cast<const std::uint64_t*>(arrays.at("point_count").data);
  const ObservableColumn& rate = result->column("rate_Hz");
  for (std::size_t p : {std::size_t(0), std::size_t(517), kMaxPointsInSummary}) {
    const double* v = rate.values.data() + p * 3;
    const double m = (v[0] + v[1] + v[2]) / 3;
    EXPECT_DOUBLE_EQ(means[p * 2], m) << p;
    EXPECT_NEAR(sds[p * 2], std::sqrt(((v[0] - m) * (v[0] - m) + (v[1] - m) * (v[1] - m) + (v[2] - m) * (v[2] - m)) / 2),
                1e-9 * (1 + m)) << p;
    EXPECT_EQ(counts[p * 2], 3u) << p;
  }
}

}  // namespace
}  // namespace nb
