// Fixed points of the self-sustained population (docs/models/self_sustained.md), a host-side analysis in double precision:
// the steady states of ds/dt = gamma F(g_E s + I_0) (1 - s) - s / tau_s solve s = gamma tau F / (1 + gamma tau F).
// `neurobatch fixed-points SPEC.json` prints them for every sweep point of a self_sustained spec, and, for a sweep
// over one parameter, the saddle-node bifurcations where the number of fixed points changes.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "host/spec/spec.hpp"

namespace nb {

struct RateModelParams {
  double a_Hz_per_nA = 270, b_Hz = 108, d_s = 0.154, gamma = 0.641, tau_s_ms = 100, g_E_nA = 0.28, I_0_nA = 0.32;
};

struct FixedPoint {
  double s;
  double rate_Hz;
  bool stable;  // d(ds/dt)/ds < 0
};

// F(I) in double: (a I - b) / (1 - exp(-d (a I - b))), 1/d at the singular point.
double transfer_Hz_double(double I_nA, double a_Hz_per_nA, double b_Hz, double d_s);

// Every fixed point in [0, 1], ascending (roots located on a fine grid, refined by bisection to 1e-13).
std::vector<FixedPoint> fixed_points(const RateModelParams& p);

// Parameter values in [lo, hi] where the number of fixed points changes (saddle-node bifurcations), for the
// parameter named "g_E_nA" or "I_0_nA"; located on a grid of n values and refined by bisection to 1e-10.
std::vector<double> saddle_nodes(RateModelParams p, const std::string& param, double lo, double hi, int n = 2001);

// The analysis of a self_sustained spec as JSON: fixed points per sweep point, and saddle-nodes when the sweep
// has one axis over g_E_nA or I_0_nA.
nlohmann::ordered_json fixed_point_report(const Spec& spec);

}  // namespace nb
