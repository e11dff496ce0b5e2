// Private: helpers shared by the sweep's source files. Stateless.
#pragma once

#include <string>

namespace dnnpart::sweep_detail {

// Shortest text that reads back as the same double ("100", "12.5", "1e+09").
std::string Number(double value);

}  // namespace dnnpart::sweep_detail
