// libFuzzer target: bytes -> ONNX model -> layer graph -> cuts (K = 2) ->
// reports. Any outcome but success or dnnpart::Error is a finding.
#include <sstream>

#include "dnnpart/cuts.h"
#include "dnnpart/error.h"
#include "dnnpart/model.h"
#include "dnnpart/report.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dnnpart::fuzz::WriteInput(".onnx", data, size);
  try {
    const dnnpart::Model model = dnnpart::Model::Load(path, {});
    const auto cuts = dnnpart::FindCuts(model.graph(), {.max_cut_tensors = 2});
    std::ostringstream out;
    dnnpart::MakeReporter("json")->WriteCuts(dnnpart::MakeCutsReport(model, cuts, 2), out);
    dnnpart::MakeReporter("table")->WriteInspect(dnnpart::MakeInspectReport(model), out);
  } catch (const dnnpart::Error&) {
  }
  return 0;
}
