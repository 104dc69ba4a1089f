#include "host/models/self_sustained/self_sustained_fixed_points.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "host/common/errors.hpp"

namespace nb {
namespace {

// ds/dt in 1/ms.
double flow(const RateModelParams& p, double s) {
  const double F = transfer_Hz_double(p.g_E_nA * s + p.I_0_nA, p.a_Hz_per_nA, p.b_Hz, p.d_s);
  return p.gamma * F * 1e-3 * (1.0 - s) - s / p.tau_s_ms;
}

double bisect(double lo, double hi, double f_lo, double tolerance, const std::function<double(double)>& f) {
  while (hi - lo > tolerance) {
    const double mid = 0.5 * (lo + hi);
    const double f_mid = f(mid);
    if ((f_mid < 0) == (f_lo < 0)) {
      lo = mid;
      f_lo = f_mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

double& param_ref(RateModelParams& p, const std::string& name) {
  if (name == "g_E_nA") return p.g_E_nA;
  if (name == "I_0_nA") return p.I_0_nA;
  throw InternalError("saddle_nodes: unsupported parameter " + name);
}

RateModelParams params_at(const Spec& spec, std::uint64_t point) {
  RateModelParams p;
  p.a_Hz_per_nA = spec.param(point, "a_Hz_per_nA");
  p.b_Hz = spec.param(point, "b_Hz");
  p.d_s = spec.param(point, "d_s");
  p.gamma = spec.param(point, "gamma");
  p.tau_s_ms = spec.param(point, "tau_s_ms");
  p.g_E_nA = spec.param(point, "g_E_nA");
  p.I_0_nA = spec.param(point, "I_0_nA");
  return p;
}

}  // namespace

double transfer_Hz_double(double I_nA, double a_Hz_per_nA, double b_Hz, double d_s) {
  const double u = a_Hz_per_nA * I_nA - b_Hz;
  if (u == 0.0) return 1.0 / d_s;
  return u / -std::expm1(-d_s * u);
}

std::vector<FixedPoint> fixed_points(const RateModelParams& p) {
  constexpr int kGrid = 20000;
  std::vector<FixedPoint> out;
  const auto f = [&](double s) { return flow(p, s); };
  double s_prev = 0.0, f_prev = f(0.0);
  for (int k = 1; k <= kGrid; ++k) {
    const double s = static_cast<double>(k) / kGrid;
    const double f_s = f(s);
    if (f_prev == 0.0 || (f_prev < 0) != (f_s < 0)) {
      const double root = f_prev == 0.0 ? s_prev : bisect(s_prev, s, f_prev, 1e-13, f);
      const double h = 1e-7;
      const double slope = (f(root + h) - f(root - h)) / (2 * h);
      out.push_back({root, transfer_Hz_double(p.g_E_nA * root + p.I_0_nA, p.a_Hz_per_nA, p.b_Hz, p.d_s), slope < 0});
    }
    s_prev = s;
    f_prev = f_s;
  }
  return out;
}

std::vector<double> saddle_nodes(RateModelParams p, const std::string& param, double lo, double hi, int n) {
  double& x = param_ref(p, param);
  const auto count = [&](double v) {
    x = v;
    return static_cast<double>(fixed_points(p).size());
  };
  std::vector<double> out;
  double v_prev = lo, c_prev = count(lo);
  for (int k = 1; k < n; ++k) {
    const double v = lo + (hi - lo) * k / (n - 1);
    const double c = count(v);
    if (c != c_prev) {
      double a = v_prev, b = v;
      while (b - a > 1e-10) {
        const double mid = 0.5 * (a + b);
        (count(mid) == c_prev ? a : b) = mid;
      }
      out.push_back(0.5 * (a + b));
    }
    v_prev = v;
    c_prev = c;
  }
  return out;
}

nlohmann::ordered_json fixed_point_report(const Spec& spec) {
  if (spec.model->name != "self_sustained") {
    throw UserError("fixed-points: the analysis is for model \"self_sustained\" (this spec's model is \"" +
                    spec.model->name + "\")");
  }
  nlohmann::ordered_json report;
  nlohmann::ordered_json points = nlohmann::ordered_json::array();
  for (std::uint64_t pt = 0; pt < spec.n_points(); ++pt) {
    nlohmann::ordered_json entry;
    entry["point"] = pt;
    nlohmann::ordered_json params = nlohmann::ordered_json::object();
    for (const SweepAxis& axis : spec.axes) {
      for (const std::string& name : axis.params) params[name] = spec.param(pt, name);
    }
    entry["params"] = params;
    nlohmann::ordered_json fps = nlohmann::ordered_json::array();
    for (const FixedPoint& fp : fixed_points(params_at(spec, pt))) {
      fps.push_back({{"s", fp.s}, {"rate_Hz", fp.rate_Hz}, {"stable", fp.stable}});
    }
    entry["fixed_points"] = fps;
    points.push_back(entry);
  }
  report["points"] = points;
  if (spec.axes.size() == 1 && spec.axes[0].params.size() == 1 &&
      (spec.axes[0].params[0] == "g_E_nA" || spec.axes[0].params[0] == "I_0_nA")) {
    const std::string name = spec.axes[0].params[0];
    const auto& values = spec.axes[0].values[0];
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    report["saddle_nodes"] = {{"param", name}, {"values", saddle_nodes(params_at(spec, 0), name, *lo, *hi)}};
  }
  return report;
}

}  // namespace nb
