// Tests every registered model must pass, written once and run over nb::all_models(): reproducibility (chunk size,
// threads, instance order, a batch that is a subset), CPU/CUDA bitwise parity in exact math, the common bad input
// (in the parser and on the command line), chunk memory, and every experiment spec parsing. Each model's science
// tests (closed forms, published numbers, its own edge cases) stay in tests/test_<model>.cpp.
//
// A new model needs one file here: tests/models/<model>.json, a small spec of that model (EveryModel.HasASmallSpec
// fails without it). Make it exercise every code path that could leak state between instances or differ between
// backends: noise on where the model has noise, distinct parameters per instance (a small sweep), a few trials,
// a few hundred steps, and every kind of recording the model has (traces, spike times, binned sums; instance
// arrays come with the model). The spec runs once per integrator of the model.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "host/common/errors.hpp"
#include "host/io/compare.hpp"
#include "host/io/result_arrays.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using Json = nlohmann::ordered_json;

const std::string kModelSpecDir = std::string(NB_SOURCE_DIR) + "/tests/models";

std::vector<std::string> registered_models() {
  std::vector<std::string> names;
  for (const ModelInfo& m : all_models()) names.push_back(m.name);
  return names;
}

std::string model_spec_path(const std::string& model) { return kModelSpecDir + "/" + model + ".json"; }

// tests/models/<model>.json as a document, with `integrator` set unless empty.
Json model_doc(const std::string& model, const std::string& integrator = "") {
  Json doc = read_spec_document(model_spec_path(model));
  if (!integrator.empty()) doc["integrator"] = integrator;
  return doc;
}

Spec model_spec(const std::string& model, const std::string& integrator = "") {
  return parse_spec(model_doc(model, integrator), model);
}

// The smallest valid spec of `model`: its name, and the duration and time step of its small spec.
Json minimal_doc(const std::string& model) {
  const Json doc = model_doc(model);
  Json min{{"model", model}, {"duration_ms", doc.at("duration_ms")}};
  if (doc.contains("dt_ms")) min["dt_ms"] = doc["dt_ms"];
  return min;
}

bool has_spike_count(const ModelInfo& m) {
  return std::any_of(m.observables.begin(), m.observables.end(), is_spike_count);
}

// ---- Comparing runs ---------------------------------------------------------------------------------------------

// Two runs of the same instances in the same order: everything bit for bit (observables, traces, spike records and
// overflow counts, instance arrays, binned sums).
void expect_identical(const RunResult& a, const RunResult& b, const std::string& where) {
  ASSERT_EQ(a.instances, b.instances) << where;
  ASSERT_EQ(a.observables.size(), b.observables.size()) << where;
  for (std::size_t k = 0; k < a.observables.size(); ++k) {
    EXPECT_EQ(a.observables[k].name, b.observables[k].name) << where;
    EXPECT_TRUE(test::same_bits(a.observables[k].values, b.observables[k].values))
        << where << ": " << a.observables[k].name;
  }
  EXPECT_EQ(a.trace_instances, b.trace_instances) << where;
  EXPECT_EQ(a.trace_vars, b.trace_vars) << where;
  EXPECT_EQ(a.trace_samples, b.trace_samples) << where;
  ASSERT_EQ(a.traces.size(), b.traces.size()) << where;
  for (std::size_t k = 0; k < a.traces.size(); ++k) {
    EXPECT_TRUE(test::same_bits(a.traces[k], b.traces[k])) << where << ": trace " << a.trace_vars[k];
  }
  EXPECT_EQ(a.spike_instances, b.spike_instances) << where;
  EXPECT_EQ(a.spike_capacity, b.spike_capacity) << where;
  EXPECT_TRUE(test::same_bits(a.spike_steps, b.spike_steps)) << where << ": spike steps";
  EXPECT_EQ(a.spike_overflow_instances, b.spike_overflow_instances) << where;
  EXPECT_EQ(a.spike_overflow_spikes, b.spike_overflow_spikes) << where;
  EXPECT_EQ(a.array_names, b.array_names) << where;
  EXPECT_EQ(a.array_widths, b.array_widths) << where;
  ASSERT_EQ(a.arrays.size(), b.arrays.size()) << where;
  for (std::size_t k = 0; k < a.arrays.size(); ++k) {
    EXPECT_TRUE(test::same_bits(a.arrays[k], b.arrays[k])) << where << ": " << a.array_names[k];
  }
  EXPECT_TRUE(test::same_bits(a.binned.counts, b.binned.counts)) << where << ": binned counts";
  EXPECT_TRUE(test::same_bits(a.binned.sums, b.binned.sums)) << where << ": binned sums";
}

template <class T>
bool same_row(const std::vector<T>& a, std::size_t row_a, const std::vector<T>& b, std::size_t row_b,
              std::size_t width) {
  return width == 0 || std::memcmp(a.data() + row_a * width, b.data() + row_b * width, width * sizeof(T)) == 0;
}

std::map<std::uint64_t, std::size_t> rows_of(const std::vector<std::uint64_t>& ids) {
  std::map<std::uint64_t, std::size_t> rows;
  for (std::size_t k = 0; k < ids.size(); ++k) rows[ids[k]] = k;
  return rows;
}

// `part` ran some of `full`'s instances, in any order: each of its instances has the same values as in `full`, bit
// for bit (observables, instance arrays, trace rows, spike rows), and it recorded exactly those of its instances
// that `full` recorded. Binned sums are sums over the instances run, so they are compared only when `part` ran them
// all.
void expect_same_instances(const RunResult& full, const RunResult& part, const std::string& where) {
  const auto at = rows_of(full.instances);
  ASSERT_EQ(part.observables.size(), full.observables.size()) << where;
  for (std::size_t k = 0; k < part.observables.size(); ++k) {
    for (std::size_t i = 0; i < part.instances.size(); ++i) {
      const double x = full.observables[k].values[at.at(part.instances[i])], y = part.observables[k].values[i];
      EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0)
          << where << ": " << part.observables[k].name << " of instance " << part.instances[i] << ": " << y
          << " instead of " << x;
    }
  }
  ASSERT_EQ(part.array_widths, full.array_widths) << where;
  for (std::size_t k = 0; k < part.arrays.size(); ++k) {
    for (std::size_t i = 0; i < part.instances.size(); ++i) {
      EXPECT_TRUE(same_row(full.arrays[k], at.at(part.instances[i]), part.arrays[k], i, part.array_widths[k]))
          << where << ": " << part.array_names[k] << " of instance " << part.instances[i];
    }
  }
  const std::set<std::uint64_t> ran(part.instances.begin(), part.instances.end());
  auto expected_rows = [&](const std::vector<std::uint64_t>& recorded) {
    std::set<std::uint64_t> rows;
    for (std::uint64_t id : recorded) {
      if (ran.count(id)) rows.insert(id);
    }
    return rows;
  };
  EXPECT_EQ(std::set<std::uint64_t>(part.trace_instances.begin(), part.trace_instances.end()),
            expected_rows(full.trace_instances))
      << where << ": traced instances";
  EXPECT_EQ(part.trace_vars, full.trace_vars) << where;
  ASSERT_EQ(part.trace_samples, full.trace_samples) << where;
  const auto trace_row = rows_of(full.trace_instances);
  for (std::size_t v = 0; v < part.traces.size(); ++v) {
    for (std::size_t k = 0; k < part.trace_instances.size(); ++k) {
      const std::size_t row = trace_row.at(part.trace_instances[k]);
      EXPECT_TRUE(same_row(full.traces[v], row, part.traces[v], k, part.trace_samples))
          << where << ": trace " << part.trace_vars[v] << " of instance " << part.trace_instances[k];
    }
  }
  EXPECT_EQ(std::set<std::uint64_t>(part.spike_instances.begin(), part.spike_instances.end()),
            expected_rows(full.spike_instances))
      << where << ": instances with spike records";
  ASSERT_EQ(part.spike_capacity, full.spike_capacity) << where;
  const auto spike_row = rows_of(full.spike_instances);
  for (std::size_t k = 0; k < part.spike_instances.size(); ++k) {
    const std::size_t row = spike_row.at(part.spike_instances[k]);
    EXPECT_TRUE(same_row(full.spike_steps, row, part.spike_steps, k, part.spike_capacity))
        << where << ": spike steps of instance " << part.spike_instances[k];
  }
  if (part.instances.size() == full.instances.size()) {
    EXPECT_EQ(part.spike_overflow_instances, full.spike_overflow_instances) << where;
    EXPECT_EQ(part.spike_overflow_spikes, full.spike_overflow_spikes) << where;
    EXPECT_TRUE(test::same_bits(part.binned.counts, full.binned.counts)) << where << ": binned counts";
    EXPECT_TRUE(test::same_bits(part.binned.sums, full.binned.sums)) << where << ": binned sums";
  }
}

// ---- The registry and the small specs ---------------------------------------------------------------------------

// A registered model without tests/models/<model>.json would silently escape every test below.
TEST(EveryModelSpecs, EveryRegisteredModelHasASmallSpecAndEverySpecAModel) {
  const std::vector<std::string> models = registered_models();
  ASSERT_FALSE(models.empty());
  for (const std::string& m : models) {
    EXPECT_TRUE(std::filesystem::is_regular_file(model_spec_path(m)))
        << "model '" << m << "' is registered but has no small spec " << model_spec_path(m)
        << " (see tests/test_every_model.cpp)";
  }
  for (const auto& entry : std::filesystem::directory_iterator(kModelSpecDir)) {
    if (entry.path().extension() != ".json") continue;
    EXPECT_TRUE(std::count(models.begin(), models.end(), entry.path().stem().string()) == 1)
        << entry.path() << " names no registered model";
  }
}

class EveryModel : public ::testing::TestWithParam<std::string> {
 protected:
  const ModelInfo& model() const { return find_model(GetParam()); }
};

std::string model_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

// The small spec is a spec of this model and exercises what the model has: several sweep points and trials, traces
// where the model has trace variables, spike times where it counts spikes, binned sums where it bins, and instance
// arrays with values.
TEST_P(EveryModel, SmallSpecRecordsWhatTheModelHas) {
  const ModelInfo& m = model();
  Spec spec;
  ASSERT_NO_THROW(spec = model_spec(m.name)) << model_spec_path(m.name);
  EXPECT_EQ(spec.model->name, m.name);
  EXPECT_GT(spec.n_points(), 1u) << "a small sweep, so that instances differ in their parameters";
  EXPECT_GT(spec.trials, 1u) << "a few trials of each point";
  EXPECT_GE(spec.n_steps, 100u) << "a few hundred steps";
  EXPECT_LE(spec.n_instances() * spec.n_steps, 2000000u) << "small: it runs about ten times per integrator";
  if (!m.trace_vars.empty()) EXPECT_FALSE(spec.traces.vars.empty()) << "traces of the model's variables";
  if (has_spike_count(m)) EXPECT_TRUE(spec.spikes.enabled) << "spike times";
  if (!m.binned.vars.empty()) EXPECT_TRUE(spec.binned.enabled) << "binned sums";
  const RunResult r = test::run_cpu(spec);
  for (std::size_t k = 0; k < r.arrays.size(); ++k) {
    EXPECT_TRUE(std::any_of(r.arrays[k].begin(), r.arrays[k].end(), [](float v) { return v != 0.0f; }))
        << r.array_names[k] << " is empty or all zero";
  }
  for (const ObservableColumn& c : r.observables) {
    EXPECT_EQ(c.values.size(), spec.n_instances()) << c.name;
  }
}

// Every array of the output has a name for each dimension (summary.json, the Python package's Dataset): one per
// axis of its shape, except that a per-instance array's last axis splits into the model's dims, whose labelled
// sizes divide it; at most one of those is unlabelled.
TEST_P(EveryModel, EveryOutputArrayNamesItsDimensions) {
  const Spec spec = model_spec(model().name);
  const auto result = std::make_shared<const RunResult>(test::run_cpu(spec));
  for (const ResultArray& a : result_arrays(spec, result)) {
    EXPECT_EQ(a.entry["dims"].size(), a.dims.size()) << a.name;
    for (const std::string& d : a.dims) EXPECT_FALSE(d.empty()) << a.name;
    const auto info = std::find_if(spec.model->instance_arrays.begin(), spec.model->instance_arrays.end(),
                                   [&](const ModelInfo::InstanceArray& i) { return i.name == a.name; });
    if (info == spec.model->instance_arrays.end()) {
      EXPECT_EQ(a.dims.size(), a.shape.size()) << a.name;
      continue;
    }
    ASSERT_FALSE(info->dims.empty()) << a.name << ": ModelInfo::InstanceArray::dims names the width's dimensions";
    EXPECT_EQ(a.dims.size(), a.shape.size() - 1 + info->dims.size()) << a.name;
    std::size_t labelled = 1, unlabelled = 0;
    for (const ModelInfo::ArrayDim& d : info->dims) {
      if (d.labels.empty()) ++unlabelled; else labelled *= d.labels.size();
    }
    EXPECT_LE(unlabelled, 1u) << a.name;
    if (unlabelled == 0) EXPECT_EQ(a.shape.back(), labelled) << a.name;
    EXPECT_EQ(a.shape.back() % labelled, 0u) << a.name;
  }
}

// ---- Reproducibility --------------------------------------------------------------------------------------------

// Results are bitwise the same on 1 thread in one chunk and on 2 threads in chunks of 1, 3 and all instances.
TEST_P(EveryModel, ChunkSizeAndThreadsDoNotMatter) {
  for (const std::string& integrator : model().integrators) {
    const Spec spec = model_spec(GetParam(), integrator);
    const std::string where = GetParam() + " (" + integrator + ")";
    RunOptions one_thread;
    one_thread.threads = 1;
    const RunResult whole = test::run_cpu(spec, one_thread);
    ASSERT_EQ(whole.chunks, 1u) << where;
    for (std::uint64_t chunk : {std::uint64_t(1), std::uint64_t(3), spec.n_instances()}) {
      RunOptions o;
      o.chunk_instances = chunk;
      o.threads = 2;
      const RunResult chunked = test::run_cpu(spec, o);
      EXPECT_EQ(chunked.chunks, (spec.n_instances() + chunk - 1) / chunk) << where;
      expect_identical(whole, chunked, where + ", chunks of " + std::to_string(chunk) + " on 2 threads");
    }
  }
}

// An instance's results depend on (spec, seed, instance index) only: not on the order the instances are listed in,
// nor on the batch they run in (a tail {k..} of the instances, and a few scattered ones alone).
TEST_P(EveryModel, InstanceOrderAndBatchDoNotMatter) {
  for (const std::string& integrator : model().integrators) {
    const Spec spec = model_spec(GetParam(), integrator);
    const std::string where = GetParam() + " (" + integrator + ")";
    const std::uint64_t n = spec.n_instances();
    const RunResult full = test::run_cpu(spec);

    RunOptions shuffled;
    shuffled.instances.resize(n);
    std::iota(shuffled.instances.begin(), shuffled.instances.end(), std::uint64_t(0));
    std::shuffle(shuffled.instances.begin(), shuffled.instances.end(), std::mt19937_64(n));
    ASSERT_NE(shuffled.instances.front(), 0u);
    shuffled.chunk_instances = 3;  // chunks that mix instances of different points
    const RunResult permuted = test::run_cpu(spec, shuffled);
    ASSERT_EQ(permuted.instances, shuffled.instances) << where;
    expect_same_instances(full, permuted, where + ", instances shuffled");

    RunOptions tail;
    for (std::uint64_t k = n / 3; k < n; ++k) tail.instances.push_back(k);
    expect_same_instances(full, test::run_cpu(spec, tail), where + ", instances " + std::to_string(n / 3) + "..");

    RunOptions few;
    few.instances = {n - 1, 0, n / 2};
    expect_same_instances(full, test::run_cpu(spec, few), where + ", instances n-1, 0, n/2");
  }
}

// A chunk's state saved after some step and restored into a fresh engine goes on to the bits of a run that never
// stopped: every buffer that carries state is in the model's Buffers::for_each (--checkpoint-every).
TEST_P(EveryModel, ACheckpointRestoredGoesOnToTheSameBits) {
  for (const std::string& integrator : model().integrators) {
    const Spec spec = model_spec(GetParam(), integrator);
    const std::string where = GetParam() + " (" + integrator + ")";
    const EngineConfig config{"cpu", MathMode::exact, 2};
    const ChunkResult want = test::run_in_calls(*spec.model->make_engine(config), spec, {});
    std::vector<std::uint64_t> ids(spec.n_instances());
    std::iota(ids.begin(), ids.end(), std::uint64_t(0));
    const auto n_steps = static_cast<std::uint32_t>(spec.n_steps);
    for (const std::uint32_t step : {n_steps / 3 + 1, n_steps - 1}) {
      ChunkState state;
      {
        const auto first = spec.model->make_engine(config);
        first->load(spec, ids);
        first->advance(0, step);
        state = first->save_state(step);
      }
      ASSERT_EQ(state.step, step);
      const auto second = spec.model->make_engine(config);
      second->load(spec, ids);
      second->restore_state(state);
      second->advance(step, n_steps);
      test::expect_same_bits(second->finish(), want, spec, where + ", restored at step " + std::to_string(step));
    }
  }
}

// ---- CPU against CUDA -------------------------------------------------------------------------------------------

// In exact math the CUDA backend gives the CPU's bits, run whole and in chunks of 3 instances. The suite's name ends
// in "Parity" and it is instantiated without a prefix, so scripts/gpu-check's *Parity* filter and count include it.
class EveryModelParity : public EveryModel {};

TEST_P(EveryModelParity, CudaMatchesCpuBitwiseInExactMath) {
  NB_REQUIRE_CUDA();
  for (const std::string& integrator : model().integrators) {
    const Spec spec = model_spec(GetParam(), integrator);
    const std::string where = GetParam() + " (" + integrator + ")";
    const RunResult cpu = test::run_cpu(spec);
    expect_identical(cpu, test::run_on(spec, "cuda"), where + ", CUDA");
    RunOptions chunked;
    chunked.chunk_instances = 3;
    expect_identical(cpu, test::run_on(spec, "cuda", chunked), where + ", CUDA in chunks of 3");
  }
}

// ---- Bad input --------------------------------------------------------------------------------------------------

// Parsing `doc` must throw a SpecError naming `field`, with `message_part` in its message.
void expect_spec_error(const Json& doc, const std::string& field, const std::string& message_part) {
  try {
    parse_spec(doc, "test");
    ADD_FAILURE() << "no SpecError for " << doc.dump();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos)
        << "message lacks \"" << message_part << "\": " << e.what();
  }
}

// Values just outside a numeric parameter's finite bounds, and one well outside each: none, one or two per bound.
std::vector<double> out_of_range_values(const ParamInfo& p) {
  std::vector<double> values;
  const double inf = std::numeric_limits<double>::infinity();
  if (std::isfinite(p.min)) {
    const double just = p.min_exclusive ? p.min : std::nextafter(p.min, -inf);
    values.push_back(just);
    values.push_back(p.min - std::max(1.0, std::fabs(p.min)));
  }
  if (std::isfinite(p.max)) {
    const double just = p.max_exclusive ? p.max : std::nextafter(p.max, inf);
    values.push_back(just);
    values.push_back(p.max + std::max(1.0, std::fabs(p.max)));
  }
  return values;
}

TEST_P(EveryModel, ParameterOutOfRangeIsASpecErrorNamingTheFieldAndTheRange) {
  const ModelInfo& m = model();
  ASSERT_NO_THROW(parse_spec(minimal_doc(m.name), "test"));
  std::size_t checked = 0;
  for (const ParamInfo& p : m.params) {
    if (p.categorical()) continue;
    for (double bad : out_of_range_values(p)) {
      ASSERT_FALSE(p.in_range(bad)) << p.name << " = " << bad;
      Json doc = minimal_doc(m.name);
      doc["params"] = {{p.name, bad}};
      expect_spec_error(doc, "params." + p.name, p.range_text());
      Json swept = minimal_doc(m.name);
      swept["sweep"] = {{p.name, {p.default_value, bad}}};
      expect_spec_error(swept, "sweep." + p.name + "[1]", p.range_text());
      ++checked;
    }
  }
  std::cout << "[          ] " << m.name << ": " << checked << " out-of-range values refused\n";
}

TEST_P(EveryModel, UnknownNamesAreSpecErrors) {
  const ModelInfo& m = model();
  for (const ParamInfo& p : m.params) {
    Json doc = minimal_doc(m.name);
    doc["params"] = {{p.name + "x", 1}};
    expect_spec_error(doc, "params." + p.name + "x", "did you mean '" + p.name + "'?");
  }
  Json doc = minimal_doc(m.name);
  doc["params"] = {{"no_such_parameter", 1}};
  expect_spec_error(doc, "params.no_such_parameter", "unknown");
  doc = minimal_doc(m.name);
  doc["record"] = {{"observables", {"no_such_observable"}}};
  expect_spec_error(doc, "record.observables[0]", m.observables.front());
  doc = minimal_doc(m.name);
  doc["record"] = {{"traces", {{"vars", {"no_such_var"}}, {"instances", {0}}}}};
  expect_spec_error(doc, "record.traces.vars[0]", m.trace_vars.empty() ? "" : m.trace_vars.front());
  doc = minimal_doc(m.name);
  doc["integrator"] = "no_such_integrator";
  expect_spec_error(doc, "integrator", m.integrators.front());
}

// On the command line a bad spec of every model exits with status 2, names the field, and writes nothing: an
// unknown parameter, and a value out of range for the first bounded parameter. The small spec itself runs.
TEST_P(EveryModel, CliRefusesBadSpecsWithStatus2AndRunsTheSmallSpec) {
  const ModelInfo& m = model();
  std::vector<std::pair<std::string, Json>> bad;  // (field, document)
  Json unknown = model_doc(m.name);
  unknown["params"]["no_such_parameter"] = 1;
  bad.emplace_back("params.no_such_parameter", unknown);
  for (const ParamInfo& p : m.params) {
    if (p.categorical() || out_of_range_values(p).empty()) continue;
    Json doc = minimal_doc(m.name);
    doc["params"] = {{p.name, out_of_range_values(p).back()}};
    bad.emplace_back("params." + p.name, doc);
    break;
  }
  for (const auto& [field, doc] : bad) {
    test::TempDir tmp;
    test::write_file(tmp / "spec.json", doc.dump());
    const test::CliResult r = test::cli("run " + tmp / "spec.json" + " --backend cpu --quiet --out " + tmp / "out");
    EXPECT_EQ(r.status, 2) << field << ": " << r.output;
    EXPECT_NE(r.output.find(field), std::string::npos) << r.output;
    EXPECT_TRUE(test::dir_is_empty_of_results(tmp)) << field << ": a refused run must not create any output";
  }
  test::TempDir tmp;
  const test::CliResult r =
      test::cli("run " + model_spec_path(m.name) + " --backend cpu --quiet --threads 2 --out " + tmp / "out");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(tmp / "out/summary.json");
  EXPECT_EQ(nlohmann::ordered_json::parse(in)["spec"]["model"], m.name);
  for (const std::string& o : m.observables) {
    EXPECT_TRUE(std::filesystem::is_regular_file(tmp / ("out/" + o + ".npy"))) << o;
  }
}

// ---- Chunk memory -----------------------------------------------------------------------------------------------

// Every model's chunks stay within their plan: two runs of the same spec, with chunks planned at about 60 and 240
// MiB, differ in peak memory by at most 1.2 times the plans' difference (results and program are the same in
// both). Before the buffers took the chunk's arrays and the results moved out of them, the ratio was 1.4 (lif_cond)
// to 2.6 (lif): a CPU chunk lived two or three times, and the default budget (half the RAM) could exhaust it. The
// spec: the model's defaults, 10 steps, as many trials as fill about 400 MiB of chunks.
TEST_P(EveryModel, ChunkPeakMemoryGrowsWithThePlanNotFaster) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer keeps freed memory in quarantine: the peak says nothing of the plan";
#endif
  const ModelInfo& m = model();
  Json doc = minimal_doc(m.name);
  const double dt = parse_spec(doc, "test").dt_ms;
  doc["duration_ms"] = 10 * dt;
  doc["dt_ms"] = dt;
  const double bytes = double(m.bytes_per_instance(parse_spec(doc, "test")));
  doc["trials"] = static_cast<std::uint64_t>(std::ceil(400.0 * 1048576.0 / bytes));
  test::TempDir tmp;
  test::write_file(tmp / "spec.json", doc.dump());
  double plan[2], peak[2];
  for (int k = 0; k < 2; ++k) {
    const std::string out = tmp / ("out" + std::to_string(k)), budget = k == 0 ? "60" : "240";
    const test::CliResult r = test::cli("run " + tmp / "spec.json" + " --backend cpu --quiet --threads 2" +
                                        " --memory-budget-MB " + budget + " --out " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    std::ifstream in(out + "/summary.json");
    const auto run = nlohmann::ordered_json::parse(in)["run"];
    plan[k] = run["chunk_plan_MiB"];
    peak[k] = run["host_peak_MiB"];
  }
  if (peak[0] == 0.0) GTEST_SKIP() << "this OS does not report the peak resident memory (/proc/self/status VmHWM)";
  ASSERT_GT(plan[1] - plan[0], 120.0) << "the spec must fill several small chunks";
  EXPECT_LT(peak[1] - peak[0], 1.2 * (plan[1] - plan[0]))
      << m.name << ": plans " << plan[0] << " and " << plan[1] << " MiB, peaks " << peak[0] << " and " << peak[1]
      << " MiB";
}

// No prefix: the tests are EveryModel.<Test>/<model> and EveryModelParity.<Test>/<model>.
INSTANTIATE_TEST_SUITE_P(, EveryModel, ::testing::ValuesIn(registered_models()), model_name);
INSTANTIATE_TEST_SUITE_P(, EveryModelParity, ::testing::ValuesIn(registered_models()), model_name);

// ---- Experiment specs -------------------------------------------------------------------------------------------

// Every spec the experiments and the GPU check run still parses: a renamed parameter or a tightened rule that
// breaks one fails here, not in the middle of someone's study.
TEST(Spec, EveryExperimentSpecIsValid) {
  std::size_t specs = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(NB_SOURCE_DIR) + "/experiments")) {
    if (entry.path().extension() != ".json") continue;
    ++specs;
    try {
      load_spec(entry.path().string());
    } catch (const std::exception& e) {
      ADD_FAILURE() << entry.path() << ": " << e.what();
    }
  }
  EXPECT_GE(specs, 60u) << "the experiments' specs were not found under " << NB_SOURCE_DIR;
}

}  // namespace
}  // namespace nb
