#include "host/io/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <system_error>

#include "host/common/errors.hpp"

// .npy stores little-endian data and we write our in-memory bytes as they are.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "NeuroBatch's .npy writer assumes a little-endian host");

namespace nb {
namespace fs = std::filesystem;

namespace {

// ---- NumPy type codes ------------------------------------------------------------------------------------------

template <class T>
struct NpyDescr;
template <>
struct NpyDescr<float> { static constexpr const char* value = "<f4"; };
template <>
struct NpyDescr<double> { static constexpr const char* value = "<f8"; };
template <>
struct NpyDescr<std::uint8_t> { static constexpr const char* value = "|u1"; };  // '|': byte order irrelevant
template <>
struct NpyDescr<std::int32_t> { static constexpr const char* value = "<i4"; };
template <>
struct NpyDescr<std::uint32_t> { static constexpr const char* value = "<u4"; };
template <>
struct NpyDescr<std::int64_t> { static constexpr const char* value = "<i8"; };
template <>
struct NpyDescr<std::uint64_t> { static constexpr const char* value = "<u8"; };

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
constexpr std::size_t kAlign = 64;  // numpy aligns the data so that it can be memory-mapped efficiently

// strerror(errno) right after a failed call; streams do not always set errno, hence the fallback.
std::string errno_text() { return errno != 0 ? std::strerror(errno) : "unknown I/O error"; }

// Element count times element size, refusing overflow instead of writing or trusting a wrapped size.
std::size_t checked_bytes(const std::vector<std::size_t>& shape, std::size_t itemsize, const std::string& what) {
  std::size_t n = itemsize;
  for (std::size_t d : shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) {
      throw InternalError(what + ": array size overflows size_t");
    }
    n *= d;
  }
  return n;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  if (shape.size() == 1) return "(" + std::to_string(shape[0]) + ",)";  // Python's 1-tuple syntax
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

// Magic, version 1.0, header length and the dict padded so that the data starts on a 64-byte boundary.
std::string npy_header(const std::string& descr, const std::vector<std::size_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  const std::size_t preamble = kMagicLen + 2 + 2;
  const std::size_t unpadded = preamble + dict.size() + 1;  // + the final '\n'
  dict.append((kAlign - unpadded % kAlign) % kAlign, ' ');
  dict.push_back('\n');
  if (dict.size() > 0xFFFF) throw InternalError("npy header too long for format 1.0");
  std::string out(kMagic, kMagicLen);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xFF);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

// Writes head then `n` bytes of `data`; any failure to open or write is the user's path problem.
void write_file(const std::string& path, const std::string& head, const char* data, std::size_t n) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw PathError("cannot open '" + path + "' for writing: " + errno_text());
  out.write(head.data(), static_cast<std::streamsize>(head.size()));
  if (n != 0) out.write(data, static_cast<std::streamsize>(n));  // data may be null when the array is empty
  out.close();
  if (!out) throw PathError("cannot write '" + path + "': " + errno_text());
}

// ---- .npy header parsing -----------------------------------------------------------------------------------------

// Parses the Python-literal dict of a .npy header: {'descr': ..., 'fortran_order': ..., 'shape': (...), }.
// Only the literals numpy itself writes are accepted; anything else is a malformed file.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  NpyArray parse() {
    NpyArray a;
    bool seen[3] = {false, false, false};
    expect('{');
    while (!peek('}')) {
      const std::string key = quoted();
      expect(':');
      if (key == "descr") {
        a.descr = quoted();
        seen[0] = true;
      } else if (key == "fortran_order") {
        a.fortran_order = boolean();
        seen[1] = true;
      } else if (key == "shape") {
        a.shape = tuple();
        seen[2] = true;
      } else {
        fail("unknown key '" + key + "'");
      }
      if (!peek('}')) expect(',');
    }
    expect('}');
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters after the header dict");
    if (!(seen[0] && seen[1] && seen[2])) fail("header lacks descr, fortran_order or shape");
    return a;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw InternalError("malformed .npy header in '" + path_ + "': " + why);
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  bool peek(char c) {
    skip_ws();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    skip_ws();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail("expected a quoted string");
    const char q = s_[pos_++];
    const std::size_t end = s_.find(q, pos_);
    if (end == std::string::npos) fail("unterminated string");
    std::string v = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return v;
  }
  bool boolean() {
    skip_ws();
    for (const char* word : {"True", "False"}) {
      if (s_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        return word[0] == 'T';
      }
    }
    fail("fortran_order must be True or False");
  }
  std::size_t integer() {
    skip_ws();
    const std::size_t start = pos_;
    std::size_t v = 0;
    for (; pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; ++pos_) {
      const std::size_t digit = static_cast<std::size_t>(s_[pos_] - '0');
      if (v > (std::numeric_limits<std::size_t>::max() - digit) / 10) fail("dimension too large");
      v = v * 10 + digit;
    }
    if (pos_ == start) fail("expected a non-negative integer in shape");
    if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 numpy wrote longs as "3L"
    return v;
  }
  std::vector<std::size_t> tuple() {
    std::vector<std::size_t> dims;
    expect('(');
    while (!peek(')')) {
      dims.push_back(integer());
      if (!peek(')')) expect(',');
    }
    expect(')');
    return dims;
  }

  const std::string& s_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

// Bytes per element of a numeric descr such as "<f8" or "|u1"; other dtypes (strings, objects, records) are
// not something NeuroBatch produces, so they are rejected rather than half-supported.
std::size_t itemsize(const std::string& descr, const std::string& path) {
  const bool ok = descr.size() >= 3 && std::strchr("<>|=", descr[0]) && std::strchr("biufc", descr[1]) &&
                  descr.find_first_not_of("0123456789", 2) == std::string::npos;
  if (!ok) throw InternalError("unsupported dtype '" + descr + "' in '" + path + "'");
  return std::stoul(descr.substr(2));
}

std::uint32_t little_endian(const unsigned char* p, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

void read_exact(std::ifstream& in, char* dst, std::size_t n, const std::string& path) {
  errno = 0;
  in.read(dst, static_cast<std::streamsize>(n));
  if (in.gcount() != static_cast<std::streamsize>(n)) {
    if (in.bad()) throw PathError("cannot read '" + path + "': " + errno_text());
    throw InternalError("truncated .npy file '" + path + "'");
  }
}

// Reads magic, version and header length (2 bytes in 1.0, 4 bytes in 2.0) and returns the header text.
std::string read_header_text(std::ifstream& in, std::uintmax_t file_size, const std::string& path) {
  unsigned char pre[kMagicLen + 2 + 4] = {};
  read_exact(in, reinterpret_cast<char*>(pre), kMagicLen + 2, path);
  if (std::memcmp(pre, kMagic, kMagicLen) != 0) throw InternalError("'" + path + "' is not a .npy file");
  const int major = pre[kMagicLen];
  if ((major != 1 && major != 2) || pre[kMagicLen + 1] != 0) {
    throw InternalError("unsupported .npy version " + std::to_string(major) + "." +
                        std::to_string(pre[kMagicLen + 1]) + " in '" + path + "'");
  }
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  read_exact(in, reinterpret_cast<char*>(pre + kMagicLen + 2), len_bytes, path);
  const std::uint32_t len = little_endian(pre + kMagicLen + 2, len_bytes);
  // Checked against the file size first so that a corrupt length cannot trigger a huge allocation.
  if (len > file_size - (kMagicLen + 2 + len_bytes)) throw InternalError("truncated .npy header in '" + path + "'");
  std::string text(len, '\0');
  read_exact(in, text.data(), len, path);
  return text;
}

// ---- POSIX durability helpers --------------------------------------------------------------------------------

// fsync so that a committed result survives a crash or power loss, not only a process kill.
void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw PathError("cannot open '" + path + "' to sync it: " + std::strerror(errno));
  int rc;
  do rc = ::fsync(fd);
  while (rc != 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  // EINVAL: this file system cannot sync this kind of file (some do not for directories); nothing to do.
  if (rc != 0 && err != EINVAL) throw PathError("cannot sync '" + path + "': " + std::strerror(err));
}

void fsync_dir(const fs::path& dir) { fsync_path(dir.string(), O_RDONLY | O_DIRECTORY); }

// Syncs every regular file at the top level of `dir`, then `dir` itself (which holds their names).
void fsync_tree(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) fsync_path(it->path().string(), O_RDONLY);
  }
  if (ec) throw PathError("cannot list '" + dir.string() + "': " + ec.message());
  fsync_dir(dir);
}

// True if anything (even a dangling symlink) is at `p`; PathError if we cannot tell.
bool occupied(const fs::path& p) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(p, ec);
  if (st.type() == fs::file_type::not_found) return false;
  if (ec) throw PathError("cannot inspect '" + p.string() + "': " + ec.message());
  return true;
}

fs::path parent_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

void ensure_parent(const fs::path& parent, const std::string& final_dir) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (!ec && !fs::is_directory(parent, ec)) ec = std::make_error_code(std::errc::not_a_directory);
  if (ec) {
    throw PathError("cannot create the parent directory '" + parent.string() + "' of output directory '" +
                    final_dir + "': " + ec.message());
  }
}

// Creates "<parent>/.<name>.partial-<pid>-<random>". Hidden so it does not look like a result; pid and random
// suffix so that concurrent runs aiming at the same name never share a temporary directory.
fs::path make_temp_dir(const fs::path& parent, const std::string& name, const std::string& final_dir) {
  std::random_device rd;
  for (int attempt = 0; attempt < 16; ++attempt) {
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%ld-%08x", static_cast<long>(::getpid()), static_cast<unsigned>(rd()));
    const fs::path temp = parent / ("." + name + ".partial-" + suffix);
    if (::mkdir(temp.c_str(), 0777) == 0) return temp;
    if (errno != EEXIST) {
      throw PathError("cannot create a directory in '" + parent.string() + "' for output directory '" + final_dir +
                      "': " + std::strerror(errno));
    }
  }
  throw PathError("cannot find a free temporary name in '" + parent.string() + "'");
}

std::string exists_message(const std::string& dir) {
  return "output directory '" + dir + "' already exists; choose another --out (NeuroBatch never overwrites results)";
}

// The k-th name for a directory: the name itself for k = 1, then "<name>-2", "-3", ... up to kMaxNumbered.
constexpr int kMaxNumbered = 1000;
std::string numbered(const fs::path& final_path, int k) {
  if (k > kMaxNumbered) {
    throw PathError(exists_message(final_path.string()) + ", and so do its -2 to -" + std::to_string(kMaxNumbered));
  }
  return k == 1 ? final_path.string() : final_path.string() + "-" + std::to_string(k);
}

// What every output directory needs before anything is written: a non-empty path with nothing at it, and a
// parent that exists (created here). Returns the normalised path.
fs::path checked_final_path(const std::string& final_dir) {
  const fs::path final_path = normalized_dir(final_dir);
  if (final_path.empty()) throw PathError("the output directory path is empty");
  if (occupied(final_path)) throw PathError(exists_message(final_dir));
  ensure_parent(parent_of(final_path), final_dir);
  return final_path;
}

// Renames `from` to `to` unless something is at `to` (false then). renameat2's RENAME_NOREPLACE makes the check
// and the rename one step; where the file system lacks it, the check comes first, and a directory created in the
// instant between them is still refused by rename() unless it is empty.
bool rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS) {
    throw PathError("cannot rename '" + from.string() + "' to '" + to.string() + "': " + std::strerror(errno));
  }
  if (occupied(to)) return false;
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec == std::errc::directory_not_empty || ec == std::errc::file_exists) return false;
  if (ec) throw PathError("cannot rename '" + from.string() + "' to '" + to.string() + "': " + ec.message());
  return true;
}

// ---- Removing the temporary directories on SIGINT, SIGTERM and SIGHUP ---------------------------------------------
//
// The handler may only make async-signal-safe calls, so the paths live in fixed buffers and the directory is
// emptied with raw system calls (its files are plain names at its top level: OutputDir::file). Other threads may
// still be writing into it, so it tries a few times before it re-raises the signal with its default action.

constexpr int kSignalSlots = 8;
constexpr std::size_t kSignalPathMax = 4096;
char g_signal_paths[kSignalSlots][kSignalPathMax];
std::atomic<bool> g_signal_claimed[kSignalSlots];  // a slot is taken (registering, registered or leaving)
std::atomic<bool> g_signal_ready[kSignalSlots];    // its path is complete: the handler may use it
const int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

struct LinuxDirent64 {  // getdents64's record (linux/dirent.h)
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

bool is_dot_or_dotdot(const char* name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

void remove_flat_dir(const char* dir) {
  for (int pass = 0; pass < 4; ++pass) {
    const int fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    alignas(8) char buffer[4096];
    long n;
    while ((n = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer)) > 0) {
      for (long at = 0; at < n;) {
        const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + at);
        if (!is_dot_or_dotdot(entry->d_name)) ::unlinkat(fd, entry->d_name, 0);
        at += entry->d_reclen;
      }
    }
    ::close(fd);
    if (::rmdir(dir) == 0 || errno != ENOTEMPTY) return;
  }
}

extern "C" void remove_temp_dirs_and_reraise(int signal_number) {
  const int saved_errno = errno;
  for (int k = 0; k < kSignalSlots; ++k) {
    if (g_signal_ready[k].load(std::memory_order_acquire)) remove_flat_dir(g_signal_paths[k]);
  }
  errno = saved_errno;
  ::raise(signal_number);  // SA_RESETHAND restored the default action, SA_NODEFER lets it act now
}

// Registers `dir` for removal on a signal; returns its slot, or -1 where the path or the slots run out (the
// directory is then only removed by the destructor). A handler the program has set itself is left in place.
int register_for_signals(const std::string& dir) {
  if (dir.size() >= kSignalPathMax) return -1;
  for (int k = 0; k < kSignalSlots; ++k) {
    bool expected = false;
    if (!g_signal_claimed[k].compare_exchange_strong(expected, true)) continue;
    std::memcpy(g_signal_paths[k], dir.c_str(), dir.size() + 1);
    g_signal_ready[k].store(true, std::memory_order_release);
    struct sigaction action {};
    action.sa_handler = remove_temp_dirs_and_reraise;
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    for (int signal_number : kCleanupSignals) {
      struct sigaction previous {};
      ::sigaction(signal_number, nullptr, &previous);
      if (previous.sa_handler == SIG_DFL) ::sigaction(signal_number, &action, nullptr);
    }
    return k;
  }
  return -1;
}

void unregister_for_signals(int slot) {
  if (slot < 0) return;
  g_signal_ready[slot].store(false, std::memory_order_release);
  g_signal_claimed[slot].store(false);
  for (int k = 0; k < kSignalSlots; ++k) {
    if (g_signal_claimed[k].load()) return;  // another directory still needs the handler
  }
  for (int signal_number : kCleanupSignals) {
    struct sigaction current {};
    ::sigaction(signal_number, nullptr, &current);
    if (current.sa_handler == remove_temp_dirs_and_reraise) ::signal(signal_number, SIG_DFL);
  }
}

}  // namespace

std::string check_output_dir(const std::string& final_dir) {
  const fs::path final_path = checked_final_path(final_dir);
  std::error_code ec;
  fs::remove(make_temp_dir(parent_of(final_path), final_path.filename().string(), final_dir), ec);
  return final_path.string();
}

// ---- .npy -------------------------------------------------------------------------------------------------------

template <class T>
void write_npy(const std::string& path, const T* data, const std::vector<std::size_t>& shape) {
  const std::size_t n = checked_bytes(shape, sizeof(T), "write_npy('" + path + "')");
  write_file(path, npy_header(NpyDescr<T>::value, shape), reinterpret_cast<const char*>(data), n);
}

void write_npy(const std::string& path, const std::string& dtype, const void* data,
               const std::vector<std::size_t>& shape) {
  if (dtype == "float32") return write_npy(path, static_cast<const float*>(data), shape);
  if (dtype == "float64") return write_npy(path, static_cast<const double*>(data), shape);
  if (dtype == "uint32") return write_npy(path, static_cast<const std::uint32_t*>(data), shape);
  if (dtype == "uint64") return write_npy(path, static_cast<const std::uint64_t*>(data), shape);
  throw InternalError("write_npy('" + path + "'): unsupported dtype '" + dtype + "'");
}

std::size_t NpyArray::count() const {
  std::size_t n = 1;  // a 0-D array holds one element
  for (std::size_t d : shape) n *= d;
  return n;
}

template <class T>
std::vector<T> NpyArray::as() const {
  if (descr != NpyDescr<T>::value) {
    throw InternalError("npy array has dtype '" + descr + "', not '" + NpyDescr<T>::value + "'");
  }
  if (bytes.size() != count() * sizeof(T)) throw InternalError("npy array byte count does not match its shape");
  std::vector<T> out(count());
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

NpyArray read_npy(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t file_size = fs::file_size(path, ec);
  if (ec) throw PathError("cannot read '" + path + "': " + ec.message());
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PathError("cannot open '" + path + "': " + errno_text());
  NpyArray a = HeaderParser(read_header_text(in, file_size, path), path).parse();
  const std::size_t n = checked_bytes(a.shape, itemsize(a.descr, path), "read_npy('" + path + "')");
  const std::uintmax_t data_start = static_cast<std::uintmax_t>(in.tellg());
  if (file_size - data_start != n) {
    throw InternalError("'" + path + "' holds " + std::to_string(file_size - data_start) +
                        " data bytes but its header announces " + std::to_string(n));
  }
  a.bytes.resize(n);
  read_exact(in, a.bytes.data(), n, path);
  return a;
}

#define NB_NPY_INSTANTIATE(T)                                                                  \
  template void write_npy<T>(const std::string&, const T*, const std::vector<std::size_t>&); \
  template std::vector<T> NpyArray::as<T>() const;
NB_NPY_INSTANTIATE(float)
NB_NPY_INSTANTIATE(double)
NB_NPY_INSTANTIATE(std::uint8_t)
NB_NPY_INSTANTIATE(std::int32_t)
NB_NPY_INSTANTIATE(std::uint32_t)
NB_NPY_INSTANTIATE(std::int64_t)
NB_NPY_INSTANTIATE(std::uint64_t)
#undef NB_NPY_INSTANTIATE

// ---- OutputDir --------------------------------------------------------------------------------------------------

OutputDir::OutputDir(std::string final_dir, const std::string& temp_parent) : final_dir_(std::move(final_dir)) {
  const fs::path final_path = checked_final_path(final_dir_);
  // Created last: nothing after it can throw, so the destructor (which does not run for a throwing
  // constructor) is always there to remove it.
  const fs::path parent = temp_parent.empty() ? parent_of(final_path) : fs::path(temp_parent);
  temp_dir_ = make_temp_dir(parent, final_path.filename().string(), final_dir_).string();
  signal_slot_ = register_for_signals(temp_dir_);
}

OutputDir::~OutputDir() {
  unregister_for_signals(signal_slot_);
  if (committed_ || temp_dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);  // best effort: a destructor must not throw, and nothing else can be done
}

std::string OutputDir::file(const std::string& name) const {
  // Plain names only: commit() syncs the files at the top level of the directory, not in subdirectories.
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    throw InternalError("OutputDir::file: '" + name + "' is not a plain file name");
  }
  return (fs::path(temp_dir_) / name).string();
}

void OutputDir::json(const std::string& name, const nlohmann::ordered_json& doc) {
  write_file(file(name), doc.dump(2) + "\n", nullptr, 0);
}

void sync_directory(const std::string& dir) { fsync_dir(fs::path(dir)); }

fs::path normalized_dir(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (!p.has_filename() && p.has_relative_path()) p = p.parent_path();
  return p;
}

DurableFile::DurableFile(std::string path) : path_(std::move(path)) {
  // A name of its own: processes of one run (ranks, shards) may write the same file at once, with the same bytes;
  // threads of one process too (the serial).
  static std::atomic<unsigned> serial{0};
  temp_ = path_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device()()) + "-" +
          std::to_string(serial++);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) throw PathError("cannot create '" + temp_ + "': " + errno_text());
}

DurableFile::~DurableFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void DurableFile::write(const void* data, std::size_t n) {
  bytes_ += n;
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t wrote = ::write(fd_, p, std::min<std::size_t>(n, std::size_t(1) << 30));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) throw PathError("cannot write '" + temp_ + "': " + errno_text());
    p += wrote;
    n -= static_cast<std::size_t>(wrote);
  }
}

void DurableFile::commit() {
  if (::fsync(fd_) != 0 && errno != EINVAL) throw PathError("cannot sync '" + temp_ + "': " + errno_text());
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw PathError("cannot write '" + temp_ + "': " + errno_text());
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    throw PathError("cannot rename '" + temp_ + "' to '" + path_ + "': " + errno_text());
  }
  committed_ = true;
  fsync_dir(parent_of(fs::path(path_)));
}

void replace_file_durably(const std::string& path, const char* data, std::size_t size) {
  DurableFile file(path);
  if (size != 0) file.write(data, size);  // data may be null when there is nothing to write
  file.commit();
}

std::string next_free_output_dir(const std::string& final_dir) {
  const fs::path final_path = normalized_dir(final_dir);
  if (!occupied(final_path)) return final_dir;
  int k = 2;
  while (occupied(numbered(final_path, k))) ++k;
  return numbered(final_path, k);
}

std::string OutputDir::commit() {
  if (committed_) throw InternalError("OutputDir::commit called twice for '" + final_dir_ + "'");
  fsync_tree(temp_dir_);
  const fs::path final_path = normalized_dir(final_dir_);
  int k = 1;
  while (!rename_no_replace(temp_dir_, numbered(final_path, k))) ++k;
  const std::string written = numbered(final_path, k);
  committed_ = true;  // before the last sync: the temporary directory no longer exists, nothing to clean up
  unregister_for_signals(signal_slot_);
  signal_slot_ = -1;
  fsync_dir(parent_of(final_path));  // the rename itself
  return written;
}

}  // namespace nb
