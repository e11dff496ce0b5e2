// Which pipeline `dnnpart split` writes: a plan from a plan JSON document, a
// plan computed in this process, or cut ids given on the command line.
#define JSON_DIAGNOSTICS 1
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "json_file.h"
#include "dnnpart/profiles.h"
#include "dnnpart/split_io.h"

namespace dnnpart {
namespace {

using json = nlohmann::json;

void CheckSameModel(const json& doc, const ModelInfo& model) {
  if (doc.at("kind").get<std::string>() != "plan") {
    throw Error("is a '" + doc.at("kind").get<std::string>() + "' document, not a plan (from `dnnpart plan`)");
  }
  const json& planned = doc.at("model");
  const auto graph_name = planned.at("graph_name").get<std::string>();
  const auto nodes = planned.at("onnx_nodes").get<int64_t>();
  if (graph_name != model.graph_name || nodes != model.onnx_node_count) {
    throw Error("/model: the plan is for graph '" + graph_name + "' with " + std::to_string(nodes) +
                " nodes, but the model is graph '" + model.graph_name + "' with " +
                std::to_string(model.onnx_node_count) + " nodes");
  }
}

// "/pareto/2" or "/recommended" for messages.
const json& Pick(const json& doc, const std::string& pick, std::string& where) {
  if (pick == "recommended") {
    where = "/recommended";
    const json& plan = doc.at("recommended");
    if (plan.is_null()) throw Error("/recommended: the plan has no recommended plan (none met its constraints)");
    return plan;
  }
  if (pick.empty() || pick.size() > 9 || pick.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("--pick '" + pick + "' is neither 'recommended' nor an index into the plan's Pareto list");
  }
  const json& pareto = doc.at("pareto");
  const size_t index = std::stoul(pick);
  if (index >= pareto.size()) {
    throw Error("/pareto: --pick " + pick + " is out of range (the plan lists " + std::to_string(pareto.size()) +
                " Pareto plans)");
  }
  where = "/pareto/" + pick;
  return pareto.at(index);
}

// What a platform's activations travel as: its link's transfer_data_type,
// else its own data_type (docs/planning.md).
std::optional<DType> WireType(const json& platform) {
  if (!platform.contains("link_path") || !platform.contains("data_type")) return std::nullopt;
  const auto link_path = platform.at("link_path").get<std::string>();
  if (!link_path.empty()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(link_path, ec)) {
      if (const auto& transfer = LoadLinkProfile(link_path).transfer_data_type) return transfer;
    }
  }
  return DTypeFromName(platform.at("data_type").get<std::string>());
}

}  // namespace

SplitSource ReadPlanChoice(const std::string& path, const ModelInfo& model, const std::string& pick) {
  std::string where;
  try {
    const json doc = ReadJsonFile(path, "a plan JSON file");
    CheckSameModel(doc, model);
    const json& plan = Pick(doc, pick, where);
    SplitSource source;
    source.origin = path + " (" + (pick == "recommended" ? pick : "pareto " + pick) + ")";
    source.max_cut_tensors = doc.at("settings").at("max_cut_tensors").get<int>();
    if (!plan.contains("cuts")) {
      throw Error(where + ": the plan has no \"cuts\" (written by an older dnnpart); run `dnnpart plan` again");
    }
    for (const json& id : plan.at("cuts")) source.cut_ids.push_back(id.get<size_t>());
    std::map<std::string, std::string> profile_paths;
    std::map<std::string, std::optional<DType>> sent_as;  // by sending platform
    for (const json& platform : doc.at("platforms")) {
      const auto name = platform.at("name").get<std::string>();
      profile_paths[name] = platform.at("path").get<std::string>();
      sent_as[name] = WireType(platform);
    }
    for (const json& stage : plan.at("stages")) {
      source.platforms.push_back(stage.at("platform").get<std::string>());
      source.profiles.push_back(profile_paths[source.platforms.back()]);
      source.stage_latency_ms.emplace_back(stage.at("latency_ms").get<double>());
      source.first_layers.push_back(stage.at("first_layer").get<std::string>());
      source.last_layers.push_back(stage.at("last_layer").get<std::string>());
    }
    for (const json& hop : plan.at("links")) {
      const auto carries = hop.at("carries").get<std::string>();
      if (carries == "activations") source.links.push_back(hop.at("link").get<std::string>());
      if (carries == "input") source.input_link = hop.at("link").get<std::string>();
    }
    for (size_t k = 0; k + 1 < source.platforms.size(); ++k) source.wire_dtypes.push_back(sent_as[source.platforms[k]]);
    if (source.cut_ids.size() + 1 != source.platforms.size() || source.links.size() != source.cut_ids.size()) {
      throw Error(where + ": " + std::to_string(source.platforms.size()) + " stages but " +
                  std::to_string(source.cut_ids.size()) + " cuts");
    }
    source.latency_ms = plan.at("latency_ms").get<double>();
    if (plan.at("throughput_fps").is_number()) source.throughput_fps = plan.at("throughput_fps").get<double>();
    return source;
  } catch (const Error& e) {
    throw e.WithContext(path);
  } catch (const json::exception& e) {
    throw Error(path + ": " + (where.empty() ? "" : where + ": ") + e.what());
  }
}

SplitSource PlanChoice(const PlanReport& plan, const std::vector<PlatformProfile>& platforms,
                       const std::vector<std::optional<LinkProfile>>& links, int max_cut_tensors) {
  SplitSource source;
  source.origin = "plan";
  source.max_cut_tensors = max_cut_tensors;
  for (const HopReport& hop : plan.hops) {
    if (hop.what == "input") source.input_link = hop.link;
    if (hop.cut_id < 0) continue;
    source.cut_ids.push_back(static_cast<size_t>(hop.cut_id));
    source.links.push_back(hop.link);
  }
  for (const StageReport& stage : plan.stages) {
    source.platforms.push_back(stage.device);
    source.profiles.push_back(platforms[static_cast<size_t>(stage.platform)].path);
    source.stage_latency_ms.emplace_back(stage.latency_ms);
    source.first_layers.push_back(stage.first_layer);
    source.last_layers.push_back(stage.last_layer);
  }
  for (size_t k = 0; k + 1 < plan.stages.size(); ++k) {
    const auto p = static_cast<size_t>(plan.stages[k].platform);
    source.wire_dtypes.push_back(links[p] && links[p]->transfer_data_type ? links[p]->transfer_data_type
                                                                          : platforms[p].data_type);
  }
  source.latency_ms = plan.latency_ms;
  source.throughput_fps = plan.throughput_fps;
  return source;
}

std::map<std::string, QuantRange> ReadCalibration(const std::string& path) {
  std::string where;
  try {
    const json doc = ReadJsonFile(path, "a calibration JSON file");
    if (doc.at("kind").get<std::string>() != "calibration") throw Error("/kind: not a calibration document");
    std::map<std::string, QuantRange> ranges;
    for (const auto& [name, entry] : doc.at("tensors").items()) {
      where = "/tensors/" + name;
      QuantRange range{entry.at("min").get<double>(), entry.at("max").get<double>()};
      if (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min > range.max) {
        throw Error(where + ": min and max must be finite with min <= max");
      }
      ranges[name] = range;
    }
    return ranges;
  } catch (const Error& e) {
    throw e.WithContext(path);
  } catch (const json::exception& e) {
    throw Error(path + ": " + (where.empty() ? "" : where + ": ") + e.what());
  }
}

SplitSource CutsChoice(const std::vector<size_t>& cut_ids, int max_cut_tensors) {
  SplitSource source;
  source.origin = "--cuts";
  source.max_cut_tensors = max_cut_tensors;
  source.cut_ids = cut_ids;
  for (size_t k = 0; k <= cut_ids.size(); ++k) {
    source.platforms.push_back("stage_" + std::to_string(k));
    source.profiles.emplace_back();
    source.stage_latency_ms.emplace_back();
  }
  source.links.assign(cut_ids.size(), "");
  source.wire_dtypes.assign(cut_ids.size(), std::nullopt);
  return source;
}

}  // namespace dnnpart
