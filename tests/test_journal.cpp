// The chunk journal (host/io/journal.*): a run stopped between time segments keeps its finished chunks (and, with
// checkpoints, the chunk in progress), a resume computes only what is missing and writes the bytes of an
// uninterrupted run, and every way a journal can belong to another run is refused with exit status 2 and nothing
// changed. Kills at random moments (SIGKILL, SIGTERM) and full disks are tests/resume/kill_resume.py's.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "host/api/neurobatch.hpp"
#include "host/io/journal.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using test::cli;
using test::CliResult;
using test::write_file;

// 40 instances x 3000 steps of the noisy LIF, with traces and spike times: chunks of 8 make 5 chunks, each in one
// time segment (4096 steps at least).
const char* kSpec = R"({"model": "lif", "duration_ms": 300, "dt_ms": 0.1, "seed": 11, "trials": 10,
  "params": {"sigma_mV_sqrt_ms": 0.8},
  "sweep": {"I_nA": [0.3, 0.4, 0.45, 0.5]},
  "record": {"traces": {"vars": ["V_mV"], "instances": [0, 17, 39], "every": 10},
             "spikes": {"instances": [3, 17, 25], "max_per_instance": 40}}})";

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every file of `dir` by name; summary.json without its "run" section (which says how the run went).
std::map<std::string, std::string> result_files(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == "summary.json") {
      Json summary = Json::parse(read_bytes(entry.path()));
      summary.erase("run");
      files[name] = summary.dump();
    } else {
      files[name] = read_bytes(entry.path());
    }
  }
  return files;
}

void expect_same_files(const fs::path& got, const fs::path& want) {
  const auto a = result_files(got), b = result_files(want);
  ASSERT_EQ(a.size(), b.size()) << got << " vs " << want;
  for (const auto& [name, bytes] : b) {
    ASSERT_TRUE(a.count(name)) << name << " missing in " << got;
    EXPECT_TRUE(a.at(name) == bytes) << name << " differs";
  }
}

// Named as the CLI names tests write to spec.json: a spec's name is part of the resolved spec a journal checks.
Spec lif_spec() { return api::parse_spec(Json::parse(kSpec), {}, "spec"); }

RunOptions chunked(std::uint64_t chunk_instances = 8) {
  RunOptions o;
  o.backend = "cpu";
  o.chunk_instances = chunk_instances;
  return o;
}

// A run into `dir` stopped by its progress callback after `segments` time segments: Cancelled, the journal kept.
void run_and_stop(const Spec& spec, RunOptions o, const std::string& dir, int segments, api::DirRunOptions d = {}) {
  int seen = 0;
  o.on_progress = [&](const Progress&) { return ++seen < segments; };
  api::DirRun run(spec, o, dir, d);
  EXPECT_THROW(run.run(), Cancelled);
}

std::string write_uninterrupted(const Spec& spec, const fs::path& dir, RunOptions o = chunked()) {
  api::DirRun run(spec, o, dir.string());
  return run.write(run.run());
}

TEST(Journal, StoppedRunKeepsFinishedChunksAndResumesToTheSameBytes) {
  test::TempDir tmp;
  const Spec spec = lif_spec();
  write_uninterrupted(spec, tmp / "whole");
  const std::string out = tmp / "out";
  run_and_stop(spec, chunked(), out, 3);
  EXPECT_FALSE(fs::exists(out));
  const auto status = find_journal(out);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->chunks, 5u);
  EXPECT_EQ(status->chunks_done, 2u);  // the third chunk was stopped after its one segment, before it was kept

  RunOptions o = chunked(0);  // the journal's chunk plan is taken
  o.threads = 1;              // threads may change
  api::DirRun resumed(spec, o, out, {true, 0});
  EXPECT_EQ(resumed.chunks_done(), 2u);
  const RunResult r = resumed.run();
  EXPECT_EQ(r.chunks_from_store, 2u);
  ASSERT_EQ(r.resumes.size(), 1u);
  EXPECT_EQ(r.resumes[0].chunks_done, 2u);
  EXPECT_EQ(resumed.write(r), out);
  EXPECT_FALSE(fs::exists(journal_dir(out))) << "the journal outlived the written results";
  expect_same_files(out, tmp / "whole");
  const Json summary = Json::parse(read_bytes(fs::path(out) / "summary.json"));
  EXPECT_EQ(summary["run"]["chunks_from_journal"], 2);
  EXPECT_EQ(summary["run"]["resumed"].size(), 1u);
  EXPECT_FALSE(Json::parse(read_bytes(tmp / "whole/summary.json"))["run"].contains("resumed"));
}

TEST(Journal, CheckpointInsideAChunkResumesToTheSameBytes) {
  test::TempDir tmp;
  Json doc = Json::parse(kSpec);
  doc["duration_ms"] = 2000;  // 20000 steps: 5 segments of 4096 in the one chunk
  const Spec spec = api::parse_spec(doc);
  write_uninterrupted(spec, tmp / "whole", chunked(1000));
  const std::string out = tmp / "out";
  // A checkpoint after every segment (any positive interval is passed by then), stopped after the third.
  run_and_stop(spec, chunked(1000), out, 3, {false, 1e-9});
  const auto state = RunJournal(spec, api::plan(spec, chunked(1000)), MathMode::exact, out, RunJournal::Mode::resume, 0)
                         .checkpoint(0);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->step, 3u * 4096u);
  api::DirRun resumed(spec, chunked(1000), out, {true, 0});
  const RunResult r = resumed.run();
  EXPECT_EQ(r.steps_from_checkpoints, 3u * 4096u);
  resumed.write(r);
  expect_same_files(out, tmp / "whole");
}

TEST(Journal, DamagedChunkFileIsComputedAgain) {
  test::TempDir tmp;
  const Spec spec = lif_spec();
  write_uninterrupted(spec, tmp / "whole");
  const std::string out = tmp / "out";
  run_and_stop(spec, chunked(), out, 4);
  const fs::path chunk = fs::path(journal_dir(out)) / "chunk-000001.nbc";
  std::string bytes = read_bytes(chunk);
  ASSERT_GT(bytes.size(), 100u);
  bytes[bytes.size() / 2] ^= 1;
  std::ofstream(chunk, std::ios::binary) << bytes;
  api::DirRun resumed(spec, chunked(), out, {true, 0});
  const RunResult r = resumed.run();
  EXPECT_EQ(r.chunks_from_store, 2u) << "chunks 0 and 2 kept, 1 computed again";
  resumed.write(r);
  expect_same_files(out, tmp / "whole");
}

// ---- Refusals on the command line: status 2, the journal and the directory as they were -------------------------

class JournalRefusals : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(tmp / "spec.json", kSpec);
    run_and_stop(lif_spec(), chunked(), out(), 3);
    journal = journal_dir(out());
    before = result_files(journal);
  }
  std::string out() const { return tmp / "out"; }
  CliResult run(const std::string& args) {
    return cli("run " + tmp / "spec.json" + " --backend cpu --quiet --out " + out() + " " + args);
  }
  void expect_refused(const CliResult& r, const std::string& says) {
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(says), std::string::npos) << "expected '" << says << "' in: " << r.output;
    EXPECT_FALSE(fs::exists(out()));
    EXPECT_TRUE(result_files(journal) == before) << "the journal changed";
  }
  test::TempDir tmp;
  std::string journal;
  std::map<std::string, std::string> before;
};

TEST_F(JournalRefusals, PlainRunSaysHowMuchIsDoneAndHowToResume) {
  const CliResult r = run("--chunk-instances 8");
  expect_refused(r, "2 of 5 chunks done");
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
}

TEST_F(JournalRefusals, DifferentSpecNamesTheField) { expect_refused(run("--resume --set params.I_nA=0.41"), "I_nA"); }

TEST_F(JournalRefusals, DifferentSweepValue) {
  expect_refused(run("--resume --set 'sweep.I_nA=[0.3,0.4,0.45,0.51]'"), "the resolved spec");
}

TEST_F(JournalRefusals, DifferentMathMode) { expect_refused(run("--resume --math fast"), "math mode"); }

TEST_F(JournalRefusals, DifferentChunkPlan) { expect_refused(run("--resume --chunk-instances 7"), "chunk plan"); }

TEST_F(JournalRefusals, DifferentBuild) {
  Json header = Json::parse(read_bytes(fs::path(journal) / "journal.json"));
  header["build"]["id"] = "0000000000000000";
  std::ofstream(fs::path(journal) / "journal.json") << header.dump(2);
  before = result_files(journal);
  expect_refused(run("--resume"), "the build");
}

TEST_F(JournalRefusals, JournalOfAnotherDirectory) {
  const std::string other = tmp / "other";
  fs::copy(journal, journal_dir(other), fs::copy_options::recursive);
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --resume --out " + other);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("output directory"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(other));
}

// A job script may always pass --resume: where the run was killed before its journal existed, it starts afresh.
TEST_F(JournalRefusals, ResumeWithoutAJournalStartsFromTheBeginningAndSaysSo) {
  write_uninterrupted(lif_spec(), tmp / "whole");
  const CliResult r = cli("run " + tmp / "spec.json" + " --backend cpu --quiet --resume --chunk-instances 8 --out " +
                          tmp / "elsewhere");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("no journal"), std::string::npos) << r.output;
  expect_same_files(tmp / "elsewhere", tmp / "whole");
}

TEST_F(JournalRefusals, ThreadsMayChangeAndTheResultIsTheUninterruptedOne) {
  write_uninterrupted(lif_spec(), tmp / "whole");
  const CliResult r = run("--resume --threads 1");
  ASSERT_EQ(r.status, 0) << r.output;
  expect_same_files(out(), tmp / "whole");
  EXPECT_FALSE(fs::exists(journal));
}

TEST(Journal, BadCheckpointIntervalIsRefused) {
  test::TempDir tmp;
  write_file(tmp / "spec.json", kSpec);
  for (const char* minutes : {"0", "-1", "x", "1e9"}) {
    const CliResult r = cli("run " + tmp / "spec.json" + " --quiet --checkpoint-every " + minutes + " --out " + tmp / "o");
    EXPECT_EQ(r.status, 2) << minutes << ": " << r.output;
    EXPECT_NE(r.output.find("--checkpoint-every"), std::string::npos) << r.output;
  }
  EXPECT_TRUE(test::dir_is_empty_of_results(tmp));
}

TEST(Journal, ChecksumSeesEveryByteAndTheLength) {
  std::string bytes(1001, 'a');
  const std::uint64_t h = fnv1a64_words(bytes.data(), bytes.size());
  for (std::size_t at : {std::size_t(0), std::size_t(7), std::size_t(8), std::size_t(1000)}) {
    std::string changed = bytes;
    changed[at] = 'b';
    EXPECT_NE(fnv1a64_words(changed.data(), changed.size()), h) << at;
  }
  EXPECT_NE(fnv1a64_words(bytes.data(), 1000), h);
  // Fed in pieces of every size, the checksum is the one-piece one (chunk files are written piece by piece).
  for (std::size_t piece : {std::size_t(1), std::size_t(3), std::size_t(7), std::size_t(8), std::size_t(13)}) {
    WordHash pieces;
    for (std::size_t at = 0; at < bytes.size(); at += piece) pieces.add(bytes.data() + at, std::min(piece, bytes.size() - at));
    EXPECT_EQ(pieces.value(), h) << "pieces of " << piece;
  }
  const std::string zeros(16, '\0');
  EXPECT_NE(fnv1a64_words(zeros.data(), 8), fnv1a64_words(zeros.data(), 16));
}

}  // namespace
}  // namespace nb
