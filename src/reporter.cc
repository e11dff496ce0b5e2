#include "dnnpart/error.h"
#include "dnnpart/report.h"

namespace dnnpart {

std::unique_ptr<Reporter> MakeReporter(std::string_view name) {
  if (name == "json") return MakeJsonReporter();
  if (name == "table") return MakeTableReporter();
  throw Error("unknown format '" + std::string(name) + "' (choose table or json)");
}

}  // namespace dnnpart
