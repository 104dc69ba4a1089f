// neurobatch._core: the C++ library core (host/api/neurobatch.hpp) as a Python extension module. Everything users
// see is in the pure-Python package around it (python/neurobatch/); this file only converts types, releases the
// GIL while a run advances, and maps the core's typed errors onto the package's exception classes.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <optional>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "host/api/neurobatch.hpp"
#if defined(NB_HAVE_MPI)
#include "host/dist/mpi_team.hpp"
#endif

namespace nbind = nanobind;
using Json = nlohmann::ordered_json;

namespace {

// The CLI's --set texts, "KEY=VALUE" (the package encodes keyword overrides as "KEY=JSON").
std::vector<nb::api::Override> to_overrides(const std::vector<std::string>& texts) {
  return {texts.begin(), texts.end()};
}

// The run options the package passes: backend and math by name, counts with 0 for "the default".
nb::RunOptions to_options(const std::string& backend, const std::string& math, int threads,
                          std::uint64_t chunk_instances, std::uint64_t memory_budget_mb) {
  nb::RunOptions o;
  o.backend = backend;
  o.math = nb::api::parse_math(math, "math");
  o.threads = threads;
  o.chunk_instances = chunk_instances;
  o.memory_budget_bytes = memory_budget_mb << 20;
  return o;
}

// One result array as a NumPy array over the same memory: the capsule holds a reference to its storage (the
// RunResult or the buffer made for it), so the memory lives exactly as long as the arrays that use it.
nbind::object to_numpy(const nb::ResultArray& a) {
  auto* keep = new std::shared_ptr<const void>(a.storage);
  nbind::capsule owner(keep, [](void* p) noexcept { delete static_cast<std::shared_ptr<const void>*>(p); });
  nbind::dlpack::dtype dtype;
  if (a.dtype == "float64") dtype = nbind::dtype<double>();
  else if (a.dtype == "float32") dtype = nbind::dtype<float>();
  else if (a.dtype == "uint32") dtype = nbind::dtype<std::uint32_t>();
  else if (a.dtype == "uint64") dtype = nbind::dtype<std::uint64_t>();
  else throw nb::InternalError("to_numpy: unknown dtype '" + a.dtype + "'");
  // The results belong to this result alone, so NumPy may write to them like to any array it made itself.
  nbind::ndarray<nbind::numpy> array(const_cast<void*>(a.data), a.shape.size(), a.shape.data(), owner, nullptr, dtype);
  return nbind::cast(array, nbind::rv_policy::reference);
}

// Forwards a run's progress to Python once per time segment. Holding the GIL only for that moment lets other
// Python threads run; checking for signals there makes Ctrl-C stop the run within one segment.
class ProgressBridge {
 public:
  explicit ProgressBridge(nbind::object report) : report_(std::move(report)) {}

  bool operator()(const nb::Progress& p) {
    nbind::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) return stop();
    if (report_.is_none()) return true;
    try {
      report_(p.work_done, p.work_total, p.instances_done, p.instances_total, p.elapsed_s, p.eta_s());
    } catch (nbind::python_error& e) {
      e.restore();
      return stop();
    }
    return true;
  }

  // Where a run was cancelled here, the Python exception that cancelled it (KeyboardInterrupt, or what the
  // progress function raised), to raise in its place.
  std::optional<nbind::python_error>& pending() { return pending_; }

 private:
  bool stop() {
    pending_.emplace();  // takes the error indicator that PyErr_CheckSignals or the call set
    return false;
  }
  nbind::object report_;
  std::optional<nbind::python_error> pending_;
};

struct RunOutput {
  std::string summary;                    // summary.json's text, "files" included
  std::optional<std::string> written;     // the directory written, where `out` was given
  std::vector<std::pair<std::string, nbind::object>> arrays;  // (name, ndarray), in file order
  bool complete_already = false;          // resume of a run whose directory was written: nothing ran (open it)
  bool part_only = false;                 // a shard or an MPI rank that did its part; another process writes `out`
};

// With `out`, the run goes through the core's DirRun: finished chunks are kept in a journal beside `out`, so a run
// stopped by Ctrl-C or killed can be resumed (resume=true), as with the CLI's --resume; a shard (shard_count > 0)
// or, under mpirun, each rank does its part of the run.
RunOutput run(const nb::Spec& spec, const std::string& backend, const std::string& math, int threads,
              std::uint64_t chunk_instances, std::uint64_t memory_budget_mb, const std::optional<std::string>& out,
              nbind::object progress, bool resume, double checkpoint_every_s, std::uint64_t shard_index,
              std::uint64_t shard_count) {
  nb::RunOptions options = to_options(backend, math, threads, chunk_instances, memory_budget_mb);
  if ((resume || shard_count > 0) && !out) throw nb::UserError(std::string(resume ? "resume" : "shard") + ": give `out`");
  nb::api::DirRunOptions d{resume, checkpoint_every_s, shard_index, shard_count, nullptr};
#if defined(NB_HAVE_MPI)
  if (out && shard_count == 0 && nb::dist::launched_by_mpi()) {
    d.team = &nb::dist::world_team();  // works beside mpi4py: MPI is initialised once, by whoever comes first
    if (threads == 0) options.threads = nb::dist::default_rank_threads(*d.team);
  }
#endif
  ProgressBridge bridge(std::move(progress));
  options.on_progress = [&bridge](const nb::Progress& p) { return bridge(p); };
  // Refused before anything is created, as in the CLI: the backend, the directory, the disk, the journal.
  std::optional<nb::api::DirRun> dir_run;
  if (out) {
    dir_run.emplace(spec, options, *out, d);
  } else {
    nb::api::resolve_backend(options.backend);
  }
  RunOutput output;
  if (dir_run && dir_run->complete()) {
    output.complete_already = true;
    output.written = *out;
    return output;
  }

  std::shared_ptr<const nb::RunResult> result;
  std::optional<std::string> written;
  std::vector<nb::ResultArray> arrays;
  Json summary;
  try {
    nbind::gil_scoped_release no_gil;
    if (dir_run) {
      std::optional<nb::RunResult> part = dir_run->run_part();
      if (!part) {
        output.part_only = true;
        output.written = *out;
      } else {
        result = std::make_shared<const nb::RunResult>(std::move(*part));
        written = dir_run->write(*result);
      }
    } else {
      result = std::make_shared<const nb::RunResult>(nb::api::run(spec, options, nb::api::plan(spec, options)));
    }
    if (result) {
      arrays = nb::api::arrays(spec, result);
      summary = nb::api::summary(spec, *result);
    }
  } catch (const nb::Cancelled&) {
    if (bridge.pending()) throw *bridge.pending();
    throw;
  }
  if (output.part_only) return output;
  Json files = Json::object();
  for (const nb::ResultArray& a : arrays) {
    files[a.name + ".npy"] = a.entry;
    output.arrays.emplace_back(a.name, to_numpy(a));
  }
  summary["files"] = files;
  output.summary = summary.dump();
  output.written = written;
  return output;
}

// Raises the package's exception class `name` (python/neurobatch/errors.py) with the message and, for a spec
// error, the field.
void raise_as(const char* name, const char* message, const std::string* field = nullptr) {
  nbind::object cls = nbind::module_::import_("neurobatch.errors").attr(name);
  nbind::object error = field ? cls(message, *field) : cls(message);
  PyErr_SetObject(cls.ptr(), error.ptr());
}

void translate(const std::exception_ptr& p, void*) {
  try {
    std::rethrow_exception(p);
  } catch (const nb::SpecError& e) {
    raise_as("SpecError", e.what(), &e.field());
  } catch (const nb::BackendUnavailable& e) {
    raise_as("BackendUnavailable", e.what());
  } catch (const nb::PathError& e) {
    raise_as("PathError", e.what());
  } catch (const nb::UserError& e) {
    raise_as("InputError", e.what());
  } catch (const nb::Cancelled& e) {
    raise_as("Cancelled", e.what());
  } catch (const nb::InternalError& e) {
    raise_as("InternalError", e.what());
  } catch (const nlohmann::json::exception& e) {
    raise_as("InputError", e.what());
  }
}

}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "NeuroBatch's C++ core; use the neurobatch package, not this module.";
  nbind::register_exception_translator(translate);
  m.attr("__version__") = NB_VERSION;

  nbind::class_<nb::Spec>(m, "Spec")
      .def_prop_ro("name", [](const nb::Spec& s) { return s.name; })
      .def_prop_ro("model", [](const nb::Spec& s) { return s.model->name; })
      .def_prop_ro("instances", [](const nb::Spec& s) { return s.n_instances(); })
      .def_prop_ro("resolved", [](const nb::Spec& s) { return s.resolved.dump(); });

  m.def("load_spec",
        [](const std::string& path, const std::vector<std::string>& overrides) {
          return nb::api::load_spec(path, to_overrides(overrides));
        });
  m.def("parse_spec", [](const std::string& json_text, const std::vector<std::string>& overrides,
                         const std::string& name) {
    Json doc = Json::parse(json_text, nullptr, false);
    if (doc.is_discarded()) throw nb::SpecError("(document)", "not valid JSON");
    return nb::api::parse_spec(std::move(doc), to_overrides(overrides), name);
  });

  nbind::class_<RunOutput>(m, "RunOutput")
      .def_ro("summary", &RunOutput::summary)
      .def_ro("written", &RunOutput::written)
      .def_ro("arrays", &RunOutput::arrays)
      .def_ro("complete_already", &RunOutput::complete_already)
      .def_ro("part_only", &RunOutput::part_only);
  m.def("run", &run, nbind::arg("spec"), nbind::arg("backend"), nbind::arg("math"), nbind::arg("threads"),
        nbind::arg("chunk_instances"), nbind::arg("memory_budget_mb"), nbind::arg("out").none(),
        nbind::arg("progress").none(), nbind::arg("resume"), nbind::arg("checkpoint_every_s"),
        nbind::arg("shard_index"), nbind::arg("shard_count"));
  m.def("merge", [](const std::string& dir) {
    nbind::gil_scoped_release no_gil;
    return nb::api::merge(dir);
  });

  m.def("compare", [](const nb::Spec& spec, const std::string& a_side, const std::string& b_side,
                      const std::string& instances, int threads) {
    nb::RunOptions a = to_options("cpu", "exact", threads, 0, 0);
    if (!instances.empty()) a.instances = nb::parse_instance_list(instances, spec.n_instances());
    nb::RunOptions b = a;
    std::tie(a.backend, a.math) = nb::api::parse_side(a_side, "a");
    std::tie(b.backend, b.math) = nb::api::parse_side(b_side, "b");
    nbind::gil_scoped_release no_gil;
    const nb::api::Comparison c = nb::api::compare(spec, a, b);
    return std::make_pair(c.to_json().dump(), c.exact());
  });
  m.def("info", [] { return nb::api::info().dump(); });
  m.def("fixed_points", [](const nb::Spec& spec) { return nb::api::fixed_points(spec).dump(); });
}
