// The neurobatch command line: exit statuses, messages, and that a refused run leaves nothing behind.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "host/common/errors.hpp"
#include "host/io/output.hpp"
#include "host/engine/system_memory.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::CliResult;
using test::cli;
using test::dir_is_empty_of_results;
using test::shell;
using test::write_file;

const char* kSmallSpec = R"({"model": "lif", "duration_ms": 200, "dt_ms": 0.1, "seed": 5, "trials": 3,
  "params": {"sigma_mV_sqrt_ms": 0.5},
  "sweep": {"I_nA": {"linspace": [0.3, 0.5, 4]}, "V_th_mV": [-52, -50]},
  "record": {"traces": {"vars": ["V_mV"], "instances": [0, 5], "every": 10},
             "spikes": {"instances": [1, 2], "max_per_instance": 50}}})";

TEST(Cli, RunWritesSummaryAndArrays) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", kSmallSpec);
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --out " + tmp / "out");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(tmp / "out/summary.json");
  const auto summary = nlohmann::ordered_json::parse(in);
  EXPECT_EQ(summary["spec"]["model"], "lif");
  EXPECT_EQ(summary["spec"]["trials"], 3);
  EXPECT_EQ(summary["spec"]["params"]["C_nF"], 0.2);  // defaults resolved
  EXPECT_EQ(summary["run"]["backend"], "cpu");
  EXPECT_EQ(summary["points"].size(), 8u);
  EXPECT_EQ(summary["points"][7]["observables"]["rate_Hz"]["count"], 3);

  const NpyArray rate = read_npy(tmp / "out/rate_Hz.npy");
  EXPECT_EQ(rate.descr, "<f8");
  EXPECT_EQ(rate.shape, (std::vector<std::size_t>{4, 2, 3}));  // (I_nA, V_th_mV, trials)
  const NpyArray count = read_npy(tmp / "out/spike_count.npy");
  EXPECT_EQ(count.descr, "<u4");
  const auto counts = count.as<std::uint32_t>();
  const auto rates = rate.as<double>();
  for (std::size_t i = 0; i < counts.size(); ++i) EXPECT_DOUBLE_EQ(rates[i], counts[i] / 0.2);
  EXPECT_EQ(read_npy(tmp / "out/trace_V_mV.npy").shape, (std::vector<std::size_t>{2, 201}));
  EXPECT_EQ(read_npy(tmp / "out/spike_times_ms.npy").shape, (std::vector<std::size_t>{2, 50}));
}

TEST(Cli, SameSpecSameSeedGivesIdenticalFiles) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", kSmallSpec);
  ASSERT_EQ(cli("run " + tmp / "spec.json" + " --backend cpu --quiet --threads 1 --out " + tmp / "a").status, 0);
  ASSERT_EQ(cli("run " + tmp / "spec.json" + " --backend cpu --quiet --threads 2 --chunk-instances 5 --out " + tmp / "b").status, 0);
  for (const char* f : {"rate_Hz.npy", "spike_count.npy", "isi_cv.npy", "trace_V_mV.npy", "spike_times_ms.npy"}) {
    std::ifstream a(tmp / ("a/" + std::string(f)), std::ios::binary), b(tmp / ("b/" + std::string(f)), std::ios::binary);
    const std::string da((std::istreambuf_iterator<char>(a)), {}), db((std::istreambuf_iterator<char>(b)), {});
    EXPECT_FALSE(da.empty());
    EXPECT_EQ(da, db) << f;
  }
}

TEST(Cli, ExistingOutputIsNeverOverwritten) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", kSmallSpec);
  std::filesystem::create_directories(tmp / "out");
  write_file(tmp / "out/keep.txt", "precious");
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --out " + tmp / "out");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("already exists"), std::string::npos) << r.output;
  std::ifstream keep(tmp / "out/keep.txt");
  std::string content;
  keep >> content;
  EXPECT_EQ(content, "precious");
}

struct BadSpec {
  const char* name;
  std::string json;
  const char* expected_in_message;
};

class CliRefusesBadSpec : public ::testing::TestWithParam<BadSpec> {};

TEST_P(CliRefusesBadSpec, ExitStatus2NamedFieldNoOutput) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", GetParam().json);
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --out " + tmp / "out");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(GetParam().expected_in_message), std::string::npos) << r.output;
  EXPECT_TRUE(dir_is_empty_of_results(tmp)) << "a refused run must not create any output";
}

const std::string kBase = R"("duration_ms": 100, "dt_ms": 0.1)";

INSTANTIATE_TEST_SUITE_P(
    Cases, CliRefusesBadSpec,
    ::testing::Values(
        BadSpec{"UnknownModel", R"({"model": "lfi", )" + kBase + "}", "lif"},
        BadSpec{"UnknownKey", R"({"model": "lif", "duratoin_ms": 5, "dt_ms": 0.1})", "duration_ms"},
        BadSpec{"UnknownParam", R"({"model": "lif", )" + kBase + R"(, "params": {"I_na": 0.3}})", "I_nA"},
        BadSpec{"WrongType", R"({"model": "lif", )" + kBase + R"(, "params": {"I_nA": "0.3"}})", "params.I_nA"},
        BadSpec{"NegativeDt", R"({"model": "lif", "duration_ms": 100, "dt_ms": -0.1})", "dt_ms"},
        BadSpec{"DtAboveDuration", R"({"model": "lif", "duration_ms": 1, "dt_ms": 2})", "dt_ms"},
        BadSpec{"NegativeTau", R"({"model": "lif", )" + kBase + R"(, "params": {"C_nF": -0.2}})", "params.C_nF"},
        BadSpec{"NegativeConductance", R"({"model": "lif", )" + kBase + R"(, "sweep": {"G_L_nS": [10, -1]}})", "G_L_nS"},
        BadSpec{"NegativeSigma", R"({"model": "lif", )" + kBase + R"(, "params": {"sigma_mV_sqrt_ms": -1}})", "sigma_mV_sqrt_ms"},
        BadSpec{"NegativeRefractory", R"({"model": "lif", )" + kBase + R"(, "params": {"t_ref_ms": -1}})", "t_ref_ms"},
        BadSpec{"EmptySweep", R"({"model": "lif", )" + kBase + R"(, "sweep": {"I_nA": []}})", "I_nA"},
        BadSpec{"TooManyInstances", R"({"model": "lif", )" + kBase + R"(, "trials": 1000000000000, "sweep": {"I_nA": {"linspace": [0, 1, 1000]}}})", "instances"},
        BadSpec{"ResetAboveThreshold", R"({"model": "lif", )" + kBase + R"(, "params": {"V_reset_mV": -40}})", "V_reset_mV"},
        BadSpec{"MalformedJson", R"({"model": "lif", )", "spec.json"}),
    [](const ::testing::TestParamInfo<BadSpec>& info) { return std::string(info.param.name); });

TEST(Cli, KilledRunLeavesNoResultsOnlyItsJournal) {
  // A run of ~1e12 neuron-steps, killed with SIGKILL after 1 s: nothing may appear under --out, and beside it only
  // the run's journal (for --resume; tests/resume/ checks what it holds).
  test::TempDir tmp;
  write_file(tmp / "spec.json", R"({"model": "lif", "duration_ms": 100000, "dt_ms": 0.05, "trials": 500000,
                                     "params": {"sigma_mV_sqrt_ms": 1, "I_nA": 0.4}})");
  const CliResult r =
      cli("run " + tmp / "spec.json" + " --backend cpu --quiet --threads 1 --out " + tmp / "out", "timeout -s KILL 1");
  EXPECT_EQ(r.status, 128 + 9) << "expected the run to be killed: " << r.output;
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "spec.json" || name == ".out.journal") << name;
  }
}

TEST(Cli, UnreadableSpecAndUnwritableOutput) {
  test::TempDir tmp;
  CliResult r = cli("run " + tmp / "missing.json" + " --backend cpu --quiet --out " + tmp / "out");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("missing.json"), std::string::npos) << r.output;
  write_file(tmp / "spec.json", kSmallSpec);
  write_file(tmp / "file", "x");
  r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --out " + tmp / "file/sub");
  EXPECT_EQ(r.status, 2) << r.output;
}

TEST(Cli, BadFlagsAreRefused) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", kSmallSpec);
  EXPECT_EQ(cli("run " + tmp / "spec.json" + " --backend tpu").status, 2);
  EXPECT_EQ(cli("run " + tmp / "spec.json" + " --math sloppy").status, 2);
  EXPECT_EQ(cli("run " + tmp / "spec.json" + " --threads zero").status, 2);
  // Numbers beyond what the option can hold are refused, not wrapped (4294967297 threads would have been 1).
  EXPECT_EQ(cli("run " + tmp / "spec.json" + " --threads 4294967297").status, 2);
  EXPECT_EQ(cli("run " + tmp / "spec.json" + " --threads ' -1'").status, 2);
  EXPECT_EQ(cli("run " + tmp / "spec.json" + " --memory-budget-MB 17592186044416").status, 2);
  EXPECT_EQ(cli("run " + tmp / "spec.json" + " --set params.I_nA=1e999").status, 2);
  // compare --instances: negative, out of range (checked before a range is expanded), repeated.
  for (const char* list : {"-1", "0-18446744073709551615", "0-3000000000", "0,0", "3,1-4", "5-2", "x"}) {
    const CliResult r = cli("compare " + tmp / "spec.json" + " --a cpu --b cpu --instances '" + list + "'");
    EXPECT_EQ(r.status, 2) << list << ": " << r.output;
    EXPECT_NE(r.output.find("--instances"), std::string::npos) << r.output;
  }
  EXPECT_EQ(cli("frobnicate").status, 2);
  EXPECT_TRUE(dir_is_empty_of_results(tmp));
}

TEST(Cli, SetCreatesMissingObjects) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", R"({"model": "lif", "duration_ms": 10, "trials": 2})");
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --set params.I_nA=0.4 --set " +
                          "sweep.V_th_mV=[-50,-52] --out " + tmp / "out");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(tmp / "out/summary.json");
  const auto summary = nlohmann::ordered_json::parse(in);
  EXPECT_EQ(summary["spec"]["params"]["I_nA"], 0.4);
  EXPECT_EQ(summary["points"].size(), 2u);
}

// The output path is checked before the run: a run of ~1e12 neuron-steps must be refused at once (the wrapper
// would kill it after 60 s, which the status would show).
TEST(Cli, UnusableOutputPathIsRefusedBeforeTheRun) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", R"({"model": "lif", "duration_ms": 100000, "dt_ms": 0.05, "trials": 500000,
                                     "params": {"sigma_mV_sqrt_ms": 1, "I_nA": 0.4}})");
  write_file(tmp / "file", "x");
  for (const std::string& out : {tmp / "file/sub", std::string("''")}) {
    const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --threads 1 --out " + out,
                            "timeout -s KILL 60");
    EXPECT_EQ(r.status, 2) << out << ": " << r.output;
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), std::filesystem::directory_iterator()), 2);
}

// Something takes --out while the run goes on: the results are kept under --out-2, the message says so, and the
// exit status is 4 (the run itself takes about 2 s; the directory appears after 0.3 s).
TEST(Cli, OutputTakenDuringTheRunGoesToTheNextFreeName) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", R"({"model": "lif", "duration_ms": 1000, "dt_ms": 0.01, "trials": 40000,
                                     "params": {"I_nA": 0.4}})");
  const std::string run = std::string(NB_CLI_PATH) + " run " + tmp / "spec.json" +
                          " --backend cpu --threads 1 --quiet --out " + tmp / "out";
  const CliResult r = shell("(" + run + " & sleep 0.3; mkdir " + tmp / "out" + "; wait $!)");
  EXPECT_EQ(r.status, 4) << r.output;
  EXPECT_NE(r.output.find("the results are in '" + tmp / "out-2'"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::is_empty(tmp / "out"));
  EXPECT_EQ(read_npy(tmp / "out-2/spike_count.npy").count(), 40000u);
}

// A run stays within its chunk plan: 6 networks with 2e7 synapses each (80 MB of lists), at most 2 per chunk.
// Before the connectivity was built in place and moved into the buffers, a chunk's lists lived three times (the
// last chunk's, the new chunk's, the buffers' copy) and the peak was 3.5 times the plan.
TEST(Cli, NetworkRunStaysWithinItsChunkPlan) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer keeps freed memory in quarantine: the peak says nothing of the plan";
#endif
  test::TempDir tmp;
  write_file(tmp / "spec.json", R"({"model": "network", "duration_ms": 1, "dt_ms": 0.1, "seed": 1, "trials": 6,
    "params": {"N": 10000, "p": 0.2, "kick_ms": 0}})");
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --memory-budget-MB 200 --out " + tmp / "out");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(tmp / "out/summary.json");
  const auto run = nlohmann::ordered_json::parse(in)["run"];
  ASSERT_EQ(run["chunk_instances"], 2);
  const double plan = run["chunk_plan_MiB"], peak = run["host_peak_MiB"];
  if (peak == 0.0) GTEST_SKIP() << "this OS does not report the peak resident memory (/proc/self/status VmHWM)";
  EXPECT_GT(plan, 150.0);
  EXPECT_LT(peak, plan + 60.0) << "the program itself, its results and one network's scratch take less than 60 MiB";
}

// Results that fit in the RAM but leave no room for a chunk beside them (the default CPU budget is at most 7/8 of
// the RAM less the results) are refused before anything is allocated, instead of being OOM-killed after the run.
TEST(Cli, ResultsLeavingNoRoomForChunksAreRefusedUpFront) {
  test::TempDir tmp;
  // lif: an id and 6 observables, 56 bytes per instance; 95 % of the RAM.
  const double trials = std::floor(0.95 * double(physical_memory_bytes()) / 56.0);
  write_file(tmp / "spec.json", R"({"model": "lif", "duration_ms": 1, "trials": )" + std::to_string(static_cast<std::uint64_t>(trials)) + "}");
  const auto start = std::chrono::steady_clock::now();
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --out " + tmp / "out");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("leaves no room for its chunks"), std::string::npos) << r.output;
  EXPECT_LT(seconds, 10.0) << "refused before the results are allocated";
  EXPECT_TRUE(dir_is_empty_of_results(tmp));
}

TEST(Cli, CudaRequestedWithoutGpuIsRefusedClearly) {
  if (cuda_unavailable_reason().empty()) GTEST_SKIP() << "a usable GPU is present; the refusal cannot be observed";
  test::TempDir tmp;
  write_file(tmp / "spec.json", kSmallSpec);
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cuda --quiet --out " + tmp / "out");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--backend cuda"), std::string::npos) << r.output;
  EXPECT_TRUE(dir_is_empty_of_results(tmp));
  // auto falls back to the CPU
  const CliResult a = cli("run " + tmp / "spec.json" + " --backend auto --quiet --out " + tmp / "auto");
  EXPECT_EQ(a.status, 0) << a.output;
}

TEST(Cli, CompareTwoCpuRunsIsBitwiseIdentical) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", kSmallSpec);
  const CliResult r = cli("compare " + tmp / "spec.json" + " --a cpu --b cpu --threads 1 --instances 0-5,9 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["identical"], true);
  EXPECT_EQ(j["instances"], 7);
  EXPECT_EQ(j["fields"][1]["name"], "rate_Hz");
}

TEST(Cli, InfoAndHelp) {
  const CliResult info = cli("info");
  ASSERT_EQ(info.status, 0) << info.output;
  const auto j = nlohmann::json::parse(info.output);
  EXPECT_EQ(j["backends"]["cpu"]["available"], true);
  EXPECT_EQ(j["models"][0]["name"], "lif");
  for (const char* c : {"run --help", "compare --help", "info --help", "fixed-points --help", "--help"}) {
    const CliResult h = cli(c);
    EXPECT_EQ(h.status, 0) << c;
    EXPECT_NE(h.output.find("usage"), std::string::npos) << c;
  }
}

TEST(Build, CudaEnginesMatchTheBuild) {
  // A CUDA build must reach the real CUDA engines: without a usable GPU they refuse with the device's reason,
  // never with the CPU-only build's "no CUDA backend" (which would mean the stubs were linked instead).
  const Spec spec = test::spec_from(R"({"model": "lif", "duration_ms": 1, "dt_ms": 0.1})");
  const std::string reason = cuda_unavailable_reason();
#if defined(NB_HAVE_CUDA)
  EXPECT_EQ(reason.find("no CUDA backend"), std::string::npos) << reason;
  if (!reason.empty()) {
    for (const ModelInfo& m : all_models()) {
      try {
        (void)m.make_engine(EngineConfig{"cuda", MathMode::exact, 0});
        ADD_FAILURE() << m.name << ": a CUDA engine was made without a usable GPU";
      } catch (const BackendUnavailable& e) {
        EXPECT_EQ(std::string(e.what()).find("no CUDA backend"), std::string::npos) << m.name << ": " << e.what();
      }
    }
  }
#else
  EXPECT_NE(reason.find("no CUDA backend"), std::string::npos) << reason;
#endif
}

TEST(Cli, FixedPointsCommand) {
  test::TempDir tmp;
  write_file(tmp / "ss.json", R"({"model": "self_sustained", "duration_ms": 10, "dt_ms": 0.5,
      "params": {"gamma": 0.64}, "sweep": {"I_0_nA": {"linspace": [0.30, 0.33, 4]}}})");
  const CliResult r = cli("fixed-points " + tmp / "ss.json");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["points"].size(), 4u);
  EXPECT_EQ(j["saddle_nodes"]["values"].size(), 2u);
  write_file(tmp / "lif.json", R"({"model": "lif", "duration_ms": 10})");
  EXPECT_EQ(cli("fixed-points " + tmp / "lif.json").status, 2);
  EXPECT_EQ(cli("fixed-points --help").status, 0);
}

}  // namespace
}  // namespace nb
