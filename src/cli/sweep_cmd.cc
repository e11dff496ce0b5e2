// `dnnpart sweep --models ... --platform-sets sets.json --out results.csv`:
// every combination planned in one process (docs/sweep.md). This file owns
// the output file (append line by line, --resume), signals and the terminal.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "commands.h"
#include "common.h"
#include "dnnpart/error.h"
#include "dnnpart/sweep.h"

namespace dnnpart::cli {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int) { g_stop = true; }

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

// The files given, with each folder replaced by its `extension` files in name order.
std::vector<std::string> FilesIn(const std::vector<std::string>& given, const std::string& extension) {
  std::vector<std::string> paths;
  for (const std::string& path : given) {
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      paths.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(path, error)) {
      if (entry.path().extension() == extension) found.push_back(entry.path().string());
    }
    if (error) throw Error(path + ": cannot list the folder (" + error.message() + ")");
    if (found.empty()) throw Error(path + ": no " + extension + " files in this folder");
    std::sort(found.begin(), found.end());
    paths.insert(paths.end(), found.begin(), found.end());
  }
  return paths;
}

// The output file: rows appended one write each; synced at most every 200 ms
// and at the end, so a killed sweep leaves every row it wrote.
class RowFile {
 public:
  RowFile(const std::string& path, bool truncate) : path_(path) {
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0666);
    if (fd_ < 0) throw Error(path + ": cannot open for writing (" + std::strerror(errno) + ")");
  }
  ~RowFile() {
    if (fd_ >= 0) close(fd_);
  }
  RowFile(const RowFile&) = delete;
  RowFile& operator=(const RowFile&) = delete;

  void Append(const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error(path_ + ": write failed (" + std::strerror(errno) + ")");
      done += static_cast<size_t>(n);
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_sync_ > std::chrono::milliseconds(200)) Sync(now);
  }
  void Sync(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    if (fdatasync(fd_) != 0) throw Error(path_ + ": sync failed (" + std::strerror(errno) + ")");
    last_sync_ = now;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point last_sync_ = std::chrono::steady_clock::now();
};

// Reads the rows an earlier run wrote; drops a partial last line. Returns how
// many cases are done; throws when the file belongs to another sweep.
size_t ResumePoint(const std::string& path, bool csv, const std::vector<std::string>& keys) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path + ": cannot read it for --resume (" + std::strerror(errno) + ")");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (complete < text.size()) fs::resize_file(path, complete);
  std::stringstream lines(text.substr(0, complete));
  size_t done = 0, number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    std::optional<std::string> key;
    try {
      key = KeyOfLine(line, csv);
    } catch (const Error& e) {
      throw Error(path + ": line " + std::to_string(number) + ": " + e.what());
    }
    if (!key) continue;
    if (done >= keys.size() || *key != keys[done]) {
      throw Error(path + ": line " + std::to_string(number) + " is case '" + *key + "', but this sweep's case " +
                  std::to_string(done) + " is '" + (done < keys.size() ? keys[done] : "(none)") +
                  "'; --resume needs the same flags as the run that wrote the file");
    }
    ++done;
  }
  if (csv && complete == 0) fs::resize_file(path, 0);
  return done;
}

void Progress(size_t done, size_t total) {
  constexpr size_t kWidth = 30;
  const size_t filled = total ? done * kWidth / total : kWidth;
  std::cerr << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, ' ') << "] " << done << "/" << total
            << " cases" << std::flush;
}

// Per model: cases, statuses and the best gain; then every gate failure.
void PrintSummary(const std::vector<SweepRow>& rows, std::ostream& out) {
  struct Tally {
    size_t cases = 0, ok = 0, no_plan = 0, gate_failed = 0, error = 0;
    std::optional<double> best_gain;
  };
  std::map<std::string, Tally> tallies;
  for (const SweepRow& row : rows) {
    Tally& t = tallies[row.model];
    ++t.cases;
    if (row.status == "ok") ++t.ok;
    if (row.status == "no_plan") ++t.no_plan;
    if (!row.gate_failures.empty()) ++t.gate_failed;
    if (row.status == "error") ++t.error;
    if (row.gain_pct && (!t.best_gain || *row.gain_pct > *t.best_gain)) t.best_gain = row.gain_pct;
  }
  out << "model  cases  ok  no_plan  gate_failed  error  best_gain_pct\n";
  for (const auto& [model, t] : tallies) {
    std::ostringstream gain;
    gain.precision(4);
    if (t.best_gain) gain << *t.best_gain;
    else gain << "-";
    out << model << "  " << t.cases << "  " << t.ok << "  " << t.no_plan << "  " << t.gate_failed << "  " << t.error
        << "  " << gain.str() << "\n";
  }
}

}  // namespace

Action RegisterSweep(CLI::App& app) {
  struct Flags {
    std::vector<std::string> models, systems;
    std::string platform_sets, bandwidths, max_cut_tensors = "1", input_fps, out, objective = "throughput";
    double min_fps = 0, max_latency_ms = 0;
    int jobs = 0;
    bool resume = false, force = false, any_order = false;
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* command = app.add_subcommand("sweep", "Plan every combination of models, platform sets and settings");
  command->add_option("--models", flags->models, "ONNX files or folders of them")->required()->expected(1, -1);
  command->add_option("--systems", flags->systems, "System files, or folders of them (docs/system.md); each is a set")
      ->expected(1, -1);
  command->add_option("--platform-sets", flags->platform_sets,
                      "JSON list of platform sets: [[\"a.json\", \"b.json\"], {\"name\", \"platforms\", \"links\"}, ...]");
  command->add_option("--bandwidths", flags->bandwidths,
                      "Comma list of link bandwidths, in bit/s (10M,100M,1G) or bytes/s with B (12.5MB)");
  command->add_option("--max-cut-tensors", flags->max_cut_tensors, "Comma list of cut limits K (default 1)");
  command->add_option("--input-fps", flags->input_fps, "Comma list of input frame rates (as plan --fps)");
  command->add_flag("--any-order", flags->any_order, "Also try every order of each set's platforms");
  command->add_option("--objective", flags->objective, "What the recommended plan optimises")
      ->check(CLI::IsMember({"throughput", "latency", "energy"}));
  auto* min_fps = command->add_option("--min-fps", flags->min_fps, "Gate: the recommended plan must reach this fps")
                      ->check(PositiveFinite());
  auto* max_latency = command->add_option("--max-latency-ms", flags->max_latency_ms,
                                          "Gate: the recommended plan's latency must not exceed this")
                          ->check(PositiveFinite());
  command->add_option("-j,--jobs", flags->jobs, "Cases planned in parallel (default: the number of cores)")
      ->check(IntegerIn(1, 1024));
  command->add_option("--out", flags->out, "Results: .csv or .jsonl (one row per case)")->required();
  command->add_flag("--resume", flags->resume, "Continue the sweep that wrote --out (same flags)");
  command->add_flag("--force", flags->force, "Overwrite an existing --out");
  return [flags, min_fps, max_latency]() -> int {
    if (flags->platform_sets.empty() && flags->systems.empty()) {
      throw Error("sweep: give --platform-sets sets.json or --systems FILES|DIR");
    }
    const std::string extension = fs::path(flags->out).extension().string();
    if (extension != ".csv" && extension != ".jsonl") throw Error(flags->out + ": --out must end in .csv or .jsonl");
    const bool csv = extension == ".csv";
    SweepAxes axes;
    axes.models = FilesIn(flags->models, ".onnx");
    if (!flags->platform_sets.empty()) axes.platform_sets = LoadPlatformSets(flags->platform_sets);
    for (const std::string& system : FilesIn(flags->systems, ".json")) {
      PlatformSet set;
      set.name = fs::path(system).stem().string();
      set.system = system;
      axes.platform_sets.push_back(std::move(set));
    }
    if (!flags->bandwidths.empty()) {
      axes.bandwidths_bytes_per_s.clear();
      for (const std::string& b : SplitList(flags->bandwidths)) {
        try {
          axes.bandwidths_bytes_per_s.push_back(ParseBandwidth(b));
        } catch (const Error& e) {
          throw e.WithContext("--bandwidths");
        }
      }
    }
    axes.max_cut_tensors.clear();
    for (const std::string& k : SplitList(flags->max_cut_tensors)) {
      axes.max_cut_tensors.push_back(static_cast<int>(IntegerItem(k, 1, 16, "--max-cut-tensors")));
    }
    if (!flags->input_fps.empty()) {
      axes.input_fps.clear();
      for (const std::string& f : SplitList(flags->input_fps)) axes.input_fps.push_back(PositiveFiniteItem(f, "--input-fps"));
    }
    SweepOptions options;
    options.plan.any_order = flags->any_order;
    options.plan.objective = flags->objective == "latency"  ? Objective::kLatency
                             : flags->objective == "energy" ? Objective::kEnergy
                                                            : Objective::kThroughput;
    if (*min_fps) options.gates.min_fps = flags->min_fps;
    if (*max_latency) options.gates.max_latency_ms = flags->max_latency_ms;
    options.threads = flags->jobs > 0 ? flags->jobs : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    const std::vector<SweepCase> cases = ExpandCases(axes);
    std::vector<std::string> keys;
    for (const SweepCase& c : cases) keys.push_back(CaseKey(axes, c));
    const bool exists = fs::exists(flags->out);
    if (exists && !flags->resume && !flags->force) {
      throw Error(flags->out + ": exists (use --resume to continue it or --force to overwrite it)");
    }
    const bool resuming = exists && flags->resume;
    options.skip_cases = resuming ? ResumePoint(flags->out, csv, keys) : 0;
    RowFile file(flags->out, !resuming);
    if (csv && (!resuming || fs::file_size(flags->out) == 0)) file.Append(CsvHeader());
    g_stop = false;
    options.stop = &g_stop;
    struct sigaction action {};
    action.sa_handler = OnSignal;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    const bool tty = isatty(STDERR_FILENO) != 0;
    std::vector<SweepRow> rows;
    RunSweep(axes, cases, options,
             [&](const SweepRow& row) {
               file.Append(csv ? CsvRow(row) : JsonlRow(row));
               rows.push_back(row);
             },
             [tty](size_t done, size_t total) {
               if (tty) Progress(done, total);
             });
    file.Sync();
    if (tty) std::cerr << "\n";
    const size_t done = options.skip_cases + rows.size();
    if (done < cases.size()) {
      std::cerr << "dnnpart: sweep interrupted after " << done << " of " << cases.size() << " cases; " << flags->out
                << " holds them; run again with --resume to continue\n";
      return 130;
    }
    PrintSummary(rows, std::cout);
    int code = 0;
    for (const SweepRow& row : rows) {
      for (const std::string& failure : row.gate_failures) {
        std::cerr << "dnnpart: gate failed: case " << row.index << " (" << row.key << "): " << failure << "\n";
        code = 4;
      }
      if (row.status == "error") {
        std::cerr << "dnnpart: error: case " << row.index << " (" << row.key << "): " << row.error << "\n";
        if (code == 0) code = 1;
      }
    }
    return code;
  };
}

}  // namespace dnnpart::cli
