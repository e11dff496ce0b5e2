// Reading trtexec's --exportProfile and --exportLayerInfo JSON files.
#define JSON_DIAGNOSTICS 1
#include <cmath>
#include <nlohmann/json.hpp>

#include "dnnpart/error.h"
#include "dnnpart/trt_import.h"
#include "json_file.h"

namespace dnnpart {
namespace {

nlohmann::json ReadTrtJson(const std::string& path, const std::string& what) {
  try {
    return ReadJsonFile(path, what);
  } catch (const Error& e) {
    throw e.WithContext(path);
  }
}

double ReadMs(const nlohmann::json& entry, const char* key, const std::string& where) {
  if (!entry.contains(key) || !entry[key].is_number()) {
    throw Error(where + "/" + key + ": must be a non-negative number (milliseconds)");
  }
  const double ms = entry[key].get<double>();
  if (!std::isfinite(ms) || ms < 0) throw Error(where + "/" + key + ": must be a non-negative number (milliseconds)");
  return ms;
}

std::string ReadText(const nlohmann::json& entry, const char* key, const std::string& where) {
  if (!entry.contains(key) || !entry[key].is_string()) throw Error(where + "/" + key + ": must be text");
  return entry[key].get<std::string>();
}

// Every "[ONNX Layer: NAME]" of a Metadata string. TensorRT separates them
// with control characters (0x1F, 0x1E) or nothing; only the brackets count.
std::vector<std::string> OnnxNodesOf(const std::string& metadata) {
  static const std::string kOpen = "[ONNX Layer: ";
  std::vector<std::string> nodes;
  size_t at = metadata.find(kOpen);
  while (at != std::string::npos) {
    const size_t start = at + kOpen.size();
    const size_t next = metadata.find(kOpen, start);
    const size_t close = metadata.rfind(']', next == std::string::npos ? std::string::npos : next);
    if (close == std::string::npos || close < start) break;
    nodes.push_back(metadata.substr(start, close - start));
    at = next;
  }
  return nodes;
}

void ReadTensors(const nlohmann::json& layer, const char* key, const std::string& where,
                 std::vector<std::string>& names, std::vector<std::string>& formats) {
  if (!layer.contains(key)) return;
  const nlohmann::json& list = layer[key];
  if (!list.is_array()) throw Error(where + "/" + key + ": must be an array of tensors");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "/" + key + "/" + std::to_string(i);
    if (!list[i].is_object()) throw Error(at + ": must be an object with a Name");
    names.push_back(ReadText(list[i], "Name", at));
    if (list[i].contains("Format/Datatype") && list[i]["Format/Datatype"].is_string()) {
      formats.push_back(list[i]["Format/Datatype"].get<std::string>());
    }
  }
}

}  // namespace

TrtProfile ReadTrtProfile(const std::string& path) {
  const nlohmann::json root = ReadTrtJson(path, "a trtexec --exportProfile file");
  if (!root.is_array() || root.empty() || !root[0].is_object() || !root[0].contains("count")) {
    throw Error(path + ": /: not a trtexec --exportProfile file (expected an array whose first element is {\"count\": N})");
  }
  TrtProfile profile;
  profile.path = path;
  const nlohmann::json& count = root[0]["count"];
  if (!count.is_number_integer() || count.get<int64_t>() < 1) throw Error(path + ": /0/count: must be a whole number >= 1");
  profile.runs = count.get<int64_t>();
  profile.has_median = true;
  for (size_t i = 1; i < root.size(); ++i) {
    const std::string where = path + ": /" + std::to_string(i);
    const nlohmann::json& entry = root[i];
    if (!entry.is_object()) throw Error(where + ": must be an object with name, timeMs, averageMs");
    TrtProfileLayer layer;
    layer.name = ReadText(entry, "name", where);
    layer.total_ms = ReadMs(entry, "timeMs", where);
    layer.average_ms = ReadMs(entry, "averageMs", where);
    if (entry.contains("medianMs")) {
      layer.median_ms = ReadMs(entry, "medianMs", where);
    } else {
      profile.has_median = false;
    }
    profile.layers.push_back(std::move(layer));
  }
  if (profile.layers.empty()) throw Error(path + ": no layer entries after {\"count\": N}");
  return profile;
}

TrtLayerInfo ReadTrtLayerInfo(const std::string& path) {
  const nlohmann::json root = ReadTrtJson(path, "a trtexec --exportLayerInfo file");
  if (!root.is_object() || !root.contains("Layers") || !root["Layers"].is_array()) {
    throw Error(path + ": /Layers: not a trtexec --exportLayerInfo file (expected an object with a \"Layers\" array)");
  }
  TrtLayerInfo info;
  info.path = path;
  const nlohmann::json& layers = root["Layers"];
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string where = path + ": /Layers/" + std::to_string(i);
    TrtEngineLayer layer;
    if (layers[i].is_string()) {  // --profilingVerbosity=layer_names_only
      layer.name = layers[i].get<std::string>();
      info.layers.push_back(std::move(layer));
      continue;
    }
    if (!layers[i].is_object()) throw Error(where + ": must be an object or a layer name");
    layer.name = ReadText(layers[i], "Name", where);
    if (layers[i].contains("LayerType") && layers[i]["LayerType"].is_string()) {
      layer.layer_type = layers[i]["LayerType"].get<std::string>();
    }
    ReadTensors(layers[i], "Inputs", where, layer.inputs, layer.formats);
    ReadTensors(layers[i], "Outputs", where, layer.outputs, layer.formats);
    if (layers[i].contains("Metadata")) {
      if (!layers[i]["Metadata"].is_string()) throw Error(where + "/Metadata: must be text");
      layer.onnx_nodes = OnnxNodesOf(layers[i]["Metadata"].get<std::string>());
    }
    info.layers.push_back(std::move(layer));
  }
  if (info.layers.empty()) throw Error(path + ": /Layers: is empty");
  return info;
}

}  // namespace dnnpart
