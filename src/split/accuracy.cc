// Emits each Pareto plan into a temporary folder and runs the user's
// accuracy command on it.
#include "dnnpart/accuracy.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <tuple>

#include "dnnpart/error.h"
#include "dnnpart/split_io.h"
#include "process.h"

namespace dnnpart {
namespace {

// A folder under $TMPDIR (or /tmp), removed with everything in it.
class TempFolder {
 public:
  TempFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/dnnpart_accuracy.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw Error(pattern + ": cannot create a temporary folder");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string WithDir(const std::string& command, const std::string& dir) {
  std::string out;
  const std::string quoted = ShellQuote(dir);
  for (size_t i = 0; i < command.size();) {
    if (command.compare(i, 5, "{dir}") == 0) {
      out += quoted;
      i += 5;
    } else {
      out += command[i++];
    }
  }
  return out;
}

std::string LastLine(const std::string& text) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line)) {
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;
    last = line.substr(begin, line.find_last_not_of(" \t\r") - begin + 1);
  }
  return last;
}

// The plan's accuracy from the command's output; throws when there is none.
double ParseAccuracy(const ProcessResult& run) {
  const std::string line = LastLine(run.out);
  char* end = nullptr;
  const double value = std::strtod(line.c_str(), &end);
  if (line.empty() || end != line.c_str() + line.size() || !std::isfinite(value)) {
    throw Error("its last output line is not a number ('" + line.substr(0, 80) + "')");
  }
  return value;
}

double Measure(const Model& model, const SplitSource& source, const AccuracyOptions& options, const std::string& dir) {
  SplitWriteOptions write;
  write.out_dir = dir;
  write.insert_casts = options.insert_casts;
  write.load = options.load;
  WriteSplit(model, source, write);
  const std::string command = WithDir(options.command, dir);
  spdlog::debug("accuracy: running {}", command);
  const ProcessResult run = RunShell(command);
  if (run.exit_code != 0) {
    const std::string why = LastLine(run.err);
    throw Error("exited with status " + std::to_string(run.exit_code) + (why.empty() ? "" : ": " + why));
  }
  return ParseAccuracy(run);
}

// The planner's recommendation order (docs/planning.md): the objective first,
// then the other two.
bool Better(Objective objective, const PlanReport& a, const PlanReport& b) {
  auto key = [objective](const PlanReport& p) {
    switch (objective) {
      case Objective::kThroughput: return std::make_tuple(-p.throughput_fps, p.latency_ms, p.energy_mj);
      case Objective::kLatency: return std::make_tuple(p.latency_ms, -p.throughput_fps, p.energy_mj);
      case Objective::kEnergy: break;
    }
    return std::make_tuple(p.energy_mj, -p.throughput_fps, p.latency_ms);
  };
  return key(a) < key(b);
}

double Improvement(Objective objective, const PlanReport& plan, const PlanReport& base) {
  switch (objective) {
    case Objective::kThroughput: return (plan.throughput_fps / base.throughput_fps - 1) * 100;
    case Objective::kLatency: return (1 - plan.latency_ms / base.latency_ms) * 100;
    case Objective::kEnergy: break;
  }
  return (1 - plan.energy_mj / base.energy_mj) * 100;
}

void RecommendAgain(const PlanOptions& plan_options, PlanResult& result) {
  result.recommended.reset();
  result.improvement_pct.reset();
  for (size_t i = 0; i < result.pareto.size(); ++i) {
    if (!result.recommended || Better(plan_options.objective, result.pareto[i], result.pareto[*result.recommended])) {
      result.recommended = i;
    }
  }
  if (result.recommended && result.best_baseline) {
    const double improvement = Improvement(plan_options.objective, result.pareto[*result.recommended],
                                           result.baselines[*result.best_baseline]);
    if (std::isfinite(improvement)) result.improvement_pct = improvement;
  }
}

std::string Text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace

void ScorePlanAccuracy(const Model& model, const std::vector<PlatformProfile>& platforms,
                       const std::vector<std::optional<LinkProfile>>& links, const PlanOptions& plan_options,
                       const AccuracyOptions& options, PlanResult& result) {
  if (options.command.empty()) throw Error("--accuracy-cmd is empty");
  const TempFolder tmp;
  std::vector<PlanReport> kept;
  for (size_t i = 0; i < result.pareto.size(); ++i) {
    PlanReport& plan = result.pareto[i];
    const std::string dir = tmp.path() + "/pareto_" + std::to_string(i);
    try {
      plan.accuracy = Measure(model, PlanChoice(plan, platforms, links, options.max_cut_tensors), options, dir);
    } catch (const Error& e) {
      throw e.WithContext("Pareto plan " + std::to_string(i) + ": --accuracy-cmd '" + options.command + "'");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    spdlog::info("Pareto plan {}: accuracy {}", i, Text(*plan.accuracy));
    if (options.min_accuracy && *plan.accuracy < *options.min_accuracy) {
      plan.feasible = false;
      plan.violations.push_back("accuracy " + Text(*plan.accuracy) + " is below --min-accuracy " +
                                Text(*options.min_accuracy));
      if (plan_options.show_infeasible) result.rejected.push_back(plan);
      continue;
    }
    kept.push_back(plan);
  }
  if (kept.size() != result.pareto.size()) {
    result.pareto = std::move(kept);
    RecommendAgain(plan_options, result);
  }
}

}  // namespace dnnpart
