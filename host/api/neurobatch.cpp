#include "host/api/neurobatch.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>

#include <omp.h>

#include "host/engine/cuda_device.hpp"
#include "host/io/journal.hpp"
#include "host/io/output.hpp"
#include "host/io/summary.hpp"
#include "host/models/self_sustained/self_sustained_fixed_points.hpp"

namespace nb {
namespace api {

Override::Override(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw UserError("--set: expected KEY=VALUE, got '" + assignment + "'");
  const std::string value_text = assignment.substr(eq + 1);
  value = nlohmann::ordered_json::parse(value_text, nullptr, false);
  if (value.is_discarded()) {
    // A bare word is a string; a number too large for a double is not (1e999 would be refused as a string).
    char* end = nullptr;
    errno = 0;
    std::strtod(value_text.c_str(), &end);
    if (!value_text.empty() && *end == '\0' && errno == ERANGE) {
      throw UserError("--set: " + value_text + " is beyond the range of a double");
    }
    value = value_text;
  }
  key = assignment.substr(0, eq);
}

void apply_overrides(nlohmann::ordered_json& doc, const std::vector<Override>& overrides) {
  for (const Override& o : overrides) {
    // Missing objects on the way are created ("params.I_nA" in a spec without "params").
    nlohmann::ordered_json* node = &doc;
    std::stringstream path(o.key);
    for (std::string key; std::getline(path, key, '.');) {
      if (node->is_null()) *node = nlohmann::ordered_json::object();
      if (!node->is_object() || key.empty()) throw UserError("--set: '" + o.key + "' does not name an object field");
      node = &(*node)[key];
    }
    *node = o.value;
  }
}

Spec load_spec(const std::string& path, const std::vector<Override>& overrides) {
  return parse_spec(read_spec_document(path), overrides, spec_default_name(path));
}

Spec parse_spec(nlohmann::ordered_json doc, const std::vector<Override>& overrides, const std::string& name) {
  apply_overrides(doc, overrides);
  return nb::parse_spec(doc, name);
}

MathMode parse_math(const std::string& text, const std::string& flag) {
  if (text == "exact") return MathMode::exact;
  if (text == "fast") return MathMode::fast;
  throw UserError(flag + ": unknown math mode '" + text + "' (allowed: exact, fast)");
}

std::pair<std::string, MathMode> parse_side(const std::string& text, const std::string& flag) {
  const auto colon = text.find(':');
  const std::string backend = text.substr(0, colon);
  const MathMode math = colon == std::string::npos ? MathMode::exact : parse_math(text.substr(colon + 1), flag);
  if (backend != "cpu" && backend != "cuda") {
    throw UserError(flag + ": unknown backend '" + backend + "' (allowed: cpu, cuda, optionally :exact or :fast)");
  }
  return {backend, math};
}

NetworkLayout parse_network_layout(const std::string& text) {
  if (text == "auto") return NetworkLayout::automatic;
  if (text == "per_cell") return NetworkLayout::per_cell;
  if (text == "per_network") return NetworkLayout::per_network;
  throw UserError("--network-layout: unknown layout '" + text + "' (allowed: auto, per_cell, per_network)");
}

std::uint32_t parse_network_cells_per_thread(const std::string& text) {
  if (text == "auto") return 0;
  for (const std::uint32_t cells : kNetworkCellsPerThread) {
    if (text == std::to_string(cells)) return cells;
  }
  throw UserError("--network-cells-per-thread: '" + text + "' is not allowed (allowed: " +
                  network_cells_per_thread_allowed() + ")");
}

std::string resolve_backend(const std::string& requested) { return nb::resolve_backend(requested); }

ChunkPlan plan(const Spec& spec, const RunOptions& options) { return plan_run(spec, options); }

RunResult run(const Spec& spec, const RunOptions& options) { return run_spec(spec, options); }

RunResult run(const Spec& spec, const RunOptions& options, const ChunkPlan& plan) {
  return run_spec(spec, options, plan);
}

std::string check_output_dir(const std::string& dir) { return nb::check_output_dir(dir); }

std::string write(const Spec& spec, const RunResult& result, const std::string& dir) {
  return write_results(spec, result, dir);
}

nlohmann::ordered_json summary(const Spec& spec, const RunResult& result) { return make_summary(spec, result); }

std::vector<ResultArray> arrays(const Spec& spec, std::shared_ptr<const RunResult> result) {
  return result_arrays(spec, std::move(result));
}

// ---- A run into a directory ------------------------------------------------------------------------------------

namespace {

std::string mib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", bytes / 1048576.0);
  return text;
}

// The results, and the journal's copy of the chunks still to run, must fit beside each other.
void check_free_space(const Spec& spec, const std::string& dir, double journal_fraction_left) {
  const double results = result_file_bytes(spec);
  const double need = results * (1.0 + journal_fraction_left);
  const double free = free_bytes_for(dir);
  if (need > free) {
    throw UserError("the results of this run need at least " + mib(need) + " on the file system of '" + dir +
                    "' (" + mib(results) + " of files, and as much again for the chunk journal while it runs), but " +
                    mib(free) + " are free: free some space, choose another --out, or record less");
  }
}

}  // namespace

namespace {

// Killed after the rename of the results and before the removal of the journal: the directory is the result.
bool written_already(const JournalStatus& found, const std::string& dir) {
  std::error_code ec;
  if (!found.header.contains("committing_utc") || !std::filesystem::exists(dir, ec)) return false;
  for (std::filesystem::directory_iterator it(found.dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().find(".partial-") != std::string::npos) return false;  // still assembling
  }
  return true;
}

// A run spread over processes is cut into at least `pieces` chunks where it starts (the journal keeps the plan).
void split_at_least(const Spec& spec, RunOptions& o, std::uint64_t pieces) {
  if (o.chunk_instances != 0 || pieces <= 1) return;
  const ChunkPlan fit = plan_run(spec, o);
  o.chunk_instances = std::max<std::uint64_t>(1, std::min(fit.instances, (fit.run_instances + pieces - 1) / pieces));
}

}  // namespace

DirRun::DirRun(const Spec& spec, RunOptions options, std::string dir, const DirRunOptions& d)
    : spec_(spec), options_(std::move(options)), dir_(std::move(dir)), shared_(d) {
  if (shared_.team != nullptr && shared_.team->size() <= 1) shared_.team = nullptr;  // one rank: a plain run
  if (shared_.shard_count > 0 && shared_.team != nullptr) {
    throw UserError("--shard: a run under mpirun is spread over its ranks already; give --shard without mpirun");
  }
  if (shared_.shard_count > 0 && shared_.shard_index >= shared_.shard_count) {
    throw UserError("--shard: shard " + std::to_string(shared_.shard_index) + " of " + std::to_string(shared_.shard_count) +
                    " does not exist (allowed: 0 to " + std::to_string(shared_.shard_count - 1) + ")");
  }
  resolve_backend(options_.backend);  // an unavailable backend is refused before anything is created
  if (shared_.team != nullptr || shared_.shard_count > 0) {
    open_shared(d);
    return;
  }
  std::optional<JournalStatus> found;
  if (d.resume) {
    found = find_journal(dir_);
    if (found && written_already(*found, dir_)) {
      std::error_code ec;
      std::filesystem::remove_all(found->dir, ec);
      complete_ = true;
      return;
    }
    // The journal's chunk plan, unless --chunk-instances says otherwise (then refused below where it differs).
    if (found && options_.chunk_instances == 0) options_.chunk_instances = found->chunk_instances;
  }
  target_ = check_output_dir(dir_);
  plan_ = plan_run(spec_, options_);
  const double left = found && found->chunks > 0 ? 1.0 - double(found->chunks_done) / double(found->chunks) : 1.0;
  check_free_space(spec_, dir_, left);
  // A resume that finds nothing to resume (the run was killed before its journal existed) starts from the
  // beginning, so that a job script may always pass --resume.
  started_fresh_ = d.resume && !found;
  journal_ = std::make_unique<RunJournal>(spec_, plan_, options_.math, dir_,
                                          d.resume && found ? RunJournal::Mode::resume : RunJournal::Mode::fresh,
                                          d.checkpoint_every_s);
  options_.store = journal_.get();
}

// Shards and ranks share one journal: the first to come creates it (a shard; rank 0, which alone records a resume),
// the others join it and take its chunk plan.
void DirRun::open_shared(const DirRunOptions& d) {
  Team* team = shared_.team;
  const auto open = [&](RunJournal::Mode mode) {
    const std::optional<JournalStatus> found = find_journal(dir_);
    if (found && options_.chunk_instances == 0) options_.chunk_instances = found->chunk_instances;
    if (mode == RunJournal::Mode::resume && !found) mode = RunJournal::Mode::fresh;  // nothing to resume: start
    started_fresh_ = d.resume && !found;
    target_ = check_output_dir(dir_);
    if (!found) split_at_least(spec_, options_, team != nullptr ? 4 * std::uint64_t(team->size()) : shared_.shard_count);
    plan_ = plan_run(spec_, options_);
    const double left = found && found->chunks > 0 ? 1.0 - double(found->chunks_done) / double(found->chunks) : 1.0;
    check_free_space(spec_, dir_, left);
    journal_ = std::make_unique<RunJournal>(spec_, plan_, options_.math, dir_, mode, d.checkpoint_every_s);
    options_.store = journal_.get();
  };
  if (team == nullptr) return open(RunJournal::Mode::join);
  std::exception_ptr failure;
  if (team->rank() == 0) {
    try {
      open(d.resume ? RunJournal::Mode::resume : RunJournal::Mode::fresh);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (!team->all(failure == nullptr)) {
    if (failure) std::rethrow_exception(failure);
    throw UserError("rank " + std::to_string(team->rank()) + ": rank 0 could not start the run (its message says why)");
  }
  if (team->rank() != 0) {
    try {
      open(RunJournal::Mode::join);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (!team->all(failure == nullptr)) {
    if (failure) std::rethrow_exception(failure);
    throw UserError("rank " + std::to_string(team->rank()) + ": another rank could not join the run (its message says why)");
  }
}

std::optional<RunResult> DirRun::run_part() {
  if (complete_) throw InternalError("DirRun::run_part: the run is complete already");
  Team* team = shared_.team;
  if (team == nullptr && shared_.shard_count == 0) return run();
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<ChunkSchedule> schedule =
      team != nullptr ? team->schedule(plan_.chunks)
                      : std::make_unique<ShardSchedule>(shared_.shard_index, shared_.shard_count, plan_.chunks);
  if (team != nullptr) {
    std::exception_ptr failure;
    try {
      compute_chunks(spec_, options_, plan_, *schedule);
    } catch (...) {
      failure = std::current_exception();
      schedule->stop();  // the others finish their chunk in progress and take no other
    }
    const bool ok = team->all(failure == nullptr);
    if (failure) std::rethrow_exception(failure);
    if (!ok) {
      throw UserError("another rank failed (its message says why); the chunks finished are kept in '" +
                      journal_dir() + "': resume with --resume, with any number of ranks");
    }
    if (team->rank() != 0) return std::nullopt;
  } else {
    compute_chunks(spec_, options_, plan_, *schedule);
    if (!journal_->all_done() || !journal_->claim_assembly()) return std::nullopt;
  }
  RunResult result = assemble_chunks(spec_, options_, plan_);
  result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();  // this process's
  result.resumes = journal_->resumes();
  result.processes = team != nullptr ? team->describe()
                                     : std::to_string(shared_.shard_count) + " shards (this is shard " +
                                           std::to_string(shared_.shard_index) + ")";
  return result;
}

std::vector<std::uint64_t> DirRun::missing_chunks() const {
  std::vector<std::uint64_t> missing;
  if (journal_) journal_->all_done(&missing);
  return missing;
}

std::string merge(const std::string& dir) {
  const std::optional<JournalStatus> found = find_journal(dir);
  if (!found) throw UserError("merge: there is no journal of a run of '" + dir + "' (looked for '" + journal_dir(dir) + "')");
  const nlohmann::ordered_json& input = found->header.at("spec_input");
  const Spec spec = parse_spec(input.at("document"), {}, input.at("name").get<std::string>());
  RunOptions o;
  o.backend = "cpu";  // nothing is computed: the chunks are read from the journal
  o.math = parse_math(found->header.value("math", "exact"));
  o.chunk_instances = found->chunk_instances;
  const std::string target = check_output_dir(dir);
  const ChunkPlan plan = plan_run(spec, o);
  check_free_space(spec, dir, 0);
  RunJournal journal(spec, plan, o.math, dir, RunJournal::Mode::merge, 0);
  std::vector<std::uint64_t> missing;
  if (!journal.all_done(&missing)) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 20; ++i) list += (i ? ", " : "") + std::to_string(missing[i]);
    throw UserError("merge: " + std::to_string(missing.size()) + " of " + std::to_string(plan.chunks) +
                    " chunks are not done yet: " + list + (missing.size() > 20 ? ", ..." : "") +
                    " (with --shard I/N, chunk k belongs to shard k mod N); run the missing shards, or resume the run");
  }
  o.store = &journal;
  RunResult result = assemble_chunks(spec, o, plan);
  result.resumes = journal.resumes();
  result.processes = "merged from the journal";
  journal.mark_committing();
  const std::string written = write_results(spec, result, dir, journal.assembly_parent());
  journal.remove();
  return written;
}

DirRun::~DirRun() = default;

std::string DirRun::journal_dir() const { return nb::journal_dir(dir_); }

std::uint64_t DirRun::chunks_done() const { return journal_ ? journal_->chunks_done() : 0; }

RunResult DirRun::run() {
  if (complete_) throw InternalError("DirRun::run: the run is complete already");
  RunResult result = run_spec(spec_, options_, plan_);
  result.resumes = journal_->resumes();
  return result;
}

std::string DirRun::write(const RunResult& result) {
  if (complete_) throw InternalError("DirRun::write: the run is complete already");
  // The output is assembled inside the journal, so that a kill there leaves nothing beside the directory.
  journal_->mark_committing();
  const std::string written = write_results(spec_, result, dir_, journal_->assembly_parent());
  journal_->remove();
  return written;
}

// ---- Other commands ---------------------------------------------------------------------------------------------

bool Comparison::exact() const { return a.math == MathMode::exact && b.math == MathMode::exact; }

nlohmann::ordered_json Comparison::to_json() const {
  nlohmann::ordered_json j = report.to_json();
  j["a"] = {{"backend", a.backend}, {"device", a.device}, {"math", math_mode_name(a.math)}};
  j["b"] = {{"backend", b.backend}, {"device", b.device}, {"math", math_mode_name(b.math)}};
  j["instances"] = a.instances.size();
  return j;
}

Comparison compare(const Spec& spec, const RunOptions& a, const RunOptions& b) {
  resolve_backend(a.backend);  // both refused before either runs
  resolve_backend(b.backend);
  Comparison c{run(spec, a), run(spec, b), {}};
  c.report = compare_results(c.a, c.b);
  return c;
}

nlohmann::ordered_json info() {
  nlohmann::ordered_json j;
  j["build"] = build_info();
  j["backends"]["cpu"] = {{"available", true}, {"threads", omp_get_max_threads()}};
  const std::string reason = cuda_unavailable_reason();
  j["backends"]["cuda"] = {{"available", reason.empty()}, {"reason", reason}};
  nlohmann::ordered_json devices = nlohmann::ordered_json::array();
  for (const auto& d : cuda_devices()) {
    devices.push_back({{"index", d.index},
                       {"name", d.name},
                       {"compute_capability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor)},
                       {"multiprocessors", d.multiprocessors},
                       {"total_MiB", d.total_bytes >> 20},
                       {"free_MiB", d.free_bytes >> 20}});
  }
  j["devices"] = devices;
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  for (const auto& m : all_models()) {
    nlohmann::ordered_json params = nlohmann::ordered_json::array();
    for (const auto& p : m.params) {
      const nlohmann::ordered_json def = p.categorical() ? nlohmann::ordered_json(p.choice_name(p.default_value))
                                                         : nlohmann::ordered_json(p.default_value);
      params.push_back({{"name", p.name}, {"default", def}, {"unit", p.unit}, {"range", p.range_text()},
                        {"description", p.description}});
    }
    models.push_back({{"name", m.name}, {"description", m.description}, {"params", params},
                      {"observables", m.observables}, {"trace_vars", m.trace_vars}, {"integrators", m.integrators}});
  }
  j["models"] = models;
  return j;
}

nlohmann::ordered_json fixed_points(const Spec& spec) { return fixed_point_report(spec); }

}  // namespace api
}  // namespace nb
