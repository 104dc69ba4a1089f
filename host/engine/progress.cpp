#include "host/engine/progress.hpp"

namespace nb {

double Progress::fraction() const { return work_total > 0 ? work_done / work_total : 1.0; }

double Progress::eta_s() const {
  const double f = fraction();
  return f > 0 ? elapsed_s * (1.0 - f) / f : 0.0;
}

}  // namespace nb
