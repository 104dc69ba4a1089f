// Wong & Wang decision model (MODELS.md section 5): symmetry without noise, the coin toss at c = 0, the
// psychometric and chronometric trends, the working-memory protocol, binned choice-split rates,
// reproducibility, CPU-CUDA parity and rejected specs.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "host/compare.hpp"
#include "host/errors.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_cpu;
using test::run_on;
using Json = nlohmann::ordered_json;

Json decision_spec(double duration_ms, std::uint64_t trials) {
  return Json{{"model", "decision"}, {"duration_ms", duration_ms}, {"trials", trials}, {"seed", 7}};
}

}  // namespace
}  // namespace nb
