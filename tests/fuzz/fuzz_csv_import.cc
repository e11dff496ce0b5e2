// libFuzzer target: bytes as a measurement CSV imported into a fixed base
// profile (ImportCsvIntoProfile, unchanged). Any outcome but success or
// dnnpart::Error is a finding.
#include "dnnpart/error.h"
#include "dnnpart/profile_import.h"
#include "fuzz_input.h"

#ifndef DNNPART_SOURCE_DIR
#error "DNNPART_SOURCE_DIR must name the source tree (for the base profile)"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = dnnpart::fuzz::WriteInput(".csv", data, size);
  try {
    dnnpart::ImportCsvIntoProfile(path, DNNPART_SOURCE_DIR "/tests/data/profiles/good_a.json", {});
  } catch (const dnnpart::Error&) {
  }
  return 0;
}
