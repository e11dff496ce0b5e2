// Running a sweep: each model loaded once, its cuts found once per limit, the
// cases planned on a thread pool, rows handed on in case order.
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "dnnpart/cost.h"
#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/report.h"
#include "dnnpart/sweep.h"
#include "sweep/sweep_internal.h"

namespace dnnpart {
namespace {

// Warnings logged by a thread that set t_capture go into that list instead of
// stderr; other messages go to the previous logger's sinks.
thread_local std::vector<std::string>* t_capture = nullptr;

class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit CaptureSink(std::shared_ptr<spdlog::logger> previous) : previous_(std::move(previous)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    if (t_capture != nullptr && message.level == spdlog::level::warn) {
      t_capture->emplace_back(message.payload.data(), message.payload.size());
      return;
    }
    if (!previous_->should_log(message.level)) return;
    for (const auto& target : previous_->sinks()) {
      if (target->should_log(message.level)) target->log(message);
    }
  }
  void flush_() override { previous_->flush(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

// Installs a capturing default logger for the sweep's lifetime.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("dnnpart", std::make_shared<CaptureSink>(previous_));
    logger->set_level(std::min(previous_->level(), spdlog::level::warn));
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

// Runs fn(i) for i in [0, n) on `threads` threads; fn must not throw.
template <typename Fn>
void ParallelFor(size_t n, int threads, const Fn& fn) {
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads && static_cast<size_t>(t) < n; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
}

template <typename T>
struct Loaded {
  std::optional<T> value;
  std::string error;
  std::vector<std::string> warnings;
};

template <typename T, typename Make>
void LoadInto(Loaded<T>& slot, const Make& make) {
  t_capture = &slot.warnings;
  try {
    slot.value.emplace(make());
  } catch (const std::exception& e) {
    slot.error = e.what();
  }
  t_capture = nullptr;
}

void FillPlan(SweepRow& row, const PlanResult& result) {
  const PlanReport& best = result.pareto[*result.recommended];
  row.plan = RouteText(best);
  for (const HopReport& hop : best.hops) {
    if (hop.cut_id >= 0) row.cuts.push_back(hop.cut_id);
  }
  row.throughput_fps = best.throughput_fps;
  row.latency_ms = best.latency_ms;
  row.energy_mj = best.energy_mj;
  if (result.best_baseline) row.best_baseline = result.baselines[*result.best_baseline].stages.front().device;
  row.gain_pct = result.improvement_pct;
  const Bottleneck& limit = best.bottleneck;
  if (limit.kind == "stage") {
    row.bottleneck = "stage " + std::to_string(limit.stage) + " " + limit.device;
  } else if (limit.kind == "link") {
    row.bottleneck = "link " + limit.resource;
  } else {
    row.bottleneck = "input rate";
  }
  row.bottleneck_ms = limit.period_ms;
}

void CheckGates(SweepRow& row, const SweepGates& gates) {
  using sweep_detail::Number;
  if (gates.min_fps && *row.throughput_fps < *gates.min_fps) {
    row.gate_failures.push_back(Number(*row.throughput_fps) + " fps < --min-fps " + Number(*gates.min_fps));
  }
  if (gates.max_latency_ms && *row.latency_ms > *gates.max_latency_ms) {
    row.gate_failures.push_back(Number(*row.latency_ms) + " ms > --max-latency-ms " + Number(*gates.max_latency_ms));
  }
  if (!row.gate_failures.empty()) {
    row.status = "gate_failed";
    row.exit_status = 4;
  }
}

struct Prepared {
  std::vector<Loaded<Model>> models;
  std::map<std::pair<size_t, int>, Loaded<std::vector<Cut>>> cuts;  // by (model, K)
  std::vector<Loaded<PlanTarget>> sets;
};

SweepRow RunCase(const SweepAxes& axes, const SweepCase& c, const SweepOptions& options, const Prepared& prep) {
  SweepRow row;
  row.index = c.index;
  row.key = CaseKey(axes, c);
  row.model = axes.models[c.model];
  row.platform_set = axes.platform_sets[c.platform_set].name;
  row.bandwidth_bytes_per_s = c.bandwidth_bytes_per_s;
  row.max_cut_tensors = c.max_cut_tensors;
  row.input_fps = c.input_fps;
  const auto& model = prep.models[c.model];
  const auto& cuts = prep.cuts.at({c.model, c.max_cut_tensors});
  const auto& set = prep.sets[c.platform_set];
  for (const auto* warnings : {&model.warnings, &cuts.warnings, &set.warnings}) {
    row.warnings.insert(row.warnings.end(), warnings->begin(), warnings->end());
  }
  const std::string error = !model.error.empty() ? model.error : !cuts.error.empty() ? cuts.error : set.error;
  row.status = "error";
  row.exit_status = 1;
  row.error = error;
  if (!error.empty()) return row;
  t_capture = &row.warnings;
  try {
    PlanTarget target = *set.value;
    if (c.bandwidth_bytes_per_s) {  // every link (chain) or medium (system) at the case's bandwidth
      for (auto& link : target.links) {
        if (link) link->bandwidth_bytes_per_s = *c.bandwidth_bytes_per_s;
      }
      if (target.system) {
        for (SystemMedium& medium : target.system->media) medium.link.bandwidth_bytes_per_s = *c.bandwidth_bytes_per_s;
      }
    }
    PlanOptions plan = options.plan;
    if (c.input_fps) plan.input_fps = c.input_fps;  // else a system file's own input rate
    const LayerGraph& graph = model.value->graph();
    for (const OpTypeCount& op : UncostedOpTypes(graph, target.platforms)) {
      row.warnings.push_back("no MAC model for " + op.op_type + " x" + std::to_string(op.layers) + " (counted as 0)");
    }
    const PlanResult result = PlanPartitions(graph, *cuts.value, target, plan);
    row.error.clear();
    if (result.recommended) {
      row.status = "ok";
      row.exit_status = 0;
      FillPlan(row, result);
      CheckGates(row, options.gates);
    } else {
      row.status = "no_plan";
      row.exit_status = 3;
      if (options.gates.min_fps || options.gates.max_latency_ms) row.gate_failures.push_back("no feasible plan");
    }
  } catch (const std::exception& e) {
    row.error = e.what();
  }
  t_capture = nullptr;
  return row;
}

Prepared Prepare(const SweepAxes& axes, const std::vector<SweepCase>& cases, int threads) {
  Prepared prep;
  std::vector<bool> model_needed(axes.models.size(), false);
  for (const SweepCase& c : cases) {
    model_needed[c.model] = true;
    prep.cuts[{c.model, c.max_cut_tensors}];
  }
  prep.models.resize(axes.models.size());
  ParallelFor(axes.models.size(), threads, [&](size_t m) {
    if (model_needed[m]) LoadInto(prep.models[m], [&] { return Model::Load(axes.models[m], LoadOptions{}); });
  });
  std::vector<std::pair<const std::pair<size_t, int>, Loaded<std::vector<Cut>>>*> cut_slots;
  for (auto& entry : prep.cuts) cut_slots.push_back(&entry);
  ParallelFor(cut_slots.size(), threads, [&](size_t i) {
    const auto& [m, k] = cut_slots[i]->first;
    if (!prep.models[m].value) return;
    LoadInto(cut_slots[i]->second, [&, k = k, m = m] {
      CutOptions options;
      options.max_cut_tensors = k;
      return FindCuts(prep.models[m].value->graph(), options);
    });
    if (!cut_slots[i]->second.error.empty()) cut_slots[i]->second.error = axes.models[m] + ": " + cut_slots[i]->second.error;
  });
  prep.sets.resize(axes.platform_sets.size());
  for (size_t s = 0; s < axes.platform_sets.size(); ++s) {
    LoadInto(prep.sets[s], [&] {
      const PlatformSet& set = axes.platform_sets[s];
      if (!set.system.empty()) return SystemTarget(LoadSystem(set.system));
      std::vector<PlatformProfile> platforms;
      for (const std::string& path : set.platforms) platforms.push_back(LoadPlatformProfile(path));
      std::vector<std::optional<LinkProfile>> links = ResolveLinks(platforms, set.links);
      return ChainTarget(platforms, links);
    });
  }
  return prep;
}

}  // namespace

size_t RunSweep(const SweepAxes& axes, const std::vector<SweepCase>& cases, const SweepOptions& options,
                const std::function<void(const SweepRow&)>& emit,
                const std::function<void(size_t done, size_t total)>& progress) {
  if (options.skip_cases >= cases.size()) return 0;
  const std::vector<SweepCase> todo(cases.begin() + static_cast<std::ptrdiff_t>(options.skip_cases), cases.end());
  LogCapture capture;
  const Prepared prep = Prepare(axes, todo, std::max(options.threads, 1));
  std::vector<std::optional<SweepRow>> rows(todo.size());
  std::mutex mutex;
  std::condition_variable ready;
  std::atomic<size_t> next{0};
  size_t running = 0;
  std::atomic<bool> failed{false};  // emit threw: finish quickly, then rethrow
  const auto stopped = [&] { return failed.load() || (options.stop != nullptr && options.stop->load()); };
  const auto work = [&] {
    for (size_t i = next++; i < todo.size() && !stopped(); i = next++) {
      SweepRow row = RunCase(axes, todo[i], options, prep);
      std::lock_guard<std::mutex> lock(mutex);
      rows[i] = std::move(row);
      ready.notify_one();
    }
    std::lock_guard<std::mutex> lock(mutex);
    --running;
    ready.notify_one();
  };
  std::vector<std::thread> pool;
  // The count is fixed before any worker starts: a worker that finishes at
  // once decrements `running`, so the loop must not read it (it did, and a
  // stopped sweep could start one worker of two and wait forever).
  const auto threads = static_cast<size_t>(std::max(options.threads, 1));
  running = threads;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  size_t emitted = 0;
  std::exception_ptr error;
  try {
    std::unique_lock<std::mutex> lock(mutex);
    while (emitted < todo.size()) {
      ready.wait(lock, [&] { return rows[emitted].has_value() || running == 0; });
      if (!rows[emitted]) break;  // every worker stopped
      SweepRow row = std::move(*rows[emitted]);
      rows[emitted].reset();
      lock.unlock();
      emit(row);
      ++emitted;
      if (progress) progress(options.skip_cases + emitted, cases.size());
      lock.lock();
    }
  } catch (...) {
    error = std::current_exception();
    failed = true;
  }
  for (std::thread& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
  return emitted;
}

}  // namespace dnnpart
