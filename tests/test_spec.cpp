// Spec parsing: defaults, sweep expansion and point numbering, and the error for each kind of bad input (the
// field it names and the allowed range or values it gives).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "host/common/errors.hpp"
#include "host/engine/runner.hpp"
#include "host/spec/spec.hpp"
#include "host/io/summary.hpp"

namespace nb {
namespace {

using Json = nlohmann::ordered_json;

Json minimal() { return Json{{"model", "lif"}, {"duration_ms", 100}}; }

Json with(Json doc, const std::string& key, Json value) {
  doc[key] = std::move(value);
  return doc;
}

// Parses `doc` (for `model`, else for the registry's model it names), which must be refused, and checks the
// field named and a part of the message.
void expect_spec_error(const Json& doc, const std::string& field, const std::string& message_part,
                       const ModelInfo* model = nullptr) {
  try {
    if (model != nullptr) {
      parse_spec(doc, *model);
    } else {
      parse_spec(doc);
    }
    ADD_FAILURE() << "no SpecError for " << doc.dump();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos)
        << "message lacks \"" << message_part << "\": " << e.what();
  }
}

// A file in a fresh temporary directory, removed with it.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : dir_(std::filesystem::temp_directory_path() /
             ("nb_test_spec_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))),
        path_((dir_ / name).string()) {
    std::filesystem::create_directories(dir_);
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  const std::string& str() const { return path_; }
  std::string dir() const { return dir_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::string path_;
};

// ---- Registry helpers -----------------------------------------------------------------------------------------

TEST(ModelRegistry, RangeText) {
  ParamInfo p{"x", 0, "", ""};
  EXPECT_EQ(p.range_text(), "(-inf, inf)");
  p.min = 0;
  EXPECT_EQ(p.range_text(), "[0, inf)");
  p.min_exclusive = true;
  EXPECT_EQ(p.range_text(), "(0, inf)");
  p.max = 1.5;
  EXPECT_EQ(p.range_text(), "(0, 1.5]");
  p.max_exclusive = true;
  EXPECT_EQ(p.range_text(), "(0, 1.5)");
}

TEST(ModelRegistry, InRange) {
  const ModelInfo& m = find_model("lif");
  const ParamInfo& C = m.params[m.param_index("C_nF")];
  EXPECT_FALSE(C.in_range(0.0));
  EXPECT_TRUE(C.in_range(1e-9));
  const ParamInfo& t_ref = m.params[m.param_index("t_ref_ms")];
  EXPECT_TRUE(t_ref.in_range(0.0));
  EXPECT_FALSE(t_ref.in_range(-1e-9));
  const ParamInfo& I = m.params[m.param_index("I_nA")];
  EXPECT_TRUE(I.in_range(-1e300));
  EXPECT_FALSE(I.in_range(std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(I.in_range(std::nan("")));
}

TEST(ModelRegistry, ParamIndexOfUnknownNameIsInternalError) {
  EXPECT_THROW(find_model("lif").param_index("C_pF"), InternalError);
}

TEST(ModelRegistry, NearestName) {
  const std::vector<std::string> names = {"I_nA", "C_nF", "V_th_mV", "duration_ms"};
  EXPECT_EQ(nearest_name("I_na", names), "I_nA");         // case only
  EXPECT_EQ(nearest_name("V_TH_MV", names), "V_th_mV");   // case is ignored, else 3 edits
  EXPECT_EQ(nearest_name("V_thr_mV", names), "V_th_mV");  // one insertion
  EXPECT_EQ(nearest_name("duraton_ms", names), "duration_ms");
  EXPECT_EQ(nearest_name("duraton", names), "");  // 4 edits: more than max(2, 7 / 3)
  EXPECT_EQ(nearest_name("banana", names), "");
  EXPECT_EQ(nearest_name("x", {}), "");
}

// ---- Defaults and expansion ---------------------------------------------------------------------------------

TEST(Spec, DefaultsFilled) {
  const Spec spec = parse_spec(minimal());
  EXPECT_EQ(spec.model->name, "lif");
  EXPECT_EQ(spec.name, "unnamed");
  EXPECT_EQ(spec.dt_ms, 0.1);
  EXPECT_EQ(spec.n_steps, 1000u);
  EXPECT_EQ(spec.seed, 0u);
  EXPECT_EQ(spec.trials, 1u);
  EXPECT_EQ(spec.integrator, "euler");
  EXPECT_EQ(spec.n_points(), 1u);
  EXPECT_TRUE(spec.axis_shape().empty());
  EXPECT_EQ(spec.param(0, "C_nF"), 0.2);
  EXPECT_EQ(spec.param(0, "V_th_mV"), -52.0);
  EXPECT_EQ(spec.observables, spec.model->observables);
  EXPECT_TRUE(spec.traces.vars.empty());
  EXPECT_FALSE(spec.spikes.enabled);

  const Json& r = spec.resolved;
  std::vector<std::string> keys;
  for (const auto& item : r.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"model", "name", "duration_ms", "dt_ms", "n_steps", "seed", "trials",
                                            "integrator", "params", "sweep", "zip", "derived", "record", "instances",
                                            "axes"}));
  EXPECT_EQ(r["params"].size(), spec.n_params());
  EXPECT_EQ(r["params"]["G_L_nS"], 20.0);
  EXPECT_EQ(r["derived"], Json::object());
  EXPECT_EQ(r["record"]["traces"], nullptr);
  EXPECT_EQ(r["record"]["spikes"], nullptr);
  EXPECT_EQ(r["instances"], 1);
}

TEST(Spec, ExplicitSettingsKept) {
  Json doc = minimal();
  doc["name"] = "fI";
  doc["dt_ms"] = 0.05;
  doc["seed"] = 18446744073709551615ull;
  doc["trials"] = 3;
  doc["integrator"] = "exact";
  doc["params"] = {{"I_nA", 0.45}};
  const Spec spec = parse_spec(doc, "ignored");
  EXPECT_EQ(spec.name, "fI");
  EXPECT_EQ(spec.n_steps, 2000u);
  EXPECT_EQ(spec.seed, 18446744073709551615ull);
  EXPECT_EQ(spec.n_instances(), 3u);
  EXPECT_EQ(spec.integrator, "exact");
  EXPECT_EQ(spec.param(0, "I_nA"), 0.45);
  EXPECT_EQ(parse_spec(minimal(), "from_file").name, "from_file");
}

TEST(Spec, SweepList) {
  const Spec spec = parse_spec(with(minimal(), "sweep", {{"I_nA", {0.1, 0.3, 0.2}}}));
  ASSERT_EQ(spec.axes.size(), 1u);
  EXPECT_EQ(spec.axes[0].params, std::vector<std::string>{"I_nA"});
  EXPECT_EQ(spec.axes[0].values[0], (std::vector<double>{0.1, 0.3, 0.2}));
  EXPECT_EQ(spec.param(2, "I_nA"), 0.2);
  EXPECT_FALSE(spec.resolved["params"].contains("I_nA"));  // swept, so not a constant
  EXPECT_EQ(spec.resolved["sweep"]["I_nA"], Json({0.1, 0.3, 0.2}));
}

TEST(Spec, Linspace) {
  const Spec spec = parse_spec(with(minimal(), "sweep", {{"I_nA", {{"linspace", {0, 0.9, 4}}}}}));
  const std::vector<double>& v = spec.axes.at(0).values.at(0);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], 0.0);
  EXPECT_EQ(v[1], 1 * (0.9 / 3));  // i * step + start, as numpy.linspace
  EXPECT_EQ(v[2], 2 * (0.9 / 3));
  EXPECT_EQ(v[3], 0.9);  // exact, where 3 * step would give 0.8999999999999999
  EXPECT_EQ(spec.resolved["sweep"]["I_nA"].size(), 4u);
}

TEST(Spec, LinspaceOfOneIsStart) {
  const Spec spec = parse_spec(with(minimal(), "sweep", {{"I_nA", {{"linspace", {0.3, 0.6, 1}}}}}));
  EXPECT_EQ(spec.axes.at(0).values.at(0), std::vector<double>{0.3});
  const Spec log = parse_spec(with(minimal(), "sweep", {{"I_nA", {{"logspace", {0.5, 2, 1}}}}}));
  EXPECT_EQ(log.axes.at(0).values.at(0), std::vector<double>{0.5});
}

TEST(Spec, LogspaceIsGeometric) {
  const Spec spec = parse_spec(with(minimal(), "sweep", {{"sigma_mV_sqrt_ms", {{"logspace", {0.03, 3, 3}}}}}));
  const std::vector<double>& v = spec.axes.at(0).values.at(0);
  ASSERT_EQ(v.size(), 3u);
  // The endpoints are exactly start and stop (10^log10(0.03) alone would give 0.029999999999999995).
  EXPECT_EQ(v[0], 0.03);
  EXPECT_DOUBLE_EQ(v[1], 0.3);
  EXPECT_EQ(v[2], 3.0);
}

TEST(Spec, ZipGroupIsOneAxisAfterSweepAxes) {
  Json doc = minimal();
  doc["zip"] = Json::array({{{"V_th_mV", {-52, -50, -48}}, {"V_reset_mV", {{"linspace", {-60, -58, 3}}}}}});
  doc["sweep"] = {{"I_nA", {0.4, 0.5}}};
  const Spec spec = parse_spec(doc);
  ASSERT_EQ(spec.axes.size(), 2u);
  EXPECT_EQ(spec.axes[0].params, std::vector<std::string>{"I_nA"});
  EXPECT_EQ(spec.axes[1].params, (std::vector<std::string>{"V_th_mV", "V_reset_mV"}));
  EXPECT_EQ(spec.axis_shape(), (std::vector<std::size_t>{2, 3}));
  // Point 4 = (I index 1, zip index 1): the zipped values move together.
  EXPECT_EQ(spec.param(4, "I_nA"), 0.5);
  EXPECT_EQ(spec.param(4, "V_th_mV"), -50.0);
  EXPECT_EQ(spec.param(4, "V_reset_mV"), -59.0);
  EXPECT_EQ(spec.resolved["zip"][0]["V_reset_mV"], Json({-60.0, -59.0, -58.0}));
  EXPECT_EQ(spec.resolved["axes"][1]["params"], Json({"V_th_mV", "V_reset_mV"}));
}

TEST(Spec, PointsInCOrderAndInstanceCount) {
  Json doc = minimal();
  doc["trials"] = 4;
  doc["params"] = {{"C_nF", 0.25}};
  doc["sweep"] = {{"I_nA", {0.1, 0.2, 0.3}}, {"V_L_mV", {-70, -65}}};
  const Spec spec = parse_spec(doc);
  EXPECT_EQ(spec.axis_shape(), (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(spec.n_points(), 6u);
  EXPECT_EQ(spec.n_instances(), 24u);
  EXPECT_EQ(spec.point_table.size(), 6 * spec.n_params());
  const double expected[6][2] = {{0.1, -70}, {0.1, -65}, {0.2, -70}, {0.2, -65}, {0.3, -70}, {0.3, -65}};
  for (std::uint64_t p = 0; p < 6; ++p) {
    EXPECT_EQ(spec.param(p, "I_nA"), expected[p][0]) << "point " << p;
    EXPECT_EQ(spec.param(p, "V_L_mV"), expected[p][1]) << "point " << p;
    EXPECT_EQ(spec.param(p, "C_nF"), 0.25) << "point " << p;
  }
  EXPECT_EQ(spec.resolved["instances"], 24);
  EXPECT_EQ(spec.resolved["axes"][1]["values"], Json::array({Json({-70.0, -65.0})}));
}

TEST(Spec, RecordRequests) {
  Json doc = with(minimal(), "trials", 3);
  doc["record"] = {{"observables", {"rate_Hz", "spike_count", "rate_Hz"}},
                   {"traces", {{"vars", {"V_mV"}}, {"instances", {2, 0, 2}}, {"every", 10}}},
                   {"spikes", Json::object()}};
  const Spec spec = parse_spec(doc);
  EXPECT_EQ(spec.observables, (std::vector<std::string>{"rate_Hz", "spike_count"}));
  EXPECT_EQ(spec.traces.vars, std::vector<std::string>{"V_mV"});
  EXPECT_EQ(spec.traces.instances, (std::vector<std::uint64_t>{0, 2}));
  EXPECT_EQ(spec.traces.every, 10u);
  EXPECT_TRUE(spec.spikes.enabled);
  EXPECT_EQ(spec.spikes.instances, (std::vector<std::uint64_t>{0, 1, 2}));
  EXPECT_EQ(spec.spikes.max_per_instance, 1000u);
  EXPECT_EQ(spec.resolved["record"]["spikes"]["instances"], "all");
  EXPECT_EQ(spec.resolved["record"]["traces"]["instances"], Json({0, 2}));
}

// ---- Names --------------------------------------------------------------------------------------------------

TEST(SpecErrors, UnknownModelSuggestsLif) {
  expect_spec_error(with(minimal(), "model", "lfi"), "model", "did you mean 'lif'?");
  expect_spec_error(with(minimal(), "model", "hodgkin"), "model", "available models: lif");
}

TEST(SpecErrors, MissingRequiredKeys) {
  expect_spec_error(Json{{"duration_ms", 10}}, "model", "lif");
  expect_spec_error(Json{{"model", "lif"}}, "duration_ms", "> 0");
}

TEST(SpecErrors, UnknownTopLevelKey) {
  expect_spec_error(with(minimal(), "duraton_ms", 5), "duraton_ms", "did you mean 'duration_ms'?");
  expect_spec_error(with(minimal(), "sweeps", Json::object()), "sweeps", "did you mean 'sweep'?");
}

TEST(SpecErrors, UnknownParameter) {
  expect_spec_error(with(minimal(), "params", {{"I_na", 0.3}}), "params.I_na", "did you mean 'I_nA'?");
  expect_spec_error(with(minimal(), "sweep", {{"Vth_mV", {1}}}), "sweep.Vth_mV", "did you mean 'V_th_mV'?");
  expect_spec_error(with(minimal(), "zip", Json::array({{{"tref_ms", {1}}}})), "zip[0].tref_ms",
                    "did you mean 't_ref_ms'?");
}

TEST(SpecErrors, UnknownIntegratorObservableAndTraceVar) {
  expect_spec_error(with(minimal(), "integrator", "exp"), "integrator", "allowed: euler, exact");
  expect_spec_error(with(minimal(), "record", {{"observables", {"rate_hz"}}}), "record.observables[0]",
                    "did you mean 'rate_Hz'?");
  expect_spec_error(with(minimal(), "record", {{"traces", {{"vars", {"V"}}, {"instances", {0}}}}}),
                    "record.traces.vars[0]", "allowed: V_mV");
  expect_spec_error(with(minimal(), "record", {{"spikes", {{"max_per_instances", 3}}}}),
                    "record.spikes.max_per_instances", "did you mean 'max_per_instance'?");
}

// ---- Types ----------------------------------------------------------------------------------------------------

TEST(SpecErrors, WrongTypes) {
  expect_spec_error(with(minimal(), "duration_ms", "100"), "duration_ms", "expected a number, got string");
  expect_spec_error(with(minimal(), "model", 5), "model", "expected a string");
  expect_spec_error(with(minimal(), "trials", 1.5), "trials", "expected an integer in [1,");
  expect_spec_error(with(minimal(), "seed", -1), "seed", "expected an integer in [0,");
  expect_spec_error(with(minimal(), "params", {{"C_nF", "big"}}), "params.C_nF", "expected a number");
  expect_spec_error(with(minimal(), "params", Json::array({1})), "params", "expected an object");
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", "0.3"}}), "sweep.I_nA", "linspace");
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {0.1, true}}}), "sweep.I_nA[1]", "expected a number");
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"linspace", {0, 1}}}}}), "sweep.I_nA.linspace",
                    "[start, stop, n]");
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"linspace", {0, 1, 2.5}}}}}), "sweep.I_nA.linspace[2]",
                    "integer");
  expect_spec_error(with(minimal(), "zip", {{"I_nA", {1}}}), "zip", "expected a list");
  expect_spec_error(Json::array({1}), "(top level)", "expected a JSON object");
}

TEST(SpecErrors, NonFiniteNumber) {
  expect_spec_error(with(minimal(), "duration_ms", std::numeric_limits<double>::infinity()), "duration_ms", "finite");
  expect_spec_error(with(minimal(), "params", {{"I_nA", std::nan("")}}), "params.I_nA", "finite");
}

// ---- Ranges -----------------------------------------------------------------------------------------------------

TEST(SpecErrors, ParameterOutOfRangeNamesFieldAndRange) {
  expect_spec_error(with(minimal(), "params", {{"C_nF", 0}}), "params.C_nF", "allowed (0, inf) nF");
  expect_spec_error(with(minimal(), "params", {{"G_L_nS", -5}}), "params.G_L_nS", "allowed (0, inf) nS");
  expect_spec_error(with(minimal(), "params", {{"sigma_mV_sqrt_ms", -0.1}}), "params.sigma_mV_sqrt_ms",
                    "allowed [0, inf) mV/sqrt(ms)");
  expect_spec_error(with(minimal(), "params", {{"t_ref_ms", -1}}), "params.t_ref_ms", "allowed [0, inf) ms");
  expect_spec_error(with(minimal(), "sweep", {{"C_nF", {0.1, 0.2, 0.3, -1}}}), "sweep.C_nF[3]",
                    "C_nF = -1 nF is out of range");
  expect_spec_error(with(minimal(), "sweep", {{"t_ref_ms", {{"linspace", {-2, 2, 3}}}}}), "sweep.t_ref_ms[0]",
                    "[0, inf) ms");
}

TEST(SpecErrors, TimeStep) {
  expect_spec_error(with(minimal(), "dt_ms", 0), "dt_ms", "(0, duration_ms] = (0, 100] ms");
  expect_spec_error(with(minimal(), "dt_ms", -0.1), "dt_ms", "(0, duration_ms]");
  expect_spec_error(with(minimal(), "dt_ms", 200), "dt_ms", "(0, duration_ms] = (0, 100] ms");
  expect_spec_error(with(minimal(), "duration_ms", 0), "duration_ms", "(0, inf) ms");
  expect_spec_error(with(with(minimal(), "duration_ms", 1e9), "dt_ms", 0.1), "duration_ms", "2^32-1");
  // 2^32 - 1 steps is the largest count allowed.
  EXPECT_EQ(parse_spec(with(with(minimal(), "duration_ms", 4294967295.0), "dt_ms", 1.0)).n_steps, 4294967295u);
}

TEST(SpecErrors, EmptySweeps) {
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", Json::array()}}), "sweep.I_nA", "empty sweep");
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"linspace", {0, 1, 0}}}}}), "sweep.I_nA.linspace[2]",
                    "empty sweep");
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"logspace", {1, 2, -3}}}}}), "sweep.I_nA.logspace[2]",
                    "empty sweep");
  expect_spec_error(with(minimal(), "zip", Json::array({Json::object()})), "zip[0]", "empty zip group");
}

TEST(SpecErrors, LogspaceNeedsPositiveEnds) {
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"logspace", {0, 1, 3}}}}}), "sweep.I_nA.logspace[0]",
                    "must be > 0");
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"logspace", {1, -1, 3}}}}}), "sweep.I_nA.logspace[1]",
                    "must be > 0");
}

TEST(SpecErrors, ZipListsOfDifferentLength) {
  expect_spec_error(with(minimal(), "zip", Json::array({{{"I_nA", {0.1, 0.2, 0.3}}, {"V_th_mV", {-52, -50}}}})),
                    "zip[0].V_th_mV", "has 2 values but 'zip[0].I_nA' has 3");
}

TEST(SpecErrors, ParameterInTwoPlacesIsAmbiguous) {
  Json doc = with(minimal(), "params", {{"I_nA", 0.3}});
  expect_spec_error(with(doc, "sweep", {{"I_nA", {0.1}}}), "sweep.I_nA", "ambiguous");
  expect_spec_error(with(minimal(), "zip", Json::array({{{"I_nA", {1}}}, {{"I_nA", {2}}}})), "zip[1].I_nA",
                    "already given in 'zip[0].I_nA'");
}

// ---- Cross-field checks -------------------------------------------------------------------------------------

TEST(SpecErrors, ResetAboveThresholdAtOneSweepPoint) {
  Json doc = with(minimal(), "params", {{"V_reset_mV", -60}});
  doc["sweep"] = {{"I_nA", {0.3}}, {"V_th_mV", {-50, -60, -55}}};
  expect_spec_error(doc, "params.V_reset_mV", "at sweep point 1 (I_nA=0.3, V_th_mV=-60)");
  // Without a sweep the message has no point.
  expect_spec_error(with(minimal(), "params", {{"V_reset_mV", -40}}), "params.V_reset_mV", "must be below V_th_mV");
}

TEST(SpecErrors, EulerUnstableWhenDtReachesTau) {
  Json doc = with(minimal(), "dt_ms", 10);  // tau = C / G_L = 0.2 nF / 20 nS = 10 ms
  expect_spec_error(doc, "dt_ms", "tau_m");
  EXPECT_NO_THROW(parse_spec(with(doc, "integrator", "exact")));
  EXPECT_NO_THROW(parse_spec(with(with(minimal(), "dt_ms", 9.5), "duration_ms", 95)));
}

// ---- Instance counts ----------------------------------------------------------------------------------------

TEST(SpecErrors, TooManyInstances) {
  Json doc = with(minimal(), "trials", std::uint64_t(1) << 40);
  expect_spec_error(with(doc, "sweep", {{"I_nA", {{"linspace", {0, 1, 1024}}}}}), "sweep", "2^48");
  expect_spec_error(with(minimal(), "trials", (std::uint64_t(1) << 48) + 1), "trials", "2^48");
  // Axes whose product overflows 64 bits are refused before anything is expanded.
  const std::uint64_t huge = std::uint64_t(1) << 40;
  expect_spec_error(
      with(minimal(), "sweep", {{"I_nA", {{"linspace", {0, 1, huge}}}}, {"V_L_mV", {{"linspace", {0, 1, huge}}}}}),
      "sweep", "address space");
  expect_spec_error(with(minimal(), "zip", Json::array({{{"I_nA", {{"linspace", {0, 1, ~std::uint64_t(0)}}}}}})), "zip",
                    "2^48");
}

TEST(SpecErrors, ResultsTooLargeForMemory) {
  // 2^40 instances are within the counter's 2^48, but their observables (8 bytes each, several per instance) fit
  // no machine: refused before the run. (A sweep that large is refused earlier, for its table of points.)
  expect_spec_error(with(minimal(), "trials", std::uint64_t(1) << 40), "trials", "bytes of host memory");
  Json traced = with(with(minimal(), "trials", std::uint64_t(1) << 24), "duration_ms", 100000);
  traced["record"] = {{"traces", {{"vars", {"V_mV"}}, {"instances", "all"}}}};
  expect_spec_error(traced, "record.traces", "record fewer instances");
}

TEST(SpecErrors, DurationNotAWholeNumberOfSteps) {
  expect_spec_error(with(with(minimal(), "duration_ms", 10), "dt_ms", 0.3), "duration_ms", "use e.g. 9.9 or 10.2 ms");
  EXPECT_NO_THROW(parse_spec(with(with(minimal(), "duration_ms", 1000), "dt_ms", 0.1)));  // 10000.000000000002
  EXPECT_NO_THROW(parse_spec(with(with(minimal(), "duration_ms", 3000), "dt_ms", 0.01)));
}

TEST(SpecErrors, NameMustBeAPlainFileName) {
  for (const char* bad : {"", "../../escape", "a/b", ".hidden", "tab\there"}) {
    expect_spec_error(with(minimal(), "name", bad), "name", "plain file name");
  }
  EXPECT_EQ(parse_spec(with(minimal(), "name", "coba N=4000 (x2)")).name, "coba N=4000 (x2)");
}

TEST(SpecErrors, ArraysForAModelWithoutArrays) {
  expect_spec_error(with(minimal(), "arrays", {{"x", {1, 2}}}), "arrays", "model 'lif' takes no arrays");
}

TEST(SpecErrors, LinspaceWhoseStepOverflows) {
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"linspace", {-1e308, 1e308, 3}}}}}), "sweep.I_nA",
                    "overflows a double");
}

TEST(SpecErrors, FoundByFuzzing) {
  // Spike records for a model without spikes: a spec error, not an internal failure.
  expect_spec_error(Json{{"model", "self_sustained"}, {"duration_ms", 1}, {"record", {{"spikes", Json::object()}}}},
                    "record.spikes", "records no spike times");
  // A deeply nested value in a type error is described by its size, not dumped recursively (stack overflow).
  Json deep = Json::array();
  for (int k = 0; k < 100000; ++k) deep = Json::array({std::move(deep)});
  expect_spec_error(with(minimal(), "params", std::move(deep)), "params", "array of 1 items");
  // A linspace of 3e9 values is refused before it is expanded (it was filled first, and the process killed).
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"linspace", {0, 1, 3e9}}}}}), "sweep.I_nA", "table of");
  // Times beyond 2^32 steps saturate instead of wrapping to short ones.
  const Spec lif = parse_spec(with(minimal(), "params", {{"t_ref_ms", 1e30}}));
  EXPECT_EQ(lif.n_steps, 1000u);
}

TEST(SpecErrors, SweepTooLargeForMemory) {
  // 2^47 points fit the instance address space, but their values (1 PiB) fit no machine.
  expect_spec_error(with(minimal(), "sweep", {{"I_nA", {{"linspace", {0, 1, std::uint64_t(1) << 47}}}}}), "sweep.I_nA",
                    "more than this machine can allocate");
}

TEST(SpecErrors, TraceInstanceOutOfRange) {
  Json doc = with(minimal(), "trials", 2);
  doc["sweep"] = {{"I_nA", {0.1, 0.2, 0.3}}};
  doc["record"] = {{"traces", {{"vars", {"V_mV"}}, {"instances", {0, 6}}}}};
  expect_spec_error(doc, "record.traces.instances[1]", "allowed [0, 5]");
  doc["record"] = {{"spikes", {{"instances", {7}}}}};
  expect_spec_error(doc, "record.spikes.instances[0]", "allowed [0, 5]");
}

TEST(SpecErrors, IncompleteTraceRequest) {
  expect_spec_error(with(minimal(), "record", {{"traces", {{"vars", Json::array()}, {"instances", {0}}}}}),
                    "record.traces.vars", "V_mV");
  expect_spec_error(with(minimal(), "record", {{"traces", {{"vars", {"V_mV"}}}}}), "record.traces.instances", "[0, 0]");
  expect_spec_error(with(minimal(), "record", {{"traces", {{"vars", {"V_mV"}}, {"instances", {0}}, {"every", 0}}}}),
                    "record.traces.every", "[1, 4294967295]");
  expect_spec_error(with(minimal(), "record", {{"spikes", {{"max_per_instance", 1000001}}}}),
                    "record.spikes.max_per_instance", "[1, 1000000]");
  expect_spec_error(with(minimal(), "record", {{"spikes", {{"instances", "some"}}}}), "record.spikes.instances",
                    "\"all\" or a list");
}

// ---- Categorical parameters and presets (a test model, parsed with parse_spec(doc, model)) -----------------

ParamInfo numeric(std::string name, double def, std::string unit,
                  double min = -std::numeric_limits<double>::infinity()) {
  ParamInfo p{std::move(name), def, std::move(unit), "test parameter"};
  p.min = min;
  return p;
}

ParamInfo categorical(std::string name, std::vector<std::string> choices, double default_index = 0) {
  ParamInfo p{std::move(name), default_index, "", "test choice"};
  p.choices = std::move(choices);
  return p;
}

// A kinetic-synapse-like model: "receptor" picks defaults of tau_s_ms (every choice) and E_syn_mV (GABA_A only).
// Its cross-field check refuses tau_s_ms > duration_ms, to see where an error about a preset value points.
const ModelInfo& synapse_like() {
  static const ModelInfo m = [] {
    ModelInfo info;
    info.name = "synapse_like";
    info.params = {categorical("receptor", {"AMPA", "GABA_A", "NMDA"}), numeric("tau_s_ms", 5, "ms", 0),
                   numeric("E_syn_mV", 0, "mV"), numeric("g_nS", 1, "nS", 0),
                   categorical("train", {"periodic", "poisson", "lif"}, 1)};
    info.params[1].min_exclusive = true;
    info.presets = {{"receptor", "AMPA", {{"tau_s_ms", 2}}},
                    {"receptor", "GABA_A", {{"tau_s_ms", 6}, {"E_syn_mV", -70}}},
                    {"receptor", "NMDA", {{"tau_s_ms", 100}}}};
    info.observables = {"peak"};
    info.trace_vars = {"s"};
    info.integrators = {"exact"};
    info.check_point = [](const double* p, const Spec& spec, const std::string& where) {
      if (p[1] > spec.duration_ms) {
        throw SpecError(spec.param_field("tau_s_ms"), "tau_s_ms must not exceed duration_ms" + where);
      }
    };
    return info;
  }();
  return m;
}

Json synapse_doc() { return Json{{"model", "synapse_like"}, {"duration_ms", 500}}; }

Spec parse_synapse(const Json& doc) { return parse_spec(doc, synapse_like()); }

TEST(ModelRegistry, CategoricalParamInfo) {
  const ParamInfo p = categorical("receptor", {"AMPA", "GABA_A", "NMDA"});
  EXPECT_TRUE(p.categorical());
  EXPECT_FALSE(numeric("g_nS", 1, "nS").categorical());
  EXPECT_EQ(p.range_text(), "one of AMPA, GABA_A, NMDA");
  EXPECT_TRUE(p.in_range(0.0));
  EXPECT_TRUE(p.in_range(2.0));
  EXPECT_FALSE(p.in_range(3.0));
  EXPECT_FALSE(p.in_range(-1.0));
  EXPECT_FALSE(p.in_range(0.5));
  EXPECT_FALSE(p.in_range(std::nan("")));
  EXPECT_EQ(p.choice_name(1.0), "GABA_A");
  EXPECT_EQ(p.choice_value("NMDA"), 2.0);
  EXPECT_THROW(p.choice_name(3.0), InternalError);
  EXPECT_THROW(p.choice_name(0.5), InternalError);
  EXPECT_THROW(p.choice_value("nmda"), InternalError);
  EXPECT_THROW(numeric("g_nS", 1, "nS").choice_name(0.0), InternalError);
}

TEST(SpecCategorical, DefaultChoiceAndItsPreset) {
  const Spec spec = parse_synapse(synapse_doc());
  EXPECT_EQ(spec.param(0, "receptor"), 0.0);  // AMPA
  EXPECT_EQ(spec.param(0, "train"), 1.0);     // poisson, the default index
  EXPECT_EQ(spec.param(0, "tau_s_ms"), 2.0);  // AMPA's preset, not the default 5
  EXPECT_EQ(spec.param(0, "E_syn_mV"), 0.0);  // no AMPA preset: the default
  const Json& params = spec.resolved["params"];
  EXPECT_EQ(params, (Json{{"receptor", "AMPA"}, {"tau_s_ms", 2.0}, {"E_syn_mV", 0.0}, {"g_nS", 1.0},
                          {"train", "poisson"}}));
  EXPECT_EQ(spec.resolved["derived"], Json::object());
  EXPECT_EQ(spec.resolved["model"], "synapse_like");
}

TEST(SpecCategorical, InParams) {
  const Spec spec = parse_synapse(with(synapse_doc(), "params", {{"receptor", "GABA_A"}, {"train", "lif"}}));
  EXPECT_EQ(spec.param(0, "receptor"), 1.0);
  EXPECT_EQ(spec.param(0, "train"), 2.0);
  EXPECT_EQ(spec.param(0, "tau_s_ms"), 6.0);
  EXPECT_EQ(spec.param(0, "E_syn_mV"), -70.0);
  EXPECT_EQ(spec.resolved["params"]["receptor"], "GABA_A");
  EXPECT_EQ(spec.resolved["params"]["train"], "lif");
  EXPECT_EQ(spec.resolved["params"]["tau_s_ms"], 6.0);
  EXPECT_EQ(spec.resolved["params"]["E_syn_mV"], -70.0);
}

TEST(SpecCategorical, SweptPresetsApplyPerPoint) {
  Json doc = with(synapse_doc(), "sweep", {{"receptor", {"NMDA", "AMPA", "GABA_A"}}, {"g_nS", {1, 2}}});
  const Spec spec = parse_synapse(doc);
  EXPECT_EQ(spec.axes.at(0).values.at(0), (std::vector<double>{2, 0, 1}));  // stored as indices
  const double tau[3] = {100, 2, 6}, E[3] = {0, 0, -70};
  for (std::uint64_t p = 0; p < 6; ++p) {
    EXPECT_EQ(spec.param(p, "receptor"), (std::vector<double>{2, 0, 1}[p / 2])) << "point " << p;
    EXPECT_EQ(spec.param(p, "tau_s_ms"), tau[p / 2]) << "point " << p;
    EXPECT_EQ(spec.param(p, "E_syn_mV"), E[p / 2]) << "point " << p;
  }
  const Json& r = spec.resolved;
  EXPECT_EQ(r["sweep"]["receptor"], Json({"NMDA", "AMPA", "GABA_A"}));
  EXPECT_EQ(r["axes"][0]["values"], Json::array({Json({"NMDA", "AMPA", "GABA_A"})}));
  EXPECT_EQ(r["axes"][1]["values"], Json::array({Json({1.0, 2.0})}));
  // Values that vary with the swept choice: aligned with receptor's list.
  EXPECT_EQ(r["derived"], (Json{{"tau_s_ms", {{"from", "receptor"}, {"values", {100.0, 2.0, 6.0}}}},
                                {"E_syn_mV", {{"from", "receptor"}, {"values", {0.0, 0.0, -70.0}}}}}));
  EXPECT_FALSE(r["params"].contains("tau_s_ms"));
  EXPECT_FALSE(r["params"].contains("E_syn_mV"));
  EXPECT_EQ(r["params"], (Json{{"train", "poisson"}}));
}

TEST(SpecCategorical, PresetValueConstantOverTheSweepStaysInParams) {
  // E_syn_mV is 0 for both AMPA and NMDA: the same at every point, so a plain resolved param.
  const Spec spec = parse_synapse(with(synapse_doc(), "sweep", {{"receptor", {"AMPA", "NMDA"}}}));
  EXPECT_EQ(spec.resolved["params"]["E_syn_mV"], 0.0);
  EXPECT_EQ(spec.resolved["derived"], (Json{{"tau_s_ms", {{"from", "receptor"}, {"values", {2.0, 100.0}}}}}));
}

TEST(SpecCategorical, ExplicitValueBeatsPreset) {
  Json doc = with(synapse_doc(), "sweep", {{"receptor", {"AMPA", "GABA_A", "NMDA"}}});
  doc["params"] = {{"tau_s_ms", 3}};
  const Spec spec = parse_synapse(doc);
  for (std::uint64_t p = 0; p < 3; ++p) EXPECT_EQ(spec.param(p, "tau_s_ms"), 3.0) << "point " << p;
  EXPECT_EQ(spec.param(1, "E_syn_mV"), -70.0);  // not given: still from the preset
  EXPECT_EQ(spec.resolved["params"]["tau_s_ms"], 3.0);
  EXPECT_EQ(spec.resolved["derived"], (Json{{"E_syn_mV", {{"from", "receptor"}, {"values", {0.0, -70.0, 0.0}}}}}));

  // Swept explicitly, against a constant choice.
  Json swept = with(synapse_doc(), "params", {{"receptor", "NMDA"}});
  swept["sweep"] = {{"tau_s_ms", {1, 4}}};
  const Spec s2 = parse_synapse(swept);
  EXPECT_EQ(s2.param(0, "tau_s_ms"), 1.0);
  EXPECT_EQ(s2.param(1, "tau_s_ms"), 4.0);
  EXPECT_EQ(s2.resolved["derived"], Json::object());
}

TEST(SpecCategorical, InZipWithPresets) {
  Json doc = synapse_doc();
  doc["sweep"] = {{"train", {"lif", "periodic"}}};
  doc["zip"] = Json::array({{{"receptor", {"GABA_A", "NMDA"}}, {"g_nS", {0.5, 3}}}});
  const Spec spec = parse_synapse(doc);
  ASSERT_EQ(spec.axis_shape(), (std::vector<std::size_t>{2, 2}));
  // Point 1 = (train lif, zip position 1: NMDA, g 3); point 2 = (train periodic, GABA_A, g 0.5).
  EXPECT_EQ(spec.param(1, "train"), 2.0);
  EXPECT_EQ(spec.param(1, "receptor"), 2.0);
  EXPECT_EQ(spec.param(1, "g_nS"), 3.0);
  EXPECT_EQ(spec.param(1, "tau_s_ms"), 100.0);
  EXPECT_EQ(spec.param(2, "train"), 0.0);
  EXPECT_EQ(spec.param(2, "receptor"), 1.0);
  EXPECT_EQ(spec.param(2, "tau_s_ms"), 6.0);
  EXPECT_EQ(spec.param(2, "E_syn_mV"), -70.0);
  const Json& r = spec.resolved;
  EXPECT_EQ(r["sweep"]["train"], Json({"lif", "periodic"}));
  EXPECT_EQ(r["zip"][0]["receptor"], Json({"GABA_A", "NMDA"}));
  EXPECT_EQ(r["axes"][1]["values"], Json::array({Json({"GABA_A", "NMDA"}), Json({0.5, 3.0})}));
  EXPECT_EQ(r["derived"]["tau_s_ms"], (Json{{"from", "receptor"}, {"values", {6.0, 100.0}}}));

  // A value zipped with the choice is explicit, so it beats the preset.
  Json explicit_zip = synapse_doc();
  explicit_zip["zip"] = Json::array({{{"receptor", {"GABA_A", "NMDA"}}, {"tau_s_ms", {7, 8}}}});
  const Spec s2 = parse_synapse(explicit_zip);
  EXPECT_EQ(s2.param(0, "tau_s_ms"), 7.0);
  EXPECT_EQ(s2.param(1, "tau_s_ms"), 8.0);
  EXPECT_EQ(s2.param(0, "E_syn_mV"), -70.0);
  EXPECT_EQ(s2.resolved["derived"], (Json{{"E_syn_mV", {{"from", "receptor"}, {"values", {-70.0, 0.0}}}}}));
}

TEST(SpecCategorical, SummaryPointsNameTheChoice) {
  Json doc = with(synapse_doc(), "sweep", {{"receptor", {"NMDA", "AMPA"}}});
  const Spec spec = parse_synapse(doc);
  RunResult r;
  r.instances = {0, 1};
  const Json summary = make_summary(spec, r);
  EXPECT_EQ(summary["points"][0]["params"]["receptor"], "NMDA");
  EXPECT_EQ(summary["points"][1]["params"]["receptor"], "AMPA");
  EXPECT_EQ(summary["spec"]["sweep"]["receptor"], Json({"NMDA", "AMPA"}));
}

TEST(SpecCategoricalErrors, UnknownChoiceWithHint) {
  const ModelInfo* m = &synapse_like();
  expect_spec_error(with(synapse_doc(), "sweep", {{"receptor", {"AMPA", "GABA_A", "NMAD"}}}), "sweep.receptor[2]",
                    "unknown receptor 'NMAD'; allowed: AMPA, GABA_A, NMDA; did you mean 'NMDA'?", m);
  expect_spec_error(with(synapse_doc(), "params", {{"receptor", "gaba_a"}}), "params.receptor",
                    "did you mean 'GABA_A'?", m);
  expect_spec_error(with(synapse_doc(), "zip", Json::array({{{"train", {"poisson", "periodc"}}, {"g_nS", {1, 2}}}})),
                    "zip[0].train[1]", "allowed: periodic, poisson, lif; did you mean 'periodic'?", m);
}

TEST(SpecCategoricalErrors, NumberForCategorical) {
  const ModelInfo* m = &synapse_like();
  expect_spec_error(with(synapse_doc(), "params", {{"receptor", 2}}), "params.receptor",
                    "receptor is categorical: expected a string, one of AMPA, GABA_A, NMDA, got number 2; "
                    "did you mean 'NMDA'?",
                    m);
  expect_spec_error(with(synapse_doc(), "sweep", {{"train", {"lif", 7.5}}}), "sweep.train[1]",
                    "expected a string, one of periodic, poisson, lif, got number 7.5", m);
  expect_spec_error(with(synapse_doc(), "sweep", {{"receptor", "NMDA"}}), "sweep.receptor",
                    "a non-empty list of choices such as [\"AMPA\", \"GABA_A\"]", m);
}

TEST(SpecCategoricalErrors, StringForNumeric) {
  const ModelInfo* m = &synapse_like();
  expect_spec_error(with(synapse_doc(), "params", {{"g_nS", "AMPA"}}), "params.g_nS", "expected a number", m);
  expect_spec_error(with(synapse_doc(), "sweep", {{"tau_s_ms", {1, "NMDA"}}}), "sweep.tau_s_ms[1]",
                    "expected a number", m);
}

TEST(SpecCategoricalErrors, SpacingRefusedForCategorical) {
  const ModelInfo* m = &synapse_like();
  expect_spec_error(with(synapse_doc(), "sweep", {{"receptor", {{"linspace", {0, 2, 3}}}}}), "sweep.receptor",
                    "linspace and logspace apply to numeric parameters only", m);
  expect_spec_error(with(synapse_doc(), "zip", Json::array({{{"train", {{"logspace", {1, 2, 2}}}}}})),
                    "zip[0].train", "one of periodic, poisson, lif", m);
}

TEST(SpecCategoricalErrors, CheckOnPresetValueNamesTheChoiceField) {
  // NMDA's tau_s_ms = 100 exceeds duration_ms = 50 at point 1: the field is where the choice was made.
  Json doc = with(with(synapse_doc(), "duration_ms", 50), "sweep", {{"receptor", {"AMPA", "NMDA"}}});
  expect_spec_error(doc, "sweep.receptor", "at sweep point 1 (receptor=NMDA)", &synapse_like());
  // Set explicitly, it is named itself.
  expect_spec_error(with(with(synapse_doc(), "duration_ms", 50), "params", {{"tau_s_ms", 60}}), "params.tau_s_ms",
                    "must not exceed", &synapse_like());
}

TEST(SpecCategoricalErrors, ModelNameMustMatch) {
  expect_spec_error(with(synapse_doc(), "model", "lif"), "model", "expected 'synapse_like'", &synapse_like());
  EXPECT_NO_THROW(parse_spec(Json{{"duration_ms", 10}}, synapse_like()));  // "model" may be left out
}

TEST(SpecCategoricalErrors, BrokenPresetsAreInternalErrors) {
  const Json doc = synapse_doc();
  auto broken = [&](auto edit) {
    ModelInfo m = synapse_like();
    edit(m);
    EXPECT_THROW(parse_spec(doc, m), InternalError);
  };
  broken([](ModelInfo& m) { m.presets[0].choice = "AMPAR"; });                    // not a choice
  broken([](ModelInfo& m) { m.presets[0].param = "g_nS"; });                      // not categorical
  broken([](ModelInfo& m) { m.presets[0].values[0].second = -1; });               // out of range
  broken([](ModelInfo& m) { m.presets[0].values[0].first = "tau_ms"; });          // unknown target
  broken([](ModelInfo& m) { m.presets[0].values[0].first = "train"; });           // categorical target
  broken([](ModelInfo& m) { m.presets.push_back(m.presets[0]); });                // defined twice
  broken([](ModelInfo& m) { m.presets.push_back({"train", "lif", {{"tau_s_ms", 1}}}); });  // two sources
  broken([](ModelInfo& m) { m.params[0].default_value = 3; });                    // default not a choice
  broken([](ModelInfo& m) { m.params[4].choices.push_back("lif"); });             // duplicate choice
}

// ---- Files ----------------------------------------------------------------------------------------------------

TEST(LoadSpec, NameDefaultsToFileStem) {
  const TempFile file("fI_curve.json", R"({"model": "lif", "duration_ms": 50})");
  const Spec spec = load_spec(file.str());
  EXPECT_EQ(spec.name, "fI_curve");
  EXPECT_EQ(spec.n_steps, 500u);
}

TEST(LoadSpec, KeepsKeyOrderOfTheFile) {
  const TempFile file("order.json",
                      R"({"model": "lif", "duration_ms": 50, "sweep": {"V_th_mV": [-50, -48], "I_nA": [0.5]}})");
  const Spec spec = load_spec(file.str());
  EXPECT_EQ(spec.axes.at(0).params.at(0), "V_th_mV");
  EXPECT_EQ(spec.resolved["sweep"].begin().key(), "V_th_mV");
}

TEST(LoadSpec, UnreadableFileIsPathError) {
  try {
    load_spec("/nonexistent/spec.json");
    ADD_FAILURE() << "no PathError";
  } catch (const PathError& e) {
    EXPECT_STREQ(e.what(), "cannot read spec file '/nonexistent/spec.json': No such file or directory");
  }
  const TempFile file("x.json", "{}");
  try {
    load_spec(file.dir());
    ADD_FAILURE() << "no PathError for a directory";
  } catch (const PathError& e) {
    EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos) << e.what();
  }
}

TEST(LoadSpec, MalformedJsonNamesFileAndLine) {
  const TempFile file("bad.json", "{\n  \"model\": \"lif\",\n}\n");
  try {
    load_spec(file.str());
    ADD_FAILURE() << "no SpecError";
  } catch (const SpecError& e) {
    EXPECT_EQ(e.field(), file.str());
    EXPECT_NE(std::string(e.what()).find("line 3, column 1"), std::string::npos) << e.what();
  }
}

TEST(LoadSpec, KeyGivenTwiceIsRefusedWithItsPath) {
  for (const auto& [text, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"model": "lif", "duration_ms": 10, "trials": 2, "trials": 3})", "trials"},
           {R"({"model": "lif", "duration_ms": 10, "params": {"I_nA": 0.1, "C_nF": 0.2, "I_nA": 0.5}})", "params.I_nA"},
           {R"({"model": "lif", "duration_ms": 10, "record": {"traces": {"vars": ["V_mV"], "vars": []}}})",
            "record.traces.vars"}}) {
    const TempFile file("dup.json", text);
    try {
      load_spec(file.str());
      ADD_FAILURE() << "no SpecError for " << text;
    } catch (const SpecError& e) {
      EXPECT_EQ(e.field(), field) << e.what();
      EXPECT_NE(std::string(e.what()).find("given twice"), std::string::npos) << e.what();
    }
  }
  // The same key in different objects is fine.
  const TempFile ok("ok.json", R"({"model": "lif", "duration_ms": 10, "params": {"I_nA": 0.1},
                                   "sweep": {"V_th_mV": [-50, -52]}, "zip": [{"C_nF": [0.2]}, {"G_L_nS": [10]}]})");
  EXPECT_NO_THROW(load_spec(ok.str()));
}

TEST(LoadSpec, NumberTooLargeForDouble) {
  const TempFile file("big.json", R"({"model": "lif", "duration_ms": 1e999})");
  try {
    load_spec(file.str());
    ADD_FAILURE() << "no SpecError";
  } catch (const SpecError& e) {
    EXPECT_EQ(e.field(), file.str());
    EXPECT_NE(std::string(e.what()).find("1e999"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nb
