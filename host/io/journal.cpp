#include "host/io/journal.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <random>
#include <system_error>

#include "host/common/errors.hpp"
#include "host/io/output.hpp"
#include "host/io/summary.hpp"
#include "nb_source_id.hpp"  // generated: NB_SOURCE_ID (cmake/source_id.cmake)

namespace nb {
namespace fs = std::filesystem;

namespace {

constexpr int kJournalFormat = 1;
constexpr char kChunkMagic[8] = {'N', 'B', 'C', 'H', 'U', 'N', 'K', '1'};
constexpr char kStateMagic[8] = {'N', 'B', 'S', 'T', 'A', 'T', 'E', '1'};

std::string hex64(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

std::string now_utc() {
  char text[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

std::string absolute_dir(const std::string& dir) {
  std::error_code ec;
  const fs::path p = fs::absolute(normalized_dir(dir), ec);
  return (ec ? normalized_dir(dir) : p.lexically_normal()).string();
}

std::string numbered_name(const char* stem, std::uint64_t chunk, const char* ext) {
  char text[64];
  std::snprintf(text, sizeof text, "%s-%06llu.%s", stem, static_cast<unsigned long long>(chunk), ext);
  return text;
}

// ---- Bytes in and out ------------------------------------------------------------------------------------------

// A journal data file: a DurableFile (output.hpp) and the checksum of what was written to it.
struct HashedFile {
  DurableFile file;
  WordHash hash;
  explicit HashedFile(std::string path) : file(std::move(path)) {}
  void write(const void* data, std::size_t n) {
    hash.add(data, n);
    file.write(data, n);
  }
};

struct Writer {
  HashedFile& file;
  void raw(const void* p, std::size_t n) { file.write(p, n); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  template <class T>
  void vec(const std::vector<T>& v) {
    u64(v.size());
    raw(v.data(), v.size() * sizeof(T));
  }
  template <class T>
  void vecs(const std::vector<std::vector<T>>& vs) {
    u64(vs.size());
    for (const auto& v : vs) vec(v);
  }
};

struct Reader {
  const std::vector<char>& bytes;
  std::size_t at = 0;
  void raw(void* p, std::size_t n) {
    if (n > bytes.size() - at) throw InternalError("journal file ends early");
    if (n > 0) std::memcpy(p, bytes.data() + at, n);  // an empty vector's data() may be null
    at += n;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  template <class T>
  std::vector<T> vec() {
    const std::uint64_t n = u64();
    if (n > (bytes.size() - at) / sizeof(T)) throw InternalError("journal file ends early");
    std::vector<T> v(n);
    raw(v.data(), n * sizeof(T));
    return v;
  }
  template <class T>
  std::vector<std::vector<T>> vecs() {
    std::vector<std::vector<T>> vs(u64());
    for (auto& v : vs) v = vec<T>();
    return vs;
  }
};

void write_chunk(Writer& w, const ChunkResult& r, std::uint64_t chunk) {
  w.raw(kChunkMagic, sizeof kChunkMagic);
  w.u64(chunk);
  w.vecs(r.observables);
  w.vecs(r.traces);
  w.vec(r.spike_steps);
  w.u64(r.binned.first_point);
  w.u64(r.binned.points);
  w.vec(r.binned.counts);
  w.vec(r.binned.sums);
  w.vecs(r.arrays);
}

ChunkResult deserialize_chunk(const std::vector<char>& bytes, std::uint64_t chunk) {
  Reader in{bytes};
  char magic[sizeof kChunkMagic];
  in.raw(magic, sizeof magic);
  if (std::memcmp(magic, kChunkMagic, sizeof magic) != 0 || in.u64() != chunk) {
    throw InternalError("not the journal file of chunk " + std::to_string(chunk));
  }
  ChunkResult r;
  r.observables = in.vecs<double>();
  r.traces = in.vecs<float>();
  r.spike_steps = in.vec<std::uint32_t>();
  r.binned.first_point = in.u64();
  r.binned.points = in.u64();
  r.binned.counts = in.vec<std::uint64_t>();
  r.binned.sums = in.vec<std::uint64_t>();
  r.arrays = in.vecs<float>();
  if (in.at != bytes.size()) throw InternalError("journal file of chunk " + std::to_string(chunk) + " is too long");
  return r;
}

void write_state(Writer& w, const ChunkState& s, std::uint64_t chunk) {
  w.raw(kStateMagic, sizeof kStateMagic);
  w.u64(chunk);
  w.u64(s.step);
  w.vecs(s.buffers);
}

ChunkState deserialize_state(const std::vector<char>& bytes, std::uint64_t chunk) {
  Reader in{bytes};
  char magic[sizeof kStateMagic];
  in.raw(magic, sizeof magic);
  if (std::memcmp(magic, kStateMagic, sizeof magic) != 0 || in.u64() != chunk) {
    throw InternalError("not the checkpoint of chunk " + std::to_string(chunk));
  }
  ChunkState s;
  s.step = static_cast<std::uint32_t>(in.u64());
  s.buffers = in.vecs<char>();
  if (in.at != bytes.size()) throw InternalError("checkpoint of chunk " + std::to_string(chunk) + " is too long");
  return s;
}

std::optional<std::vector<char>> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

std::optional<nlohmann::ordered_json> read_json(const std::string& path) {
  const auto bytes = read_all(path);
  if (!bytes) return std::nullopt;
  auto j = nlohmann::ordered_json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void write_json_durably(const std::string& path, const nlohmann::ordered_json& j) {
  const std::string text = j.dump(2) + "\n";
  replace_file_durably(path, text.data(), text.size());
}

// The second half of keeping a file: sync and rename the data, then write its record. Runs in the background for
// chunk files (RunJournal::keep), so that the sync overlaps the next chunk's computing.
void finish_keeping(HashedFile& data, const std::string& record_path, nlohmann::ordered_json record) {
  data.file.commit();
  record["bytes"] = data.file.bytes_written();
  record["checksum"] = "fnv1a64:" + hex64(data.hash.value());
  write_json_durably(record_path, record);
}

// A data file and its record ({"bytes", "checksum"}), written in that order: a record names only whole data.
template <class Fill>
void keep_file(const std::string& data_path, const std::string& record_path, Fill fill, nlohmann::ordered_json record) {
  HashedFile file(data_path);
  Writer w{file};
  fill(w);
  finish_keeping(file, record_path, std::move(record));
}

bool matches_record(const nlohmann::ordered_json& record, std::uint64_t bytes, std::uint64_t checksum) {
  return record.value("bytes", std::uint64_t(0)) == bytes && record.value("checksum", "") == "fnv1a64:" + hex64(checksum);
}

void warn_failed_checksum(const std::string& what, const std::string& data_path) {
  std::fprintf(stderr, "neurobatch: %s in the journal fails its checksum ('%s'): computing it again\n", what.c_str(),
               data_path.c_str());
}

// The data of a record whose file verifies; std::nullopt (with a warning where something is there but wrong).
std::optional<std::vector<char>> verified_file(const std::string& data_path, const std::string& record_path,
                                               const std::string& what) {
  const auto record = read_json(record_path);
  if (!record) return std::nullopt;
  const auto bytes = read_all(data_path);
  if (bytes && matches_record(*record, bytes->size(), fnv1a64_words(bytes->data(), bytes->size()))) return bytes;
  warn_failed_checksum(what, data_path);
  return std::nullopt;
}

// Whether a record's file verifies, read in pieces (a chunk may be larger than the memory to spare); warns as above.
bool file_verifies(const std::string& data_path, const std::string& record_path, const std::string& what) {
  const auto record = read_json(record_path);
  if (!record) return false;
  std::ifstream in(data_path, std::ios::binary);
  WordHash hash;
  std::vector<char> piece(std::size_t(1) << 20);
  while (in) {
    in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
    hash.add(piece.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (!in.bad() && in.eof() && matches_record(*record, hash.bytes(), hash.value())) return true;
  warn_failed_checksum(what, data_path);
  return false;
}

// ---- Identity ----------------------------------------------------------------------------------------------------

std::string spec_hash(const Spec& spec) {
  const std::string text = spec.resolved.dump();
  return hex64(fnv1a64_words(text.data(), text.size()));
}

nlohmann::ordered_json identity(const Spec& spec, const ChunkPlan& plan, MathMode math, const std::string& final_dir) {
  nlohmann::ordered_json j;
  j["format"] = kJournalFormat;
  j["output"] = absolute_dir(final_dir);
  j["spec_hash"] = spec_hash(spec);
  j["build"] = build_info();
  j["build"]["id"] = build_id();
  j["math"] = math_mode_name(math);
  j["backend"] = plan.backend;
  j["chunk_plan"] = {{"run_instances", plan.run_instances}, {"chunk_instances", plan.instances}, {"chunks", plan.chunks}};
  j["spec"] = spec.resolved;
  j["spec_input"] = {{"name", spec.name}, {"document", spec.input}};  // what `neurobatch merge` parses
  return j;
}

std::string first_difference(const nlohmann::ordered_json& journal, const nlohmann::ordered_json& now) {
  const nlohmann::json diff = nlohmann::json::diff(nlohmann::json(journal), nlohmann::json(now));
  if (diff.empty()) return "";
  const std::string path = diff[0].value("path", "");
  return path.empty() ? "the whole spec" : "'" + path.substr(1) + "'";  // "/params/I_nA" -> "params/I_nA"
}

std::string how_to_discard(const std::string& dir) { return "remove '" + dir + "' to discard it and start again"; }

}  // namespace

std::uint64_t fnv1a64_words(const void* data, std::size_t bytes) {
  WordHash h;
  h.add(data, bytes);
  return h.value();
}

std::string build_id() { return NB_SOURCE_ID; }

std::string journal_dir(const std::string& final_dir) {
  const fs::path p = normalized_dir(final_dir);
  const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  return (parent / ("." + p.filename().string() + ".journal")).string();
}

std::optional<JournalStatus> find_journal(const std::string& final_dir) {
  JournalStatus s;
  s.dir = journal_dir(final_dir);
  std::error_code ec;
  if (!fs::exists(s.dir, ec)) return std::nullopt;
  const auto header = read_json((fs::path(s.dir) / "journal.json").string());
  if (!header || !header->contains("chunk_plan")) {
    throw UserError("'" + s.dir + "' is not a journal NeuroBatch can read (its journal.json is missing or damaged); " +
                    how_to_discard(s.dir));
  }
  s.header = *header;
  s.chunks = header->at("chunk_plan").value("chunks", std::uint64_t(0));
  s.chunk_instances = header->at("chunk_plan").value("chunk_instances", std::uint64_t(0));
  for (std::uint64_t k = 0; k < s.chunks; ++k) {
    if (fs::exists(fs::path(s.dir) / numbered_name("chunk", k, "json"), ec)) ++s.chunks_done;
  }
  return s;
}

RunJournal::RunJournal(const Spec& spec, const ChunkPlan& plan, MathMode math, const std::string& final_dir,
                       Mode mode, double checkpoint_interval_s)
    : dir_(journal_dir(final_dir)), chunks_(plan.chunks), checkpoint_interval_s_(checkpoint_interval_s) {
  const nlohmann::ordered_json now = identity(spec, plan, math, final_dir);
  std::optional<JournalStatus> found = find_journal(final_dir);
  const std::string out = normalized_dir(final_dir).string();
  if (mode == Mode::fresh && found) {
    throw UserError("an unfinished run of '" + out + "' has a journal in '" + found->dir + "' (" +
                    std::to_string(found->chunks_done) + " of " + std::to_string(found->chunks) +
                    " chunks done): resume it with --resume (the same spec and --out), or " + how_to_discard(found->dir));
  }
  if (mode == Mode::fresh || (mode == Mode::join && !found)) {
    header_ = now;
    header_["created_utc"] = now_utc();
    header_["resumes"] = nlohmann::ordered_json::array();
    if (create_with_header(/*clean_leftovers=*/mode == Mode::fresh)) return;
    found = find_journal(final_dir);  // another process of the run created it first: join theirs
  }
  if (!found) {
    throw UserError(std::string(mode == Mode::merge ? "merge" : "--resume") + ": there is no journal of a run of '" +
                    out + "' (looked for '" + dir_ + "')" + (mode == Mode::merge ? "" : "; run without --resume to start it"));
  }
  header_ = found->header;
  check_identity(now, spec, math, mode);
  if (mode != Mode::resume) return;  // the processes of a shared run and merge only read the header
  // Leftovers of a kill during the last assembly: it is done again from the chunks.
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(".", 0) == 0 && name.find(".partial-") != std::string::npos) fs::remove_all(it->path(), ec);
  }
  for (const auto& r : header_.value("resumes", nlohmann::ordered_json::array())) {
    resumes_.push_back({r.value("at_utc", ""), r.value("chunks_done", std::uint64_t(0))});
  }
  resumes_.push_back({now_utc(), found->chunks_done});
  header_["resumes"].push_back({{"at_utc", resumes_.back().at_utc}, {"chunks_done", resumes_.back().chunks_done}});
  write_header(header_);
}

void RunJournal::check_identity(const nlohmann::ordered_json& now, const Spec& spec, MathMode math, Mode mode) const {
  const char* who = mode == Mode::resume ? "--resume" : mode == Mode::merge ? "merge" : "this process of the run";
  const auto refuse = [&](const std::string& what, const std::string& why) {
    throw UserError(std::string(who) + ": " + what + " differs from the journal's in '" + dir_ + "' (" + why +
                    "); go on with what the run started with, or " + how_to_discard(dir_) +
                    ". What may change on resume: --threads, --memory-budget-MB (the journal's chunks are kept), "
                    "and in exact math mode --backend");
  };
  if (header_.value("format", 0) != kJournalFormat) refuse("the journal format", "it is another version's");
  if (header_.value("output", "") != now["output"]) {
    refuse("the output directory", "the journal was made for '" + header_.value("output", "") + "', this is '" +
                                        now["output"].get<std::string>() + "'");
  }
  if (header_.value("spec_hash", "") != now["spec_hash"]) {
    refuse("the resolved spec", "first difference at " + first_difference(header_.value("spec", nlohmann::ordered_json()),
                                                                           spec.resolved));
  }
  if (header_["build"] != now["build"]) {
    refuse("the build", "journal: " + header_["build"].dump() + ", this program: " + now["build"].dump());
  }
  if (header_.value("math", "") != now["math"]) {
    refuse("the math mode", "journal: " + header_.value("math", "") + ", now: " + now["math"].get<std::string>());
  }
  if (mode != Mode::merge && math != MathMode::exact && header_.value("backend", "") != now["backend"]) {
    refuse("the backend", "journal: " + header_.value("backend", "") + ", now: " + now["backend"].get<std::string>() +
                              "; in fast math mode backends give different bits");
  }
  if (header_["chunk_plan"] != now["chunk_plan"]) {
    refuse("the chunk plan", "journal: " + header_["chunk_plan"].dump() + ", now: " + now["chunk_plan"].dump() +
                                 "; keep --chunk-instances as it was, or leave it out");
  }
}

// The journal appears whole or not at all: made under a temporary name with its journal.json, then renamed. A kill
// before the rename leaves only a ".new-<pid>" directory, which the next fresh run of the same directory removes
// (with the ".done-<pid>" left by a kill during remove()). False where another process created the journal first.
bool RunJournal::create_with_header(bool clean_leftovers) {
  const fs::path final_path(dir_);
  const fs::path parent = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; clean_leftovers && !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string(), own = final_path.filename().string();
    if (name.rfind(own + ".new-", 0) == 0 || name.rfind(own + ".done-", 0) == 0) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
  const std::string temp = dir_ + ".new-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device()());
  if (!fs::create_directory(temp, ec) || ec) {
    throw PathError("cannot create the run's journal in '" + parent.string() + "': " + (ec ? ec.message() : "exists"));
  }
  write_json_durably((fs::path(temp) / "journal.json").string(), header_);
  // renameat2's RENAME_NOREPLACE: never over a journal another process has just made (plain rename() would replace
  // an empty directory).
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, dir_.c_str(), RENAME_NOREPLACE) != 0) {
    const int err = errno;
    fs::remove_all(temp, ec);
    if (err == EEXIST || err == ENOTEMPTY) return false;
    throw PathError("cannot create the run's journal '" + dir_ + "': " + std::strerror(err));
  }
  sync_directory(parent.string());
  return true;
}

std::string RunJournal::path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

void RunJournal::write_header(const nlohmann::ordered_json& header) { write_json_durably(path("journal.json"), header); }

std::uint64_t RunJournal::chunks_done() {
  flush();
  std::uint64_t n = 0;
  std::error_code ec;
  for (std::uint64_t k = 0; k < chunks_; ++k) n += fs::exists(chunk_path(k, "json"), ec) ? 1 : 0;
  return n;
}

std::string RunJournal::chunk_path(std::uint64_t chunk, const char* ext) const {
  return path(numbered_name("chunk", chunk, ext));
}

void RunJournal::flush_if_in_flight(std::uint64_t chunk) {
  if (in_flight_.valid() && in_flight_chunk_ == chunk) flush();
}

std::optional<ChunkResult> RunJournal::finished(std::uint64_t chunk) {
  flush_if_in_flight(chunk);
  const auto bytes = verified_file(chunk_path(chunk, "nbc"), chunk_path(chunk, "json"), "chunk " + std::to_string(chunk));
  if (!bytes) return std::nullopt;
  return deserialize_chunk(*bytes, chunk);
}

bool RunJournal::holds(std::uint64_t chunk) {
  flush_if_in_flight(chunk);
  return file_verifies(chunk_path(chunk, "nbc"), chunk_path(chunk, "json"), "chunk " + std::to_string(chunk));
}

void RunJournal::keep(std::uint64_t chunk, const ChunkResult& result) {
  flush();  // one chunk in flight at most: its error, if any, surfaces here
  // The bytes go to the page cache now (the result is the caller's again when this returns); syncing, renaming and
  // recording them overlap the next chunk. A kill before the record leaves the chunk to be computed again.
  auto file = std::make_shared<HashedFile>(chunk_path(chunk, "nbc"));
  Writer w{*file};
  write_chunk(w, result, chunk);
  const std::string record = chunk_path(chunk, "json");
  std::vector<std::string> stale;
  for (const char* slot : {"a", "b"}) {  // the chunk's checkpoints are no longer needed once its results are kept
    stale.push_back(path(checkpoint_name(chunk, slot, "json")));
    stale.push_back(path(checkpoint_name(chunk, slot, "nbs")));
  }
  in_flight_chunk_ = chunk;
  in_flight_ = std::async(std::launch::async, [file, record, chunk, stale] {
    finish_keeping(*file, record, {{"chunk", chunk}});
    std::error_code ec;
    for (const std::string& p : stale) fs::remove(p, ec);
  });
}

void RunJournal::flush() {
  if (in_flight_.valid()) in_flight_.get();  // rethrows the background keep's error
}

RunJournal::~RunJournal() {
  try {
    flush();
  } catch (const std::exception& e) {  // a destructor cannot throw: the chunk is computed again on resume
    std::fprintf(stderr, "neurobatch: warning: the last chunk could not be kept: %s\n", e.what());
  }
}

// A chunk's checkpoints alternate between two slots, a and b: while one is rewritten, the other still holds the
// last whole checkpoint, so a kill during a checkpoint loses one interval, not the chunk.
std::string RunJournal::checkpoint_name(std::uint64_t chunk, const char* slot, const char* ext) {
  return numbered_name("checkpoint", chunk, (std::string(slot) + "." + ext).c_str());
}

std::optional<std::uint64_t> RunJournal::checkpoint_step(std::uint64_t chunk, const char* slot) const {
  const auto record = read_json(path(checkpoint_name(chunk, slot, "json")));
  if (!record || !record->contains("step")) return std::nullopt;
  return record->at("step").get<std::uint64_t>();
}

std::optional<ChunkState> RunJournal::checkpoint(std::uint64_t chunk) {
  // The newest slot that verifies, else the other.
  std::vector<std::pair<std::uint64_t, const char*>> slots;
  for (const char* slot : {"a", "b"}) {
    if (const auto step = checkpoint_step(chunk, slot)) slots.emplace_back(*step, slot);
  }
  std::sort(slots.begin(), slots.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  for (const auto& [step, slot] : slots) {
    const auto bytes = verified_file(path(checkpoint_name(chunk, slot, "nbs")), path(checkpoint_name(chunk, slot, "json")),
                                     "the checkpoint of chunk " + std::to_string(chunk) + " at step " + std::to_string(step));
    if (bytes) return deserialize_state(*bytes, chunk);
  }
  return std::nullopt;
}

void RunJournal::keep_checkpoint(std::uint64_t chunk, const ChunkState& state) {
  // Into the older (or empty) slot. Its record goes first: a kill before the new record leaves that slot without
  // one (ignored), never a record that vouches for other data.
  const auto a = checkpoint_step(chunk, "a"), b = checkpoint_step(chunk, "b");
  const char* slot = !a ? "a" : !b ? "b" : (*a <= *b ? "a" : "b");
  std::error_code ec;
  fs::remove(path(checkpoint_name(chunk, slot, "json")), ec);
  keep_file(path(checkpoint_name(chunk, slot, "nbs")), path(checkpoint_name(chunk, slot, "json")),
            [&](Writer& w) { write_state(w, state, chunk); }, {{"chunk", chunk}, {"step", state.step}});
}

bool RunJournal::all_done(std::vector<std::uint64_t>* missing) {
  flush();
  bool all = true;
  std::error_code ec;
  for (std::uint64_t k = 0; k < chunks_; ++k) {
    if (fs::exists(chunk_path(k, "json"), ec)) continue;
    all = false;
    if (missing == nullptr) break;
    missing->push_back(k);
  }
  return all;
}

bool RunJournal::claim_assembly() {
  const int fd = ::open(path("assembly.claim").c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

void RunJournal::mark_committing() {
  header_["committing_utc"] = now_utc();
  write_header(header_);
}

void RunJournal::remove() {
  // Renamed first, so that a kill during the removal leaves no half journal under the name a resume looks for
  // (only a ".done-<pid>" directory, which the next run of the same directory removes).
  const std::string trash = dir_ + ".done-" + std::to_string(::getpid());
  std::error_code ec;
  fs::rename(dir_, trash, ec);
  fs::remove_all(ec ? dir_ : trash, ec);
  if (ec) std::fprintf(stderr, "neurobatch: warning: cannot remove the finished run's journal '%s': %s\n", dir_.c_str(),
                       ec.message().c_str());
}

double result_file_bytes(const Spec& spec) {
  // The arrays as in memory, a header per file, and summary.json (the resolved spec, which holds the sweep's
  // values, and the per-point statistics of sweeps small enough to list them).
  const double summary = 2.0 * double(spec.resolved.dump().size()) + 400.0 * double(std::min<std::uint64_t>(spec.n_points(), 1000)) + 65536.0;
  return result_memory(spec).total() + summary;
}

double free_bytes_for(const std::string& dir) {
  const fs::path p = normalized_dir(dir);
  fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  struct statvfs st {};
  if (::statvfs(parent.c_str(), &st) != 0) {
    throw PathError("cannot tell the free space of '" + parent.string() + "': " + std::strerror(errno));
  }
  return double(st.f_bavail) * double(st.f_frsize);
}

}  // namespace nb
