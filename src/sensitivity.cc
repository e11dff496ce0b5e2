// Exact sensitivity of the recommended plan to link bandwidth or input frame
// rate (include/dnnpart/sensitivity.h, method in docs/reports.md).
#include "dnnpart/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dnnpart/error.h"

namespace dnnpart {
namespace {

constexpr int kMaxDepth = 60;
constexpr int64_t kMaxPlannings = 2000;

struct Line {
  double c0 = 0, c1 = 0;
  double At(double x) const { return c0 + c1 * x; }
};

// A plan's metrics as functions of the working variable x (1/bandwidth in
// s/byte, or the frame rate).
struct Curve {
  std::vector<Line> period;  // the frame period (ms) is the largest of these
  Line latency;              // ms
  Line energy;               // mJ
  bool input_rate = false;   // x is the input frame rate: no period is shorter than 1000 / x
  double Period(double x) const {
    double p = 0;
    for (const Line& line : period) p = std::max(p, line.At(x));
    return input_rate ? std::max(p, 1000 / x) : p;
  }
};

struct Candidate {
  std::optional<PlanReport> plan;
  std::string key;  // platforms and cuts; "-" for no plan
  Curve curve;
};

class Analyzer {
 public:
  Analyzer(const LayerGraph& graph, const std::vector<Cut>& cuts, const std::vector<PlatformProfile>& platforms,
           const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options,
           const SensitivityOptions& sensitivity)
      : graph_(graph), cuts_(cuts), platforms_(platforms), links_(links), options_(options), s_(sensitivity) {}

  bool bandwidth() const { return s_.parameter == SensitivityParameter::kBandwidth; }
  double ToX(double value) const { return bandwidth() ? 1 / value : value; }
  double FromX(double x) const { return bandwidth() ? 1 / x : x; }
  int64_t plannings() const { return plannings_; }

  Candidate Recommend(double x) {
    ++plannings_;
    std::vector<std::optional<LinkProfile>> links = links_;
    PlanOptions options = options_;
    if (bandwidth()) {
      for (auto& link : links) {
        if (link) link->bandwidth_bytes_per_s = 1 / x;
      }
    } else {
      options.input_fps = x;
    }
    PlanResult result = PlanPartitions(graph_, cuts_, platforms_, links, options);
    Candidate c;
    c.key.push_back('-');  // (not = "-": GCC 12 warns falsely on it here)
    if (!result.recommended) return c;
    c.plan = std::move(result.pareto[*result.recommended]);
    c.key.clear();
    for (const StageReport& stage : c.plan->stages) {
      c.key += std::to_string(stage.platform);
      c.key += ',';
    }
    c.key += '|';
    for (const HopReport& hop : c.plan->hops) {
      c.key += std::to_string(hop.cut_id);
      c.key += ',';
    }
    c.curve = CurveOf(*c.plan);
    return c;
  }

  // Segments [a, b] in x with the plan on each, appended in ascending x.
  struct Segment {
    double a, b;
    std::string key;
  };

  void Resolve(double a, const Candidate& A, double b, const Candidate& B, int depth, std::vector<Segment>& out) {
    if (A.key == B.key) {
      const double m = (a + b) / 2;
      if (depth >= kMaxDepth || plannings_ >= kMaxPlannings || !(m > a && m < b)) return Push(out, a, b, A.key);
      const Candidate M = Recommend(m);
      if (M.key == A.key) return Push(out, a, b, A.key);
      Resolve(a, A, m, M, depth + 1, out);
      Resolve(m, M, b, B, depth + 1, out);
      return;
    }
    const std::optional<double> x = Crossing(A, B, a, b);
    const double split = x && *x > a && *x < b ? *x : (a + b) / 2;
    if (depth >= kMaxDepth || plannings_ >= kMaxPlannings || !(split > a && split < b)) {
      Push(out, a, split, A.key);
      Push(out, split, b, B.key);
      return;
    }
    const Candidate C = Recommend(split);
    if (x && (C.key == A.key || C.key == B.key)) {
      // A breakpoint between A and B, unless a third plan wins right beside
      // it: plan a hair (1e-9 of the interval) to each side to find out.
      const double hair = (b - a) * 1e-9;
      const Candidate left = Recommend(split - hair);
      const Candidate right = Recommend(split + hair);
      if (left.key != A.key) {
        Resolve(a, A, split - hair, left, depth + 1, out);
        Push(out, split - hair, split, left.key);
      } else {
        Resolve(a, A, split, A, depth + 1, out);
      }
      if (right.key != B.key) {
        Push(out, split, split + hair, right.key);
        Resolve(split + hair, right, b, B, depth + 1, out);
      } else {
        Resolve(split, B, b, B, depth + 1, out);
      }
    } else {
      Resolve(a, A, split, C, depth + 1, out);
      Resolve(split, C, b, B, depth + 1, out);
    }
  }

 private:
  static void Push(std::vector<Segment>& out, double a, double b, const std::string& key) {
    if (!(b > a)) return;  // a tie at a single point: not an interval
    if (!out.empty() && out.back().key == key) {
      out.back().b = b;
      return;
    }
    out.push_back({a, b, key});
  }

  Curve CurveOf(const PlanReport& plan) const {
    Curve curve;
    double stage_latency = 0, stage_energy = 0;
    for (const StageReport& stage : plan.stages) {
      curve.period.push_back({stage.latency_ms, 0});
      stage_latency += stage.latency_ms;
      stage_energy += stage.energy_mj;
    }
    curve.latency = {stage_latency, 0};
    curve.energy = {stage_energy, 0};
    for (const HopReport& hop : plan.hops) {
      const LinkProfile& link = *links_[static_cast<size_t>(hop.from_platform)];
      const double wire = static_cast<double>(hop.transfer.wire_bytes);
      Line time{hop.transfer.latency_ms, 0};
      if (bandwidth()) time = wire > 0 ? Line{link.latency_ms + link.propagation_delay_ms, 1000 * wire} : Line{0, 0};
      curve.period.push_back(time);
      curve.latency.c0 += time.c0;
      curve.latency.c1 += time.c1;
      if (link.energy_from_power) {
        curve.energy.c0 += link.power_w * time.c0;
        curve.energy.c1 += link.power_w * time.c1;
      } else {
        curve.energy.c0 += hop.transfer.energy_mj;
      }
    }
    // Frames arrive at the input rate: a fixed floor on the period when
    // bandwidth varies, the variable itself otherwise (docs/planning.md).
    if (!bandwidth()) curve.input_rate = true;
    else if (options_.input_fps) curve.period.push_back({1000 / *options_.input_fps, 0});
    return curve;
  }

  bool Feasible(const Curve& c, double x) const {
    if (options_.min_fps && 1000 / c.Period(x) < *options_.min_fps) return false;
    if (options_.max_latency_ms && c.latency.At(x) > *options_.max_latency_ms) return false;
    return !(options_.max_energy_mj && c.energy.At(x) > *options_.max_energy_mj);
  }

  // The planner's ranking (plan_report.cc): the objective first, then the others.
  bool Better(const Curve& a, const Curve& b, double x) const {
    const auto key = [this, x](const Curve& c) {
      const double fps = 1000 / c.Period(x);
      switch (options_.objective) {
        case Objective::kThroughput: return std::make_tuple(-fps, c.latency.At(x), c.energy.At(x));
        case Objective::kLatency: return std::make_tuple(c.latency.At(x), -fps, c.energy.At(x));
        case Objective::kEnergy: break;
      }
      return std::make_tuple(c.energy.At(x), -fps, c.latency.At(x));
    };
    return key(a) < key(b);
  }

  bool ALeads(const Candidate& A, const Candidate& B, double x) const {
    const bool fa = A.plan && Feasible(A.curve, x);
    const bool fb = B.plan && Feasible(B.curve, x);
    if (!fa) return !fb;
    return !fb || !Better(B.curve, A.curve, x);
  }

  // Every x in (a, b) where a comparison between the two plans' lines, or a
  // constraint on either, can change: between two neighbours all are fixed.
  std::vector<double> Events(const Candidate& A, const Candidate& B, double a, double b) const {
    std::vector<Line> period, latency, energy;
    std::vector<double> events;
    for (const Candidate* c : {&A, &B}) {
      if (!c->plan) continue;
      period.insert(period.end(), c->curve.period.begin(), c->curve.period.end());
      latency.push_back(c->curve.latency);
      energy.push_back(c->curve.energy);
      // With x the input rate, a plan's throughput stops following x at its
      // own rate (its period lines are constants then).
      if (c->curve.input_rate) {
        double own = 0;
        for (const Line& line : c->curve.period) own = std::max(own, line.c0);
        if (own > 0) events.push_back(1000 / own);
      }
    }
    if (!bandwidth() && options_.min_fps) events.push_back(*options_.min_fps);
    if (options_.min_fps) period.push_back({1000 / *options_.min_fps, 0});
    if (options_.max_latency_ms) latency.push_back({*options_.max_latency_ms, 0});
    if (options_.max_energy_mj) energy.push_back({*options_.max_energy_mj, 0});
    for (const auto* lines : {&period, &latency, &energy}) {
      for (size_t i = 0; i < lines->size(); ++i) {
        for (size_t j = i + 1; j < lines->size(); ++j) {
          const Line& p = (*lines)[i];
          const Line& q = (*lines)[j];
          if (p.c1 != q.c1) events.push_back((q.c0 - p.c0) / (p.c1 - q.c1));
        }
      }
    }
    events.erase(std::remove_if(events.begin(), events.end(),
                                [a, b](double e) { return !std::isfinite(e) || e <= a || e >= b; }),
                 events.end());
    std::sort(events.begin(), events.end());
    events.erase(std::unique(events.begin(), events.end()), events.end());
    return events;
  }

  // The first event after which B beats A (or A turns infeasible); nullopt
  // when A leads on all of (a, b) by the closed forms.
  std::optional<double> Crossing(const Candidate& A, const Candidate& B, double a, double b) const {
    std::vector<double> points = Events(A, B, a, b);
    points.insert(points.begin(), a);
    points.push_back(b);
    for (size_t i = 0; i + 1 < points.size(); ++i) {
      const double mid = (points[i] + points[i + 1]) / 2;
      if (!ALeads(A, B, mid)) return points[i];
      if (i > 0 && !ALeads(A, B, points[i])) return points[i];
    }
    return std::nullopt;
  }

  const LayerGraph& graph_;
  const std::vector<Cut>& cuts_;
  const std::vector<PlatformProfile>& platforms_;
  const std::vector<std::optional<LinkProfile>>& links_;
  const PlanOptions& options_;
  const SensitivityOptions& s_;
  int64_t plannings_ = 0;
};

}  // namespace

SensitivityResult AnalyzeSensitivity(const LayerGraph& graph, const std::vector<Cut>& cuts,
                                     const std::vector<PlatformProfile>& platforms,
                                     const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& options,
                                     const SensitivityOptions& sensitivity) {
  if (!(sensitivity.from > 0) || !(sensitivity.to > sensitivity.from) || !std::isfinite(sensitivity.to)) {
    throw Error("the sensitivity range must be two positive numbers, the first smaller");
  }
  if (options.include_idle_energy) {
    throw Error("--sensitivity does not support --include-idle-energy (idle energy is not closed-form in the period)");
  }
  if (sensitivity.parameter == SensitivityParameter::kBandwidth &&
      std::none_of(links.begin(), links.end(), [](const auto& link) { return link.has_value(); })) {
    throw Error("--sensitivity bandwidth needs at least one link (--link or a platform's default_link)");
  }
  Analyzer analyzer(graph, cuts, platforms, links, options, sensitivity);
  double lo = analyzer.ToX(sensitivity.from), hi = analyzer.ToX(sensitivity.to);
  if (lo > hi) std::swap(lo, hi);
  std::vector<Analyzer::Segment> segments;
  analyzer.Resolve(lo, analyzer.Recommend(lo), hi, analyzer.Recommend(hi), 0, segments);
  SensitivityResult result;
  result.parameter = sensitivity.parameter;
  std::string last_key;
  for (const Analyzer::Segment& segment : segments) {
    Candidate middle = analyzer.Recommend((segment.a + segment.b) / 2);
    if (!result.intervals.empty() && middle.key == last_key) {  // the same plan as its neighbour
      result.intervals.back().to = analyzer.FromX(segment.b);
      continue;
    }
    last_key = middle.key;
    SensitivityInterval interval;
    interval.from = analyzer.FromX(segment.a);
    interval.to = analyzer.FromX(segment.b);
    if (middle.plan) {
      for (const HopReport& hop : middle.plan->hops) {
        if (hop.cut_id >= 0) interval.cuts.push_back(hop.cut_id);
      }
    }
    interval.plan = std::move(middle.plan);
    result.intervals.push_back(std::move(interval));
  }
  if (sensitivity.parameter == SensitivityParameter::kBandwidth) {
    std::reverse(result.intervals.begin(), result.intervals.end());
    for (SensitivityInterval& interval : result.intervals) std::swap(interval.from, interval.to);
  }
  // Exact ends of the range, not their round trip through 1/x.
  result.intervals.front().from = sensitivity.from;
  result.intervals.back().to = sensitivity.to;
  result.plannings = analyzer.plannings();
  return result;
}

}  // namespace dnnpart
