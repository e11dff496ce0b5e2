// libFuzzer target: bytes -> platform profile and link profile, then a
// transfer cost over the link. Any outcome but success or dnnpart::Error is
// a finding.
#include "dnnpart/cost.h"
#include "dnnpart/error.h"
#include "dnnpart/profiles.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dnnpart::fuzz::WriteInput(".json", data, size);
  try {
    dnnpart::LoadPlatformProfile(path);
  } catch (const dnnpart::Error&) {
  }
  try {
    const dnnpart::LinkProfile link = dnnpart::LoadLinkProfile(path);
    for (int64_t bytes : {int64_t{1}, int64_t{1} << 20, int64_t{1} << 40}) dnnpart::TransferCost(link, bytes);
  } catch (const dnnpart::Error&) {
  }
  return 0;
}
