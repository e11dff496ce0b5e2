// libFuzzer target: the trace importers (`profile import --from ort` and
// `--from trtexec`), called unchanged. The first byte picks which file the
// rest of the input replaces; the other files are the bundled fixtures:
//   0: the ORT trace          (tests/data/ort/tiny_cnn.trace.json)
//   1: the ORT unfused trace  (tests/data/ort/tiny_cnn.unfused.trace.json)
//   2: the trtexec profile    (tests/data/trtexec/resnet18.profile.json)
//   3: the trtexec layer info (tests/data/trtexec/resnet18.layers.json)
// Any outcome but success or dnnpart::Error is a finding.
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/ort_import.h"
#include "dnnpart/trt_import.h"
#include "fuzz_input.h"

#ifndef DNNPART_SOURCE_DIR
#error "DNNPART_SOURCE_DIR must name the source tree (for the fixtures)"
#endif

namespace {

const std::string kSource = DNNPART_SOURCE_DIR;

const dnnpart::Model& TinyCnn() {
  static const dnnpart::Model model = dnnpart::Model::Load(kSource + "/tests/data/ort/tiny_cnn.onnx", {});
  return model;
}

const dnnpart::Model& ResNet18() {
  static const dnnpart::Model model = dnnpart::Model::Load(kSource + "/models/resnet18.onnx", {});
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int which = data[0] % 4;
  const std::string path = dnnpart::fuzz::WriteInput(".json", data + 1, size - 1);
  try {
    if (which <= 1) {
      dnnpart::OrtImportOptions options;
      options.force = true;  // reach the mapping and the writer, not only the coverage refusal
      std::string trace = kSource + "/tests/data/ort/tiny_cnn.trace.json";
      if (which == 0) {
        trace = path;
      } else {
        options.unfused_trace_path = path;
      }
      dnnpart::ImportOrtIntoProfile(trace, kSource + "/tests/data/ort/tiny_cnn.optimized.onnx", TinyCnn().graph(),
                                    kSource + "/platforms/raspberry_pi_4.json", options);
    } else {
      dnnpart::TrtImportOptions options;
      options.force = true;
      std::string profile = kSource + "/tests/data/trtexec/resnet18.profile.json";
      std::string layers = kSource + "/tests/data/trtexec/resnet18.layers.json";
      (which == 2 ? profile : layers) = path;
      dnnpart::ImportTrtIntoProfile(profile, layers, ResNet18().graph(), kSource + "/platforms/jetson_orin_nano_8gb.json",
                                    options);
    }
  } catch (const dnnpart::Error&) {
  }
  return 0;
}
