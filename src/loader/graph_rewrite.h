// Private: rewrites of the parsed ONNX graph that loading makes before its
// layer graph is built: graph inputs bound to values become initializers, and
// If nodes whose condition is known at load time are replaced by the branch
// they take. Both act on the model the loader owns; neither is thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "loader/value_inference.h"

namespace dnnpart {

// Turns each graph input named in `values` (--input-value) into an
// initializer of the input's declared element type and static shape, and
// removes it from the graph inputs. Throws Error naming the input when it
// does not exist, is not a static tensor, or the values do not fit it (count,
// integrality, range of the element type).
void BindInputValues(onnx::GraphProto& graph, const std::map<std::string, std::vector<double>>& values);

// Replaces every top-level If whose condition `values` know by the nodes of
// the branch it takes. A condition computed from bounded sizes (from_bound)
// counts as known: the branch the bounds select is the one planned, with a
// warning, and what it computes from bounded tensors stays marked bounded.
// The branch's nodes keep their names; its outputs take the If's output
// names (an Identity forwards a value the branch only passes through), and
// its initializers and value_info move into the graph. `index` and `values` describe `graph` before the change and are
// stale after it. Returns how many If nodes were replaced; throws Error when
// a branch defines a name the graph already uses.
int InlineKnownIfs(onnx::GraphProto& graph, const NameIndex& index, const std::vector<ValueInfo>& values);

}  // namespace dnnpart
