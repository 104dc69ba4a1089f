// Results on disk: .npy arrays and JSON, written into a hidden temporary directory that is renamed to its final
// name only when everything is written (commit). A run that fails or is killed leaves nothing under the final
// name (and an interrupted one, nothing at all); an existing directory is never overwritten.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nb {

// Writes one NumPy .npy file (format version 1.0, little endian, C order). Supported element types:
// float, double, std::uint8_t, std::int32_t, std::uint32_t, std::int64_t, std::uint64_t.
template <class T>
void write_npy(const std::string& path, const T* data, const std::vector<std::size_t>& shape);

// The same for an element type named as NumPy does: "float32", "float64", "uint32", "uint64" (InternalError for
// any other).
void write_npy(const std::string& path, const std::string& dtype, const void* data, const std::vector<std::size_t>& shape);

// A .npy file read back (for tests and tools): descr such as "<f8", shape, raw little-endian bytes.
struct NpyArray {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
  std::vector<char> bytes;
  std::size_t count() const;
  template <class T>
  std::vector<T> as() const;  // InternalError if descr does not match T
};
NpyArray read_npy(const std::string& path);  // PathError / InternalError on malformed files

// Checks, before a run, that its results can be written to `final_dir`: nothing is there yet, and the parent can
// be created (it is) and written (a temporary directory is made there and removed). PathError otherwise, so that a
// long run cannot end at an unusable path. Returns the path as OutputDir::commit names it ("out/" -> "out").
std::string check_output_dir(const std::string& final_dir);

// `final_dir`, or where something is there, the first free "<final_dir>-2", "-3", ... (as OutputDir::commit).
std::string next_free_output_dir(const std::string& final_dir);

// A file written piece by piece so that a kill or a crash leaves either the old file (or none) or the whole new one:
// the bytes go to a temporary name beside `path`, of its own (processes of one run may write the same file at once,
// with the same bytes); commit() syncs it, renames it over `path` and syncs the directory. No copy of the data is
// kept. The temporary file is removed unless committed. PathError on failure.
class DurableFile {
 public:
  explicit DurableFile(std::string path);
  ~DurableFile();
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;

  void write(const void* data, std::size_t n);
  void commit();
  std::uint64_t bytes_written() const { return bytes_; }

 private:
  std::string path_, temp_;
  int fd_ = -1;
  bool committed_ = false;
  std::uint64_t bytes_ = 0;
};

// Writes `size` bytes to `path` as one DurableFile: a kill or a crash leaves either the old file or the new one.
void replace_file_durably(const std::string& path, const char* data, std::size_t size);

// The directory a path names, without a trailing "/" or "/.": "out/" and "out/." are "out", so that parent_path()
// and filename() describe the directory itself.
std::filesystem::path normalized_dir(const std::string& dir);

// fsync of a directory, so that the names created or renamed in it survive a crash (PathError on failure).
void sync_directory(const std::string& dir);

class OutputDir {
 public:
  // PathError if `final_dir` already exists or its parent directory cannot be created or written. Until commit
  // or destruction, SIGINT, SIGTERM and SIGHUP remove the temporary directory before they end the process (unless
  // the program handles those signals itself). The temporary directory is made in `temp_parent` where given (a
  // directory on the same file system as final_dir: a run's journal), else beside final_dir.
  explicit OutputDir(std::string final_dir, const std::string& temp_parent = "");
  ~OutputDir();  // removes the temporary directory unless committed
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  const std::string& final_dir() const { return final_dir_; }
  std::string file(const std::string& name) const;  // path of `name` inside the temporary directory

  template <class T>
  void npy(const std::string& name, const std::vector<T>& data, const std::vector<std::size_t>& shape) {
    write_npy(file(name), data.data(), shape);
  }
  void npy(const std::string& name, const std::string& dtype, const void* data, const std::vector<std::size_t>& shape) {
    write_npy(file(name), dtype, data, shape);
  }
  void json(const std::string& name, const nlohmann::ordered_json& doc);  // pretty-printed, 2 spaces

  // Fsyncs the files and renames the temporary directory to final_dir, or, where something took that name during
  // the run, to the first free "<final_dir>-2", "-3", ...: results are never lost, nor is anything overwritten.
  // Returns the directory written.
  std::string commit();

 private:
  std::string final_dir_;
  std::string temp_dir_;
  int signal_slot_ = -1;  // the temporary directory's place in the signal handler's list, or -1
  bool committed_ = false;
};

}  // namespace nb
