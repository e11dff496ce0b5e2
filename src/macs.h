// Private: the MAC model of single operators, independent of ONNX.
//
// The loader describes each node as an OpDescription (shapes of its inputs,
// constants included, output shapes, the integer and string attributes the
// formulas read) and asks CountMacs for its multiply-accumulate count. The
// formulas are listed in docs/costs.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dnnpart/dtype.h"

namespace dnnpart {

struct OpDescription {
  std::string op_type;
  std::vector<std::optional<Shape>> input_shapes;  // nullopt: optional input absent or shape unknown
  std::vector<Shape> output_shapes;
  std::map<std::string, std::vector<int64_t>> int_attributes;
  std::map<std::string, std::string> string_attributes;  // e.g. Einsum's equation, Resize's mode
};

struct MacCount {
  int64_t macs = 0;
  bool modelled = false;  // false: no formula for this op (or inputs unknown); counted as 0
  bool overflow = false;  // the count does not fit in int64 (macs is then 0)
};

// Returns the MAC count of one operator; never throws.
MacCount CountMacs(const OpDescription& op);

// True for a Conv whose groups each see one input channel (depthwise), which
// accelerators run far below their dense-Conv efficiency.
bool IsDepthwiseConv(const OpDescription& op);

}  // namespace dnnpart
