#include "host/engine/progress.hpp"

namespace nb {

double Progress::fraction() const { return work_total > 0 ? work_done / work_total : 1.0; }

double Progress::eta_s() const {
  // At the rate of the work this process did (a resumed run took work_kept from its journal in no time).
  const double done = work_done - work_kept;
  return done > 0 ? elapsed_s * (work_total - work_done) / done : 0.0;
}

}  // namespace nb
