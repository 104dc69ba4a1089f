// Tests of host/output: .npy writing and reading, the write-then-rename OutputDir, and the models' output files.
#include "host/io/output.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "host/common/errors.hpp"
#include "host/io/summary.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

namespace fs = std::filesystem;
using test::same_bits;

// A fresh, empty directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::temp_directory_path() /
            ("nb_test_output-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    ASSERT_TRUE(fs::create_directory(root_)) << root_;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::add, ec);  // undo read-only tests
    fs::remove_all(root_, ec);
  }
  std::string path(const std::string& name) const { return (root_ / name).string(); }
  std::vector<std::string> entries() const {  // names directly in root_
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(root_)) names.push_back(e.path().filename().string());
    return names;
  }

  fs::path root_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// ---- .npy round trips -----------------------------------------------------------------------------------------

// Expected descr per type, spelled out here rather than taken from the implementation.
template <class T>
const char* expected_descr();
template <> const char* expected_descr<float>() { return "<f4"; }
template <> const char* expected_descr<double>() { return "<f8"; }
template <> const char* expected_descr<std::uint8_t>() { return "|u1"; }
template <> const char* expected_descr<std::int32_t>() { return "<i4"; }
template <> const char* expected_descr<std::uint32_t>() { return "<u4"; }
template <> const char* expected_descr<std::int64_t>() { return "<i8"; }
template <> const char* expected_descr<std::uint64_t>() { return "<u8"; }

// n distinct values including the type's extremes (and, for floats, -0, denormals and infinity).
template <class T>
std::vector<T> sample(std::size_t n) {
  using L = std::numeric_limits<T>;
  std::vector<T> extremes = {L::lowest(), L::max(), L::min(), T(0), T(1)};
  if constexpr (!L::is_integer) {
    extremes.insert(extremes.end(), {T(-0.0), L::denorm_min(), L::infinity(), -L::infinity(), T(0.1)});
  }
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i < extremes.size() ? extremes[i] : static_cast<T>(i * 37 % 251);
  return v;
}

template <class T>
class NpyRoundTrip : public TempDirTest {};
using NpyTypes = ::testing::Types<float, double, std::uint8_t, std::int32_t, std::uint32_t, std::int64_t,
                                  std::uint64_t>;
TYPED_TEST_SUITE(NpyRoundTrip, NpyTypes);

TYPED_TEST(NpyRoundTrip, ValuesShapeAndDescrSurvive) {
  using T = TypeParam;
  const std::vector<std::vector<std::size_t>> shapes = {{13}, {3, 4}, {2, 3, 2}, {0}, {4, 0}, {}};
  for (const auto& shape : shapes) {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    const std::vector<T> values = sample<T>(n);
    const std::string file = this->path("a.npy");
    write_npy(file, values.data(), shape);
    const NpyArray a = read_npy(file);
    EXPECT_EQ(a.descr, expected_descr<T>());
    EXPECT_FALSE(a.fortran_order);
    EXPECT_EQ(a.shape, shape);
    EXPECT_EQ(a.count(), n);
    EXPECT_TRUE(same_bits(a.as<T>(), values)) << "shape rank " << shape.size();
  }
}

TYPED_TEST(NpyRoundTrip, EmptyVectorWithNullData) {
  using T = TypeParam;
  const std::string file = this->path("empty.npy");
  write_npy<T>(file, nullptr, {0, 5});
  const NpyArray a = read_npy(file);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{0, 5}));
  EXPECT_TRUE(a.as<T>().empty());
}

// ---- .npy header layout -----------------------------------------------------------------------------------------

class NpyHeader : public TempDirTest {
 protected:
  // The header dict text (after the 10-byte preamble), checking the preamble and alignment on the way.
  std::string header_of(const std::string& file, std::size_t data_bytes) {
    const std::string raw = slurp(file);
    EXPECT_GE(raw.size(), 10u);
    if (raw.size() < 10) return "";
    EXPECT_EQ(raw.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const std::size_t len = static_cast<unsigned char>(raw[8]) | static_cast<unsigned char>(raw[9]) << 8;
    EXPECT_EQ((10 + len) % 64, 0u) << "header length " << len;
    EXPECT_EQ(raw.size(), 10 + len + data_bytes);
    const std::string dict = raw.substr(10, len);
    EXPECT_EQ(dict.back(), '\n');
    return dict;
  }
  // The dict with its space padding and final newline removed.
  static std::string trimmed(const std::string& dict) {
    return dict.substr(0, dict.find_last_not_of(" \n") + 1);
  }
};

TEST_F(NpyHeader, TwoDimensional) {
  const std::vector<double> v(12, 1.5);
  write_npy(path("a.npy"), v.data(), {3, 4});
  EXPECT_EQ(trimmed(header_of(path("a.npy"), 12 * 8)),
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }");
}

TEST_F(NpyHeader, OneDimensionalUsesPythonOneTuple) {
  const std::vector<std::uint8_t> v(5, 7);
  write_npy(path("a.npy"), v.data(), {5});
  EXPECT_EQ(trimmed(header_of(path("a.npy"), 5)), "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }");
}

TEST_F(NpyHeader, ZeroDimensional) {
  const std::int32_t v = -3;
  write_npy(path("a.npy"), &v, {});
  EXPECT_EQ(trimmed(header_of(path("a.npy"), 4)), "{'descr': '<i4', 'fortran_order': False, 'shape': (), }");
  EXPECT_EQ(read_npy(path("a.npy")).as<std::int32_t>(), std::vector<std::int32_t>{-3});
}

TEST_F(NpyHeader, PaddingIsSpacesForEveryDictLength) {
  // Each extra dimension of 1 adds 3 characters and a last dimension of 1, 10 or 100 adds 0, 1 or 2, so these
  // 66 consecutive dict lengths hit every residue mod 64. The leading 0 keeps the arrays empty.
  for (std::size_t ones = 0; ones < 22; ++ones) {
    for (std::size_t last : {1, 10, 100}) {
      std::vector<std::size_t> shape(ones + 1, 1);
      shape.front() = 0;
      shape.push_back(last);
      write_npy<float>(path("a.npy"), nullptr, shape);
      const std::string dict = header_of(path("a.npy"), 0);
      const std::string pad = dict.substr(trimmed(dict).size());
      EXPECT_EQ(pad.find_first_not_of(' '), pad.size() - 1) << "ones " << ones << " last " << last;
    }
  }
}

// ---- .npy reading ---------------------------------------------------------------------------------------------

class NpyRead : public TempDirTest {};

TEST_F(NpyRead, AcceptsVersion2Header) {
  // Version 2.0 differs only in a 4-byte header length; build one by hand from a 1.0 file.
  const std::vector<std::int64_t> v = {1, -2, 3};
  write_npy(path("v1.npy"), v.data(), {3});
  const std::string raw = slurp(path("v1.npy"));
  const std::size_t len = static_cast<unsigned char>(raw[8]) | static_cast<unsigned char>(raw[9]) << 8;
  std::string v2 = std::string("\x93NUMPY\x02\x00", 8);
  v2 += std::string{static_cast<char>(len & 0xFF), static_cast<char>(len >> 8), '\0', '\0'};
  spit(path("v2.npy"), v2 + raw.substr(10));
  const NpyArray a = read_npy(path("v2.npy"));
  EXPECT_EQ(a.shape, std::vector<std::size_t>{3});
  EXPECT_EQ(a.as<std::int64_t>(), v);
}

TEST_F(NpyRead, ParsesOtherKeyOrderAndFortranOrder) {
  std::string dict = "{'shape': (2, 1), 'fortran_order': True, 'descr': '<u4'}";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string raw = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(dict.size() & 0xFF) +
                    static_cast<char>(dict.size() >> 8) + dict;
  raw += std::string("\x01\x00\x00\x00\x02\x00\x00\x00", 8);
  spit(path("f.npy"), raw);
  const NpyArray a = read_npy(path("f.npy"));
  EXPECT_TRUE(a.fortran_order);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 1}));
  EXPECT_EQ(a.as<std::uint32_t>(), (std::vector<std::uint32_t>{1, 2}));
}

TEST_F(NpyRead, WrongTypeIsInternalError) {
  const std::vector<float> v = {1.0f, 2.0f};
  write_npy(path("a.npy"), v.data(), {2});
  const NpyArray a = read_npy(path("a.npy"));
  EXPECT_THROW(a.as<double>(), InternalError);
  EXPECT_THROW(a.as<std::int32_t>(), InternalError);  // same size, different kind
  EXPECT_NO_THROW(a.as<float>());
}

TEST_F(NpyRead, MalformedFilesAreRejected) {
  const std::vector<double> v = {1.0, 2.0, 3.0};
  write_npy(path("a.npy"), v.data(), {3});
  const std::string good = slurp(path("a.npy"));
  spit(path("short.npy"), good.substr(0, good.size() - 1));
  EXPECT_THROW(read_npy(path("short.npy")), InternalError);
  spit(path("long.npy"), good + "x");
  EXPECT_THROW(read_npy(path("long.npy")), InternalError);
  spit(path("magic.npy"), "\x92" + good.substr(1));
  EXPECT_THROW(read_npy(path("magic.npy")), InternalError);
  spit(path("version.npy"), good.substr(0, 6) + '\x04' + good.substr(7));
  EXPECT_THROW(read_npy(path("version.npy")), InternalError);
  spit(path("tiny.npy"), good.substr(0, 9));
  EXPECT_THROW(read_npy(path("tiny.npy")), InternalError);
  std::string bad_dict = good;
  bad_dict.replace(bad_dict.find("'shape'"), 7, "'shapf'");
  spit(path("dict.npy"), bad_dict);
  EXPECT_THROW(read_npy(path("dict.npy")), InternalError);
}

TEST_F(NpyRead, MissingFileIsPathError) { EXPECT_THROW(read_npy(path("nope.npy")), PathError); }

TEST_F(NpyRead, UnwritablePathIsPathErrorWithReason) {
  const double x = 1.0;
  try {
    write_npy(path("no_such_dir/a.npy"), &x, {});
    FAIL() << "expected PathError";
  } catch (const PathError& e) {
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOENT)), std::string::npos) << e.what();
  }
}

// ---- OutputDir ----------------------------------------------------------------------------------------------------

class OutputDirTest : public TempDirTest {
 protected:
  bool has_partial_sibling() const {
    for (const std::string& n : entries()) {
      if (n.find(".partial") != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(OutputDirTest, InvisibleBeforeCommitVisibleAfter) {
  const std::string final_dir = path("results");
  const std::vector<double> v = {1.0, 2.0, 3.0, 4.0};
  nlohmann::ordered_json doc = {{"b", 1}, {"a", {1, 2}}};
  {
    OutputDir out(final_dir);
    EXPECT_EQ(out.final_dir(), final_dir);
    out.npy("v.npy", v, {2, 2});
    out.json("meta.json", doc);
    EXPECT_FALSE(fs::exists(final_dir));
    EXPECT_NE(fs::path(out.file("v.npy")).parent_path(), fs::path(final_dir));
    EXPECT_TRUE(fs::exists(out.file("v.npy")));
    ASSERT_EQ(entries().size(), 1u);
    EXPECT_EQ(entries()[0].rfind(".results.partial-", 0), 0u) << entries()[0];
    out.commit();
    EXPECT_TRUE(fs::is_directory(final_dir));
  }
  // Still there after the destructor, and nothing else beside it.
  EXPECT_EQ(entries(), std::vector<std::string>{"results"});
  EXPECT_EQ(read_npy(final_dir + "/v.npy").as<double>(), v);
  EXPECT_EQ(slurp(final_dir + "/meta.json"), doc.dump(2) + "\n");
}

TEST_F(OutputDirTest, DestructorWithoutCommitLeavesNothing) {
  {
    OutputDir out(path("results"));
    out.json("meta.json", nlohmann::ordered_json{{"x", 1}});
    ASSERT_TRUE(has_partial_sibling());
  }
  EXPECT_FALSE(fs::exists(path("results")));
  EXPECT_FALSE(has_partial_sibling());
  EXPECT_TRUE(entries().empty());
}

TEST_F(OutputDirTest, ExistingDirectoryIsRefusedAndUntouched) {
  fs::create_directory(path("results"));
  spit(path("results/keep.txt"), "precious");
  try {
    OutputDir out(path("results"));
    FAIL() << "expected PathError";
  } catch (const PathError& e) {
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path("results/keep.txt")), "precious");
  EXPECT_EQ(std::distance(fs::directory_iterator(path("results")), fs::directory_iterator()), 1);
  EXPECT_FALSE(has_partial_sibling());
}

TEST_F(OutputDirTest, ExistingFileOrDanglingLinkIsRefused) {
  spit(path("file"), "x");
  EXPECT_THROW(OutputDir(path("file")), PathError);
  fs::create_symlink(path("nowhere"), path("link"));
  EXPECT_THROW(OutputDir(path("link")), PathError);
  EXPECT_FALSE(has_partial_sibling());
}

TEST_F(OutputDirTest, DirectoryAppearingBeforeCommitIsNotReplacedAndTheResultsAreKept) {
  OutputDir out(path("results"));
  out.json("meta.json", nlohmann::ordered_json{{"x", 1}});
  fs::create_directory(path("results"));  // empty: a bare rename() would silently replace it
  fs::create_directory(path("results-2"));
  spit(path("results-2/keep.txt"), "precious");
  EXPECT_EQ(out.commit(), path("results-3"));
  EXPECT_TRUE(fs::is_empty(path("results")));
  EXPECT_EQ(slurp(path("results-2/keep.txt")), "precious");
  EXPECT_EQ(slurp(path("results-3/meta.json")), "{\n  \"x\": 1\n}\n");
  EXPECT_FALSE(has_partial_sibling());
}

TEST_F(OutputDirTest, CheckBeforeARunLeavesNothingButTheParent) {
  check_output_dir(path("a/b/results"));
  EXPECT_TRUE(fs::is_directory(path("a/b")));
  EXPECT_TRUE(fs::is_empty(path("a/b")));
  spit(path("file"), "x");
  EXPECT_THROW(check_output_dir(path("file/results")), PathError);
  EXPECT_THROW(check_output_dir(path("file")), PathError);  // taken
  EXPECT_THROW(check_output_dir(""), PathError);
  fs::create_directory(path("ro"));
  fs::permissions(path("ro"), fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(path("ro").c_str(), W_OK) != 0) EXPECT_THROW(check_output_dir(path("ro/results")), PathError);
}

// A signal while results are being written removes the temporary directory, then ends the process as the signal
// would have (death tests run it in a child process).
TEST_F(OutputDirTest, SignalWhileWritingRemovesTheTemporaryDirectory) {
  const std::string final_dir = path("results");
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    EXPECT_EXIT(
        {
          OutputDir out(final_dir);
          out.json("meta.json", nlohmann::ordered_json{{"x", 1}});
          out.npy("v.npy", std::vector<double>(1000, 1.0), {1000});
          std::raise(signal_number);
          std::exit(0);  // not reached
        },
        ::testing::KilledBySignal(signal_number), "");
    EXPECT_TRUE(entries().empty()) << "signal " << signal_number << " left " << entries().size() << " entries";
  }
  {  // and once committed or destroyed, the default action is back
    OutputDir out(final_dir);
    out.commit();
  }
  struct sigaction current {};
  ::sigaction(SIGTERM, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_DFL);
}

TEST_F(OutputDirTest, CreatesMissingParents) {
  const std::string final_dir = path("a/b/results/");  // trailing slash names the same directory
  {
    OutputDir out(final_dir);
    out.json("meta.json", nlohmann::ordered_json::object());
    EXPECT_TRUE(fs::is_directory(path("a/b")));
    out.commit();
  }
  EXPECT_EQ(slurp(path("a/b/results/meta.json")), "{}\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(path("a/b")), fs::directory_iterator()), 1);
}

TEST_F(OutputDirTest, ParentUnderRegularFileIsPathError) {
  spit(path("file"), "x");
  EXPECT_THROW(OutputDir(path("file/results")), PathError);
  EXPECT_THROW(OutputDir(path("file/sub/results")), PathError);
  EXPECT_EQ(slurp(path("file")), "x");
  EXPECT_EQ(entries(), std::vector<std::string>{"file"});
}

TEST_F(OutputDirTest, ReadOnlyParentIsPathError) {
  fs::create_directory(path("ro"));
  fs::permissions(path("ro"), fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(path("ro").c_str(), W_OK) == 0) GTEST_SKIP() << "running with privileges that ignore permissions";
  EXPECT_THROW(OutputDir(path("ro/results")), PathError);
}

TEST_F(OutputDirTest, MisuseIsInternalError) {
  OutputDir out(path("results"));
  EXPECT_THROW(out.file("sub/x.npy"), InternalError);
  EXPECT_THROW(out.file(""), InternalError);
  out.commit();
  EXPECT_THROW(out.commit(), InternalError);
}

// ---- Interoperability with NumPy -------------------------------------------------------------------------------

class NumpyInterop : public TempDirTest {};

TEST_F(NumpyInterop, NumpyLoadsOurFiles) {
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  }
  const std::vector<double> a = {0.5, -1.25, 1e-300, 1e300, -0.0, 42.0};
  const std::vector<std::uint32_t> b = {0, 1, 4294967295u, 123456789u};
  write_npy(path("a.npy"), a.data(), {2, 3});
  write_npy(path("b.npy"), b.data(), {4});
  const std::string script =
      "import sys, numpy as np\n"
      "a = np.load(sys.argv[1]); b = np.load(sys.argv[2])\n"
      "assert a.dtype == np.float64 and a.shape == (2, 3), (a.dtype, a.shape)\n"
      "assert a.tolist() == [[0.5, -1.25, 1e-300], [1e300, -0.0, 42.0]], a\n"
      "assert np.signbit(a[1, 1])\n"
      "assert b.dtype == np.uint32 and b.shape == (4,), (b.dtype, b.shape)\n"
      "assert b.tolist() == [0, 1, 4294967295, 123456789], b\n";
  spit(path("check.py"), script);
  const std::string cmd = "/usr/bin/python3 '" + path("check.py") + "' '" + path("a.npy") + "' '" + path("b.npy") + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

}  // namespace
}  // namespace nb

namespace nb {
namespace {

// The outputs added with the rate and network models: binned per-point means (decision), per-instance arrays
// (ring profiles) and the input arrays in the resolved spec, written with their documented shapes.
TEST(ModelOutputs, BinnedMeansAndInstanceArraysAreWrittenWithTheirShapes) {
  test::TempDir dir;
  const Spec decision = test::spec_from(R"({"model": "decision", "duration_ms": 400, "trials": 50, "seed": 3,
    "params": {"stim_onset_ms": 100, "stim_duration_ms": 300, "mu_0_Hz": 60},
    "sweep": {"coherence": [0, 0.5, 1]}, "record": {"binned": {"bin_ms": 50}}})");
  const RunResult d = test::run_cpu(decision);
  write_results(decision, d, dir / "decision");
  const NpyArray counts = read_npy(dir / "decision/binned_count.npy");
  EXPECT_EQ(counts.shape, (std::vector<std::size_t>{3, 4}));
  const std::vector<std::uint64_t> n = counts.as<std::uint64_t>();
  for (std::size_t point = 0; point < 3; ++point) EXPECT_EQ(n[4 * point] + n[4 * point + 1] + n[4 * point + 2] + n[4 * point + 3], 50u);
  const NpyArray r1 = read_npy(dir / "decision/binned_r1_Hz.npy");
  EXPECT_EQ(r1.shape, (std::vector<std::size_t>{3, 4, 8}));
  const std::vector<double> mean = r1.as<double>();
  for (std::size_t g = 0; g < 4; ++g) {  // an empty group is NaN, a filled one a rate
    EXPECT_EQ(std::isnan(mean[(2 * 4 + g) * 8]), n[2 * 4 + g] == 0) << "group " << g;
  }
  EXPECT_EQ(read_npy(dir / "decision/binned_t_ms.npy").as<double>()[1], 50.0);
  EXPECT_EQ(read_npy(dir / "decision/choice.npy").descr, "<u4");

  std::string given = "[";
  for (int j = 0; j < 16; ++j) given += (j ? ", " : "") + std::to_string(j % 4);
  const Spec ring = test::spec_from(R"({"model": "ring", "duration_ms": 5, "trials": 2,
    "params": {"N": 16, "initial": "given"}, "sweep": {"contrast": [0.1, 0.2, 0.4]},
    "arrays": {"initial_profile_Hz": )" + given + "]}}");
  const RunResult r = test::run_cpu(ring);
  write_results(ring, r, dir / "ring");
  EXPECT_EQ(read_npy(dir / "ring/profile_Hz.npy").shape, (std::vector<std::size_t>{3, 2, 16}));
  std::ifstream summary(dir / "ring/summary.json");
  const nlohmann::json s = nlohmann::json::parse(summary);
  EXPECT_EQ(s["spec"]["arrays"]["initial_profile_Hz"].size(), 16u);
  EXPECT_EQ(s["run"]["neuron_steps"].get<double>(), 6.0 * 50 * 16);  // rings x steps x N
}

}  // namespace
}  // namespace nb
